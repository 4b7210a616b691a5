"""The course notes' tables, each with the hyperparameters its notes train it with.

A preset is plain data: the table (as the page shows it in the editor), which columns are the
features and which is the label, the training settings, and where it comes from. The seeds are
the course notes in ``../shared/seeds/`` (000 … 004).

Where a course run used PyTorch's unseeded default initialisation, its exact numbers cannot be
reproduced: any seed is a different start. For those presets we searched ``torch.manual_seed(s)``
for s in 0 … 9,999,999 for a start that reproduces the printed numbers; none does to every
printed digit, so each uses the seed whose run comes closest, and ``reproduces`` says plainly
what matches and what does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from engine.logistic import TrainSettings


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    source: str  # which course notes
    features: tuple[str, ...]
    label: str
    rows: tuple[tuple, ...]  # one tuple per row: feature values, then the label
    settings: TrainSettings
    story: str  # one or two sentences: what the table is
    reproduces: str  # what a run with these settings reproduces from the notes

    def frame(self) -> pd.DataFrame:
        """The table as the page edits it: feature columns (float), then the label column."""
        frame = pd.DataFrame(list(self.rows), columns=[*self.features, self.label])
        for name in self.features:
            frame[name] = frame[name].astype("float64")
        return frame


# Seed 001's course run (unseeded, 2018): of seeds 0 … 9,999,999 this start comes closest:
# W = -0.6838, b = -0.9707, and its losses every 100 epochs match the printed ones within 0.0001.
STUDY_HOURS_SEED = 973380
# Seed 004's course run (unseeded): no seed in 0 … 9,999,999 gives its printed start
# W = [-0.5276, -0.5293, -0.2994], b = 0.0481 (nor does any of the first 400 draws after seeds
# 0 … 999,999); this one starts near it (W = [-0.5345, -0.5129, -0.2959], b = 0.0267) and follows
# the printed costs within 0.003 and the printed accuracies exactly.
THREE_SUBJECTS_SEED = 5277341

_STUDY_ROWS = ((1.0, 0), (2.0, 0), (3.0, 1), (4.0, 1))

PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            key="hours_001",
            title="Study hours 1–4 → pass (seed 001: lr 0.01, 1000 steps)",
            source="seeds 000/001",
            features=("hours",),
            label="passed",
            rows=_STUDY_ROWS,
            settings=TrainSettings(lr=0.01, epochs=1000, optimizer="sgd", init="random", seed=STUDY_HOURS_SEED),
            story="Four students studied 1, 2, 3 and 4 hours; the two who studied longest passed (1 = pass).",
            reproduces=(
                "The course's run started from PyTorch's unseeded random init, so its exact numbers cannot be "
                f"reproduced. Seed {STUDY_HOURS_SEED} is the closest start found among ten million seeds: its loss "
                "every 100 epochs agrees with the printed one (1.7668 at epoch 0 … 0.4049 at 900) to within "
                "0.0001, and like the course it predicts 1 hour → fail and 7 hours → pass."
            ),
        ),
        Preset(
            key="hours_000",
            title="Study hours 1–4 → pass (seed 000: lr 0.1, 5000 steps)",
            source="seeds 000/001",
            features=("hours",),
            label="passed",
            rows=_STUDY_ROWS,
            settings=TrainSettings(lr=0.1, epochs=5000, optimizer="sgd", init="random", seed=STUDY_HOURS_SEED),
            story="The same four students, trained the way seed 000 does it: a larger step for more steps.",
            reproduces=(
                "The course's run was unseeded (it prints no losses), so only its conclusion is reproduced: "
                "predict 7 hours → pass (True)."
            ),
        ),
        Preset(
            key="exam",
            title="Exam score 45–70 → 합격/불합격 (seeds 002/003)",
            source="seeds 002/003",
            features=("score",),
            label="result",
            rows=((45.0, "불합격"), (50.0, "불합격"), (55.0, "불합격"), (60.0, "합격"), (65.0, "합격"), (70.0, "합격")),
            settings=TrainSettings(lr=0.1, epochs=1000, optimizer="adam", init="zeros"),
            story=(
                "Six students' scores with 합격 (pass) or 불합격 (fail); the pass mark is not published. "
                "The notes use this table to motivate the S-curve but train nothing on it."
            ),
            reproduces=(
                "No numbers to reproduce (the notes print none). Adam with lr 0.1 on the raw scores: the scores "
                "sit around 45–70, so the gradient for W is about 60× the one for b and plain SGD must take tiny "
                "steps to stay stable (lr ≥ 0.1 blows up at the first step) and then hardly moves b. Adam scales "
                "each parameter's step by its own gradient size, so W and b both learn: 100 % after 1000 steps, "
                "with the pass mark found between 55 and 60. (Or turn on Standardize: then SGD with lr 1 works.)"
            ),
        ),
        Preset(
            key="table_6x2",
            title="6×2 table (seeds 002/003: zeros, SGD lr 1, 1001 steps)",
            source="seeds 002/003",
            features=("x1", "x2"),
            label="y",
            rows=((1.0, 2.0, 0), (2.0, 3.0, 0), (3.0, 1.0, 0), (4.0, 3.0, 1), (5.0, 3.0, 1), (6.0, 2.0, 1)),
            settings=TrainSettings(lr=1.0, epochs=1001, optimizer="sgd", init="zeros"),
            story="The notes' two-feature table: x_data = [[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]].",
            reproduces=(
                "Exactly the notes' run (for epoch in range(1000 + 1)): W = [3.2530, 1.5179], b = −14.4819 and "
                "the printed probabilities 2.7648e-04 … 9.9969e-01."
            ),
        ),
        Preset(
            key="table_6x3",
            title="6×3 three-subject table (seed 004: SGD lr 0.05, 101 steps)",
            source="seed 004",
            features=("subject1", "subject2", "subject3"),
            label="y",
            rows=(
                (1.0, 2.0, 2.0, 0),
                (2.0, 3.0, 1.0, 0),
                (3.0, 1.0, 1.0, 0),
                (4.0, 3.0, 5.0, 1),
                (5.0, 3.0, 6.0, 1),
                (6.0, 2.0, 4.0, 1),
            ),
            settings=TrainSettings(lr=0.05, epochs=101, optimizer="sgd", init="random", seed=THREE_SUBJECTS_SEED),
            story="Three subject scores per student and pass (1) or fail (0).",
            reproduces=(
                "The course's start (W = [−0.5276, −0.5293, −0.2994], b = 0.0481) came from an unseeded init that "
                "no seed among ten million reproduces, so its exact numbers cannot be. Seed "
                f"{THREE_SUBJECTS_SEED} starts near it and follows the printed run: cost 2.791 at epoch 0 falling to "
                "0.273 at 100 (printed: 2.794 → 0.274, every printed cost within 0.003), and accuracy 50 % → 66.67 % "
                "→ 83.33 % → 100 % at the same epochs as printed, 100 % from epoch 60."
            ),
        ),
    )
}

DEFAULT_PRESET = "table_6x2"
