"""'Show the PyTorch code': a self-contained script that repeats one training run exactly.

The script is written in the course notes' style (``nn.Sequential(nn.Linear(d, 1), nn.Sigmoid())``,
``F.binary_cross_entropy``, ``optim.SGD``/``optim.Adam``, full batch) and does the same float32
operations in the same order as ``engine.models.logistic.train_logistic``, so it prints the same W and b.
Small tables are written into the script; larger ones are read from a CSV made by
:func:`training_csv` (the page offers it as a download next to the script). Its comments and
printed words are in the page's language (the ``t`` translator).
"""

from __future__ import annotations

import csv
import io

import numpy as np

from engine.models.logistic import TrainSettings
from engine.models.logistic_loops import LBFGS_CHANGE, LBFGS_TOLERANCE, P_TRUE_FLOOR
from engine.text import ENGLISH, Translator

MAX_INLINE_ROWS = 200
DATA_CSV_NAME = "training_data.csv"


def float32_literal(value: float) -> str:
    """The shortest text that reads back as the same float32 (``1``, ``2.5``, ``0.1``)."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def training_csv(X, y, feature_names) -> bytes:
    """The rows a run trained on (features as float32 text, y as 0/1) as UTF-8 CSV bytes."""
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*feature_names, "y"])
    for row, label in zip(X, y, strict=True):
        writer.writerow([float32_literal(v) for v in row] + [str(int(label))])
    return buf.getvalue().encode("utf-8")


def _matrix_literal(rows, indent: str) -> str:
    lines = ["[" + ", ".join(float32_literal(v) for v in row) + "]" for row in rows]
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
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    script = _Script(t.gettext)
    _header(script, X, y, feature_names, classes, label_name, title, inline=len(y) <= max_inline_rows)
    _data(script, X, y, inline=len(y) <= max_inline_rows)
    _split(script, settings)
    _model(script, settings, X.shape[1])
    if settings.optimizer == "lbfgs":
        _lbfgs_loop(script, settings, settings.threshold if threshold is None else threshold)
    else:
        _gradient_loop(script, settings, settings.threshold if threshold is None else threshold)
    _result(script, settings, len(y))
    return script.text()


class _Script:
    def __init__(self, gettext) -> None:
        self._ = gettext
        self.lines: list[str] = []

    def add(self, line: str = "") -> None:
        self.lines.append(line)

    def comment(self, message: str, indent: str = "", **params) -> None:
        self.add(indent + "# " + (self._(message).format(**params) if params else self._(message)))

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _header(script: _Script, X, y, feature_names, classes, label_name: str, title: str, *, inline: bool) -> None:
    n, d = X.shape
    script.comment("Logistic regression with PyTorch: the exact run shown in Logit Lab.")
    if title:
        script.comment("Data: {name}", name=_comment_safe(title))
    script.comment(
        "{n} rows x {d} feature(s): {names}", n=n, d=d, names=", ".join(_comment_safe(f) for f in feature_names)
    )
    script.comment(
        "Label '{label}': 1 = {one}, 0 = {zero}",
        label=_comment_safe(label_name),
        one=_comment_safe(classes[1]),
        zero=_comment_safe(classes[0]),
    )
    if not inline:
        script.add("import csv")
    script.add()
    for module in (
        "import torch",
        "import torch.nn as nn",
        "import torch.nn.functional as F",
        "import torch.optim as optim",
    ):
        script.add(module)
    script.add()


def _data(script: _Script, X, y, *, inline: bool) -> None:
    if inline:
        script.add(f"x_all = torch.FloatTensor({_matrix_literal(X, '')})")
        script.add(f"y_all = torch.FloatTensor({_matrix_literal(y.reshape(-1, 1), '')})")
    else:
        script.comment(
            "The training rows: download '{name}' from the page and put it next to this script.", name=DATA_CSV_NAME
        )
        script.add(f'with open("{DATA_CSV_NAME}", newline="", encoding="utf-8") as f:')
        script.add("    rows = list(csv.reader(f))[1:]  # " + script._("skip the header"))
        script.add("x_all = torch.FloatTensor([[float(v) for v in row[:-1]] for row in rows])")
        script.add("y_all = torch.FloatTensor([[float(row[-1])] for row in rows])")
    script.add()


def _split(script: _Script, s: TrainSettings) -> None:
    if not s.holdout:
        script.add("x_train, y_train = x_all, y_all")
        script.add()
        return
    script.comment(
        "Hold out {share:.0%} of each class for testing, chosen by a seeded permutation (class 0 first).",
        share=s.holdout,
    )
    script.add(f"generator = torch.Generator().manual_seed({s.seed})")
    script.add("held_out = []")
    script.add("for cls in (0, 1):")
    script.add("    rows = (y_all[:, 0] == cls).nonzero().flatten()")
    script.add(f"    k = max(1, round({s.holdout!r} * len(rows)))  # " + script._("every class is tested"))
    script.add("    order = torch.randperm(len(rows), generator=generator)")
    script.add("    held_out.append(rows[order[:k]])")
    script.add("is_test = torch.zeros(len(y_all), dtype=torch.bool)")
    script.add("is_test[torch.cat(held_out)] = True")
    script.add("x_train, y_train = x_all[~is_test], y_all[~is_test]")
    script.add("x_test, y_test = x_all[is_test], y_all[is_test]")
    script.add()


def _model(script: _Script, s: TrainSettings, d: int) -> None:
    _ = script._
    if s.standardize:
        script.comment("Standardize: mean and std of the training features (in float64), train on (x - mean) / std")
        script.add("x64 = x_train.double()")
        script.add("mean = x64.mean(dim=0)")
        script.add("std = x64.std(dim=0, unbiased=False)")
        script.add("std[std == 0] = 1  # " + _("a constant column is only centred"))
        script.add("x_train = ((x64 - mean) / std).float()")
        if s.holdout:
            script.add("x_test = ((x_test.double() - mean) / std).float()")
        script.add()
    if s.init == "random":
        script.add(f"torch.manual_seed({s.seed})  # " + _("PyTorch's default nn.Linear init, seeded"))
    script.add("model = nn.Sequential(")
    script.add(f"    nn.Linear({d}, 1),  # z = xW + b")
    script.add("    nn.Sigmoid(),  # H(x) = sigmoid(z)")
    script.add(")")
    if s.init == "zeros":
        script.add("nn.init.zeros_(model[0].weight)  # " + _("start from W = 0, b = 0"))
        script.add("nn.init.zeros_(model[0].bias)")
    if s.l2:
        script.add(f"l2 = {s.l2!r}  # " + _("L2 strength: the optimizer minimizes the mean BCE + (l2 / 2) * |W|^2"))


def _gradient_loop(script: _Script, s: TrainSettings, threshold: float) -> None:
    _ = script._
    opt_cls = "SGD" if s.optimizer == "sgd" else "Adam"
    script.add(f"optimizer = optim.{opt_cls}(model.parameters(), lr={s.lr!r})")
    script.add()
    script.add(f"steps = {s.epochs}  # " + _("optimizer steps, each on the full batch"))
    script.add(f"threshold = {threshold!r}")
    every = max(1, s.epochs // 10)
    script.add("last_good = None  # " + _("W and b of the epoch before, kept in case this one diverges"))
    script.add("for epoch in range(steps):")
    script.add("    hypothesis = model(x_train)")
    script.add()
    script.comment("Diverged: the weights overflowed (NaN), or some row's probability for its own label", "    ")
    script.comment("rounded to 0, so its loss -log(0) is infinite (PyTorch would quietly cap it at 100).", "    ")
    script.comment("Go back to the W and b of the epoch before, the last with a finite loss, and stop.", "    ")
    script.add("    p_true = torch.where(y_train > 0.5, hypothesis, 1 - hypothesis)")
    script.add(f"    if torch.isnan(hypothesis).any() or p_true.min().item() <= {P_TRUE_FLOOR!r}:")
    script.add(
        '        print(f"' + _("Diverged at epoch {epoch}: try a smaller learning rate (or standardize).") + '")'
    )
    script.add("        if last_good is not None:")
    script.add("            model.load_state_dict(last_good)")
    script.add('            print(f"' + _("Keeping W and b from epoch {epoch - 1}.") + '")')
    script.add("        break")
    script.add()
    script.add("    cost = F.binary_cross_entropy(hypothesis, y_train)")
    script.add(f"    if epoch % {every} == 0 or epoch == steps - 1:")
    script.add("        prediction = hypothesis >= threshold")
    script.add("        accuracy = (prediction.float() == y_train).float().mean().item()")
    script.add('        print(f"Epoch {epoch:5d}/{steps - 1} Cost: {cost.item():.6f} Accuracy {accuracy * 100:.2f}%")')
    script.add()
    script.add("    last_good = {name: value.clone() for name, value in model.state_dict().items()}")
    if s.l2:
        script.add("    cost = cost + 0.5 * l2 * model[0].weight.pow(2).sum()")
    script.add("    optimizer.zero_grad()")
    script.add("    cost.backward()")
    script.add("    optimizer.step()")
    script.add()


def _lbfgs_loop(script: _Script, s: TrainSettings, threshold: float) -> None:
    _ = script._
    script.comment(
        "Full-batch L-BFGS, one iteration at a time, until it converges (at most {n} iterations).", n=s.epochs
    )
    script.add("optimizer = optim.LBFGS(")
    script.add(f"    model.parameters(), lr={s.lr!r}, max_iter=1, max_eval=25, history_size=20,")
    script.add(
        f'    line_search_fn="strong_wolfe", tolerance_grad={LBFGS_TOLERANCE!r}, tolerance_change={LBFGS_CHANGE!r},'
    )
    script.add(")")
    script.add()
    script.add()
    script.add("def objective():")
    script.add("    optimizer.zero_grad()")
    penalty = " + 0.5 * l2 * model[0].weight.pow(2).sum()" if s.l2 else ""
    script.add(f"    cost = F.binary_cross_entropy(model(x_train), y_train){penalty}")
    script.add("    cost.backward()")
    script.add("    return cost")
    script.add()
    script.add()
    script.add(f"threshold = {threshold!r}")
    script.add("before = objective().item()")
    script.add(f"for iteration in range({s.epochs}):")
    script.add("    with torch.no_grad():")
    script.add("        hypothesis = model(x_train)")
    script.add("        p_true = torch.where(y_train > 0.5, hypothesis, 1 - hypothesis)")
    script.add(f"    if p_true.min().item() <= {P_TRUE_FLOOR!r}:")
    script.add('        print("' + _("A row's probability for its own label rounded to 0: stopping.") + '")')
    script.add("        break")
    if not s.l2:
        script.add("    if p_true.min().item() == 1.0:")
        script.add(
            '        print("' + _("Every row is certain: without L2 the weights would grow for ever. Stopping.") + '")'
        )
        script.add("        break")
    script.add("    optimizer.step(objective)")
    script.add("    after = objective().item()")
    script.add("    largest_gradient = max(p.grad.abs().max().item() for p in model.parameters())")
    script.add(
        f"    if largest_gradient <= {LBFGS_TOLERANCE!r} or abs(before - after) <= {LBFGS_CHANGE!r} * max(1.0, abs(after)):"
    )
    script.add('        print(f"' + _("Converged after {iteration + 1} iterations.") + '")')
    script.add("        break")
    script.add("    before = after")
    script.add("with torch.no_grad():")
    script.add("    accuracy = ((model(x_train) >= threshold).float() == y_train).float().mean().item()")
    script.add('print(f"' + _("Training accuracy {accuracy * 100:.2f}%") + '")')
    script.add()


def _result(script: _Script, s: TrainSettings, n: int) -> None:
    _ = script._
    script.add("W = model[0].weight.detach()[0].double()")
    script.add("b = model[0].bias.detach()[0].double()")
    if s.standardize:
        script.add('print("W (' + _("standardized units") + ') =", W.tolist())')
        script.add('print("b (' + _("standardized units") + ') =", b.item())')
        script.comment("back to the original units: z = sum(W * (x - mean) / std) + b")
        script.add("W, b = W / std, b - (W * mean / std).sum()")
    script.add('print("W =", W.tolist())')
    script.add('print("b =", b.item())')
    if s.holdout:
        script.add()
        script.add("with torch.no_grad():")
        script.add("    held_out_accuracy = ((model(x_test) >= threshold).float() == y_test).float().mean().item()")
        script.add('print(f"' + _("Held-out accuracy {held_out_accuracy * 100:.2f}%") + '")')
    if n <= 20:
        script.add()
        script.add("with torch.no_grad():")
        script.add("    print(model(x_train))  # " + _("probability of class 1 for each training row"))
