"""One epoch of softmax regression on preloaded tensors, the two routes' steps, and the batch order.

The machinery of ``engine.models.softmax.train_softmax`` (see that module's notes): the training
(and test) rows kept on the device (:class:`_Data`), each epoch's row order as ``DataLoader`` walks
it (:class:`DataLoaderOrder`, :class:`_Order`), one epoch of closed-form SGD compiled with
TorchScript (:func:`_sgd_epoch`) or of autograd steps (:class:`_AutogradSteps`), and the count of
correct predictions (:func:`_evaluate`, :func:`_confusion`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EVAL_CHUNK = 1024

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


# --- The data on the device, the batch order, one epoch ------------------------------------------


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
