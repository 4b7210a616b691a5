"""The logistic regression page's notebook: the script's steps (``engine.present.codegen``), each in its own
cell under a few words on what it does and which course note it follows, then the numbers the page shows
and the loss curve.

The data is the table written into the notebook (a course table, as the notes write theirs), or an
uploaded table read with pandas in its own encoding and delimiter (written from inside the notebook,
or a file next to it: :class:`UploadedTable`), with the page's choice of columns and its 0/1 labels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine.data import course
from engine.models.logistic import TrainSettings
from engine.present import codegen, export
from engine.present.notebooks.base import Notebook, TableFile, loss_curve, md_text, table_cells, title
from engine.text import ENGLISH, N_, Msg, Translator

OPTIMIZER_NAMES = {"sgd": "SGD", "adam": "Adam", "lbfgs": "L-BFGS"}


@dataclass(frozen=True)
class UploadedTable:
    """An uploaded table as the notebook reads it: the file, the chosen columns, which rows it drops and which
    label value is 0 and which is 1."""

    file: TableFile
    features: tuple[str, ...]
    label: str
    mapping: tuple[tuple[object, int], ...]  # (label value as pandas reads it, 0 or 1)
    drop: str  # "any": rows with a missing value in the chosen columns; "all": rows blank in all of them; "": none

    @classmethod
    def of(cls, frame: pd.DataFrame, data, *, name: str, info) -> UploadedTable:
        """The table ``frame`` the page trained on (``data``: its ``engine.data.upload.BinaryData``), written as the
        upload was read (``info``: its ``CsvInfo``). Cells a spreadsheet would run as formulas are made inert, as in
        every download (``engine.present.export``)."""
        safe = export.safe_frame(frame)
        features = tuple(export.neutralize(str(f)) for f in data.features)
        label = export.neutralize(str(data.label))
        rows = data.rows if data.rows is not None else np.arange(len(frame))
        mapping: dict = {}
        for value, y in zip(safe[label].iloc[rows].tolist(), np.asarray(data.y).tolist(), strict=True):
            mapping.setdefault(value.item() if hasattr(value, "item") else value, int(y))
        drop = "any" if data.dropped_rows else ("all" if data.skipped_rows else "")
        file = TableFile.of(safe, name, info.codec, info.delimiter, info.encoding, info.delimiter_name)
        return cls(file, features, label, tuple(mapping.items()), drop)


def logistic_notebook(
    X,
    y,
    settings: TrainSettings,
    feature_names,
    classes: tuple[str, str] = ("0", "1"),
    *,
    label_name: str = "y",
    title_text: str = "",
    notes: tuple[str, ...] = (),
    threshold: float | None = None,
    upload: UploadedTable | None = None,
    embed: bool = True,
    shown: dict | None = None,
    t: Translator = ENGLISH,
) -> Notebook:
    """The notebook that repeats this run. ``notes``: the course notes the table comes from (keys of
    ``course.NOTES``); ``upload``: read the data from the uploaded table (``embed``: written inside the notebook)
    instead of writing X and y in; ``shown``: the page's numbers (W, b, loss, accuracy), quoted for comparison."""
    X = codegen.feature_array(X).reshape(len(np.asarray(y).reshape(-1)), -1)  # float32, or the learner's numbers
    n, d = X.shape
    inline = upload is not None or n <= codegen.MAX_INLINE_ROWS
    steps = codegen.logistic_steps(
        X, y, settings, feature_names, classes, label_name=label_name, threshold=threshold, inline=inline, t=t
    )
    nb = Notebook(t)
    base_notes = course.titles("lec6", "tutorial6")
    title(
        nb,
        Msg("Logistic regression: {name}", name=md_text(title_text)) if title_text else Msg("Logistic regression"),
        Msg(
            "This notebook repeats the run you trained on Logit Lab's logistic regression page: the same {n} rows × "
            "{d} feature(s), split, starting weights, settings and training loop, so it prints the same W, b, loss "
            "and accuracy as the page.",
            n=n,
            d=d,
        ),
        course.titles(*dict.fromkeys((*notes, "lec6", "tutorial6"))),
        ", pandas" if upload is not None else "",
    )
    nb.md(
        Msg(
            "**Imports.** PyTorch, its layers (nn), its functions (F) and its optimizers (optim), as the notes import them."
        )
    )
    nb.code(steps["imports"])
    _data(nb, steps, upload, embed, classes, label_name, notes, inline)
    _split(nb, steps, settings)
    _model(nb, steps, settings, d, base_notes)
    _train(nb, steps, settings, base_notes)
    _result(nb, steps, settings, shown)
    series = {N_("training loss"): "losses"}
    if settings.holdout:
        series[N_("held-out loss")] = "held_out_losses"
    x_label = Msg("iteration") if settings.optimizer == "lbfgs" else Msg("epoch (optimizer step)")
    loss_curve(nb, series, x_label, Msg("binary cross-entropy"))
    return nb


def _data(nb: Notebook, steps, upload, embed: bool, classes, label_name: str, notes, inline: bool) -> None:
    if upload is None:
        where = Msg(" The table is from {notes}.", notes=course.titles(*notes)) if notes else ""
        if inline:
            text = Msg(
                "**The data**, written in as the notes write theirs: `x_all` holds the features (one row per example), "
                "`y_all` the labels, 1 for **{one}** and 0 for **{zero}** (column **{label}**).",
                one=md_text(classes[1]),
                zero=md_text(classes[0]),
                label=md_text(label_name),
            )
        else:
            text = Msg(
                "**The data.** The table is too long to write in: download **{name}** from the page (next to the "
                "script) and put it next to this notebook. Its last column is the label: 1 for **{one}**, 0 for "
                "**{zero}**.",
                name=codegen.DATA_CSV_NAME,
                one=md_text(classes[1]),
                zero=md_text(classes[0]),
            )
        nb.md(text, where)
        nb.code(steps["data"])
        return
    table_cells(nb, upload.file, embed=embed)
    mapping = dict(upload.mapping)
    nb.md(
        Msg(
            "**The columns, as chosen on the page.** The features become `x_all` (float32, one row per example) and "
            "the label column **{label}** becomes `y_all`: 1 for **{one}**, 0 for **{zero}**.",
            label=md_text(upload.label),
            one=md_text(classes[1]),
            zero=md_text(classes[0]),
        ),
        {
            "any": Msg("Rows with a missing value in these columns are dropped, as the page was told to."),
            "all": Msg("Rows left blank in all of these columns are skipped, as the page skips them."),
            "": "",
        }[upload.drop],
    )
    code = nb.new_code()
    code.add(f"features = {list(upload.features)!r}")
    code.add(f"label = {upload.label!r}")
    code.add("table = table[features + [label]]")
    if upload.drop:
        code.add(f"table = table.dropna(how={upload.drop!r})")
    code.add(f"classes = {mapping!r}  # " + nb._("label value -> y"))
    code.add("assert table[label].isin(classes).all(), " + repr(nb._("a label the page did not see")))
    code.add('x_all = torch.tensor(table[features].to_numpy(dtype="float32"))')
    code.add('y_all = torch.tensor(table[label].map(classes).to_numpy(dtype="float32")).reshape(-1, 1)')
    code.add("print(x_all.shape, y_all.shape)")
    nb.code(code)


def _split(nb: Notebook, steps, s: TrainSettings) -> None:
    if s.holdout:
        nb.md(
            Msg(
                "**Held-out rows.** {share:.0%} of each class (at least one row) is kept out of training, chosen by "
                "a permutation seeded with {seed}, class 0 first, exactly as the page chose them. The model never "
                "sees them: they tell how it does on rows it was not trained on. (The notes train on every row.)",
                share=s.holdout,
                seed=s.seed,
            )
        )
    else:
        nb.md(Msg("**Training rows.** Every row is used for training, as in the notes (no rows held out)."))
    nb.code(steps["split"])


def _model(nb: Notebook, steps, s: TrainSettings, d: int, notes: str) -> None:
    parts = [
        Msg(
            "**The model**: `nn.Linear({d}, 1)` computes z = xW + b and `nn.Sigmoid()` turns it into the hypothesis "
            "H(x) = σ(z), the probability of class 1, as in {notes}.",
            d=d,
            notes=notes,
        )
    ]
    if s.standardize:
        parts.append(
            Msg(
                "The features are standardized first, with the mean and standard deviation of the training rows only: "
                "the model learns on (x − mean) / std, and W and b are turned back into the original units at the end."
            )
        )
    if s.init == "zeros":
        parts.append(Msg("It starts from W = 0 and b = 0."))
    else:
        parts.append(
            Msg(
                "It starts from PyTorch's own random initialization of `nn.Linear`, seeded with "
                "`torch.manual_seed({seed})`: the same start as on the page.",
                seed=s.seed,
            )
        )
    if s.l2:
        parts.append(
            Msg(
                "With L2 strength λ = {l2:g} the optimizer minimizes the mean binary cross-entropy + (λ/2)·‖W‖² "
                "(the bias is not penalized): large weights cost something.",
                l2=s.l2,
            )
        )
    nb.md(*parts)
    nb.code(steps["model"].text() + "model  # " + nb._("its layers, as PyTorch prints them"))


def _train(nb: Notebook, steps, s: TrainSettings, notes: str) -> None:
    if s.optimizer == "lbfgs":
        text = Msg(
            "**Training** with L-BFGS (beyond the notes, which use SGD): each iteration uses the gradient and what the "
            "last iterations taught about the curvature, with a line search; it stops when the loss stops changing or "
            "after {n} iterations. `losses` keeps the training loss before each iteration, the page's loss curve.",
            n=s.epochs,
        )
    else:
        text = Msg(
            "**Training**: {n} steps of {optimizer} with learning rate {lr:g}, each on the whole table, as in {notes}: "
            "compute the hypothesis, the cost `F.binary_cross_entropy`, then `zero_grad()`, `backward()` and `step()`. "
            "`losses` keeps the cost before each step, the page's loss curve. A run that diverges stops and keeps the "
            "last W and b with a finite loss, as the page does.",
            n=s.epochs,
            optimizer=OPTIMIZER_NAMES[s.optimizer],
            lr=s.lr,
            notes=notes,
        )
    nb.md(text)
    nb.code(steps["train"])


def _result(nb: Notebook, steps, s: TrainSettings, shown: dict | None) -> None:
    parts = [
        Msg(
            "**The result**: W and b{units}, the loss and the accuracy on the training rows after the last step{held}.",
            units=Msg(" (in the original units, and first in the standardized ones)") if s.standardize else "",
            held=Msg(", and the held-out rows' loss and accuracy at the last step") if s.holdout else "",
        )
    ]
    if shown:
        parts.append(
            Msg(
                "The page showed W = [{W}], b = {b:.4f}, final loss {loss:.4f} and training accuracy {accuracy:.2%}.",
                W=", ".join(f"{w:.4f}" for w in shown["W"]),
                b=shown["b"],
                loss=shown["loss"],
                accuracy=shown["accuracy"],
            )
        )
    nb.md(*parts)
    nb.code(steps["result"])
