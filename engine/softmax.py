"""Softmax regression: ``nn.Linear(d, C)`` + softmax + cross-entropy, trained fast on preloaded tensors.

``train_softmax`` keeps the whole data set as tensors on the device (images stay uint8 and are
flattened and converted to float per batch; the 1/255 of ``ToTensor`` is applied per batch, and
the closed-form route folds it into its two matrix products) and walks it in batches taken from
a seeded permutation of indices; no per-sample ``DataLoader``.

Two routes compute the same steps:

* ``"closed-form"`` (SGD, the default for SGD): for mean cross-entropy the gradient of the logits
  is ``G = (softmax(z) - onehot(y)) / B``, so one step is ``W -= lr * Gᵀ X`` and ``b -= lr * ΣG``,
  done in place with ``addmm_`` under ``no_grad``. No autograd graph, no optimizer object, and
  no host synchronisation inside the epoch (loss and accuracy accumulate on the device).
* ``"autograd"``: ``F.cross_entropy`` + ``backward()`` + ``torch.optim.SGD`` or ``torch.optim.Adam``
  (Adam always takes this route).

Tests check that both routes give the same weights after an epoch.

Seeding follows the course notes: the model starts as ``torch.manual_seed(seed); nn.Linear(d, C)``
would build it, and the mini-batch order is drawn exactly as ``DataLoader(shuffle=True)`` draws
it after that (one base-seed draw, one sampler-seed draw, then ``randperm``). All of it comes
from a private generator seeded with ``seed`` (the same stream), never from torch's global one,
so concurrent sessions of the app cannot disturb each other's runs.

On the CPU, training runs with one intra-op thread (``single_intraop_thread``): these
128 x 784 x 10 steps are far too small for OpenMP to pay off, and on a busy machine the thread
hand-offs cost many times the arithmetic. The change is confined to the training thread; see the
context manager's notes.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.data import TableError, is_blank
from engine.device import pick_device
from engine.seeding import seeded_linear

OnEpoch = Callable[[int, dict], None]
OPTIMIZERS = ("sgd", "adam")
ROUTES = ("auto", "closed-form", "autograd")
EVAL_CHUNK = 4096

# Seed 004's table: 8 rows, 4 features, 3 classes.
TUTORIAL_X = [
    [1, 2, 1, 1],
    [2, 1, 3, 2],
    [3, 1, 3, 4],
    [4, 1, 5, 5],
    [1, 7, 5, 5],
    [1, 2, 5, 6],
    [1, 6, 6, 6],
    [1, 7, 7, 7],
]
TUTORIAL_Y = [2, 2, 2, 1, 1, 1, 0, 0]
FEATURES = ("x1", "x2", "x3", "x4")
LABEL = "y"
MAX_CLASSES = 10


# --- Result --------------------------------------------------------------------------------------


@dataclass
class SoftmaxFit:
    """A trained softmax regression. ``model`` lives on the CPU."""

    model: nn.Linear
    history: pd.DataFrame  # epoch, loss, train_accuracy, test_accuracy
    confusion: np.ndarray  # [C, C]: rows = true class, columns = predicted
    test_accuracy: float | None
    n_classes: int
    optimizer: str
    route: str
    device: str
    train_seconds: float
    diverged: bool = False
    # Predicted class of every row the confusion matrix counts (test set when given, else training set).
    predictions: np.ndarray | None = None
    confusion_on: str = "test"
    epoch_seconds: list[float] = field(default_factory=list)

    @property
    def weight(self) -> np.ndarray:
        return self.model.weight.detach().cpu().numpy().copy()

    @property
    def bias(self) -> np.ndarray:
        return self.model.bias.detach().cpu().numpy().copy()

    @property
    def final_loss(self) -> float:
        return float(self.history["loss"].iloc[-1]) if len(self.history) else math.nan

    def logits(self, X) -> torch.Tensor:
        x, is_u8 = _features(X)
        x = x.to(torch.float32)
        if is_u8:
            x = x.div(255)
        with torch.no_grad():
            return self.model(x)

    def predict_proba(self, X) -> np.ndarray:
        """Softmax probabilities [n, C] for float features [n, d] or uint8 images [n, ...]."""
        return torch.softmax(self.logits(X), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        return self.logits(X).argmax(dim=1).numpy()


# --- Threads -------------------------------------------------------------------------------------

_THREADS_LOCK = threading.Lock()


def _in_fresh_thread(fn):
    out: list = []
    worker = threading.Thread(target=lambda: out.append(fn()), name="logitlab-threads", daemon=True)
    worker.start()
    worker.join()
    return out[0]


def process_default_threads() -> int:
    """The intra-op thread count a newly started thread gets (what another session's run would use)."""
    return _in_fresh_thread(torch.get_num_threads)


@contextlib.contextmanager
def single_intraop_thread(enabled: bool = True) -> Iterator[None]:
    """Run the body with one intra-op thread in *this* thread only; restore it afterwards.

    ``torch.set_num_threads`` does two things with PyTorch's OpenMP backend: it sets the calling
    thread's OpenMP/MKL thread count, and it sets the process-wide default that every thread
    picks up the first time it does parallel work. Streamlit runs every session's script in
    threads of one process, so the default must not stay at 1 while we train. Hence:
    set 1 here, then at once put the process default back from a short-lived helper thread
    (its own call leaves our thread at 1). On exit this thread gets its old count back.
    A lock serialises these hand-overs between concurrent trainings.
    """
    if not enabled:
        yield
        return
    with _THREADS_LOCK:
        shared = process_default_threads()
        mine = torch.get_num_threads()
        if mine != 1:
            torch.set_num_threads(1)
        if shared != 1 and mine != 1:
            _in_fresh_thread(lambda: torch.set_num_threads(shared))
    try:
        yield
    finally:
        with _THREADS_LOCK:
            if mine != 1:
                torch.set_num_threads(mine)
                if shared != mine:
                    _in_fresh_thread(lambda: torch.set_num_threads(shared))


# --- Seeding -------------------------------------------------------------------------------------


class DataLoaderOrder:
    """Epoch permutations drawn as ``DataLoader(dataset, shuffle=True)`` draws them.

    Each epoch, ``DataLoader.__iter__`` takes one int64 from the global generator (the
    iterator's base seed), then ``RandomSampler`` takes another to seed a fresh generator for
    ``randperm(n)``. Here both draws come from a private generator holding the global state
    right after the model was built, so the batches are the tutorial's batches.
    """

    def __init__(self, rng_state: torch.Tensor):
        self.gen = torch.Generator()
        self.gen.set_state(rng_state)

    def permutation(self, n: int) -> torch.Tensor:
        torch.empty((), dtype=torch.int64).random_(generator=self.gen)  # the iterator's _base_seed
        seed = int(torch.empty((), dtype=torch.int64).random_(generator=self.gen).item())
        return torch.randperm(n, generator=torch.Generator().manual_seed(seed))


# --- Inputs --------------------------------------------------------------------------------------


def _features(X) -> tuple[torch.Tensor, bool]:
    """[n, d] tensor (uint8 images are flattened, not scaled) and whether it is uint8."""
    if isinstance(X, np.ndarray) and not X.flags.writeable:
        X = X.copy()  # torch wants writable memory
    x = torch.as_tensor(X)
    if x.ndim == 1:
        x = x.unsqueeze(0)
    is_u8 = x.dtype == torch.uint8
    if x.ndim > 2:
        x = x.reshape(x.shape[0], -1)
    if not is_u8 and x.dtype != torch.float32:
        x = x.to(torch.float32)
    return x, is_u8


def _labels(y, n: int, n_classes: int, name: str) -> torch.Tensor:
    t = (
        torch.as_tensor(np.array(y) if isinstance(y, np.ndarray) and not y.flags.writeable else y)
        .reshape(-1)
        .to(torch.int64)
    )
    if t.shape[0] != n:
        raise ValueError(f"{name} has {t.shape[0]} labels for {n} rows.")
    if n and (int(t.min()) < 0 or int(t.max()) >= n_classes):
        raise ValueError(f"{name} must hold class numbers 0..{n_classes - 1}.")
    return t


def _to_float(xb: torch.Tensor, is_u8: bool) -> torch.Tensor:
    return xb.to(torch.float32).div_(255) if is_u8 else xb


# --- Training ------------------------------------------------------------------------------------


def train_softmax(
    X,
    y,
    *,
    n_classes: int,
    lr: float,
    epochs: int,
    batch_size: int,
    seed: int = 0,
    device: torch.device | str | None = None,
    X_test=None,
    y_test=None,
    on_epoch: OnEpoch | None = None,
    optimizer: str = "sgd",
    route: str = "auto",
    drop_last: bool = True,
    single_thread: bool = True,
) -> SoftmaxFit:
    """Train ``nn.Linear(d, n_classes)`` with cross-entropy; see the module notes.

    ``X``: float [n, d], or uint8 images [n, ...] (flattened, scaled by 1/255 per batch).
    ``epochs``: passes over the data. ``batch_size >= n`` means full batch, in order: one step
    per epoch, so ``epochs`` is then the number of steps (1001 for the tutorial's 0..1000).
    Otherwise each epoch walks a seeded permutation in batches (the last partial batch is
    dropped when ``drop_last``, as in the tutorial's DataLoader).

    ``history`` row ``k`` (``epoch`` = k, counting from 0): ``loss`` and ``train_accuracy`` are the
    mean over that epoch's batches of the values computed before each step (the tutorials'
    ``avg_cost``; for full batch: the loss before step k); ``test_accuracy`` is measured after
    the epoch (NaN without a test set). ``on_epoch(k, metrics)`` is called after each epoch with
    those three numbers plus ``seconds`` (elapsed). Training stops early if the loss stops being
    finite (``diverged``).
    """
    optimizer = optimizer.lower()
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if route not in ROUTES:
        raise ValueError(f"route must be one of {ROUTES}, got {route!r}")
    if optimizer == "adam" and route == "closed-form":
        raise ValueError("the closed-form route is plain SGD; Adam trains with autograd")
    if route == "auto":
        route = "closed-form" if optimizer == "sgd" else "autograd"
    if not (isinstance(n_classes, int) and 2 <= n_classes):
        raise ValueError("n_classes must be an integer >= 2")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError("lr must be a positive number")
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")

    device = torch.device(device) if device is not None else pick_device()
    x_all, is_u8 = _features(X)
    n, d = x_all.shape
    if n == 0:
        raise ValueError("no training rows")
    y_all = _labels(y, n, n_classes, "y")
    has_test = X_test is not None and y_test is not None
    if has_test:
        x_test, test_u8 = _features(X_test)
        if x_test.shape[1] != d:
            raise ValueError(f"X_test has {x_test.shape[1]} features, X has {d}")
        y_test_t = _labels(y_test, x_test.shape[0], n_classes, "y_test")

    model, rng_state = seeded_linear(d, n_classes, seed)
    order = DataLoaderOrder(rng_state)
    full_batch = batch_size >= n
    if full_batch:
        n_batches = 1
    elif drop_last:
        n_batches = n // batch_size
    else:
        n_batches = math.ceil(n / batch_size)

    start = time.perf_counter()
    with single_intraop_thread(enabled=single_thread and device.type == "cpu"):
        model = model.to(device)
        x_dev, y_dev = x_all.to(device), y_all.to(device)
        if full_batch:
            x_dev = _to_float(x_dev, is_u8) if is_u8 else x_dev  # reused every step: convert once
        if has_test:
            x_test_dev, y_test_dev = x_test.to(device), y_test_t.to(device)

        opt = None
        if route == "autograd":
            params = model.parameters()
            opt = torch.optim.SGD(params, lr=lr) if optimizer == "sgd" else torch.optim.Adam(params, lr=lr)

        # Closed form on uint8 mini-batches: x/255 is folded into the two products (alpha), one pass
        # over the batch fewer; equal to ToTensor's x/255 up to float rounding (~1e-7 on W per epoch).
        fold = route == "closed-form" and is_u8 and not full_batch
        scale = 1.0 / 255 if fold else 1.0
        minus_one = torch.full((min(batch_size, n), 1), -1.0, device=device)
        rows: list[tuple] = []
        pending: list[torch.Tensor] = []  # per-epoch [loss, accuracy, test accuracy] kept on the device
        epoch_seconds: list[float] = []
        diverged = False
        W, b = model.weight, model.bias
        for epoch in range(epochs):
            t_epoch = time.perf_counter()
            loss_sum = torch.zeros((), device=device)
            correct = torch.zeros((), dtype=torch.int64, device=device)
            seen = 0
            perm = None if full_batch else order.permutation(n).to(device, non_blocking=True)
            for i in range(n_batches):
                if full_batch:
                    xb, yb = x_dev, y_dev
                else:
                    idx = perm[i * batch_size : (i + 1) * batch_size]
                    xb = x_dev.index_select(0, idx)
                    if is_u8:  # uint8 -> float; the 1/255 goes into the products when folded
                        xb = xb.to(torch.float32) if fold else _to_float(xb, True)
                    yb = y_dev.index_select(0, idx)
                rows_b = yb.shape[0]
                seen += rows_b
                if route == "closed-form":
                    with torch.no_grad():
                        z = torch.addmm(b, xb, W.t(), alpha=scale)
                        logp = torch.log_softmax(z, dim=1)
                        column = yb.unsqueeze(1)
                        loss_sum.sub_(logp.gather(1, column).sum(), alpha=1.0 / rows_b)
                        correct.add_((z.argmax(dim=1) == yb).sum())
                        g = logp.exp_()  # softmax(z)
                        g.scatter_add_(1, column, minus_one[:rows_b])  # - onehot(y): dL/dz times the batch size
                        step = -lr / rows_b  # the mean over the batch and the step size, in one factor
                        W.addmm_(g.t(), xb, alpha=step * scale)
                        b.add_(g.sum(dim=0), alpha=step)
                else:
                    z = model(xb)
                    loss = F.cross_entropy(z, yb)
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    loss_sum += loss.detach()
                    correct += (z.detach().argmax(dim=1) == yb).sum()
            epoch_loss = loss_sum / n_batches
            epoch_acc = correct.to(torch.float32) / seen
            if has_test:
                test_correct, _ = _evaluate(W, b, x_test_dev, y_test_dev, test_u8, want_predictions=False)
                test_acc = test_correct.to(torch.float32) / y_test_dev.shape[0]
            else:
                test_acc = torch.full((), math.nan, device=device)
            metrics = torch.stack([epoch_loss.detach(), epoch_acc, test_acc])
            if on_epoch is not None:
                # One device-to-host copy per epoch, only when someone is watching.
                loss_v, acc_v, test_v = metrics.tolist()
                epoch_seconds.append(time.perf_counter() - t_epoch)
                rows.append((epoch, loss_v, acc_v, test_v))
                on_epoch(
                    epoch,
                    {
                        "loss": loss_v,
                        "train_accuracy": acc_v,
                        "test_accuracy": test_v,
                        "seconds": time.perf_counter() - start,
                    },
                )
                if not math.isfinite(loss_v):
                    diverged = True
                    break
            else:
                pending.append(metrics)
                epoch_seconds.append(time.perf_counter() - t_epoch)
        if pending:
            values = torch.stack(pending).cpu().tolist()
            rows = [(k, *v) for k, v in enumerate(values)]
            diverged = any(not math.isfinite(r[1]) for r in rows)

        with torch.no_grad():
            diverged = diverged or not bool(torch.isfinite(W).all() and torch.isfinite(b).all())
            if has_test:
                eval_x, eval_y, eval_u8, confusion_on = x_test_dev, y_test_dev, test_u8, "test"
            else:
                eval_x, eval_y, eval_u8, confusion_on = x_dev, y_dev, is_u8 and not full_batch, "train"
            correct_final, predictions = _evaluate(W, b, eval_x, eval_y, eval_u8, want_predictions=True)
            confusion = torch.bincount(eval_y * n_classes + predictions, minlength=n_classes * n_classes)
            confusion = confusion.reshape(n_classes, n_classes).cpu().numpy()
            test_accuracy = float(correct_final.item()) / eval_y.shape[0] if has_test else None
            predictions = predictions.cpu().numpy()
        model = model.cpu()
    train_seconds = time.perf_counter() - start

    history = pd.DataFrame(rows, columns=["epoch", "loss", "train_accuracy", "test_accuracy"])
    return SoftmaxFit(
        model=model,
        history=history,
        confusion=confusion,
        test_accuracy=test_accuracy,
        n_classes=n_classes,
        optimizer=optimizer,
        route=route,
        device=str(device),
        train_seconds=train_seconds,
        diverged=diverged,
        predictions=predictions,
        confusion_on=confusion_on,
        epoch_seconds=epoch_seconds,
    )


def _evaluate(W, b, x, y, is_u8: bool, *, want_predictions: bool):
    """Correct count (device tensor) and, optionally, the predicted class of every row."""
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    preds = []
    with torch.no_grad():
        for start in range(0, x.shape[0], EVAL_CHUNK):
            xb = _to_float(x[start : start + EVAL_CHUNK], is_u8)
            pred = torch.addmm(b, xb, W.t()).argmax(dim=1)
            correct += (pred == y[start : start + EVAL_CHUNK]).sum()
            if want_predictions:
                preds.append(pred)
    return correct, (torch.cat(preds) if want_predictions else None)


# --- Small table ---------------------------------------------------------------------------------


def tutorial_table() -> pd.DataFrame:
    """Seed 004's 8 x 4 table with its labels (3 classes), as a DataFrame."""
    frame = pd.DataFrame(TUTORIAL_X, columns=list(FEATURES), dtype="float64")
    frame[LABEL] = pd.Series(TUTORIAL_Y, dtype="int64")
    return frame


def table_xy(df: pd.DataFrame, features=FEATURES, label: str = LABEL) -> tuple[np.ndarray, np.ndarray, int, list[str]]:
    """Validate the small table; return X float32 [n, d], y int64 [n], the class count and notes.

    Rows left completely empty (a freshly added row) are skipped. Anything else that cannot be
    trained on raises ``TableError`` naming the row and column. ``notes`` lists harmless
    oddities worth telling the learner (skipped rows, classes without rows).
    """
    columns = [*features, label]
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise TableError(f"The table lacks the column(s) {', '.join(missing)}. Press Reset to restore the table.")
    notes: list[str] = []
    frame = df[columns].copy()
    numeric = frame.apply(pd.to_numeric, errors="coerce")
    blank = frame.map(is_blank).astype(bool)
    empty_rows = blank.all(axis=1)
    if empty_rows.any():
        notes.append(f"{int(empty_rows.sum())} empty row(s) skipped.")
    frame, numeric, blank = frame[~empty_rows], numeric[~empty_rows], blank[~empty_rows]
    if len(frame) == 0:
        raise TableError("The table has no rows. Add at least two rows, or press Reset for the tutorial's 8 rows.")
    for pos, (index, row) in enumerate(numeric.iterrows(), start=1):
        for column in columns:
            value = row[column]
            if blank.loc[index, column]:
                raise TableError(f"Row {pos}, column {column} is empty. Type a number there or delete the row.")
            if pd.isna(value):
                raise TableError(
                    f"Row {pos}, column {column} holds {frame.loc[index, column]!r}, which is not a number. Type a number."
                )
            if not math.isfinite(float(value)):
                raise TableError(f"Row {pos}, column {column} is not a finite number. Type an ordinary number.")
        label_value = float(row[label])
        if label_value != int(label_value) or not 0 <= label_value < MAX_CLASSES:
            raise TableError(
                f"Row {pos}: the label {label} = {label_value:g} is not a class number. "
                f"Use whole numbers 0, 1, 2, … (at most {MAX_CLASSES - 1})."
            )
    if len(numeric) < 2:
        raise TableError("Training needs at least two rows. Add another row.")
    X = numeric[list(features)].to_numpy(dtype=np.float32)
    y = numeric[label].to_numpy().astype(np.int64)
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise TableError(f"Every row has the label {classes[0]}. Softmax regression needs at least two classes.")
    n_classes = int(max(classes)) + 1
    empty_classes = [c for c in range(n_classes) if c not in classes]
    if empty_classes:
        notes.append(
            f"Class(es) {', '.join(map(str, empty_classes))} have no rows; the model still gets a score for them."
        )
    return X, y, n_classes, notes


def probability_table(fit: SoftmaxFit, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per row: the softmax probability of every class, the prediction and whether it is right."""
    probs = fit.predict_proba(X)
    frame = pd.DataFrame(probs, columns=[f"P(class {k})" for k in range(probs.shape[1])])
    frame.insert(0, "row", np.arange(1, len(y) + 1))
    frame.insert(1, "true class", y)
    frame["predicted"] = probs.argmax(axis=1)
    frame["correct"] = frame["predicted"] == frame["true class"]
    return frame


def weight_table(fit: SoftmaxFit, features=FEATURES) -> pd.DataFrame:
    """The learned W (one row per class) with the bias as the last column."""
    frame = pd.DataFrame(fit.weight, columns=list(features))
    frame["b"] = fit.bias
    frame.index = [f"class {k}" for k in range(len(frame))]
    return frame


def loss_rises(history: pd.DataFrame) -> float:
    """Share of epochs whose loss is higher than the one before (0 for a smooth descent)."""
    loss = history["loss"].to_numpy(dtype=float)
    if len(loss) < 3:
        return 0.0
    return float(np.mean(np.diff(loss) > 0))


# --- Reading a trained MNIST model ---------------------------------------------------------------


def per_class_accuracy(confusion: np.ndarray) -> pd.DataFrame:
    """Accuracy of every true class: diagonal / row sum (NaN for a class with no rows)."""
    totals = confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(totals > 0, np.diag(confusion) / np.maximum(totals, 1), np.nan)
    return pd.DataFrame({"digit": np.arange(len(totals)), "accuracy": accuracy, "count": totals})


def confused_pairs(confusion: np.ndarray, top: int = 8) -> pd.DataFrame:
    """The largest off-diagonal counts: true -> predicted, count, share of that true class."""
    c = confusion.copy()
    np.fill_diagonal(c, 0)
    order = np.argsort(-c, axis=None, kind="stable")[:top]
    true, pred = np.unravel_index(order, c.shape)
    totals = confusion.sum(axis=1)
    frame = pd.DataFrame({"true": true, "predicted": pred, "count": c[true, pred]})
    frame["share of true class"] = frame["count"] / np.maximum(totals[true], 1)
    return frame[frame["count"] > 0].reset_index(drop=True)


def cell_indices(labels, predictions: np.ndarray, true: int, predicted: int) -> np.ndarray:
    """Indices of the rows whose true class is ``true`` and predicted class is ``predicted``."""
    labels = np.asarray(labels)
    return np.flatnonzero((labels == true) & (predictions == predicted))


def tutorial_digit_index(n_test: int, draw: int = 0, seed: int = 777) -> int:
    """The course notes' random test digit: ``random.seed(777); random.randint(0, n - 1)``.

    ``draw`` = 0 is the tutorial's own pick; 1, 2, … are the next draws of the same generator.
    """
    import random

    rng = random.Random(seed)
    index = 0
    for _ in range(draw + 1):
        index = rng.randint(0, n_test - 1)
    return index
