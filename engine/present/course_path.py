"""The course as a path through the app: the five notes in learning order, each mapped to the views that show it.

Pure: no Streamlit (``ui.course.start`` draws the start page from it). A :class:`Step` names its note
(``engine.data.course.NOTES``), the idea as the note puts it, about how long it takes, and the
:class:`View` s that show it: a page and the settings a link to it carries, written as each page's
``links.apply`` fields read them (numbers by ``engine.present.links.show_number``). The checkpoints and
exercises of a step are the registry's (``engine.present.course_checks.in_step``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from engine.models import losses as L
from engine.present.links import show_number
from engine.text import N_

PAGE_FILES = {
    "start": "pages/start.py",
    "sigmoid": "pages/sigmoid.py",
    "logistic": "pages/logistic.py",
    "losses": "pages/losses.py",
    "softmax": "pages/softmax.py",
    "plane": "pages/softmax_plane.py",
}
PAGE_TITLES = {  # the navigation's titles (streamlit_app.py)
    "sigmoid": N_("Sigmoid explorer"),
    "logistic": N_("Logistic regression"),
    "losses": N_("Loss comparison"),
    "softmax": N_("Softmax & MNIST"),
    "plane": N_("Softmax on a plane"),
}
SIGMOID_LINK_NAMES = ("w", "b", "x", "wfam", "bfam", "deriv", "probe", "acts", "stab")  # pages/sigmoid.py's LINK


def query(**values) -> dict[str, list[str]]:
    """A link's settings as the pages read them: numbers by their shortest exact text, flags as 1/0."""
    out = {}
    for name, value in values.items():
        if isinstance(value, bool):
            out[name] = ["1" if value else "0"]
        elif isinstance(value, int | float):
            out[name] = [show_number(value)]
        else:
            out[name] = [str(value)]
    return out


@functools.lru_cache(maxsize=1)
def exam_plateau() -> dict[str, list[str]]:
    """The loss page's exam-score view from its own plateau demo start (computed as the page computes it)."""
    x = L.DATASETS["exam"]["x"].to_numpy()
    xs, ys = L.as_sequence(x), L.as_sequence(L.DATASETS["exam"]["y"])
    lr = L.suggested_lr(x)
    w, b = L.plateau_start(xs, ys, lr, 50) or (0.0, 0.0)
    return query(data="exam", w=w, b=b, lr=lr, steps=10)


@dataclass(frozen=True)
class View:
    page: str  # a key of PAGE_FILES
    label: str  # message id: what the view shows
    settings: Callable[[], dict[str, list[str]]]  # the link's query

    @property
    def file(self) -> str:
        return PAGE_FILES[self.page]


@dataclass(frozen=True)
class Step:
    number: int
    note: str  # a key of engine.data.course.NOTES
    idea: str  # message id: the idea, as the note puts it
    minutes: int
    views: tuple[View, ...]


def _fixed(**values) -> Callable[[], dict[str, list[str]]]:
    q = query(**values)
    return lambda: q


STEPS: tuple[Step, ...] = (
    Step(
        1,
        "lec6",
        N_(
            "Put a sigmoid after the linear model: ŷ = σ(Wx + b) always lies between 0 and 1, and 0.5 is the "
            "threshold (역치) that splits it into class 1 and class 0."
        ),
        10,
        (View("sigmoid", N_("σ(2x − 3): W = 2, b = −3 and its decision point"), _fixed(w=2, b=-3, deriv=False)),),
    ),
    Step(
        2,
        "likelion",
        N_(
            "W sets how steep the S is and b moves it left and right. The squared error after a sigmoid bends and "
            "stalls, so the cost is the binary cross-entropy −[y log H(x) + (1 − y) log(1 − H(x))], lowered by "
            "gradient descent (경사 하강법)."
        ),
        20,
        (
            View(
                "sigmoid",
                N_("The notes' curve families: W = 0.5, 1, 2 and b = 0.5, 1, 1.5"),
                _fixed(w=1, b=0, wfam=True, bfam=True, deriv=True),
            ),
            View("losses", N_("Exam scores: MSE stuck on a plateau, BCE moving, after 10 steps"), exam_plateau),
        ),
    ),
    Step(
        3,
        "tutorial6",
        N_(
            "The linear model wrapped in a sigmoid, trained with `BCELoss` and SGD at lr 0.01: the loss printed every "
            "100 epochs falls from 1.7668 to 0.4049 (it never reaches 0), and 1 hour → fail, 7 hours → pass."
        ),
        20,
        (
            View(
                "losses",
                N_("Study hours from W = −2, b = 3: both losses step by step"),
                _fixed(data="hours", w=-2, b=3, lr=0.3),
            ),
            View(
                "logistic",
                N_("Study hours 1–4 → pass, trained as the notes do"),
                _fixed(source="preset", preset="hours_001"),
            ),
        ),
    ),
    Step(
        4,
        "classifier",
        N_(
            "Binary cross-entropy is cross-entropy −Σ p(x) log q(x) for two classes. For more classes softmax turns "
            "the scores into probabilities that add up to 1, and `F.cross_entropy = F.nll_loss(F.log_softmax(z), y)`; "
            "the notes train `nn.Linear(4, 3)` on an 8 × 4 table."
        ),
        25,
        (
            View("logistic", N_("The 6 × 3 three-subject table"), _fixed(source="preset", preset="table_6x3")),
            View("softmax", N_("The notes' 8 × 4 table with three classes"), _fixed(tab="table")),
            View("plane", N_("Softmax on a plane: three blobs, then XOR"), _fixed(preset="blobs", mode="train")),
        ),
    ),
    Step(
        5,
        "dl3",
        N_(
            "The 6 × 2 table trained with SGD (lr 1, 1000 epochs) gives W = [3.2530, 1.5179], b = −14.4819. Then "
            "softmax regression: `nn.Linear(784, 10)` with `CrossEntropyLoss` reads the MNIST digits, and the confusion "
            "matrix (혼동 행렬) shows which ones it mixes up."
        ),
        15,
        (
            View("logistic", N_("The 6 × 2 table, the notes' run"), _fixed(source="preset", preset="table_6x2")),
            View("softmax", N_("MNIST: press Train, then read the confusion matrix"), _fixed(tab="mnist")),
        ),
    ),
)


def total_minutes() -> int:
    return sum(s.minutes for s in STEPS)
