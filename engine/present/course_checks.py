"""The course's checkpoints and exercises as data, how a guess is judged, and the learner's progress.

Pure: no Streamlit (``ui.course`` draws them). A :class:`Checkpoint` asks for a committed guess (a
number, a choice, or a pair of digits) and gets its answer from the page's *live* values: the page
passes a mapping of what it has now (W and b, the trained fit, the points) and the checkpoint's
``answer`` asks the engine (``engine.present.course_answers``), so the answer moves with the
settings. :func:`judge` compares the guess with it. An :class:`Exercise` is a goal the learner
reaches by working the page's instruments; its ``check`` says whether the live values reach it.

What each page passes (its *live* mapping):

- ``sigmoid``: ``w``, ``b``;
- ``logistic``: ``fit`` (the trained run for the current table and settings, else None), ``n_train``,
  ``X`` (the current table), ``settings``; ``shown_fit``, ``shown_X``, ``shown_y`` (the result on show,
  current or not);
- ``losses``: ``data``, ``edited``, ``xs``, ``ys``, ``w0``, ``b0``, ``lr``, ``bce`` (the BCE path so far);
- ``softmax``: ``table_fit`` (for the current table and settings, else None), ``X``, ``y``, ``settings``,
  ``shown_fit``, ``shown_X``, ``shown_y``, ``shown_steps``; ``mnist_fit`` (for the current settings, else
  None), ``mnist_settings``;
- ``plane``: ``X``, ``y``, ``K``, ``W``, ``b``, ``preset``, ``mode``, ``accuracy``, ``picked`` (1-based).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.present import course_answers as A
from engine.text import N_, Msg

PAGES = ("sigmoid", "logistic", "losses", "softmax", "plane")
NO_RUN = Msg("Your guess is locked. Press **Train** with these settings: the answer comes from that run.")
NO_MNIST_RUN = Msg(
    "Your guess is locked. Press **Train** for MNIST with these settings: the answer comes from that run."
)

Live = Mapping[str, Any]


@dataclass(frozen=True)
class Checkpoint:
    id: str
    page: str
    step: int  # the course step (engine.present.course_path) it belongs to
    kind: str  # "number", "choice" or "pair" (two digits)
    question: str  # message id, formatted with ask(live)
    ask: Callable[[Live], dict]
    answer: Callable[[Live], A.Answer | Msg]
    hint: str  # message id: what to look at when the guess is off
    options: Callable[[Live], dict[Any, Msg]] | None = None  # choice: key -> label
    unit: str = ""  # shown after a number ("%")
    step_size: float = 0.01  # the number input's step
    integer: bool = False
    title: str = ""  # message id: a few words naming it (the start page's list)


@dataclass(frozen=True)
class Exercise:
    id: str
    page: str
    step: int
    goal: str  # message id
    check: Callable[[Live], A.Status]
    title: str = ""


@dataclass(frozen=True)
class Verdict:
    right: bool
    gap: float | None = None  # numbers: guess − answer
    tolerance: float | None = None


def _trained(key: str, fn: Callable[[Live], A.Answer], missing: Msg = NO_RUN) -> Callable[[Live], A.Answer | Msg]:
    """An answer that needs the trained run ``live[key]``: ``missing`` until there is one."""
    return lambda v: missing if v.get(key) is None else fn(v)


def _classes(v: Live) -> dict[int, Msg]:
    return {k: Msg("class {k}", k=k) for k in range(int(v["K"]))}


def _optimizer(v: Live) -> str:
    return A.OPTIMIZER_NAMES.get(v["settings"].optimizer, v["settings"].optimizer)


CHECKPOINTS: tuple[Checkpoint, ...] = (
    Checkpoint(
        "sig_at_zero",
        "sigmoid",
        1,
        "number",
        N_("With W = {w:g} and b = {b:g}: what is ŷ = σ(Wx + b) at x = 0?"),
        lambda v: {"w": v["w"], "b": v["b"]},
        lambda v: A.sigmoid_at_zero(v["w"], v["b"]),
        N_("At x = 0 the weight W multiplies 0: only the bias b is left inside σ."),
        title=N_("ŷ at x = 0"),
    ),
    Checkpoint(
        "sig_decision",
        "sigmoid",
        1,
        "number",
        N_("With W = {w:g} and b = {b:g}: at which x is the decision point, where ŷ = 0.5?"),
        lambda v: {"w": v["w"], "b": v["b"]},
        lambda v: A.decision_point(v["w"], v["b"]),
        N_("Mind the sign: solving Wx + b = 0 gives x = −b/W, not b/W."),
        step_size=0.1,
        title=N_("the decision point"),
    ),
    Checkpoint(
        "sig_steepest",
        "sigmoid",
        2,
        "number",
        N_("With W = {w:g}: how steep is σ(Wx + b) at its steepest point (its largest slope dŷ/dx)?"),
        lambda v: {"w": v["w"]},
        lambda v: A.steepest_slope(v["w"]),
        N_("Turn on **Derivative σ′(z)**: its peak is 0.25, and W multiplies it."),
        title=N_("the steepest slope"),
    ),
    Checkpoint(
        "loss_lowers_w",
        "losses",
        2,
        "choice",
        N_(
            "From W = {w:g}, b = {b:g} with learning rate {lr:g}: in 10 steps of gradient descent, which loss lowers W more?"
        ),
        lambda v: {"w": v["w0"], "b": v["b0"], "lr": v["lr"]},
        lambda v: A.lowers_w_more(v["xs"], v["ys"], v["w0"], v["b0"], v["lr"]),
        N_("Look at the two curves over W above: the slope under each black dot is its gradient dL/dW."),
        options=lambda v: A.LOSS_CHOICES,
        title=N_("which loss lowers W more"),
    ),
    Checkpoint(
        "loss_worst_term",
        "losses",
        2,
        "number",
        N_(
            "At the start W = {w:g}, b = {b:g}, the row the model gets most wrong is x = {x:g}, y = {y}, with ŷ = {p:.4g}. "
            "What is its binary cross-entropy term?"
        ),
        lambda v: A.most_wrong_row(v["xs"], v["ys"], v["w0"], v["b0"]),
        lambda v: A.most_wrong_term(v["xs"], v["ys"], v["w0"], v["b0"]),
        N_("A row with y = 1 costs −log ŷ and a row with y = 0 costs −log(1 − ŷ): natural logarithms."),
        title=N_("one row's BCE term"),
    ),
    Checkpoint(
        "log_accuracy",
        "logistic",
        3,
        "number",
        N_(
            "Before you press **Train**: after {epochs:,} steps of {optimizer} with learning rate {lr:g}, what will the "
            "training accuracy be?"
        ),
        lambda v: {"epochs": v["settings"].epochs, "optimizer": _optimizer(v), "lr": v["settings"].lr},
        _trained("fit", lambda v: A.training_accuracy(v["fit"], v["n_train"])),
        N_("Look at the table: can one straight boundary z = 0 put every 1 on one side and every 0 on the other?"),
        unit="%",
        step_size=1.0,
        title=N_("the training accuracy"),
    ),
    Checkpoint(
        "log_lowest_row",
        "logistic",
        3,
        "number",
        N_("After training, which row of the table (1 … {n:,}) will get the lowest ŷ = P(y = 1)?"),
        lambda v: {"n": len(v["X"])},
        _trained("fit", lambda v: A.lowest_row(v["fit"], v["X"])),
        N_("ŷ is lowest where z = W·x + b is most negative: look for the row deepest on the 0 side."),
        step_size=1.0,
        integer=True,
        title=N_("the row with the lowest ŷ"),
    ),
    Checkpoint(
        "smx_all_right",
        "softmax",
        4,
        "choice",
        N_("With {steps:,} steps of {optimizer} at learning rate {lr:g}: will the model classify all {n} rows right?"),
        lambda v: {"steps": v["settings"].steps, "optimizer": _optimizer(v), "lr": v["settings"].lr, "n": len(v["y"])},
        _trained("table_fit", lambda v: A.table_all_right(v["table_fit"], v["X"], v["y"])),
        N_("Fewer steps or a smaller learning rate (학습률) leave the loss higher; watch the accuracy curve."),
        options=lambda v: A.YES_NO,
        title=N_("every row right?"),
    ),
    Checkpoint(
        "pln_separable",
        "plane",
        4,
        "choice",
        N_("Can a linear softmax classify every one of these {n} points right (any W and b you like)?"),
        lambda v: {"n": len(v["y"])},
        lambda v: A.separable(v["X"], v["y"], v["K"]),
        N_("Every boundary here is a straight line: can straight lines fence each class's points in?"),
        options=lambda v: A.YES_NO,
        title=N_("separable by straight lines?"),
    ),
    Checkpoint(
        "pln_point_class",
        "plane",
        4,
        "choice",
        N_("With the current W and b: which class wins at point {pick} (x1 = {x1:.2f}, x2 = {x2:.2f})?"),
        lambda v: {
            "pick": v["picked"],
            "x1": float(v["X"][v["picked"] - 1][0]),
            "x2": float(v["X"][v["picked"] - 1][1]),
        },
        lambda v: A.point_winner(v["W"], v["b"], v["X"][v["picked"] - 1], int(v["y"][v["picked"] - 1])),
        N_("The class with the highest score zₖ = Wₖ·x + bₖ wins; find the ringed point on the plane."),
        options=_classes,
        title=N_("which class wins at a point"),
    ),
    Checkpoint(
        "mnist_confused",
        "softmax",
        5,
        "pair",
        N_("Which two digits will the model confuse most (counting both ways)?"),
        lambda v: {},
        _trained("mnist_fit", lambda v: A.confused_pair(v["mnist_fit"].confusion), NO_MNIST_RUN),
        N_("Think of shapes that share strokes: a linear model has one template per digit and no notion of shape."),
        title=N_("the digits confused most"),
    ),
    Checkpoint(
        "mnist_first_epoch",
        "softmax",
        5,
        "number",
        N_("What test accuracy will the model have after its first epoch?"),
        lambda v: {},
        _trained("mnist_fit", lambda v: A.first_epoch_accuracy(v["mnist_fit"].history), NO_MNIST_RUN),
        N_(
            "One epoch is hundreds of steps (60,000 images in batches of 128): a lot for a linear model on centred digits."
        ),
        unit="%",
        step_size=1.0,
        title=N_("the accuracy after one epoch"),
    ),
)

EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "sig_steep_at_two",
        "sigmoid",
        2,
        N_("Set W and b so that the decision point is at x = 2 and the curve rises twice as steeply as σ(x)."),
        lambda v: A.twice_as_steep_at_two(v["w"], v["b"]),
        title=N_("x* = 2, twice as steep"),
    ),
    Exercise(
        "sig_left_is_one",
        "sigmoid",
        2,
        N_("Flip it: make the points left of x = −1 class 1 and those right of it class 0."),
        lambda v: A.class_one_on_the_left(v["w"], v["b"]),
        title=N_("class 1 on the left"),
    ),
    Exercise(
        "loss_bce_in_ten",
        "losses",
        3,
        N_(
            "On the study-hours table, from W = −2, b = 3, bring the BCE loss below 0.65 within 10 steps. Only the "
            "learning rate is yours to choose."
        ),
        lambda v: A.bce_below_within(v["data"], v["edited"], v["w0"], v["b0"], v["lr"], v["bce"]),
        title=N_("BCE below 0.65 in 10 steps"),
    ),
    Exercise(
        "log_exam_sgd",
        "logistic",
        3,
        N_("Train the exam-score table (45–70 → 합격/불합격) to 100 % training accuracy with plain SGD, not Adam."),
        lambda v: A.exam_with_sgd(v["shown_fit"], v["shown_X"], v["shown_y"]),
        title=N_("the exam scores with SGD"),
    ),
    Exercise(
        "smx_within_100",
        "softmax",
        4,
        N_("Get every row of the small table right in at most 100 steps (the notes take 1001)."),
        lambda v: A.table_within(v["shown_fit"], v["shown_X"], v["shown_y"], v["shown_steps"]),
        title=N_("100 % within 100 steps"),
    ),
    Exercise(
        "pln_xor_by_hand",
        "plane",
        4,
        N_("On the XOR preset, set the sliders by hand (Manual) so that at least 70 % of the points are right."),
        lambda v: A.xor_by_hand(v["preset"], v["mode"], v["accuracy"]),
        title=N_("XOR by hand"),
    ),
)

BY_ID: dict[str, Checkpoint | Exercise] = {c.id: c for c in (*CHECKPOINTS, *EXERCISES)}


def on_page(page: str) -> list[str]:
    """The ids of the page's checkpoints and exercises, in registry order."""
    return [c.id for c in (*CHECKPOINTS, *EXERCISES) if c.page == page]


def in_step(step: int) -> list[str]:
    return [c.id for c in (*CHECKPOINTS, *EXERCISES) if c.step == step]


def is_checkpoint(item_id: str) -> bool:
    return isinstance(BY_ID[item_id], Checkpoint)


# --- Judging ------------------------------------------------------------------------------------


def read_guess(checkpoint: Checkpoint, raw: Any) -> Any | None:
    """A widget's value as a guess (None: not one yet: an empty number, no choice, not two digits)."""
    if checkpoint.kind == "number":
        if raw is None:
            return None
        return int(raw) if checkpoint.integer else float(raw)
    if checkpoint.kind == "pair":
        digits = frozenset(int(d) for d in (raw or ()))
        return digits if len(digits) == 2 else None
    return raw


def judge(checkpoint: Checkpoint, guess: Any, answer: A.Answer) -> Verdict:
    """Whether ``guess`` matches the model's ``answer`` (numbers: within its tolerance)."""
    if checkpoint.kind == "number":
        gap = float(guess) - float(answer.value)
        return Verdict(abs(gap) <= answer.tolerance + 1e-9, gap, answer.tolerance)
    if checkpoint.kind == "pair":
        return Verdict(frozenset(guess) in answer.value)
    return Verdict(guess == answer.value)


def shown_guess(checkpoint: Checkpoint, guess: Any, options: Mapping[Any, Msg] | None = None) -> str | Msg:
    if checkpoint.kind == "number":
        return f"{guess:g}" + (f" {checkpoint.unit}" if checkpoint.unit else "")
    if checkpoint.kind == "pair":
        a, b = sorted(guess)
        return f"{a} ↔ {b}"
    return (options or {}).get(guess, str(guess))


# --- Progress -----------------------------------------------------------------------------------


@dataclass
class Guess:
    value: Any
    asked: tuple  # the question's numbers when the guess was committed


@dataclass
class CourseProgress:
    """One learner's progress in this session (kept in ``st.session_state``, never on disk)."""

    guesses: dict[str, Guess] = field(default_factory=dict)  # checkpoint id -> the committed guess
    answered: dict[str, bool] = field(default_factory=dict)  # checkpoint id -> right at its first reveal
    reached: set[str] = field(default_factory=set)  # exercise ids reached

    def done(self, item_id: str) -> bool:
        return item_id in self.answered or item_id in self.reached

    def count(self, ids: Iterable[str]) -> tuple[int, int]:
        ids = list(ids)
        return sum(self.done(i) for i in ids), len(ids)

    def reset(self) -> None:
        self.guesses.clear()
        self.answered.clear()
        self.reached.clear()


def asked_key(params: Mapping[str, Any]) -> tuple:
    """The question's numbers, comparable: a guess for other numbers answered another question."""
    return tuple(sorted((k, round(v, 9) if isinstance(v, float) else v) for k, v in params.items()))
