"""'Show the PyTorch code': a self-contained script that repeats one training run exactly.

The script is written in the course notes' style (``nn.Sequential(nn.Linear(d, 1), nn.Sigmoid())``,
``F.binary_cross_entropy``, ``optim.SGD``/``optim.Adam``, full batch) and does the same float32
operations in the same order as ``engine.logistic.train_logistic``, so it prints the same W and b.
Small tables are written into the script; larger ones are read from a CSV made by
:func:`training_csv` (the page offers it as a download next to the script). Its comments and
printed words are in the page's language (the ``t`` translator).
"""

from __future__ import annotations

import csv
import io

import numpy as np

from engine.logistic import P_TRUE_FLOOR, TrainSettings
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
    t: Translator = ENGLISH,
) -> str:
    """A runnable script for exactly this run. Needs only torch (and the CSV when the table is large)."""
    _ = t.gettext
    X = np.asarray(X, dtype=np.float32)
    if X.ndim == 1:
        X = X.reshape(-1, 1)
    y = np.asarray(y, dtype=np.float32).reshape(-1)
    n, d = X.shape
    names = ", ".join(_comment_safe(f) for f in feature_names)
    s = settings
    inline = n <= max_inline_rows
    out: list[str] = []
    add = out.append

    add("# " + _("Logistic regression with PyTorch: the exact run shown in Logit Lab."))
    if title:
        add("# " + _("Data: {name}").format(name=_comment_safe(title)))
    add("# " + _("{n} rows x {d} feature(s): {names}").format(n=n, d=d, names=names))
    add(
        "# "
        + _("Label '{label}': 1 = {one}, 0 = {zero}").format(
            label=_comment_safe(label_name), one=_comment_safe(classes[1]), zero=_comment_safe(classes[0])
        )
    )
    if not inline:
        add("import csv")
    add("")
    add("import torch")
    add("import torch.nn as nn")
    add("import torch.nn.functional as F")
    add("import torch.optim as optim")
    add("")
    if inline:
        add(f"x_train = torch.FloatTensor({_matrix_literal(X, '')})")
        add(f"y_train = torch.FloatTensor({_matrix_literal(y.reshape(-1, 1), '')})")
    else:
        add(
            "# "
            + _("The training rows: download '{name}' from the page and put it next to this script.").format(
                name=DATA_CSV_NAME
            )
        )
        add(f'with open("{DATA_CSV_NAME}", newline="", encoding="utf-8") as f:')
        add("    rows = list(csv.reader(f))[1:]  # " + _("skip the header"))
        add("x_train = torch.FloatTensor([[float(v) for v in row[:-1]] for row in rows])")
        add("y_train = torch.FloatTensor([[float(row[-1])] for row in rows])")
    add("")
    if s.standardize:
        add("# " + _("Standardize: mean and std of the training features (in float64), train on (x - mean) / std"))
        add("x64 = x_train.double()")
        add("mean = x64.mean(dim=0)")
        add("std = x64.std(dim=0, unbiased=False)")
        add("std[std == 0] = 1  # " + _("a constant column is only centred"))
        add("x_train = ((x64 - mean) / std).float()")
        add("")
    if s.init == "random":
        add(f"torch.manual_seed({s.seed})  # " + _("PyTorch's default nn.Linear init, seeded"))
    add("model = nn.Sequential(")
    add(f"    nn.Linear({d}, 1),  # z = xW + b")
    add("    nn.Sigmoid(),  # H(x) = sigmoid(z)")
    add(")")
    if s.init == "zeros":
        add("nn.init.zeros_(model[0].weight)  # " + _("start from W = 0, b = 0"))
        add("nn.init.zeros_(model[0].bias)")
    opt_cls = "SGD" if s.optimizer == "sgd" else "Adam"
    add(f"optimizer = optim.{opt_cls}(model.parameters(), lr={s.lr!r})")
    add("")
    add(f"steps = {s.epochs}  # " + _("optimizer steps, each on the full batch"))
    add(f"threshold = {s.threshold!r}")
    every = max(1, s.epochs // 10)
    add("last_good = None  # " + _("W and b of the epoch before, kept in case this one diverges"))
    add("for epoch in range(steps):")
    add("    hypothesis = model(x_train)")
    add("")
    add("    # " + _("Diverged: the weights overflowed (NaN), or some row's probability for its own label"))
    add("    # " + _("rounded to 0, so its loss -log(0) is infinite (PyTorch would quietly cap it at 100)."))
    add("    # " + _("Go back to the W and b of the epoch before, the last with a finite loss, and stop."))
    add("    p_true = torch.where(y_train > 0.5, hypothesis, 1 - hypothesis)")
    add(f"    if torch.isnan(hypothesis).any() or p_true.min().item() <= {P_TRUE_FLOOR!r}:")
    add('        print(f"' + _("Diverged at epoch {epoch}: try a smaller learning rate (or standardize).") + '")')
    add("        if last_good is not None:")
    add("            model.load_state_dict(last_good)")
    add('            print(f"' + _("Keeping W and b from epoch {epoch - 1}.") + '")')
    add("        break")
    add("")
    add("    cost = F.binary_cross_entropy(hypothesis, y_train)")
    add(f"    if epoch % {every} == 0 or epoch == steps - 1:")
    add("        prediction = hypothesis >= threshold")
    add("        accuracy = (prediction.float() == y_train).float().mean().item()")
    add('        print(f"Epoch {epoch:5d}/{steps - 1} Cost: {cost.item():.6f} Accuracy {accuracy * 100:.2f}%")')
    add("")
    add("    last_good = {name: value.clone() for name, value in model.state_dict().items()}")
    add("    optimizer.zero_grad()")
    add("    cost.backward()")
    add("    optimizer.step()")
    add("")
    add("W = model[0].weight.detach()[0].double()")
    add("b = model[0].bias.detach()[0].double()")
    if s.standardize:
        add('print("W (' + _("standardized units") + ') =", W.tolist())')
        add('print("b (' + _("standardized units") + ') =", b.item())')
        add("# " + _("back to the original units: z = sum(W * (x - mean) / std) + b"))
        add("W, b = W / std, b - (W * mean / std).sum()")
    add('print("W =", W.tolist())')
    add('print("b =", b.item())')
    if n <= 20:
        add("")
        add("with torch.no_grad():")
        add("    print(model(x_train))  # " + _("probability of class 1 for each training row"))
    return "\n".join(out) + "\n"
