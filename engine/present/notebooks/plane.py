"""The "Softmax on a plane" page's notebook: the points, the start, every run of steps taken since (Step, N steps,
Run), in float64 with ``torch.optim`` as the page's closed-form steps compute them, then the numbers the page shows.

Training on the page goes on from where it stands, through presses of Step, N steps and Run with settings that
may change in between. :func:`record` keeps those runs as :class:`Segment` s (merged while nothing changes);
:func:`replay_plan` finds the ones that lead, unbroken and on the same points, to where training stands now.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.data import course
from engine.models import plane_training as training
from engine.present.notebooks.base import Notebook, TableFile, loss_curve, table_cells, title
from engine.text import ENGLISH, N_, Msg, Translator

MAX_SEGMENTS = 200


@dataclass(frozen=True)
class Segment:
    """Steps taken with one setting, from ``start`` to ``end``, on the points with fingerprint ``points``."""

    start: training.TrainState
    end: training.TrainState
    settings: training.TrainSettings
    points: str

    @property
    def steps(self) -> int:
        return self.end.step - self.start.step


def record(segments: list[Segment], start, end, settings, points: str) -> list[Segment]:
    """``segments`` with these steps added (merged into the last one when they carry on from it unchanged)."""
    if end.step <= start.step:
        return segments
    last = segments[-1] if segments else None
    if last is not None and last.end == start and last.settings == settings and last.points == points:
        return [*segments[:-1], Segment(last.start, end, settings, points)]
    return [*segments, Segment(start, end, settings, points)][-MAX_SEGMENTS:]


def replay_plan(segments: list[Segment], now, points: str) -> tuple[training.TrainState, list[Segment]]:
    """Where the notebook starts and the segments it replays to reach ``now`` on these points (none: it starts
    at ``now``, e.g. after a Stop, whose weights the page keeps without the optimizer's memory)."""
    chain: list[Segment] = []
    for segment in reversed(segments):
        expected = chain[0].start if chain else now
        if segment.end != expected or segment.points != points:
            break
        chain.insert(0, segment)
    return (chain[0].start if chain else now), chain


def plane_notebook(
    X,
    y,
    n_classes: int,
    origin: training.TrainState,
    segments: list[Segment],
    *,
    seed: int,
    l2_now: float,
    upload: TableFile | None = None,
    embed: bool = True,
    t: Translator = ENGLISH,
) -> Notebook:
    """The notebook that replays ``segments`` from ``origin`` on the points (X, y) (``upload``: read them from the
    uploaded table instead). ``seed``: the page's seed (an origin that is its seeded start is built that way);
    ``l2_now``: the λ of the page's "loss + L2 term"."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).reshape(-1).astype(int)
    nb = Notebook(t)
    steps = sum(s.steps for s in segments)
    notes = course.titles("classifier")
    title(
        nb,
        Msg("Softmax regression on a plane"),
        Msg(
            "This notebook repeats the training of Logit Lab's page *Softmax on a plane*: {n} points of {k} classes, "
            "`nn.Linear(2, {k})` from the page's start, and the {steps} full-batch steps taken since, in float64.",
            n=len(y),
            k=n_classes,
            steps=steps,
        ),
        notes,
        ", pandas" if upload is not None else "",
    )
    code = nb.new_code()
    for line in (
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "import torch.optim as optim",
    ):
        code.add(line)
    nb.md(Msg("**Imports**, as in {notes}.", notes=notes))
    nb.code(code)
    _points(nb, X, y, upload, embed)
    _model(nb, origin, n_classes, seed, segments)
    _training(nb, segments)
    nb.md(
        Msg(
            "**The result**, as the page shows it: W and b (one row per class), the training accuracy, the loss "
            "(mean cross-entropy) and the loss + L2 term (λ = {l2:g}), and the steps taken.",
            l2=l2_now,
        )
    )
    code = nb.new_code()
    code.add("with torch.no_grad():")
    code.add("    z = model(x)")
    code.add("    loss = F.cross_entropy(z, y).item()")
    code.add("    accuracy = (z.argmax(dim=1) == y).double().mean().item()")
    code.add(f"    objective = loss + 0.5 * {float(l2_now)!r} * model.weight.pow(2).sum().item()")
    code.add("print('W =', model.weight.tolist())")
    code.add("print('b =', model.bias.tolist())")
    code.show(N_("training accuracy:"), "accuracy")
    code.show(N_("loss (cross-entropy):"), "loss")
    code.show(N_("loss + L2 term:"), "objective")
    code.show(N_("steps taken:"), f"{origin.step} + len(losses) - 1")
    nb.code(code)
    loss_curve(nb, {N_("loss (cross-entropy)"): "losses"}, Msg("step"), Msg("loss"))
    return nb


def _points(nb: Notebook, X: np.ndarray, y: np.ndarray, upload: TableFile | None, embed: bool) -> None:
    if upload is None:
        nb.md(Msg("**The points**, as the page's table holds them: `x` (x1, x2) and `y`, the class of each point."))
        code = nb.new_code()
        rows = ",\n".join(f"    [{float(a)!r}, {float(b)!r}]" for a, b in X)
        code.add("x = torch.tensor([\n" + rows + ",\n], dtype=torch.float64)")
        code.add(f"y = torch.tensor({y.tolist()!r})")
        nb.code(code)
        return
    table_cells(nb, upload, embed=embed)
    nb.md(Msg("**The points**: the columns x1 and x2 become `x` (float64), the column class becomes `y`."))
    code = nb.new_code()
    code.add("table = table[['x1', 'x2', 'class']].dropna(how='all')  # " + nb._("the page skips blank rows"))
    code.add("x = torch.tensor(table[['x1', 'x2']].to_numpy(dtype='float64'))")
    code.add("y = torch.tensor(table['class'].to_numpy(dtype='int64'))")
    code.add("print(x.shape, y.shape)")
    nb.code(code)


def _model(nb: Notebook, origin: training.TrainState, k: int, seed: int, segments: list[Segment]) -> None:
    seeded = origin.step == 0 and origin.moments == () and origin == training.initial_state(k, seed)
    if seeded:
        text = Msg(
            "**The model**: `nn.Linear(2, {k})`, one score zₖ = Wₖ·x + bₖ per class, in float64. "
            "`torch.manual_seed({seed})` right before it gives the page's seeded start.",
            k=k,
            seed=seed,
        )
    else:
        text = Msg(
            "**The model**: `nn.Linear(2, {k})`, one score zₖ = Wₖ·x + bₖ per class, in float64, starting from the "
            "weights training started from on the page (step {step}: the sliders, or where a stopped run or a change "
            "of the points left it).",
            k=k,
            step=origin.step,
        )
    nb.md(text)
    code = nb.new_code()
    if seeded:
        code.add(f"torch.manual_seed({seed})")
    code.add(f"model = nn.Linear(2, {k}).double()")
    if not seeded:
        W, b = origin.weights()
        code.add("with torch.no_grad():")
        code.add(f"    model.weight.copy_(torch.tensor({W.tolist()!r}, dtype=torch.float64))")
        code.add(f"    model.bias.copy_(torch.tensor({b.tolist()!r}, dtype=torch.float64))")
    code.add("optimizer, previous = None, None")
    if origin.optimizer == "adam" and origin.moments and segments and segments[0].settings.optimizer == "adam":
        size = 3 * k
        m, v = np.array(origin.moments[:size]), np.array(origin.moments[size:])
        code.comment(N_("Adam's memory where training started: it goes on with it, as on the page"))
        code.add(f"optimizer, previous = optim.Adam(model.parameters(), lr={segments[0].settings.lr!r}), 'adam'")
        code.add("for p, m, v in (")
        code.add(f"    (model.weight, {m[: 2 * k].reshape(k, 2).tolist()!r}, {v[: 2 * k].reshape(k, 2).tolist()!r}),")
        code.add(f"    (model.bias, {m[2 * k :].tolist()!r}, {v[2 * k :].tolist()!r}),")
        code.add("):")
        code.add("    optimizer.state[p] = {")
        code.add(f"        'step': torch.tensor({float(origin.adam_t)!r}),")
        code.add("        'exp_avg': torch.tensor(m, dtype=torch.float64),")
        code.add("        'exp_avg_sq': torch.tensor(v, dtype=torch.float64),")
        code.add("    }")
    nb.code(code)


def _training(nb: Notebook, segments: list[Segment]) -> None:
    nb.md(
        Msg(
            "**Training**: the runs of full-batch steps taken on the page, in order, each with its optimizer, learning "
            "rate and L2 strength λ. Each step minimizes the mean cross-entropy `F.cross_entropy` + (λ/2)·‖W‖² (the "
            "biases are not penalized). Adam carries its memory from one run to the next, as on the page; a run with "
            "another optimizer starts a fresh one. `losses` keeps the loss at the start and after every step, the "
            "page's path."
        )
    )
    code = nb.new_code()
    code.add("runs = [  # " + nb._("(optimizer, learning rate, λ, steps), in the order they were taken"))
    for s in segments:
        code.add(f"    ({s.settings.optimizer!r}, {s.settings.lr!r}, {s.settings.l2!r}, {s.steps}),")
    code.add("]")
    code.add("losses = []")
    code.add("for name, lr, l2, steps in runs:")
    code.add("    if name == 'adam' and previous == 'adam':")
    code.add("        for group in optimizer.param_groups:")
    code.add("            group['lr'] = lr")
    code.add("    elif name == 'adam':")
    code.add("        optimizer = optim.Adam(model.parameters(), lr=lr)")
    code.add("    else:")
    code.add("        optimizer = optim.SGD(model.parameters(), lr=lr)")
    code.add("    previous = name")
    code.add("    for step in range(steps):")
    code.add("        loss = F.cross_entropy(model(x), y)")
    code.add("        losses.append(loss.item())")
    code.add("        objective = loss + 0.5 * l2 * model.weight.pow(2).sum()")
    code.add("        optimizer.zero_grad()")
    code.add("        objective.backward()")
    code.add("        optimizer.step()")
    code.add("with torch.no_grad():")
    code.add("    losses.append(F.cross_entropy(model(x), y).item())")
    code.add("print(len(losses) - 1, " + repr(nb._("steps")) + ")")
    nb.code(code)
