"""The training loops of :func:`engine.models.logistic.train_logistic`, and the rows they train on.

The rows go to the device once (standardized there when asked, with the training rows' mean and std
only); SGD and Adam run full-batch steps in windows with one divergence check on the device per
window, and L-BFGS runs one iteration per history row until it converges. What counts as a
divergence, and what a run keeps when it diverges, is told in ``engine.models.logistic``.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn, optim

from engine.errors import DataError
from engine.text import Msg

if TYPE_CHECKING:
    from engine.models.logistic import TrainSettings

MAX_CALLBACKS = 200
# F.binary_cross_entropy clamps log(p) at -100: a row whose probability for its own label is at or
# below e^-100 (0 in float32, or a denormal) has an infinite loss in exact arithmetic.
LOG_CLAMP = 100.0
P_TRUE_FLOOR = math.exp(-LOG_CLAMP)
# Per-check window of kept probabilities: at most this many floats (window rows x samples).
WINDOW_FLOATS = 4_000_000
# L-BFGS stops when the largest gradient entry of the objective is this small, or when an iteration
# changes the objective by less than LBFGS_CHANGE (relative): float32 cannot resolve more.
LBFGS_TOLERANCE = 1e-5
LBFGS_CHANGE = 1e-9

OnEpoch = Callable[[int, dict], None]


@dataclass(frozen=True)
class Divergence:
    """Where and why a run stopped. ``step`` is the first history row whose loss was not finite."""

    step: int
    cause: str  # "saturated" or "overflow"
    row: int | None  # the data row whose loss became infinite ("saturated" only)
    z: float | None  # that row's z = Wx + b at that step

    def explain(self, lr: float) -> Msg:
        where = Msg(" (training row {row}, z = {z:.4g})", row=self.row + 1, z=self.z) if self.row is not None else ""
        if self.cause == "saturated" and self.step == 0:
            return Msg(
                "Before the first step the loss is already infinite{where}: the starting W and b put a row so far "
                "on the wrong side that σ(z) rounds to exactly 0 or 1 in float32, so log(0) = −∞. The features are "
                "too large for this start: standardize them, or start from W = 0, b = 0.",
                where=where,
            )
        if self.cause == "saturated":
            return Msg(
                "At step {step} the loss became infinite{where}: with lr = {lr:g} the steps were so large that "
                "z = Wx + b shot far past 0 and σ(z) rounded to exactly 0 or 1 in float32 on the wrong side of a "
                "label, so log(0) = −∞. PyTorch caps that at 100 and the row's gradient is 0: training cannot "
                "recover.",
                step=self.step,
                where=where,
                lr=lr,
            )
        return Msg(
            "At step {step} the loss became NaN or infinite: with lr = {lr:g} the weights overflowed float32.",
            step=self.step,
            lr=lr,
        )


def standardization(X64: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    """Column mean and population std of float64 ``X64`` (a constant column gets std 1)."""
    mean = X64.mean(dim=0)
    std = X64.std(dim=0, unbiased=False)
    constant = tuple(int(i) for i in torch.nonzero(std == 0).flatten().tolist())
    std[std == 0] = 1
    return mean, std, constant


@dataclass
class Rows:
    """One set of rows on the device, with helpers for the window check (few passes over the data):
    p_true = P(own label) = (1 - y) + h * (2y - 1), and #correct = #(y = 0) + (h >= t) @ (2y - 1)."""

    X: torch.Tensor  # [n, d] float32
    y: torch.Tensor  # [n, 1] float32
    y_sign: torch.Tensor
    y_off: torch.Tensor
    n_zero: float

    @classmethod
    def make(cls, X: torch.Tensor, y: np.ndarray, device: torch.device) -> Rows:
        yt = torch.tensor(y).reshape(-1, 1).to(device)
        y_off = 1 - yt.reshape(-1)
        return cls(X.to(device), yt, yt.reshape(-1) * 2 - 1, y_off, float(y_off.sum()))

    @property
    def n(self) -> int:
        return int(self.X.shape[0])

    def p_true(self, h: torch.Tensor) -> torch.Tensor:
        """P(own label) of each row, for probabilities ``h`` [..., n]."""
        return torch.addcmul(self.y_off, h, self.y_sign)

    def accuracy(self, h: torch.Tensor, threshold: float) -> torch.Tensor:
        """Accuracy for probabilities ``h`` [..., n]: exact (the counts are small integers in float32)."""
        return (self.n_zero + (h >= threshold).to(h.dtype) @ self.y_sign) / self.n

    def bce(self, h: torch.Tensor) -> torch.Tensor:
        """Mean BCE for probabilities ``h`` [..., n], with log clamped at −100 as F.binary_cross_entropy does."""
        return -torch.clamp(torch.log(self.p_true(h)), min=-LOG_CLAMP).mean(dim=-1)


@dataclass
class Prepared:
    """The training rows (and held-out rows) as the loops use them: on the device, standardized when asked
    (with the training rows' mean and std only)."""

    train: Rows
    test: Rows | None
    mean: torch.Tensor | None  # float64 [d]
    std: torch.Tensor | None
    constant: tuple[int, ...]


def prepare(Xn, yn, X_test, y_test, standardize: bool, device: torch.device) -> Prepared:
    # A torch-allocated copy: vectorised kernels can round differently on differently aligned
    # memory, and the generated script (torch.FloatTensor) gets torch's alignment too.
    Xt = torch.tensor(Xn)
    Xh = torch.tensor(X_test) if X_test is not None else None
    mean = std = None
    constant: tuple[int, ...] = ()
    if standardize:
        X64 = Xt.double()
        mean, std, constant = standardization(X64)
        Xt = ((X64 - mean) / std).float()
        if Xh is not None:
            Xh = ((Xh.double() - mean) / std).float()
        if not bool(torch.isfinite(Xt).all()) or (Xh is not None and not bool(torch.isfinite(Xh).all())):
            raise DataError("The features cannot be standardized: their values are too far apart even in float64.")
    test = Rows.make(Xh, y_test, device) if Xh is not None else None
    return Prepared(Rows.make(Xt, yn, device), test, mean, std, constant)


class History:
    """Per-step loss and accuracy on the training rows (and on the held-out rows), kept on the device."""

    def __init__(self, epochs: int, held_out: bool, device) -> None:
        self.loss = torch.empty(epochs, device=device)
        self.accuracy = torch.empty(epochs, device=device)
        self.test_loss = torch.full((epochs,), math.nan, device=device) if held_out else None
        self.test_accuracy = torch.full((epochs,), math.nan, device=device) if held_out else None

    def frame(self, kept: int) -> pd.DataFrame:
        out = {
            "epoch": np.arange(kept, dtype=np.int64),
            "loss": self.loss[:kept].double().cpu().numpy(),
            "accuracy": self.accuracy[:kept].double().cpu().numpy(),
        }
        if self.test_loss is not None:
            out["test_loss"] = self.test_loss[:kept].double().cpu().numpy()
            out["test_accuracy"] = self.test_accuracy[:kept].double().cpu().numpy()
        return pd.DataFrame(out)


def penalty(model: nn.Linear, l2: float) -> torch.Tensor | float:
    """(λ/2)·‖W‖², the bias left out (as in scikit-learn, whose C is 1/(λ·n))."""
    return 0.5 * l2 * model.weight.pow(2).sum() if l2 else 0.0


class Loop:
    """Full-batch steps in windows; after each window one check on the device finds a divergence.

    Each step keeps the probabilities it computed in a window buffer; a check then finds the
    first row (step) whose loss is not finite, replays the deterministic steps from the last good
    snapshot to name the row and its z, and leaves the model at the last good parameters.
    """

    def __init__(self, data: Prepared, model: nn.Linear, opt: optim.Optimizer, settings: TrainSettings) -> None:
        self.data, self.model, self.opt, self.settings = data, model, opt, settings
        E, n = settings.epochs, data.train.n + (data.test.n if data.test is not None else 0)
        self.callback_every = max(1, math.ceil(E / MAX_CALLBACKS))
        # steps between checks: at least 32 (each check costs a host sync and a snapshot), at most
        # what keeps the window of probabilities under WINDOW_FLOATS; callbacks come at checks
        self.window = max(1, min(max(self.callback_every, 32), WINDOW_FLOATS // max(n, 1)))
        device = data.train.X.device
        self.history = History(E, data.test is not None, device)
        self.probs = torch.empty(self.window, data.train.n, device=device)
        self.test_probs = torch.empty(self.window, data.test.n, device=device) if data.test is not None else None
        # F.binary_cross_entropy rejects a NaN probability (overflowed weights): on the CPU with a
        # RuntimeError, which the loop turns into an "overflow" divergence; on a GPU with a
        # device-side assert that would break the process, so there NaN is passed on as 0.5 (the
        # identity for every other value, forward and backward: the numbers stay the tutorial's) and
        # the NaN kept in `probs` is caught at the window check.
        self.guard_nan = device.type != "cpu"

    def snapshot(self):
        params = [p.detach().clone() for p in self.model.parameters()]
        return params, (copy.deepcopy(self.opt.state_dict()) if self.opt.state else None)

    def restore(self, state) -> None:
        params, opt_state = state
        with torch.no_grad():
            for p, saved in zip(self.model.parameters(), params, strict=True):
                p.copy_(saved)
        if opt_state is not None:
            self.opt.load_state_dict(copy.deepcopy(opt_state))
        else:
            self.opt.state.clear()

    def step(self, k: int, slot: int | None) -> None:
        train = self.data.train
        h = torch.sigmoid(self.model(train.X))
        if slot is not None:
            self.probs[slot] = h.detach().reshape(-1)
            if self.test_probs is not None:
                with torch.no_grad():
                    self.test_probs[slot] = torch.sigmoid(self.model(self.data.test.X)).reshape(-1)
        cost = F.binary_cross_entropy(torch.nan_to_num(h, nan=0.5) if self.guard_nan else h, train.y)
        self.history.loss[k] = cost.detach()
        if self.settings.l2:
            cost = cost + penalty(self.model, self.settings.l2)
        self.opt.zero_grad()
        cost.backward()
        self.opt.step()

    def replay(self, state, base: int, upto: int) -> None:
        """Restore ``state`` (taken before step ``base``) and run steps ``base .. upto - 1`` again."""
        self.restore(state)
        for k in range(base, upto):
            self.step(k, None)

    def record_window(self, start: int, stop: int) -> torch.Tensor:
        """Accuracies of the window (and held-out loss and accuracy); returns each step's smallest P(own label)."""
        count = stop - start
        h = self.probs[:count]
        self.history.accuracy[start:stop] = self.data.train.accuracy(h, self.settings.threshold)
        if self.test_probs is not None:
            held = self.test_probs[:count]
            self.history.test_loss[start:stop] = self.data.test.bce(held)
            self.history.test_accuracy[start:stop] = self.data.test.accuracy(held, self.settings.threshold)
        return self.data.train.p_true(h).amin(dim=1)  # amin propagates NaN

    def run_window(self, start: int, stop: int) -> int:
        """Steps ``start .. stop - 1``; returns where the window really ends (earlier on an overflow)."""
        k = start
        try:
            for k in range(start, stop):
                self.step(k, k - start)
        except RuntimeError:
            if not bool(torch.isnan(self.probs[k - start]).any()):
                raise
            self.history.loss[k] = math.nan  # this row's probabilities are NaN: the weights overflowed
            stop = k + 1
        return stop

    def name_divergence(self, first: int, cause: str, state, base: int) -> Divergence:
        """Replay to row ``first`` to name the row at fault, then keep the last good parameters."""
        self.replay(state, base, first)
        row = zval = None
        if cause == "saturated":
            train = self.data.train
            with torch.no_grad():
                z = self.model(train.X).reshape(-1)
                idx = int(torch.argmin(train.p_true(torch.sigmoid(z))))
            row, zval = idx, float(z[idx])
        self.replay(state, base, max(first - 1, 0))  # keep the last good parameters (row first - 1)
        return Divergence(step=first, cause=cause, row=row, z=zval)

    def report(self, on_epoch: OnEpoch | None, last: int, E: int) -> None:
        h = self.history
        metrics = {"loss": float(h.loss[last]), "accuracy": float(h.accuracy[last]), "epochs": E}
        if h.test_loss is not None:
            metrics.update(test_loss=float(h.test_loss[last]), test_accuracy=float(h.test_accuracy[last]))
        on_epoch(last, metrics)

    def train(self, on_epoch: OnEpoch | None) -> tuple[Divergence | None, int]:
        """Train; returns (the divergence or None, the history rows kept)."""
        E = self.settings.epochs
        good = self.snapshot()  # state before step `checked`
        previous_good = None  # (state, step) of the check before
        checked = next_callback = start = 0
        while start < E:
            stop = self.run_window(start, min(start + self.window, E))
            p_true_min = self.record_window(start, stop)
            overflow = torch.isnan(p_true_min) | ~torch.isfinite(self.history.loss[start:stop])
            bad = overflow | ~(p_true_min > P_TRUE_FLOOR)
            if bool(bad.any()):
                in_window = int(torch.nonzero(bad)[0])
                first = start + in_window
                cause = "overflow" if bool(overflow[in_window]) else "saturated"
                # Steps are deterministic: replay from the last good snapshot before row `first`.
                state, base = previous_good if (first == checked and previous_good is not None) else (good, checked)
                return self.name_divergence(first, cause, state, base), first
            previous_good = (good, checked)
            good = self.snapshot()
            checked = stop
            if on_epoch is not None and stop - 1 >= next_callback:
                self.report(on_epoch, stop - 1, E)
                next_callback = min(((stop - 1) // self.callback_every + 1) * self.callback_every, E - 1)
            start = stop
        return None, E


class Lbfgs:
    """Full-batch L-BFGS (strong Wolfe line search), one iteration per history row, until the objective's
    largest gradient entry is below LBFGS_TOLERANCE or the iterations run out."""

    def __init__(self, data: Prepared, model: nn.Linear, settings: TrainSettings) -> None:
        self.data, self.model, self.settings = data, model, settings
        # max_iter=1: one iteration per history row. max_eval must be set with it: its default,
        # max_iter * 5 // 4, would leave the line search no evaluation at all.
        self.opt = optim.LBFGS(
            model.parameters(),
            lr=settings.lr,
            max_iter=1,
            max_eval=25,
            history_size=20,
            line_search_fn="strong_wolfe",
            tolerance_grad=LBFGS_TOLERANCE,
            tolerance_change=LBFGS_CHANGE,
        )
        self.history = History(settings.epochs, data.test is not None, data.train.X.device)
        self.separable = False

    def objective(self) -> torch.Tensor:
        self.opt.zero_grad()
        cost = F.binary_cross_entropy(torch.sigmoid(self.model(self.data.train.X)), self.data.train.y)
        cost = cost + penalty(self.model, self.settings.l2)
        cost.backward()
        return cost

    def record(self, k: int) -> torch.Tensor:
        """Row k of the history (before iteration k); returns the smallest P(own label) on the training rows."""
        train, test, t = self.data.train, self.data.test, self.settings.threshold
        with torch.no_grad():
            h = torch.sigmoid(self.model(train.X)).reshape(-1)
            self.history.loss[k] = train.bce(h)
            self.history.accuracy[k] = train.accuracy(h, t)
            if test is not None:
                held = torch.sigmoid(self.model(test.X)).reshape(-1)
                self.history.test_loss[k] = test.bce(held)
                self.history.test_accuracy[k] = test.accuracy(held, t)
            return train.p_true(h).amin()

    def train(self, on_epoch: OnEpoch | None) -> tuple[Divergence | None, int, bool]:
        """Train; returns (divergence or None, history rows kept, whether it converged)."""
        E = self.settings.epochs
        every = max(1, math.ceil(E / MAX_CALLBACKS))
        before = float(self.objective().detach())
        for k in range(E):
            p_true_min = float(self.record(k))
            if not p_true_min > P_TRUE_FLOOR:
                return Divergence(step=k, cause="saturated", row=None, z=None), k, False
            if p_true_min == 1.0 and not self.settings.l2:  # every row certain: W would grow without bound
                self.separable = True
                return None, k + 1, False
            # without a penalty, classes a line splits perfectly have no best W: it grows while L-BFGS goes on
            self.separable = not self.settings.l2 and float(self.history.accuracy[k]) == 1.0
            self.opt.step(self.objective)
            if on_epoch is not None and (k % every == 0 or k == E - 1):
                metrics = {
                    "loss": float(self.history.loss[k]),
                    "accuracy": float(self.history.accuracy[k]),
                    "epochs": E,
                }
                on_epoch(k, metrics)
            after = float(self.objective().detach())
            grad = max(float(p.grad.abs().max()) for p in self.model.parameters())
            if not (math.isfinite(grad) and math.isfinite(after)):
                return Divergence(step=k + 1, cause="overflow", row=None, z=None), k + 1, False
            if grad <= LBFGS_TOLERANCE or abs(before - after) <= LBFGS_CHANGE * max(1.0, abs(after)):
                return None, k + 1, True
            before = after
        return None, E, False
