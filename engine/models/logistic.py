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

The rows on the device and the loops themselves are in ``engine.models.logistic_loops``; reading a
fit (predictions, equation, weights) and the data behind the charts in ``engine.present.logistic_frames``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn, optim

from engine.errors import DataError
from engine.models.logistic_loops import Divergence, Lbfgs, Loop, OnEpoch, Prepared, prepare
from engine.models.seeding import seeded_linear
from engine.runtime.device import pick_device

OPTIMIZERS = ("sgd", "adam", "lbfgs")
INITS = ("zeros", "random")
MAX_EPOCHS = 100_000
MAX_HOLDOUT = 0.9


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


def train_logistic(
    X,
    y,
    settings: TrainSettings,
    *,
    on_epoch: OnEpoch | None = None,
    device: torch.device | str | None = None,
    X_test=None,
    y_test=None,
) -> LogisticFit:
    """Train σ(XW + b) with BCE on the full batch, as ``settings`` say; see the module docstring.

    ``settings.l2`` = λ adds (λ/2)·‖W‖² to the mean BCE the optimizer minimizes (the history's and the
    final loss stay the mean BCE, comparable with held-out rows). ``optimizer="lbfgs"`` runs full-batch
    L-BFGS until it converges (``epochs`` = the most iterations). ``settings.holdout`` is not used here
    (:func:`fit_and_advise` splits the rows); ``X_test``/``y_test``: held-out rows, scored at every step
    (``history`` then has ``test_loss`` and ``test_accuracy``). ``on_epoch(epoch, metrics)`` is called at
    most ``MAX_CALLBACKS`` times (and always for the last step), with ``metrics = {"loss", "accuracy",
    "epochs"}`` for history row ``epoch``.
    """
    settings = dataclasses.replace(settings, optimizer=str(settings.optimizer).lower(), init=str(settings.init).lower())
    settings.check()
    Xn, yn = _as_xy(X, y)
    Xh, yh = _as_xy(X_test, y_test) if X_test is not None else (None, None)
    device = torch.device(device) if device is not None else pick_device()
    data = prepare(Xn, yn, Xh, yh, settings.standardize, device)
    model = init_linear(Xn.shape[1], settings.init, settings.seed)
    init_weight = model.weight.detach()[0].double().numpy().copy()
    init_bias = float(model.bias.detach()[0])
    model = model.to(device)
    converged = None
    if settings.optimizer == "lbfgs":
        loop = Lbfgs(data, model, settings)
        divergence, kept, converged = loop.train(on_epoch)
    else:
        loop = Loop(data, model, _make_optimizer(settings.optimizer, model.parameters(), settings.lr), settings)
        divergence, kept = loop.train(on_epoch)
    fit = _fit(data, model, loop.history.frame(kept), settings, divergence, init_weight, init_bias)
    if settings.optimizer == "lbfgs":
        iterations = kept if divergence is None else None
        fit = dataclasses.replace(fit, converged=converged, iterations=iterations, separable=loop.separable)
    return fit


def _fit(data: Prepared, model, history: pd.DataFrame, settings: TrainSettings, divergence, init_weight, init_bias):
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
        fit = train_logistic(X, y, dataclasses.replace(settings, lr=lr))
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
    fit = train_logistic(X_train, y_train, settings, on_epoch=on_epoch, **held)
    suggestion = suggest_learning_rate(X_train, y_train, settings) if fit.diverged else None
    return Trained(fit, suggestion, split)


# --- a validation curve: the same run across λ ----------------------------------------------------


@dataclass(frozen=True)
class ValidationSettings:
    """A validation curve as one run: the base settings, trained once for each λ in ``l2s``."""

    base: TrainSettings
    l2s: tuple[float, ...]


def validation_curve(X, y, settings: ValidationSettings, on_epoch: OnEpoch | None = None) -> dict[float, Trained]:
    """{λ: the run with that λ} for every λ of ``settings``, one after the other; ``on_epoch(k, {"l2", "runs"})``
    after the k-th (a stop request between runs ends it there)."""
    runs: dict[float, Trained] = {}
    for k, l2 in enumerate(settings.l2s):
        runs[l2] = fit_and_advise(X, y, dataclasses.replace(settings.base, l2=l2))
        if on_epoch is not None:
            on_epoch(k, {"l2": l2, "runs": len(settings.l2s)})
    return runs
