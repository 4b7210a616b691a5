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

Tests check that both routes give the same weights after an epoch. The data on the device, the batch
order and both routes' epochs are in ``engine.models.softmax_epoch``; the frames a page shows of a
trained model (probabilities, weights, per-class accuracy) in ``engine.present.softmax_frames``.

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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from engine.data import course, tables
from engine.errors import TableError
from engine.models.seeding import seeded_linear
from engine.models.softmax_epoch import (
    DataLoaderOrder,
    _AutogradSteps,
    _ClosedFormSgd,
    _confusion,
    _Data,
    _evaluate,
    _features,
    _Order,
)
from engine.runtime.device import pick_device
from engine.text import Msg, NMsg, join

OnEpoch = Callable[[int, dict], None]
OPTIMIZERS = ("sgd", "adam")
ROUTES = ("auto", "closed-form", "autograd")
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


def warm_up() -> None:
    """Do once what PyTorch does slowly the first time, before anyone waits for it: import what its first
    optimizer needs (torch._dynamo: about 2 s) and let TorchScript settle the compiled SGD epoch."""
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    x, y = torch.zeros(64, 4, dtype=torch.uint8), torch.arange(64) % 2
    train_softmax(x, y, n_classes=2, lr=0.1, epochs=3, batch_size=16, device="cpu")
