"""What every page's notebook is made of: markdown and code cells, the nbformat document, and the cells
that several pages share (the loss curve, a table embedded in the notebook or read from a file next to it).

A notebook is written in the page's language: markdown cells and code comments are message ids
(``Msg``, ``N_``) translated by the ``t`` the page hands over, as :mod:`engine.present.codegen` does for
the script. Words that end up inside Python code (printed labels) are written as ``repr`` literals, so
no translation can break the code. The notebook needs torch (MNIST: torchvision; an uploaded table:
pandas); it draws with matplotlib only where that is installed, and prints the numbers otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from engine.present.codegen import Code
from engine.text import ENGLISH, Msg, Translator

MIME = "application/x-ipynb+json"
MAX_EMBEDDED_BYTES = 2_000_000  # a larger table is only offered as a file next to the notebook
CURVE_POINTS = 20  # values printed of a loss curve when matplotlib is missing
_MD_SPECIAL = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]<>#|$~"})


def md_text(text) -> str:
    """A user's words (a file or column name) shown as themselves in a markdown cell."""
    return " ".join(str(text).split()).translate(_MD_SPECIAL)


def text_literal(text: str) -> str:
    """``text`` as a triple-quoted Python literal that keeps its lines (for a table written into a cell)."""
    out = []
    for ch in text:
        if ch in '\\"':
            out.append("\\" + ch)
        elif ch == "\n" or ch == "\t" or ch >= " " and ch != "\x7f":
            out.append(ch)
        else:
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
    return '"""\\\n' + "".join(out) + '"""'


def file_name(name: str, fallback: str = "table.csv") -> str:
    """A file name safe to write next to the notebook: the upload's own name without folders or odd characters."""
    base = re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", str(name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    return base or fallback


class Notebook:
    """Cells in order; ``md`` takes a :class:`Msg` (translated here), ``code`` a :class:`Code` or text."""

    def __init__(self, t: Translator = ENGLISH) -> None:
        self.t = t
        self.cells: list = []

    def _(self, message: str) -> str:
        return self.t.gettext(message)

    def md(self, *parts: Msg | str) -> None:
        """One markdown cell: Msgs are translated, plain strings kept; the parts are joined by spaces."""
        text = " ".join(p.render(self.t) if isinstance(p, Msg) else str(p) for p in parts if p)
        self.cells.append(new_markdown_cell(text))

    def code(self, code: Code | str) -> None:
        source = code.text() if isinstance(code, Code) else code
        self.cells.append(new_code_cell(source.strip("\n")))

    def new_code(self) -> Code:
        return Code(self.t.gettext)

    def document(self) -> nbformat.NotebookNode:
        nb = new_notebook(cells=self.cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nbformat.validate(nb)
        return nb

    def to_bytes(self) -> bytes:
        return nbformat.writes(self.document()).encode("utf-8")


# --- Cells several pages share -------------------------------------------------------------------


def title(nb: Notebook, heading: Msg | str, about: Msg, notes: str, needs: str = "") -> None:
    """The first cell: what the notebook repeats, the notes it follows, and how to run it."""
    head = heading.render(nb.t) if isinstance(heading, Msg) else heading
    nb.md(
        "# " + head + "\n\n" + about.render(nb.t),
        "\n\n" + Msg("It follows the course notes {notes}.", notes=notes).render(nb.t) if notes else "",
        "\n\n"
        + Msg(
            "Run the cells from top to bottom (Jupyter: Run → Run All Cells; Colab: Runtime → Run all). It needs "
            "PyTorch{more}; where matplotlib is installed it draws the loss curve, otherwise it prints its values.",
            more=needs,
        ).render(nb.t),
    )


def loss_curve(nb: Notebook, series: dict[str, str], x_label: Msg, y_label: Msg, note: Msg | None = None) -> None:
    """A markdown cell and a code cell drawing ``series`` (legend label -> the list variable holding the values):
    with matplotlib when it is there, else its values at about CURVE_POINTS evenly spaced points."""
    nb.md(note or Msg("**The loss curve.** The loss at every step, as the page draws it."))
    code = nb.new_code()
    code.add("try:")
    code.add("    import matplotlib.pyplot as plt")
    code.add("except ImportError:  # " + nb._("no matplotlib: print the curve's values instead"))
    code.add("    plt = None")
    code.add()
    code.add("curves = {" + ", ".join(f"{nb._(label)!r}: {var}" for label, var in series.items()) + "}")
    code.add("if plt is not None:")
    code.add("    for name, values in curves.items():")
    code.add("        plt.plot(range(len(values)), values, label=name)")
    code.add(f"    plt.xlabel({x_label.render(nb.t)!r})")
    code.add(f"    plt.ylabel({y_label.render(nb.t)!r})")
    code.add("    plt.legend()")
    code.add("    plt.show()")
    code.add("else:")
    code.add("    for name, values in curves.items():")
    code.add(f"        every = max(1, len(values) // {CURVE_POINTS})")
    code.add("        points = sorted(set(range(0, len(values), every)) | {len(values) - 1})")
    code.add("        print(name)")
    code.add("        for i in points:")
    code.add('            print(f"  {i:6d}  {values[i]:.6f}")')
    nb.code(code)


# --- A learner's table: inside the notebook, or a file next to it ---------------------------------


@dataclass(frozen=True)
class TableFile:
    """An uploaded table as the notebook reads it: the file's name, its encoding (a Python codec) and delimiter,
    and its text (the table as the page holds it, written the way the file was)."""

    name: str
    encoding: str
    delimiter: str
    text: str
    encoding_name: Msg | str = ""
    delimiter_name: Msg | str = ""

    @classmethod
    def of(cls, frame: pd.DataFrame, name: str, encoding: str, delimiter: str, encoding_name="", delimiter_name=""):
        """The table ``frame`` written as the uploaded file was (its codec and delimiter); UTF-8 when the codec
        cannot hold an edited cell."""
        text = frame.to_csv(index=False, sep=delimiter, lineterminator="\n")
        try:
            text.encode(encoding)
        except (UnicodeError, LookupError):
            encoding, encoding_name = "utf-8", "UTF-8"
        return cls(file_name(name), encoding, delimiter, text, encoding_name, delimiter_name)

    def data(self) -> bytes:
        """The file to put next to the notebook."""
        return self.text.encode(self.encoding)

    @property
    def embeddable(self) -> bool:
        return len(self.text.encode("utf-8")) <= MAX_EMBEDDED_BYTES


def table_cells(nb: Notebook, table: TableFile, *, embed: bool, note: Msg | None = None) -> None:
    """The uploaded table: written from the notebook into its file (``embed``), or read from the file next to the
    notebook; then read with pandas in its encoding and delimiter into ``table``."""
    params = dict(
        file=md_text(table.name),
        encoding=_named(nb, table.encoding_name, table.encoding),
        delimiter=_named(nb, table.delimiter_name, repr(table.delimiter)),
    )
    if embed:
        nb.md(
            Msg(
                "**The data.** The uploaded file **{file}** ({encoding}, {delimiter}) is written inside the next cell, "
                "as the page holds it; the cell saves it next to the notebook in the same encoding.",
                **params,
            )
        )
        code = nb.new_code()
        code.add(f"csv_text = {text_literal(table.text)}")
        code.add(f"with open({table.name!r}, 'w', encoding={table.encoding!r}, newline='') as f:")
        code.add("    f.write(csv_text)")
        nb.code(code)
    else:
        nb.md(
            Msg(
                "**The data.** Download **{file}** from the page (next to this notebook's download) and put it in the "
                "same folder as the notebook (in Colab: the Files panel → Upload). It is the uploaded file as the page "
                "holds it: {encoding}, {delimiter}.",
                **params,
            )
        )
    nb.md(note or Msg("Read it with pandas, in the file's encoding and with its delimiter."))
    code = nb.new_code()
    code.add("import pandas as pd")
    code.add()
    code.add(
        f"table = pd.read_csv({table.name!r}, encoding={table.encoding!r}, sep={table.delimiter!r}, "
        "skipinitialspace=True)"
    )
    code.add("table")
    nb.code(code)


def _named(nb: Notebook, name, fallback: str) -> str:
    if isinstance(name, Msg):
        return name.render(nb.t)
    return str(name) if name else fallback
