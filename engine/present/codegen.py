"""'Show the PyTorch code': a self-contained script that repeats one training run exactly.

The script is written in the course notes' style (``nn.Sequential(nn.Linear(d, 1), nn.Sigmoid())``,
``F.binary_cross_entropy``, ``optim.SGD``/``optim.Adam``, full batch) and does the same float32
operations in the same order as ``engine.models.logistic.train_logistic``, so it prints the same W and b.
Small tables are written into the script; larger ones are read from a CSV made by
:func:`training_csv` (the page offers it as a download next to the script). Its comments and
printed words are in the page's language (the ``t`` translator).

Each step of the run (imports, data, split, model, training loop, result) is written by its own
function into a :class:`Code`; :func:`logistic_steps` returns them by name, :func:`pytorch_script`
joins them into the script, and the notebook (``engine.present.notebooks``) puts each step in its
own cell with an explanation above it: one way to write each step.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

from engine.models.logistic import TrainSettings
from engine.models.logistic_loops import LBFGS_CHANGE, LBFGS_TOLERANCE, P_TRUE_FLOOR
from engine.text import ENGLISH, N_, Translator

MAX_INLINE_ROWS = 200
PRINTED_ROWS = 20  # a table this small has its probabilities printed at the end, as the notes do
DATA_CSV_NAME = "training_data.csv"


def float32_literal(value: float) -> str:
    """The shortest text that reads back as the same float32 (``1``, ``2.5``, ``0.1``)."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def number_literal(value) -> str:
    """A feature's number as the script writes it: a float32 by :func:`float32_literal`; the learner's own
    number as it was read (an integer as ``45``, any other number as the shortest text that reads back as the
    same float64: ``2.2``, ``5.0``, ``1e-05``). Either reads back, through ``torch.FloatTensor`` or ``float``,
    as the float32 the page trained on."""
    if isinstance(value, np.float32):
        return float32_literal(value)
    if isinstance(value, bool | np.bool_ | int | np.integer):
        return str(int(value))
    return repr(float(value))


def feature_array(X) -> np.ndarray:
    """The features: the learner's own numbers when given as Python numbers (an object array), else float32."""
    X = np.asarray(X)
    return X if X.dtype == object else X.astype(np.float32)


def training_csv(X, y, feature_names) -> bytes:
    """The rows a run trained on as UTF-8 CSV bytes: the features, then y as 0/1. ``X``: the learner's own cells
    (a DataFrame, written as they were read: ``2.2``, ``45``), or an array (written by :func:`number_literal`)."""
    y = np.asarray(y).reshape(-1).astype(np.int64)
    if isinstance(X, pd.DataFrame):
        frame = X.reset_index(drop=True).set_axis(range(X.shape[1]), axis=1)
        for column in frame.columns:
            if pd.api.types.is_bool_dtype(frame[column]):
                frame[column] = frame[column].astype(np.int64)  # a ticked box counts as 1, as in training
        frame[X.shape[1]] = y
        return frame.to_csv(index=False, header=[*feature_names, "y"], lineterminator="\n").encode("utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*feature_names, "y"])
    for row, label in zip(feature_array(X), y, strict=True):
        writer.writerow([number_literal(v) for v in row] + [str(int(label))])
    return buf.getvalue().encode("utf-8")


def _matrix_literal(rows, indent: str) -> str:
    lines = ["[" + ", ".join(number_literal(v) for v in row) + "]" for row in rows]
    if sum(len(line) + 2 for line in lines) <= 80:
        return "[" + ", ".join(lines) + "]"
    return "[\n" + "".join(f"{indent}    {line},\n" for line in lines) + f"{indent}]"


def _comment_safe(text: str) -> str:
    return " ".join(str(text).split())


def pytorch_script(
    X,
    y,
    settings: TrainSettings,
    feature_names,
    classes: tuple[str, str] = ("0", "1"),
    *,
    label_name: str = "y",
    title: str = "",
    max_inline_rows: int = MAX_INLINE_ROWS,
    threshold: float | None = None,
    t: Translator = ENGLISH,
) -> str:
    """A runnable script for exactly this run (held-out rows, L2 and L-BFGS included). Needs only torch
    (and the CSV when the table is large). ``threshold``: the one the page shows (else the settings')."""
    steps = logistic_steps(
        X,
        y,
        settings,
        feature_names,
        classes,
        label_name=label_name,
        title=title,
        inline=len(np.asarray(y).reshape(-1)) <= max_inline_rows,
        threshold=threshold,
        t=t,
    )
    return "".join(code.text() for code in steps.values())


STEPS = ("header", "imports", "data", "split", "model", "train", "result")


def logistic_steps(
    X,
    y,
    settings: TrainSettings,
    feature_names,
    classes: tuple[str, str] = ("0", "1"),
    *,
    label_name: str = "y",
    title: str = "",
    inline: bool = True,
    threshold: float | None = None,
    t: Translator = ENGLISH,
) -> dict[str, Code]:
    """The script's steps, in order (``STEPS``): each a :class:`Code` that carries on from the one before.

    ``X``: the features the run trained on (float32), or the learner's own numbers (an object array of Python
    numbers), which the script then writes as they were read (``torch.FloatTensor`` makes them the same float32)."""
    X = feature_array(X)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    threshold = settings.threshold if threshold is None else threshold
    steps = {name: Code(t.gettext) for name in STEPS}
    _header(steps["header"], X, y, feature_names, classes, label_name, title)
    _imports(steps["imports"], inline=inline)
    _data(steps["data"], X, y, inline=inline)
    _split(steps["split"], settings)
    _model(steps["model"], settings, X.shape[1])
    if settings.optimizer == "lbfgs":
        _lbfgs_loop(steps["train"], settings, threshold)
    else:
        _gradient_loop(steps["train"], settings, threshold)
    _result(steps["result"], settings, len(y))
    return steps


class Code:
    """Lines of Python in the making; ``comment`` and ``_`` translate (message ids: mark them with ``N_``)."""

    def __init__(self, gettext=ENGLISH.gettext) -> None:
        self._ = gettext
        self.lines: list[str] = []

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def comment(self, message: str, indent: str = "", **params) -> None:
        self.add(indent + "# " + (self._(message).format(**params) if params else self._(message)))

    def show(self, label: str, expression: str, indent: str = "") -> None:
        """``print(label, expression)`` with the label translated (a message id: mark it with ``N_``)."""
        self.add(f"{indent}print({self._(label)!r}, {expression})")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n" if self.lines else ""


def _header(code: Code, X, y, feature_names, classes, label_name: str, title: str) -> None:
    n, d = X.shape
    code.comment(N_("Logistic regression with PyTorch: the exact run shown in Logit Lab."))
    if title:
        code.comment(N_("Data: {name}"), name=_comment_safe(title))
    code.comment(
        N_("{n} rows x {d} feature(s): {names}"), n=n, d=d, names=", ".join(_comment_safe(f) for f in feature_names)
    )
    code.comment(
        N_("Label '{label}': 1 = {one}, 0 = {zero}"),
        label=_comment_safe(label_name),
        one=_comment_safe(classes[1]),
        zero=_comment_safe(classes[0]),
    )


def _imports(code: Code, *, inline: bool) -> None:
    if not inline:
        code.add("import csv")
    code.add()
    for module in (
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "import torch.optim as optim",
    ):
        code.add(module)
    code.add()


def _data(code: Code, X, y, *, inline: bool) -> None:
    if inline:
        code.add(f"x_all = torch.FloatTensor({_matrix_literal(X, '')})")
        code.add(f"y_all = torch.FloatTensor({_matrix_literal(y.reshape(-1, 1), '')})")
    else:
        code.comment(
            N_("The training rows: download '{name}' from the page and put it next to this script."),
            name=DATA_CSV_NAME,
        )
        code.add(f'with open("{DATA_CSV_NAME}", newline="", encoding="utf-8") as f:')
        code.add("    rows = list(csv.reader(f))[1:]  # " + code._("skip the header"))
        code.add("x_all = torch.FloatTensor([[float(v) for v in row[:-1]] for row in rows])")
        code.add("y_all = torch.FloatTensor([[float(row[-1])] for row in rows])")
    code.add()


def _split(code: Code, s: TrainSettings) -> None:
    if not s.holdout:
        code.add("x_train, y_train = x_all, y_all")
        code.add()
        return
    code.comment(
        N_("Hold out {share:.0%} of each class for testing, chosen by a seeded permutation (class 0 first)."),
        share=s.holdout,
    )
    code.add(f"generator = torch.Generator().manual_seed({s.seed})")
    code.add("held_out = []")
    code.add("for cls in (0, 1):")
    code.add("    rows = (y_all[:, 0] == cls).nonzero().flatten()")
    code.add(f"    k = max(1, round({s.holdout!r} * len(rows)))  # " + code._("every class is tested"))
    code.add("    order = torch.randperm(len(rows), generator=generator)")
    code.add("    held_out.append(rows[order[:k]])")
    code.add("is_test = torch.zeros(len(y_all), dtype=torch.bool)")
    code.add("is_test[torch.cat(held_out)] = True")
    code.add("x_train, y_train = x_all[~is_test], y_all[~is_test]")
    code.add("x_test, y_test = x_all[is_test], y_all[is_test]")
    code.add()


def _model(code: Code, s: TrainSettings, d: int) -> None:
    _ = code._
    if s.standardize:
        code.comment(N_("Standardize: mean and std of the training features (in float64), train on (x - mean) / std"))
        code.add("x64 = x_train.double()")
        code.add("mean = x64.mean(dim=0)")
        code.add("std = x64.std(dim=0, unbiased=False)")
        code.add("std[std == 0] = 1  # " + _("a constant column is only centred"))
        code.add("x_train = ((x64 - mean) / std).float()")
        if s.holdout:
            code.add("x_test = ((x_test.double() - mean) / std).float()")
        code.add()
    if s.init == "random":
        code.add(f"torch.manual_seed({s.seed})  # " + _("PyTorch's default nn.Linear init, seeded"))
    code.add("model = nn.Sequential(")
    code.add(f"    nn.Linear({d}, 1),  # " + _("z = xW + b, a score for each row"))
    code.add("    nn.Sigmoid(),  # " + _("H(x) = sigmoid(z), the probability of class 1"))
    code.add(")")
    if s.init == "zeros":
        code.add("nn.init.zeros_(model[0].weight)  # " + _("start from W = 0, b = 0"))
        code.add("nn.init.zeros_(model[0].bias)")
    if s.l2:
        code.add(f"l2 = {s.l2!r}  # " + _("L2 strength: the optimizer minimizes the mean BCE + (l2 / 2) * |W|^2"))
    code.add()


def _curves(code: Code, s: TrainSettings, indent: str) -> None:
    """Keep the point of each curve the page draws: the training loss (and the held-out loss and accuracy)."""
    code.add(indent + "losses.append(cost.item())")
    if s.holdout:
        code.add(indent + "with torch.no_grad():")
        code.add(indent + "    held = model(x_test)")
        code.add(indent + "    held_out_losses.append(F.binary_cross_entropy(held, y_test).item())")
        code.add(
            indent + "    held_out_accuracies.append(((held >= threshold).float() == y_test).float().mean().item())"
        )


def _curve_lists(code: Code, s: TrainSettings, before: str) -> None:
    code.add("losses = []  # " + code._(before))
    if s.holdout:
        code.add("held_out_losses, held_out_accuracies = [], []  # " + code._("the same for the held-out rows"))


def _gradient_loop(code: Code, s: TrainSettings, threshold: float) -> None:
    _ = code._
    opt_cls = "SGD" if s.optimizer == "sgd" else "Adam"
    code.add(f"optimizer = optim.{opt_cls}(model.parameters(), lr={s.lr!r})")
    code.add()
    code.add(f"steps = {s.epochs}  # " + _("optimizer steps, each on the full batch"))
    code.add(f"threshold = {threshold!r}")
    every = max(1, s.epochs // 10)
    _curve_lists(code, s, N_("the training loss before each step: the page's loss curve"))
    code.add("last_good = None  # " + _("W and b of the epoch before, kept in case this one diverges"))
    code.add("for epoch in range(steps):")
    code.add("    hypothesis = model(x_train)")
    code.add()
    code.comment(N_("Diverged: the weights overflowed (NaN), or some row's probability for its own label"), "    ")
    code.comment(N_("rounded to 0, so its loss -log(0) is infinite (PyTorch would quietly cap it at 100)."), "    ")
    code.comment(N_("Go back to the W and b of the epoch before, the last with a finite loss, and stop."), "    ")
    code.add("    p_true = torch.where(y_train > 0.5, hypothesis, 1 - hypothesis)")
    code.add(f"    if torch.isnan(hypothesis).any() or p_true.min().item() <= {P_TRUE_FLOOR!r}:")
    code.add('        print(f"' + _("Diverged at epoch {epoch}: try a smaller learning rate (or standardize).") + '")')
    code.add("        if last_good is not None:")
    code.add("            model.load_state_dict(last_good)")
    code.add('            print(f"' + _("Keeping W and b from epoch {epoch - 1}.") + '")')
    code.add("        break")
    code.add()
    code.add("    cost = F.binary_cross_entropy(hypothesis, y_train)")
    _curves(code, s, "    ")
    code.add(f"    if epoch % {every} == 0 or epoch == steps - 1:")
    code.add("        prediction = hypothesis >= threshold")
    code.add("        accuracy = (prediction.float() == y_train).float().mean().item()")
    code.add('        print(f"Epoch {epoch:5d}/{steps - 1} Cost: {cost.item():.6f} Accuracy {accuracy * 100:.2f}%")')
    code.add()
    code.add("    last_good = {name: value.clone() for name, value in model.state_dict().items()}")
    if s.l2:
        code.add("    cost = cost + 0.5 * l2 * model[0].weight.pow(2).sum()")
    code.add("    optimizer.zero_grad()")
    code.add("    cost.backward()")
    code.add("    optimizer.step()")
    code.add()


def _lbfgs_loop(code: Code, s: TrainSettings, threshold: float) -> None:
    _ = code._
    code.comment(
        N_("Full-batch L-BFGS, one iteration at a time, until it converges (at most {n} iterations)."), n=s.epochs
    )
    code.add("optimizer = optim.LBFGS(")
    code.add(f"    model.parameters(), lr={s.lr!r}, max_iter=1, max_eval=25, history_size=20,")
    code.add(
        f'    line_search_fn="strong_wolfe", tolerance_grad={LBFGS_TOLERANCE!r}, tolerance_change={LBFGS_CHANGE!r},'
    )
    code.add(")")
    code.add()
    code.add()
    code.add("def objective():")
    code.add("    optimizer.zero_grad()")
    penalty = " + 0.5 * l2 * model[0].weight.pow(2).sum()" if s.l2 else ""
    code.add(f"    cost = F.binary_cross_entropy(model(x_train), y_train){penalty}")
    code.add("    cost.backward()")
    code.add("    return cost")
    code.add()
    code.add()
    code.add(f"threshold = {threshold!r}")
    _curve_lists(code, s, N_("the training loss before each iteration: the page's loss curve"))
    code.add("before = objective().item()")
    code.add(f"for iteration in range({s.epochs}):")
    code.add("    with torch.no_grad():")
    code.add("        hypothesis = model(x_train)")
    code.add("        p_true = torch.where(y_train > 0.5, hypothesis, 1 - hypothesis)")
    code.add(f"    if p_true.min().item() <= {P_TRUE_FLOOR!r}:")
    code.add('        print("' + _("A row's probability for its own label rounded to 0: stopping.") + '")')
    code.add("        break")
    code.add("    with torch.no_grad():")
    code.add("        cost = F.binary_cross_entropy(hypothesis, y_train)")
    _curves(code, s, "        ")
    if not s.l2:
        code.add("    if p_true.min().item() == 1.0:")
        code.add(
            '        print("' + _("Every row is certain: without L2 the weights would grow for ever. Stopping.") + '")'
        )
        code.add("        break")
    code.add("    optimizer.step(objective)")
    code.add("    after = objective().item()")
    code.add("    largest_gradient = max(p.grad.abs().max().item() for p in model.parameters())")
    code.add(
        f"    if largest_gradient <= {LBFGS_TOLERANCE!r} or abs(before - after) <= {LBFGS_CHANGE!r} * max(1.0, abs(after)):"
    )
    code.add('        print(f"' + _("Converged after {iteration + 1} iterations.") + '")')
    code.add("        break")
    code.add("    before = after")
    code.add()


def _result(code: Code, s: TrainSettings, n: int) -> None:
    _ = code._
    code.add("W = model[0].weight.detach()[0].double()")
    code.add("b = model[0].bias.detach()[0].double()")
    if s.standardize:
        code.add('print("W (' + _("standardized units") + ') =", W.tolist())')
        code.add('print("b (' + _("standardized units") + ') =", b.item())')
        code.comment(N_("back to the original units: z = sum(W * (x - mean) / std) + b"))
        code.add("W, b = W / std, b - (W * mean / std).sum()")
    code.add('print("W =", W.tolist())')
    code.add('print("b =", b.item())')
    code.add()
    code.add("with torch.no_grad():")
    code.add("    hypothesis = model(x_train)")
    code.add("    final_loss = F.binary_cross_entropy(hypothesis, y_train).item()")
    code.add("    accuracy = ((hypothesis >= threshold).float() == y_train).float().mean().item()")
    code.show(N_("final loss:"), "final_loss")
    code.show(N_("training accuracy:"), "accuracy")
    if s.holdout:
        code.comment(N_("the held-out rows at the last step, as the page shows them"))
        code.show(N_("held-out loss:"), "held_out_losses[-1]")
        code.show(N_("held-out accuracy:"), "held_out_accuracies[-1]")
    if n <= PRINTED_ROWS:
        code.add()
        code.add("with torch.no_grad():")
        code.add("    print(model(x_train))  # " + _("probability of class 1 for each training row"))
