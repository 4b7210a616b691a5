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
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn, optim

from engine.device import pick_device
from engine.errors import DataError
from engine.seeding import seeded_linear
from engine.text import Msg

OPTIMIZERS = ("sgd", "adam")
INITS = ("zeros", "random")
MAX_EPOCHS = 100_000
MAX_CALLBACKS = 200
# F.binary_cross_entropy clamps log(p) at -100: a row whose probability for its own label is at or
# below e^-100 (0 in float32, or a denormal) has an infinite loss in exact arithmetic.
LOG_CLAMP = 100.0
P_TRUE_FLOOR = math.exp(-LOG_CLAMP)
# Per-check window of kept probabilities: at most this many floats (window rows x samples).
WINDOW_FLOATS = 4_000_000

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
    final_loss: float = math.nan  # after the last step taken
    final_accuracy: float = math.nan
    constant_columns: tuple[int, ...] = field(default_factory=tuple)

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

    The random case draws from a private generator (``engine.seeding``), so the process-wide RNG
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
class _Prepared:
    """The training rows as the loop uses them: on the device, standardized when asked."""

    X: torch.Tensor  # [n, d] float32
    y: torch.Tensor  # [n, 1] float32
    mean: torch.Tensor | None  # float64 [d]
    std: torch.Tensor | None
    constant: tuple[int, ...]
    # Per-row helpers for the window check, so it costs few passes over the data:
    # p_true = P(own label) = (1 - y) + h * (2y - 1), and #correct = #(y = 0) + (h >= t) @ (2y - 1).
    y_sign: torch.Tensor
    y_off: torch.Tensor
    n_zero: float

    @property
    def n(self) -> int:
        return int(self.X.shape[0])


def _prepare(Xn: np.ndarray, yn: np.ndarray, standardize: bool, device: torch.device) -> _Prepared:
    # A torch-allocated copy: vectorised kernels can round differently on differently aligned
    # memory, and the generated script (torch.FloatTensor) gets torch's alignment too.
    Xt = torch.tensor(Xn)
    mean = std = None
    constant: tuple[int, ...] = ()
    if standardize:
        X64 = Xt.double()
        mean, std, constant = standardization(X64)
        Xt = ((X64 - mean) / std).float()
        if not bool(torch.isfinite(Xt).all()):
            raise DataError("The features cannot be standardized: their values are too far apart even in float64.")
    Xt = Xt.to(device)
    yt = torch.tensor(yn).reshape(-1, 1).to(device)
    y_off = 1 - yt.reshape(-1)
    return _Prepared(Xt, yt, mean, std, constant, yt.reshape(-1) * 2 - 1, y_off, float(y_off.sum()))


class _Loop:
    """Full-batch steps in windows; after each window one check on the device finds a divergence.

    Each step keeps the probabilities it computed in a window buffer; a check then finds the
    first row (step) whose loss is not finite, replays the deterministic steps from the last good
    snapshot to name the row and its z, and leaves the model at the last good parameters.
    """

    def __init__(self, data: _Prepared, model: nn.Linear, opt: optim.Optimizer, settings: TrainSettings) -> None:
        self.data, self.model, self.opt, self.settings = data, model, opt, settings
        E, n = settings.epochs, data.n
        self.callback_every = max(1, math.ceil(E / MAX_CALLBACKS))
        # steps between checks: at least 32 (each check costs a host sync and a snapshot), at most
        # what keeps the window of probabilities under WINDOW_FLOATS; callbacks come at checks
        self.window = max(1, min(max(self.callback_every, 32), WINDOW_FLOATS // max(n, 1)))
        device = data.X.device
        self.losses = torch.empty(E, device=device)
        self.accuracy = torch.empty(E, device=device)
        self.probs = torch.empty(self.window, n, device=device)
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
        h = torch.sigmoid(self.model(self.data.X))
        if slot is not None:
            self.probs[slot] = h.detach().reshape(-1)
        cost = F.binary_cross_entropy(torch.nan_to_num(h, nan=0.5) if self.guard_nan else h, self.data.y)
        self.losses[k] = cost.detach()
        self.opt.zero_grad()
        cost.backward()
        self.opt.step()

    def replay(self, state, base: int, upto: int) -> None:
        """Restore ``state`` (taken before step ``base``) and run steps ``base .. upto - 1`` again."""
        self.restore(state)
        for k in range(base, upto):
            self.step(k, None)

    def window_stats(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Accuracy and the smallest P(own label) of each row of the window (NaN when h has a NaN).

        Both are exact: the counts are small integers in float32, and 1 + (-h) is 1 - h.
        """
        d = self.data
        h = self.probs[:count]
        correct = d.n_zero + (h >= self.settings.threshold).to(h.dtype) @ d.y_sign
        p_true_min = torch.addcmul(d.y_off, h, d.y_sign).amin(dim=1)  # amin propagates NaN
        return correct / d.n, p_true_min

    def run_window(self, start: int, stop: int) -> int:
        """Steps ``start .. stop - 1``; returns where the window really ends (earlier on an overflow)."""
        k = start
        try:
            for k in range(start, stop):
                self.step(k, k - start)
        except RuntimeError:
            if not bool(torch.isnan(self.probs[k - start]).any()):
                raise
            self.losses[k] = math.nan  # this row's probabilities are NaN: the weights overflowed
            stop = k + 1
        return stop

    def name_divergence(self, first: int, cause: str, state, base: int) -> Divergence:
        """Replay to row ``first`` to name the row at fault, then keep the last good parameters."""
        self.replay(state, base, first)
        row = zval = None
        if cause == "saturated":
            d = self.data
            with torch.no_grad():
                z = self.model(d.X).reshape(-1)
                idx = int(torch.argmin(torch.addcmul(d.y_off, torch.sigmoid(z), d.y_sign)))
            row, zval = idx, float(z[idx])
        self.replay(state, base, max(first - 1, 0))  # keep the last good parameters (row first - 1)
        return Divergence(step=first, cause=cause, row=row, z=zval)

    def train(self, on_epoch: OnEpoch | None) -> Divergence | None:
        E = self.settings.epochs
        good = self.snapshot()  # state before step `checked`
        previous_good = None  # (state, step) of the check before
        checked = next_callback = start = 0
        while start < E:
            stop = self.run_window(start, min(start + self.window, E))
            acc, p_true_min = self.window_stats(stop - start)
            self.accuracy[start:stop] = acc
            overflow = torch.isnan(p_true_min) | ~torch.isfinite(self.losses[start:stop])
            bad = overflow | ~(p_true_min > P_TRUE_FLOOR)
            if bool(bad.any()):
                in_window = int(torch.nonzero(bad)[0])
                first = start + in_window
                cause = "overflow" if bool(overflow[in_window]) else "saturated"
                # Steps are deterministic: replay from the last good snapshot before row `first`.
                state, base = previous_good if (first == checked and previous_good is not None) else (good, checked)
                return self.name_divergence(first, cause, state, base)
            previous_good = (good, checked)
            good = self.snapshot()
            checked = stop
            if on_epoch is not None and stop - 1 >= next_callback:
                last = stop - 1
                on_epoch(last, {"loss": float(self.losses[last]), "accuracy": float(self.accuracy[last]), "epochs": E})
                next_callback = min((last // self.callback_every + 1) * self.callback_every, E - 1)
            start = stop
        return None


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
    on_epoch: OnEpoch | None = None,
    device: torch.device | str | None = None,
) -> LogisticFit:
    """Train σ(XW + b) with BCE on the full batch; see the module docstring.

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
    )
    settings.check()
    Xn, yn = _as_xy(X, y)
    device = torch.device(device) if device is not None else pick_device()
    data = _prepare(Xn, yn, settings.standardize, device)
    model = init_linear(Xn.shape[1], settings.init, settings.seed)
    init_weight = model.weight.detach()[0].double().numpy().copy()
    init_bias = float(model.bias.detach()[0])
    model = model.to(device)
    loop = _Loop(data, model, _make_optimizer(settings.optimizer, model.parameters(), settings.lr), settings)
    divergence = loop.train(on_epoch)
    return _fit(data, model, loop, settings, divergence, init_weight, init_bias)


def _fit(
    data: _Prepared, model, loop: _Loop, settings: TrainSettings, divergence, init_weight, init_bias
) -> LogisticFit:
    """The result: history, the final loss and accuracy, and W, b in both units."""
    kept = divergence.step if divergence is not None else settings.epochs
    history = pd.DataFrame(
        {
            "epoch": np.arange(kept, dtype=np.int64),
            "loss": loop.losses[:kept].double().cpu().numpy(),
            "accuracy": loop.accuracy[:kept].double().cpu().numpy(),
        }
    )
    with torch.no_grad():
        h = torch.sigmoid(model(data.X))
        final_loss = float(F.binary_cross_entropy(torch.nan_to_num(h, nan=0.5), data.y))
        final_accuracy = float(((h >= settings.threshold) == data.y.bool()).float().mean())
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
        fit = train_logistic(X, y, **{**settings.__dict__, "lr": lr})
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
    below = [r for r in LR_LADDER if r < settings.lr * (1 - 1e-9)]
    same, tried = _first_that_trains(X, y, settings, below)
    standardized = None
    if not settings.standardize:
        scaled = TrainSettings(**{**settings.__dict__, "standardize": True})
        rates = [settings.lr] + [r for r in below if r >= 1e-3]
        standardized, _ = _first_that_trains(X, y, scaled, rates)
    return LrSuggestion(same=same, standardized=standardized, tried=tuple(tried))


def fit_and_advise(
    X, y, settings: TrainSettings, on_epoch: OnEpoch | None = None
) -> tuple[LogisticFit, LrSuggestion | None]:
    """Train with ``settings``; when the run diverges, also find learning rates that work (a page's job)."""
    fit = train_logistic(X, y, **settings.__dict__, on_epoch=on_epoch)
    return fit, (suggest_learning_rate(X, y, settings) if fit.diverged else None)


# --- reading a fit --------------------------------------------------------------------------


@dataclass(frozen=True)
class Confusion:
    tp: int
    fp: int
    tn: int
    fn: int

    @property
    def n(self) -> int:
        return self.tp + self.fp + self.tn + self.fn

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / self.n if self.n else math.nan

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP); None when nothing was predicted as class 1."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN); None when no row is truly class 1."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        """2PR / (P + R); None when precision or recall is undefined, or both are 0."""
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None
        return 2 * p * r / (p + r)

    def why_undefined(self) -> dict[str, Msg]:
        """A short reason for each metric that is undefined (division by zero)."""
        out = {}
        if self.precision is None:
            out["precision"] = Msg("precision: — because no row was predicted as class 1, so TP + FP = 0.")
        if self.recall is None:
            out["recall"] = Msg("recall: — because no row is truly class 1, so TP + FN = 0.")
        if self.f1 is None:
            if "precision" in out or "recall" in out:
                out["f1"] = Msg("F1: — because it needs both precision and recall.")
            else:
                out["f1"] = Msg("F1: — because precision and recall are both 0.")
        return out


def confusion(y_true, y_pred) -> Confusion:
    t = np.asarray(y_true).reshape(-1).astype(bool)
    p = np.asarray(y_pred).reshape(-1).astype(bool)
    return Confusion(
        tp=int(np.sum(t & p)),
        fp=int(np.sum(~t & p)),
        tn=int(np.sum(~t & ~p)),
        fn=int(np.sum(t & ~p)),
    )


def prediction_columns(feature_names, classes: tuple[str, str]) -> dict[str, str]:
    """Names of the columns :func:`predictions_frame` adds after the features, none equal to a feature's.

    Keys: ``label`` (the true class), ``y`` (it as 0/1), ``p`` (P(class 1)), ``predicted`` and
    ``correct``. Each is its plain name (``label``, ``y``, ``P(<class 1>)``, ...) unless a feature
    already has that name; then a longer one (``y (0/1 label)``), numbered if that is taken too.
    """
    choices = {
        "label": ("label", "label (true class)"),
        "y": ("y", "y (0/1 label)"),
        "p": (f"P({classes[1]})", f"P({classes[1]}) (model)"),
        "predicted": ("predicted", "predicted class"),
        "correct": ("correct", "correct (✓/✗)"),
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


def predictions_frame(fit: LogisticFit, X, y, feature_names, classes: tuple[str, str]) -> pd.DataFrame:
    """One row per data row: the features, the label, P(class 1), the predicted class and ✓/✗.

    The added columns are named by :func:`prediction_columns`, so no feature column is overwritten.
    """
    X = np.asarray(X, dtype=np.float64).reshape(-1, fit.n_features)
    y = np.asarray(y).reshape(-1).astype(np.int64)
    p = fit.predict_proba(X)
    pred = (p >= fit.settings.threshold).astype(np.int64)
    frame = pd.DataFrame(X, columns=list(feature_names))
    names = np.asarray(classes, dtype=object)
    columns = prediction_columns(feature_names, classes)
    frame[columns["label"]] = names[y]
    frame[columns["y"]] = y
    frame[columns["p"]] = p
    frame[columns["predicted"]] = names[pred]
    frame[columns["correct"]] = np.where(pred == y, "✓", "✗")
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


def weights_json(fit: LogisticFit, feature_names, classes: tuple[str, str]) -> dict:
    """Everything needed to use the model elsewhere, as plain JSON types."""
    out = {
        "model": "p = sigmoid(sum_i weight[i] * x[i] + bias); class 1 when p >= threshold",
        "features": list(feature_names),
        "weight": [float(w) for w in fit.weight],
        "bias": float(fit.bias),
        "threshold": fit.settings.threshold,
        "classes": {"0": classes[0], "1": classes[1]},
        "settings": {
            "optimizer": fit.settings.optimizer,
            "lr": fit.settings.lr,
            "epochs": fit.settings.epochs,
            "init": fit.settings.init,
            "seed": fit.settings.seed,
            "standardize": fit.settings.standardize,
        },
        "final_loss": fit.final_loss,
        "final_accuracy": fit.final_accuracy,
        "diverged": fit.diverged,
    }
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
