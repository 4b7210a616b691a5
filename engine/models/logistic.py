"""Binary logistic regression, trained the way the course notes train it.

Model: ``nn.Linear(d, 1)`` followed by ``torch.sigmoid``; loss: ``F.binary_cross_entropy``
(mean over the rows); optimizer: ``optim.SGD`` or ``optim.Adam`` on the full batch, in float32.
``epochs`` is the number of optimizer steps and history row k is the loss *before* step k, which
is what the tutorials print inside ``for epoch in range(nb_epochs + 1)``.

Divergence: the loss "becomes infinite" when some row's predicted probability for its own label
rounds to exactly 0 in float32 (σ(z) = 1 for a row labelled 0 once z ≥ 16.64, or σ(z) ≈ 0 for a
row labelled 1 once z ≤ -88.7). The course notes' own formula ``-(y log H + (1-y) log(1-H))``
then returns inf; ``F.binary_cross_entropy`` hides it by clamping log at -100, and that row's
gradient is exactly 0, so training can no longer recover. A NaN or inf loss (overflow) counts
too. Training stops there, the history keeps the rows before it, and the fit carries the last
good parameters. The check runs on the device every few steps (no host sync per step).

Standardize: the column means and standard deviations are computed in float64 (features near
1e37 would overflow float32's sum of squares), and the scaled features, of order 1, are float32.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn, optim

from engine.errors import DataError
from engine.models import metrics
from engine.models.seeding import seeded_linear
from engine.runtime.device import pick_device
from engine.text import Msg

OPTIMIZERS = ("sgd", "adam", "lbfgs")
INITS = ("zeros", "random")
MAX_EPOCHS = 100_000
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
MAX_HOLDOUT = 0.9

OnEpoch = Callable[[int, dict], None]


@dataclass(frozen=True)
class TrainSettings:
    """Everything that decides a run besides the data. Hashable, so it can key a cache."""

    lr: float
    epochs: int
    optimizer: str = "sgd"
    init: str = "zeros"
    seed: int = 0
    standardize: bool = False
    threshold: float = 0.5
    l2: float = 0.0  # λ: the optimizer minimizes mean BCE + (λ/2)·‖W‖² (the bias is not penalized)
    holdout: float = 0.0  # share of the rows held out for testing (stratified, seeded), 0 for none

    def train_args(self) -> dict:
        """The keyword arguments of :func:`train_logistic` (everything but the held-out share)."""
        return {k: v for k, v in self.__dict__.items() if k != "holdout"}

    def check(self) -> None:
        """Raise DataError (a ValueError) with a plain message when a setting is out of range."""
        if not (isinstance(self.lr, int | float) and math.isfinite(self.lr) and self.lr > 0):
            raise DataError("The learning rate must be a positive number; got {value}.", value=repr(self.lr))
        if not isinstance(self.epochs, int | np.integer) or not 1 <= int(self.epochs) <= MAX_EPOCHS:
            raise DataError(
                "Epochs must be a whole number from 1 to {top:,}; got {value}.", top=MAX_EPOCHS, value=repr(self.epochs)
            )
        if self.optimizer not in OPTIMIZERS:
            raise DataError(
                "Unknown optimizer {value}: choose one of {names}.",
                value=repr(self.optimizer),
                names=", ".join(OPTIMIZERS),
            )
        if self.init not in INITS:
            raise DataError(
                "Unknown init {value}: choose one of {names}.", value=repr(self.init), names=", ".join(INITS)
            )
        if not isinstance(self.seed, int | np.integer) or not 0 <= int(self.seed) < 2**63:
            raise DataError("The seed must be a whole number ≥ 0; got {value}.", value=repr(self.seed))
        if not (math.isfinite(self.threshold) and 0 < self.threshold < 1):
            raise DataError("The threshold must be strictly between 0 and 1; got {value}.", value=repr(self.threshold))
        if not (isinstance(self.l2, int | float) and math.isfinite(self.l2) and self.l2 >= 0):
            raise DataError(
                "The L2 strength λ must be 0 or a positive number; got {value}. Type 0 for no penalty.",
                value=repr(self.l2),
            )
        if not (self.holdout == 0 or 0 < self.holdout <= MAX_HOLDOUT):
            raise DataError(
                "The held-out share must be 0 (none) or between 0 and {top:.0%}; got {value}.",
                top=MAX_HOLDOUT,
                value=repr(self.holdout),
            )


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


@dataclass(frozen=True, eq=False)
class LogisticFit:
    """A trained (or diverged) model. Weights in original units; the scaled ones when standardized."""

    weight: np.ndarray  # [d] float64, original units: z = X @ weight + bias
    bias: float
    weight_scaled: np.ndarray  # [d] the trained parameters (== weight when not standardized)
    bias_scaled: float
    mean: np.ndarray | None  # [d] standardization (None when off)
    std: np.ndarray | None
    init_weight: np.ndarray  # [d] the parameters before step 0 (training units)
    init_bias: float
    history: pd.DataFrame  # epoch, loss, accuracy (row k: before step k)
    settings: TrainSettings
    diverged: bool = False
    divergence: Divergence | None = None
    final_loss: float = math.nan  # mean BCE on the training rows after the last step taken
    final_accuracy: float = math.nan
    constant_columns: tuple[int, ...] = field(default_factory=tuple)
    converged: bool | None = None  # L-BFGS: stopped at its tolerance before the most iterations (else None)
    iterations: int | None = None  # L-BFGS: iterations taken
    separable: bool = False  # L-BFGS without L2 stopped: every row certain, the weights would grow without end

    @property
    def n_features(self) -> int:
        return int(self.weight.shape[0])

    @property
    def steps_taken(self) -> int:
        """Optimizer steps behind ``weight`` and ``bias``.

        A diverged run keeps the parameters of history row ``divergence.step - 1``, the last with a
        finite loss: that many steps (0 when the start itself was already infinite).
        """
        if self.divergence is not None:
            return max(self.divergence.step - 1, 0)
        if self.iterations is not None:
            return self.iterations
        return self.settings.epochs

    def decision_function(self, X) -> np.ndarray:
        """z = X W + b (float64), in original units."""
        X64 = torch.from_numpy(np.array(X, dtype=np.float64).reshape(-1, self.n_features))
        return (X64 @ torch.from_numpy(self.weight) + self.bias).numpy()

    def predict_proba(self, X) -> np.ndarray:
        """P(class 1 | x) = σ(X W + b) (float64)."""
        return torch.sigmoid(torch.from_numpy(self.decision_function(X))).numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted class: 1 where the probability reaches the threshold, else 0."""
        return (self.predict_proba(X) >= self.settings.threshold).astype(np.int64)

    @property
    def z_threshold(self) -> float:
        """The z where σ(z) equals the threshold: logit(threshold) (0 for 0.5)."""
        t = self.settings.threshold
        return math.log(t / (1 - t))


def _as_xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    if X.ndim != 2 or X.shape[1] < 1:
        raise ValueError("X must be a table with at least one feature column.")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}.")
    if X.shape[0] < 1:
        raise ValueError("There are no rows to train on.")
    X = np.ascontiguousarray(X)  # row-major, like torch.FloatTensor(rows): same kernels, same rounding
    if not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinite values (or numbers too large for float32).")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("y must contain only 0 and 1.")
    return X, y


def standardization(X64: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, tuple[int, ...]]:
    """Column mean and population std of float64 ``X64`` (a constant column gets std 1)."""
    mean = X64.mean(dim=0)
    std = X64.std(dim=0, unbiased=False)
    constant = tuple(int(i) for i in torch.nonzero(std == 0).flatten().tolist())
    std[std == 0] = 1
    return mean, std, constant


def init_linear(d: int, init: str, seed: int) -> nn.Linear:
    """``nn.Linear(d, 1)`` with zeros, or exactly what ``torch.manual_seed(seed); nn.Linear(d, 1)`` gives.

    The random case draws from a private generator (``engine.models.seeding``), so the process-wide RNG
    (shared by every user session) is neither read nor changed.
    """
    layer, _ = seeded_linear(d, 1, seed)
    if init == "zeros":
        with torch.no_grad():
            layer.weight.zero_()
            layer.bias.zero_()
    return layer


def _make_optimizer(name: str, params, lr: float) -> optim.Optimizer:
    return optim.SGD(params, lr=lr) if name == "sgd" else optim.Adam(params, lr=lr)


@dataclass
class _Rows:
    """One set of rows on the device, with helpers for the window check (few passes over the data):
    p_true = P(own label) = (1 - y) + h * (2y - 1), and #correct = #(y = 0) + (h >= t) @ (2y - 1)."""

    X: torch.Tensor  # [n, d] float32
    y: torch.Tensor  # [n, 1] float32
    y_sign: torch.Tensor
    y_off: torch.Tensor
    n_zero: float

    @classmethod
    def make(cls, X: torch.Tensor, y: np.ndarray, device: torch.device) -> _Rows:
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
class _Prepared:
    """The training rows (and held-out rows) as the loops use them: on the device, standardized when asked
    (with the training rows' mean and std only)."""

    train: _Rows
    test: _Rows | None
    mean: torch.Tensor | None  # float64 [d]
    std: torch.Tensor | None
    constant: tuple[int, ...]


def _prepare(Xn, yn, X_test, y_test, standardize: bool, device: torch.device) -> _Prepared:
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
    test = _Rows.make(Xh, y_test, device) if Xh is not None else None
    return _Prepared(_Rows.make(Xt, yn, device), test, mean, std, constant)


class _History:
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


def _penalty(model: nn.Linear, l2: float) -> torch.Tensor | float:
    """(λ/2)·‖W‖², the bias left out (as in scikit-learn, whose C is 1/(λ·n))."""
    return 0.5 * l2 * model.weight.pow(2).sum() if l2 else 0.0


class _Loop:
    """Full-batch steps in windows; after each window one check on the device finds a divergence.

    Each step keeps the probabilities it computed in a window buffer; a check then finds the
    first row (step) whose loss is not finite, replays the deterministic steps from the last good
    snapshot to name the row and its z, and leaves the model at the last good parameters.
    """

    def __init__(self, data: _Prepared, model: nn.Linear, opt: optim.Optimizer, settings: TrainSettings) -> None:
        self.data, self.model, self.opt, self.settings = data, model, opt, settings
        E, n = settings.epochs, data.train.n + (data.test.n if data.test is not None else 0)
        self.callback_every = max(1, math.ceil(E / MAX_CALLBACKS))
        # steps between checks: at least 32 (each check costs a host sync and a snapshot), at most
        # what keeps the window of probabilities under WINDOW_FLOATS; callbacks come at checks
        self.window = max(1, min(max(self.callback_every, 32), WINDOW_FLOATS // max(n, 1)))
        device = data.train.X.device
        self.history = _History(E, data.test is not None, device)
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
            cost = cost + _penalty(self.model, self.settings.l2)
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


class _Lbfgs:
    """Full-batch L-BFGS (strong Wolfe line search), one iteration per history row, until the objective's
    largest gradient entry is below LBFGS_TOLERANCE or the iterations run out."""

    def __init__(self, data: _Prepared, model: nn.Linear, settings: TrainSettings) -> None:
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
        self.history = _History(settings.epochs, data.test is not None, data.train.X.device)
        self.separable = False

    def objective(self) -> torch.Tensor:
        self.opt.zero_grad()
        cost = F.binary_cross_entropy(torch.sigmoid(self.model(self.data.train.X)), self.data.train.y)
        cost = cost + _penalty(self.model, self.settings.l2)
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


def train_logistic(
    X,
    y,
    *,
    lr: float,
    epochs: int,
    optimizer: str = "sgd",
    init: str = "zeros",
    seed: int = 0,
    standardize: bool = False,
    threshold: float = 0.5,
    l2: float = 0.0,
    on_epoch: OnEpoch | None = None,
    device: torch.device | str | None = None,
    X_test=None,
    y_test=None,
) -> LogisticFit:
    """Train σ(XW + b) with BCE on the full batch; see the module docstring.

    ``l2`` = λ adds (λ/2)·‖W‖² to the mean BCE the optimizer minimizes (the history's and the final
    loss stay the mean BCE, comparable with held-out rows). ``optimizer="lbfgs"`` runs full-batch
    L-BFGS until it converges (``epochs`` = the most iterations). ``X_test``/``y_test``: held-out rows,
    scored at every step (``history`` then has ``test_loss`` and ``test_accuracy``).
    ``on_epoch(epoch, metrics)`` is called at most ``MAX_CALLBACKS`` times (and always for the last
    step), with ``metrics = {"loss", "accuracy", "epochs"}`` for history row ``epoch``.
    """
    settings = TrainSettings(
        lr=float(lr),
        epochs=int(epochs),
        optimizer=str(optimizer).lower(),
        init=str(init).lower(),
        seed=int(seed),
        standardize=bool(standardize),
        threshold=float(threshold),
        l2=float(l2),
    )
    settings.check()
    Xn, yn = _as_xy(X, y)
    Xh, yh = _as_xy(X_test, y_test) if X_test is not None else (None, None)
    device = torch.device(device) if device is not None else pick_device()
    data = _prepare(Xn, yn, Xh, yh, settings.standardize, device)
    model = init_linear(Xn.shape[1], settings.init, settings.seed)
    init_weight = model.weight.detach()[0].double().numpy().copy()
    init_bias = float(model.bias.detach()[0])
    model = model.to(device)
    converged = None
    if settings.optimizer == "lbfgs":
        loop = _Lbfgs(data, model, settings)
        divergence, kept, converged = loop.train(on_epoch)
    else:
        loop = _Loop(data, model, _make_optimizer(settings.optimizer, model.parameters(), settings.lr), settings)
        divergence, kept = loop.train(on_epoch)
    fit = _fit(data, model, loop.history.frame(kept), settings, divergence, init_weight, init_bias)
    if settings.optimizer == "lbfgs":
        iterations = kept if divergence is None else None
        fit = dataclasses.replace(fit, converged=converged, iterations=iterations, separable=loop.separable)
    return fit


def _fit(data: _Prepared, model, history: pd.DataFrame, settings: TrainSettings, divergence, init_weight, init_bias):
    """The result: the final loss and accuracy, and W, b in both units."""
    train = data.train
    with torch.no_grad():
        h = torch.sigmoid(model(train.X))
        final_loss = float(F.binary_cross_entropy(torch.nan_to_num(h, nan=0.5), train.y))
        final_accuracy = float(((h >= settings.threshold) == train.y.bool()).float().mean())
    ws = model.weight.detach()[0].double().cpu().numpy().copy()
    bs = float(model.bias.detach()[0])
    if settings.standardize:
        m64, s64 = data.mean.numpy(), data.std.numpy()
        w_orig = ws / s64
        b_orig = bs - float(np.sum(ws * m64 / s64))
        mean_out, std_out = m64, s64
    else:
        w_orig, b_orig, mean_out, std_out = ws.copy(), bs, None, None
    return LogisticFit(
        weight=w_orig,
        bias=b_orig,
        weight_scaled=ws,
        bias_scaled=bs,
        mean=mean_out,
        std=std_out,
        init_weight=init_weight,
        init_bias=init_bias,
        history=history,
        settings=settings,
        diverged=divergence is not None,
        divergence=divergence,
        final_loss=final_loss,
        final_accuracy=final_accuracy,
        constant_columns=data.constant,
    )


# --- a learning rate that works -------------------------------------------------------------

LR_LADDER = (1000.0, 300.0, 100.0, 30.0, 10.0, 3.0, 1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 3e-5, 1e-5)


@dataclass(frozen=True)
class LrTrial:
    """A candidate run that trained: its learning rate, whether features were standardized, how it ended."""

    lr: float
    standardize: bool
    loss_start: float
    loss_end: float
    accuracy_end: float


@dataclass(frozen=True)
class LrSuggestion:
    """What to try after a diverged run.

    ``same``: the largest rate on ``LR_LADDER`` below the one that failed that trains on this data
    with every other setting unchanged (None: none did). ``standardized``: when the run was on raw
    features, the largest rate (the failed one included) that trains with Standardize on.
    """

    same: LrTrial | None
    standardized: LrTrial | None
    tried: tuple[float, ...]


def _first_that_trains(X, y, settings: TrainSettings, rates) -> tuple[LrTrial | None, list[float]]:
    tried = []
    for lr in rates:
        tried.append(lr)
        fit = train_logistic(X, y, **{**settings.train_args(), "lr": lr})
        if fit.diverged or len(fit.history) == 0:
            continue
        start = float(fit.history["loss"].iloc[0])
        if fit.final_loss < start:
            return LrTrial(lr, settings.standardize, start, fit.final_loss, fit.final_accuracy), tried
    return None, tried


def suggest_learning_rate(X, y, settings: TrainSettings) -> LrSuggestion:
    """Find learning rates that train on this data; see ``LrSuggestion``.

    A rate "trains" when a real run with it (same data, every other setting unchanged) does not
    diverge and ends with a lower loss than it started with. Diverging runs stop at the step they
    blow up, so the search costs about one full training run per answer.
    """
    if settings.optimizer == "lbfgs":  # its line search picks the step: no learning rate to suggest
        return LrSuggestion(same=None, standardized=None, tried=())
    below = [r for r in LR_LADDER if r < settings.lr * (1 - 1e-9)]
    same, tried = _first_that_trains(X, y, settings, below)
    standardized = None
    if not settings.standardize:
        scaled = dataclasses.replace(settings, standardize=True)
        rates = [settings.lr] + [r for r in below if r >= 1e-3]
        standardized, _ = _first_that_trains(X, y, scaled, rates)
    return LrSuggestion(same=same, standardized=standardized, tried=tuple(tried))


@dataclass(frozen=True)
class Split:
    """Which rows a run trained on and which it held out for testing (positions from 0, sorted)."""

    train: np.ndarray
    test: np.ndarray

    @property
    def held_out(self) -> bool:
        return len(self.test) > 0


def split_rows(y, share: float, seed: int) -> Split:
    """Hold out ``share`` of the rows of each class for testing, chosen by a seeded permutation.

    Per class (0, then 1): ``torch.randperm`` of its rows from ``torch.Generator().manual_seed(seed)``
    (one generator, used for class 0 first); the first max(1, round(share × count)) are held out, so
    every class is tested. Raises DataError when a class would have no rows in either part.
    """
    y = np.asarray(y).reshape(-1)
    if share == 0:
        return Split(np.arange(len(y)), np.arange(0))
    gen = torch.Generator().manual_seed(int(seed))
    train, test = [], []
    for cls in (0, 1):
        rows = np.flatnonzero(y == cls)
        k = max(1, int(round(share * len(rows))))
        if k >= len(rows):
            raise DataError(
                "Holding out {share:.0%} of the rows leaves no row of class {cls} ({count} rows in all) to train "
                "on. Hold out a smaller share, or add rows of that class.",
                share=share,
                cls=cls,
                count=len(rows),
            )
        order = torch.randperm(len(rows), generator=gen).numpy()
        test.append(rows[order[:k]])
        train.append(rows[order[k:]])
    return Split(np.sort(np.concatenate(train)), np.sort(np.concatenate(test)))


@dataclass(frozen=True)
class Trained:
    """What a page's training job returns: the fit, learning rates that work if it diverged, the split."""

    fit: LogisticFit
    suggestion: LrSuggestion | None
    split: Split


def fit_and_advise(X, y, settings: TrainSettings, on_epoch: OnEpoch | None = None) -> Trained:
    """A page's training job: split off the held-out rows, train with ``settings`` on the rest (scoring the
    held-out rows every step), and when the run diverges, find learning rates that work."""
    X, y = np.asarray(X, dtype=np.float32), np.asarray(y, dtype=np.float32).reshape(-1)
    split = split_rows(y, settings.holdout, settings.seed)
    X_train, y_train = X[split.train], y[split.train]
    held = dict(X_test=X[split.test], y_test=y[split.test]) if split.held_out else {}
    fit = train_logistic(X_train, y_train, **settings.train_args(), on_epoch=on_epoch, **held)
    suggestion = suggest_learning_rate(X_train, y_train, settings) if fit.diverged else None
    return Trained(fit, suggestion, split)


# --- reading a fit --------------------------------------------------------------------------


# Confusion counts live in engine.models.metrics; kept here under their old names for callers of this module.
Confusion = metrics.Confusion
confusion = metrics.confusion


def prediction_columns(feature_names, classes: tuple[str, str]) -> dict[str, str]:
    """Names of the columns :func:`predictions_frame` adds after the features, none equal to a feature's.

    Keys: ``label`` (the true class), ``y`` (it as 0/1), ``p`` (P(class 1)), ``predicted``,
    ``correct`` and ``split``. Each is its plain name (``label``, ``y``, ``P(<class 1>)``, ...)
    unless a feature already has that name; then a longer one (``y (0/1 label)``), numbered if
    that is taken too.
    """
    choices = {
        "label": ("label", "label (true class)"),
        "y": ("y", "y (0/1 label)"),
        "p": (f"P({classes[1]})", f"P({classes[1]}) (model)"),
        "predicted": ("predicted", "predicted class"),
        "correct": ("correct", "correct (✓/✗)"),
        "split": ("split", "split (train/test)"),
    }
    taken = {str(name) for name in feature_names}
    out = {}
    for key, (plain, longer) in choices.items():
        name, n = plain, 1
        while name in taken:
            n += 1
            name = longer if n == 2 else f"{longer} {n - 1}"
        taken.add(name)
        out[key] = name
    return out


def predictions_frame(
    fit: LogisticFit,
    X,
    y,
    feature_names,
    classes: tuple[str, str],
    *,
    split: Split | None = None,
    threshold: float | None = None,
    rows: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per data row: the features, the label, P(class 1), the predicted class, ✓/✗ and the split.

    ``split`` says which rows were held out (``split`` = "test"; all "train" without it); ``rows``
    picks some rows only (positions); ``threshold`` defaults to the fit's. The added columns are
    named by :func:`prediction_columns`, so no feature column is overwritten.
    """
    X = np.asarray(X, dtype=np.float64).reshape(-1, fit.n_features)
    y = np.asarray(y).reshape(-1).astype(np.int64)
    where = np.full(len(y), "train", dtype=object)
    if split is not None and split.held_out:
        where[split.test] = "test"
    if rows is not None:
        X, y, where = X[rows], y[rows], where[rows]
    p = fit.predict_proba(X)
    pred = (p >= (fit.settings.threshold if threshold is None else threshold)).astype(np.int64)
    frame = pd.DataFrame(X, columns=list(feature_names))
    names = np.asarray(classes, dtype=object)
    columns = prediction_columns(feature_names, classes)
    frame[columns["label"]] = names[y]
    frame[columns["y"]] = y
    frame[columns["p"]] = p
    frame[columns["predicted"]] = names[pred]
    frame[columns["correct"]] = np.where(pred == y, "✓", "✗")
    frame[columns["split"]] = where
    return frame


def fitted_equation(fit: LogisticFit, feature_names, digits: int = 4) -> str:
    """``z = 3.2530·x1 + 1.5179·x2 − 14.4819`` (original units)."""
    terms = []
    for i, (w, name) in enumerate(zip(fit.weight, feature_names, strict=True)):
        sign = "−" if w < 0 else "+"
        mag = f"{abs(w):.{digits}f}·{name}"
        terms.append(("−" + mag) if (i == 0 and w < 0) else (mag if i == 0 else f"{sign} {mag}"))
    b = fit.bias
    return "z = " + " ".join(terms) + (f" − {abs(b):.{digits}f}" if b < 0 else f" + {b:.{digits}f}")


def weights_json(
    fit: LogisticFit, feature_names, classes: tuple[str, str], *, holdout: float = 0.0, threshold: float | None = None
) -> dict:
    """Everything needed to use the model elsewhere, as plain JSON types."""
    out = {
        "model": "p = sigmoid(sum_i weight[i] * x[i] + bias); class 1 when p >= threshold",
        "features": list(feature_names),
        "weight": [float(w) for w in fit.weight],
        "bias": float(fit.bias),
        "threshold": fit.settings.threshold if threshold is None else threshold,
        "classes": {"0": classes[0], "1": classes[1]},
        "settings": {
            "optimizer": fit.settings.optimizer,
            "lr": fit.settings.lr,
            "epochs": fit.settings.epochs,
            "init": fit.settings.init,
            "seed": fit.settings.seed,
            "standardize": fit.settings.standardize,
            "l2": fit.settings.l2,
            "held_out_share": holdout,
            "split_seed": fit.settings.seed,
        },
        "final_loss": fit.final_loss,
        "final_accuracy": fit.final_accuracy,
        "diverged": fit.diverged,
    }
    if fit.converged is not None:
        out["converged"], out["iterations"] = fit.converged, fit.iterations
    if fit.settings.standardize:
        out["standardized"] = {
            "mean": [float(v) for v in fit.mean],
            "std": [float(v) for v in fit.std],
            "weight_scaled": [float(w) for w in fit.weight_scaled],
            "bias_scaled": float(fit.bias_scaled),
        }
    return out


def sample_rows(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most ``max_points`` rows out of ``n`` (all rows when ``n`` is small), seeded."""
    if n <= max_points:
        return np.arange(n)
    gen = torch.Generator().manual_seed(int(seed))
    return np.sort(torch.randperm(n, generator=gen)[:max_points].numpy())


# --- data behind the charts -----------------------------------------------------------------


def history_for_chart(history: pd.DataFrame, max_points: int = 2000) -> tuple[pd.DataFrame, int]:
    """Every k-th history row (and the last) so at most ``max_points`` are drawn; returns (rows, k)."""
    n = len(history)
    if n <= max_points:
        return history.reset_index(drop=True), 1
    every = math.ceil(n / max_points)
    idx = np.unique(np.append(np.arange(0, n, every), n - 1))
    return history.iloc[idx].reset_index(drop=True), every


def padded_range(values, pad: float = 0.1) -> tuple[float, float]:
    """(min, max) of ``values`` widened by ``pad`` of the span (by 1 when the span is 0)."""
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo
    margin = span * pad if span > 0 else 1.0
    return lo - margin, hi + margin


def curve_frame(fit: LogisticFit, x_min: float, x_max: float, n: int = 300) -> pd.DataFrame:
    """One feature: x, z = Wx + b and p = σ(z) along [x_min, x_max]."""
    x = np.linspace(x_min, x_max, n)
    z = fit.decision_function(x.reshape(-1, 1))
    return pd.DataFrame({"x": x, "z": z, "p": torch.sigmoid(torch.from_numpy(z)).numpy()})


def decision_x(fit: LogisticFit) -> float | None:
    """One feature: the x where p equals the threshold (None when W = 0)."""
    w = float(fit.weight[0])
    if w == 0:
        return None
    return (fit.z_threshold - fit.bias) / w


def probability_grid(fit: LogisticFit, x_range, y_range, n: int = 60) -> pd.DataFrame:
    """Two features: p = σ(W·x + b) on an n × n grid of cells (x, x2, y, y2 are the cell edges)."""
    xe = np.linspace(x_range[0], x_range[1], n + 1)
    ye = np.linspace(y_range[0], y_range[1], n + 1)
    xc, yc = (xe[:-1] + xe[1:]) / 2, (ye[:-1] + ye[1:]) / 2
    gx, gy = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    gx, gy = gx.reshape(-1), gy.reshape(-1)
    p = fit.predict_proba(np.stack([xc[gx], yc[gy]], axis=1))
    return pd.DataFrame({"x": xe[gx], "x2": xe[gx + 1], "y": ye[gy], "y2": ye[gy + 1], "p": p})


def boundary_segment(fit: LogisticFit, x_range, y_range) -> pd.DataFrame:
    """Two features: the line W1·x1 + W2·x2 + b = logit(threshold) clipped to the box (0 or 2 rows)."""
    w1, w2 = float(fit.weight[0]), float(fit.weight[1])
    c = fit.z_threshold - fit.bias  # w1 x + w2 y = c
    (x0, x1), (y0, y1) = x_range, y_range
    points = []
    if w2 != 0:
        for x in (x0, x1):
            y = (c - w1 * x) / w2
            if y0 <= y <= y1:
                points.append((x, y))
    if w1 != 0:
        for y in (y0, y1):
            x = (c - w2 * y) / w1
            if x0 <= x <= x1:
                points.append((x, y))
    unique = []
    for p in points:
        if all(abs(p[0] - q[0]) > 1e-12 or abs(p[1] - q[1]) > 1e-12 for q in unique):
            unique.append(p)
    if len(unique) < 2:
        return pd.DataFrame(columns=["x", "y"], dtype=float)
    unique.sort()
    return pd.DataFrame([unique[0], unique[-1]], columns=["x", "y"])


def z_curve_frame(z_min: float, z_max: float, n: int = 300) -> pd.DataFrame:
    """σ(z) along [z_min, z_max] (three or more features: points are placed by their z)."""
    z = np.linspace(z_min, z_max, n)
    return pd.DataFrame({"z": z, "p": torch.sigmoid(torch.from_numpy(z)).numpy()})
