"""Softmax regression: ``nn.Linear(d, C)`` + softmax + cross-entropy, trained fast on preloaded tensors.

``train_softmax`` keeps the whole data set as tensors on the device (images stay uint8 and are
converted to float per batch; the 1/255 of ``ToTensor`` is folded into the matrix products) and
walks it in batches taken from a seeded permutation of indices; no per-sample ``DataLoader``.

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

Threads: these 128 x 784 x 10 steps are far too small for OpenMP to pay off, and on a busy
machine the thread hand-offs cost many times the arithmetic, so the app trains with one intra-op
thread per run: the job runner sets it (``engine.runtime.threads``), in the training thread only.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F

from engine.data import course, tables
from engine.errors import TableError
from engine.models.seeding import seeded_linear
from engine.runtime.device import pick_device
from engine.text import Msg, NMsg, join

OnEpoch = Callable[[int, dict], None]
OPTIMIZERS = ("sgd", "adam")
ROUTES = ("auto", "closed-form", "autograd")
EVAL_CHUNK = 1024
MAX_CLASSES = 10
FEATURES = course.SOFTMAX_FEATURES
LABEL = course.SOFTMAX_LABEL


# --- Result --------------------------------------------------------------------------------------


@dataclass
class SoftmaxFit:
    """A trained softmax regression. ``model`` lives on the CPU.

    ``confusion`` and ``predictions`` are on the test set when one was given (from the last
    epoch's evaluation, no extra pass), else on the training set, computed the first time they
    are read.
    """

    model: nn.Linear
    history: pd.DataFrame  # epoch, loss, train_accuracy, test_accuracy
    test_accuracy: float | None
    n_classes: int
    optimizer: str
    route: str
    device: str
    train_seconds: float
    diverged: bool = False
    confusion_on: str = "test"
    epoch_seconds: list[float] = field(default_factory=list)
    _evaluated: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _evaluate: Callable[[], tuple[np.ndarray, np.ndarray]] | None = field(default=None, repr=False)

    def _evaluation(self) -> tuple[np.ndarray, np.ndarray]:
        if self._evaluated is None:
            self._evaluated = self._evaluate()
            self._evaluate = None
        return self._evaluated

    @property
    def confusion(self) -> np.ndarray:
        """[C, C]: rows = true class, columns = predicted."""
        return self._evaluation()[0]

    @property
    def predictions(self) -> np.ndarray:
        """The predicted class of every row the confusion matrix counts."""
        return self._evaluation()[1]

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


# --- Training ------------------------------------------------------------------------------------


def _check_arguments(n_classes: int, lr: float, epochs: int, batch_size: int, optimizer: str, route: str) -> str:
    """Raise ValueError for arguments out of range; return the route to take."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if route not in ROUTES:
        raise ValueError(f"route must be one of {ROUTES}, got {route!r}")
    if optimizer == "adam" and route == "closed-form":
        raise ValueError("the closed-form route is plain SGD; Adam trains with autograd")
    if not (isinstance(n_classes, int) and 2 <= n_classes):
        raise ValueError("n_classes must be an integer >= 2")
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError("lr must be a positive number")
    if epochs < 1 or batch_size < 1:
        raise ValueError("epochs and batch_size must be at least 1")
    if route == "auto":
        return "closed-form" if optimizer == "sgd" else "autograd"
    return route


@dataclass
class _Data:
    """The training (and test) rows on the device; uint8 images stay uint8 (their ``divisor`` is 255)."""

    x: torch.Tensor
    y: torch.Tensor
    divisor: float
    x_test: torch.Tensor | None = None
    y_test: torch.Tensor | None = None
    test_divisor: float = 1.0

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @classmethod
    def load(cls, X, y, X_test, y_test, n_classes: int, device: torch.device) -> _Data:
        x_all, is_u8 = _features(X)
        n, d = x_all.shape
        if n == 0:
            raise ValueError("no training rows")
        data = cls(x_all.to(device), _labels(y, n, n_classes, "y").to(device), 255.0 if is_u8 else 1.0)
        if X_test is not None and y_test is not None:
            x_test, test_u8 = _features(X_test)
            if x_test.shape[1] != d:
                raise ValueError(f"X_test has {x_test.shape[1]} features, X has {d}")
            data.x_test = x_test.to(device)
            data.y_test = _labels(y_test, x_test.shape[0], n_classes, "y_test").to(device)
            data.test_divisor = 255.0 if test_u8 else 1.0
        return data


@dataclass
class _Order:
    """Each epoch's row order, as ``DataLoader`` walks it: full batch in order, else a seeded permutation."""

    n: int
    batch_size: int
    n_batches: int
    order: DataLoaderOrder
    device: torch.device

    @classmethod
    def make(cls, n: int, batch_size: int, drop_last: bool, order: DataLoaderOrder, device) -> _Order:
        if batch_size >= n:
            return cls(n, n, 1, order, device)
        n_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
        return cls(n, batch_size, n_batches, order, device)

    def next(self) -> torch.Tensor:
        if self.n_batches == 1 and self.batch_size == self.n:
            return torch.arange(self.n, device=self.device)
        return self.order.permutation(self.n).to(self.device, non_blocking=True)

    def rows(self) -> int:
        return min(self.n, self.batch_size * self.n_batches)


def _sgd_epoch(
    x: torch.Tensor,
    y: torch.Tensor,
    perm: torch.Tensor,
    W: torch.Tensor,
    b: torch.Tensor,
    lr: float,
    scale: float,
    batch_size: int,
    n_batches: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One epoch of closed-form SGD steps; returns (sum over batches of the mean loss, correct count).

    It works on the transposed logits zᵀ = W xᵀ + b ([classes, batch]): with 10 classes that
    matrix product is about twice as fast as x Wᵀ on a CPU, and the gradient Gᵀ it gives feeds
    the weight update W -= lr · Gᵀ x directly. ``scale`` (1/255 for uint8 images) is folded into
    both products: one pass over the batch fewer, equal to ToTensor's x / 255 up to float rounding.
    Compiled with TorchScript below, so the whole epoch runs without Python (and without holding
    the GIL: several sessions' runs train side by side).
    """
    loss_sum = torch.zeros((), dtype=torch.float32, device=W.device)
    correct = torch.zeros((), dtype=torch.int64, device=W.device)
    minus_one = torch.full((1, batch_size), -1.0, device=W.device)
    b_column = b.unsqueeze(1)  # a view: updating b updates it
    for i in range(n_batches):
        idx = perm[i * batch_size : (i + 1) * batch_size]
        xb = x.index_select(0, idx).to(torch.float32)
        yb = y.index_select(0, idx)
        rows = yb.shape[0]
        zt = torch.addmm(b_column, W, xb.t(), beta=1.0, alpha=scale)  # [classes, batch]
        logp = torch.log_softmax(zt, dim=0)
        row = yb.unsqueeze(0)
        loss_sum.sub_(logp.gather(0, row).sum(), alpha=1.0 / rows)
        correct.add_((zt.argmax(dim=0) == yb).sum())
        g = logp.exp_()  # softmax(z)ᵀ
        g.scatter_add_(0, row, minus_one[:, :rows])  # - onehot(y)ᵀ: dL/dzᵀ times the batch size
        step = -lr / rows  # the mean over the batch and the step size, in one factor
        W.addmm_(g, xb, beta=1.0, alpha=step * scale)
        b.add_(g.sum(dim=1), alpha=step)
    return loss_sum, correct


def _compiled(fn):
    """``fn`` compiled with TorchScript (deprecated in favour of torch.compile, which needs a C++ toolchain
    at run time; TorchScript works in the pinned PyTorch), else ``fn`` itself."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return torch.jit.script(fn)
    except Exception:  # noqa: BLE001 - any failure: run the same steps in Python
        return fn


_SGD_EPOCH = _compiled(_sgd_epoch)


class _ClosedFormSgd:
    """SGD from the gradient of mean cross-entropy in closed form (no autograd): :func:`_sgd_epoch`."""

    def __init__(self, model: nn.Linear, lr: float) -> None:
        self.W, self.b, self.lr = model.weight, model.bias, lr

    def epoch(self, data: _Data, perm: torch.Tensor, order: _Order) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.no_grad():
            return _SGD_EPOCH(
                data.x, data.y, perm, self.W, self.b, self.lr, 1.0 / data.divisor, order.batch_size, order.n_batches
            )


class _AutogradSteps:
    """``F.cross_entropy`` + ``backward()`` + ``torch.optim.SGD`` or ``torch.optim.Adam``, batch by batch."""

    def __init__(self, model: nn.Linear, lr: float, optimizer: str) -> None:
        self.model = model
        params = model.parameters()
        self.opt = torch.optim.SGD(params, lr=lr) if optimizer == "sgd" else torch.optim.Adam(params, lr=lr)

    def epoch(self, data: _Data, perm: torch.Tensor, order: _Order) -> tuple[torch.Tensor, torch.Tensor]:
        loss_sum = torch.zeros((), device=data.x.device)
        correct = torch.zeros((), dtype=torch.int64, device=data.x.device)
        for i in range(order.n_batches):
            idx = perm[i * order.batch_size : (i + 1) * order.batch_size]
            xb, yb = data.x.index_select(0, idx).to(torch.float32), data.y.index_select(0, idx)
            if data.divisor != 1.0:
                xb = xb.div(data.divisor)  # ToTensor's x / 255, exactly
            z = self.model(xb)
            loss = F.cross_entropy(z, yb)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            loss_sum += loss.detach()
            correct += (z.detach().argmax(dim=1) == yb).sum()
        return loss_sum, correct


def _evaluate(W, b, x, y, divisor: float, *, want_predictions: bool):
    """Correct count (device tensor) and, optionally, the predicted class of every row."""
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    preds = []
    with torch.no_grad():
        for start in range(0, x.shape[0], EVAL_CHUNK):
            xb = x[start : start + EVAL_CHUNK].to(torch.float32)
            pred = torch.addmm(b, xb, W.t(), alpha=1.0 / divisor).argmax(dim=1)
            correct += (pred == y[start : start + EVAL_CHUNK]).sum()
            if want_predictions:
                preds.append(pred)
    return correct, (torch.cat(preds) if want_predictions else None)


def _confusion(y: torch.Tensor, predictions: torch.Tensor, n_classes: int) -> np.ndarray:
    counts = torch.bincount(y * n_classes + predictions, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes).cpu().numpy()


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
) -> SoftmaxFit:
    """Train ``nn.Linear(d, n_classes)`` with cross-entropy; see the module notes.

    ``X``: float [n, d], or uint8 images [n, ...] (flattened, scaled by 1/255). ``epochs``: passes
    over the data. ``batch_size >= n`` means full batch, in order: one step per epoch, so
    ``epochs`` is then the number of steps (1001 for the tutorial's 0..1000). Otherwise each epoch
    walks a seeded permutation in batches (the last partial batch is dropped when ``drop_last``,
    as in the tutorial's DataLoader).

    ``history`` row ``k`` (``epoch`` = k, counting from 0): ``loss`` and ``train_accuracy`` are the
    mean over that epoch's batches of the values computed before each step (the tutorials'
    ``avg_cost``; for full batch: the loss before step k); ``test_accuracy`` is measured after
    the epoch (NaN without a test set). ``on_epoch(k, metrics)`` is called after each epoch with
    those three numbers plus ``seconds`` (elapsed). Training stops early if the loss stops being
    finite (``diverged``).
    """
    optimizer = optimizer.lower()
    route = _check_arguments(n_classes, lr, epochs, batch_size, optimizer, route)
    device = torch.device(device) if device is not None else pick_device()
    start = time.perf_counter()
    data = _Data.load(X, y, X_test, y_test, n_classes, device)
    model, rng_state = seeded_linear(data.x.shape[1], n_classes, seed)
    model = model.to(device)
    stepper = _ClosedFormSgd(model, lr) if route == "closed-form" else _AutogradSteps(model, lr, optimizer)
    order = _Order.make(data.n, batch_size, drop_last, DataLoaderOrder(rng_state), device)
    W, b = model.weight, model.bias
    rows: list[tuple] = []
    pending: list[torch.Tensor] = []  # per-epoch [loss, accuracy, test accuracy] kept on the device
    epoch_seconds: list[float] = []
    test_predictions = None
    diverged = False
    for epoch in range(epochs):
        t_epoch = time.perf_counter()
        loss_sum, correct = stepper.epoch(data, order.next(), order)
        seen, n_batches = order.rows(), order.n_batches
        if data.x_test is not None:
            last = epoch == epochs - 1
            test_correct, test_predictions = _evaluate(
                W, b, data.x_test, data.y_test, data.test_divisor, want_predictions=last
            )
            test_acc = test_correct.to(torch.float32) / data.y_test.shape[0]
        else:
            test_acc = torch.full((), math.nan, device=device)
        metrics = torch.stack([loss_sum / n_batches, correct.to(torch.float32) / seen, test_acc])
        epoch_seconds.append(time.perf_counter() - t_epoch)
        if on_epoch is None:
            pending.append(metrics)
            continue
        loss_v, acc_v, test_v = metrics.tolist()  # one device-to-host copy per epoch, only when someone watches
        rows.append((epoch, loss_v, acc_v, test_v))
        seconds = time.perf_counter() - start
        on_epoch(epoch, {"loss": loss_v, "train_accuracy": acc_v, "test_accuracy": test_v, "seconds": seconds})
        if not math.isfinite(loss_v):
            diverged = True
            test_predictions = None  # stopped early: the last evaluation did not keep them
            break
    if pending:
        rows = [(k, *v) for k, v in enumerate(torch.stack(pending).cpu().tolist())]
        diverged = any(not math.isfinite(r[1]) for r in rows)
    return _finish(
        model, data, rows, test_predictions, diverged, n_classes, optimizer, route, device, start, epoch_seconds
    )


def _finish(
    model, data: _Data, rows, test_predictions, diverged, n_classes, optimizer, route, device, start, epoch_seconds
) -> SoftmaxFit:
    """The fit: history, the model back on the CPU, and the confusion matrix (now, or on first use)."""
    W, b = model.weight, model.bias
    with torch.no_grad():
        diverged = diverged or not bool(torch.isfinite(W).all() and torch.isfinite(b).all())
    evaluated = evaluate = None
    test_accuracy = None
    if data.x_test is not None:
        if test_predictions is None:
            _, test_predictions = _evaluate(W, b, data.x_test, data.y_test, data.test_divisor, want_predictions=True)
        test_accuracy = float((test_predictions == data.y_test).sum().item()) / data.y_test.shape[0]
        evaluated = (_confusion(data.y_test, test_predictions, n_classes), test_predictions.cpu().numpy())
        confusion_on = "test"
    else:
        W_final, b_final = W.detach().clone(), b.detach().clone()

        def evaluate():
            _, predictions = _evaluate(W_final, b_final, data.x, data.y, data.divisor, want_predictions=True)
            return _confusion(data.y, predictions, n_classes), predictions.cpu().numpy()

        confusion_on = "train"
    model = model.cpu()
    history = pd.DataFrame(rows, columns=["epoch", "loss", "train_accuracy", "test_accuracy"])
    return SoftmaxFit(
        model=model,
        history=history,
        test_accuracy=test_accuracy,
        n_classes=n_classes,
        optimizer=optimizer,
        route=route,
        device=str(device),
        train_seconds=time.perf_counter() - start,
        diverged=diverged,
        confusion_on=confusion_on,
        epoch_seconds=epoch_seconds,
        _evaluated=evaluated,
        _evaluate=evaluate,
    )


# --- Settings and the jobs the page runs ----------------------------------------------------------


@dataclass(frozen=True)
class TableSettings:
    """The small table's run: full-batch steps (the classifier note's seed 1, SGD lr 0.1, epochs 0..1000)."""

    lr: float = course.SOFTMAX_SETTINGS["lr"]
    steps: int = course.SOFTMAX_SETTINGS["steps"]
    seed: int = course.SOFTMAX_SETTINGS["seed"]
    optimizer: str = course.SOFTMAX_SETTINGS["optimizer"]


@dataclass(frozen=True)
class MnistSettings:
    """An MNIST run (defaults: the dl3 note's 15 epochs, batches of 128, SGD lr 0.1, seed 777)."""

    seed: int = course.MNIST_SETTINGS["seed"]
    epochs: int = course.MNIST_SETTINGS["epochs"]
    batch_size: int = course.MNIST_SETTINGS["batch_size"]
    lr: float = course.MNIST_SETTINGS["lr"]
    optimizer: str = course.MNIST_SETTINGS["optimizer"]


def train_table(X, y, n_classes: int, settings: TableSettings, on_epoch: OnEpoch | None = None) -> SoftmaxFit:
    """The small table's run, full batch in order (the job a page starts)."""
    return train_softmax(
        X,
        y,
        n_classes=n_classes,
        lr=settings.lr,
        epochs=settings.steps,
        batch_size=len(y),
        seed=settings.seed,
        optimizer=settings.optimizer,
        on_epoch=on_epoch,
    )


def train_mnist(data, settings: MnistSettings, on_epoch: OnEpoch | None = None) -> SoftmaxFit:
    """An MNIST run on ``engine.data.mnist.MnistData``, scored on the test set every epoch (the job a page starts)."""
    return train_softmax(
        data.train_images,
        data.train_labels,
        n_classes=10,
        lr=settings.lr,
        epochs=settings.epochs,
        batch_size=settings.batch_size,
        seed=settings.seed,
        optimizer=settings.optimizer,
        X_test=data.test_images,
        y_test=data.test_labels,
        on_epoch=on_epoch,
    )


# --- Small table ---------------------------------------------------------------------------------


def table_xy(df: pd.DataFrame, features=FEATURES, label: str = LABEL) -> tuple[np.ndarray, np.ndarray, int, list[Msg]]:
    """Check the small table; return X float32 [n, d], y int64 [n], the class count and notes.

    Rows left completely empty (a freshly added row) are skipped. Anything else that cannot be
    trained on raises ``TableError`` naming the row and column (``engine.data.tables``). ``notes`` lists
    harmless oddities worth telling the learner (skipped rows, classes without rows).
    """
    spec = {**dict.fromkeys(features, tables.NUMBER), label: tables.CLASS}
    checked = tables.check_table(df, spec, min_rows=2, n_classes=MAX_CLASSES)
    notes: list[Msg] = []
    if checked.skipped:
        notes.append(NMsg("{n} empty row skipped.", "{n} empty rows skipped.", checked.skipped))
    X = np.stack([checked.columns[f] for f in features], axis=1).astype(np.float32)
    y = checked.columns[label].astype(np.int64)
    classes = sorted(set(y.tolist()))
    if len(classes) < 2:
        raise TableError(
            "Every row has the label {label}. Softmax regression needs at least two classes.", label=classes[0]
        )
    n_classes = int(max(classes)) + 1
    empty_classes = [c for c in range(n_classes) if c not in classes]
    if empty_classes:
        notes.append(
            NMsg(
                "Class {classes} has no rows; the model still gets a score for it.",
                "Classes {classes} have no rows; the model still gets a score for them.",
                len(empty_classes),
                classes=join([str(c) for c in empty_classes]),
            )
        )
    return X, y, n_classes, notes


def probability_table(fit: SoftmaxFit, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per row: the softmax probability of every class, the prediction and whether it is right.

    Columns: row (from 1), true, P(0) … P(C-1), predicted, correct.
    """
    probs = fit.predict_proba(X)
    frame = pd.DataFrame(probs, columns=[f"P({k})" for k in range(probs.shape[1])])
    frame.insert(0, "row", np.arange(1, len(y) + 1))
    frame.insert(1, "true", y)
    frame["predicted"] = probs.argmax(axis=1)
    frame["correct"] = frame["predicted"] == frame["true"]
    return frame


def weight_table(fit: SoftmaxFit, features=FEATURES) -> pd.DataFrame:
    """The learned W (one row per class, indexed by the class number) with the bias as the last column."""
    frame = pd.DataFrame(fit.weight, columns=list(features))
    frame["b"] = fit.bias
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
    frame["share"] = frame["count"] / np.maximum(totals[true], 1)  # of the true class
    return frame[frame["count"] > 0].reset_index(drop=True)


def cell_indices(labels, predictions: np.ndarray, true: int, predicted: int) -> np.ndarray:
    """Indices of the rows whose true class is ``true`` and predicted class is ``predicted``."""
    labels = np.asarray(labels)
    return np.flatnonzero((labels == true) & (predictions == predicted))


def warm_up() -> None:
    """Do once what PyTorch does slowly the first time, before anyone waits for it: import what its first
    optimizer needs (torch._dynamo: about 2 s) and let TorchScript settle the compiled SGD epoch."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    x, y = torch.zeros(64, 4, dtype=torch.uint8), torch.arange(64) % 2
    train_softmax(x, y, n_classes=2, lr=0.1, epochs=3, batch_size=16, device="cpu")
