"""engine.present.notebooks: every page's notebook runs top to bottom and prints the page's numbers.

The notebooks are executed with nbclient in one kernel of this interpreter (started once for the
module; ``%reset -f`` clears it before each notebook, and each runs in a folder of its own), and
their printed numbers are compared with the engine's runs, the page's, with the tolerance of the
script tests (tests/engine/test_logistic_engine.py). The Softmax page trains with a closed-form SGD
step, equal to the notes' autograd loop up to float rounding: its notebooks match the engine's
autograd route as closely, and the page's route within the Softmax tests' 1e-5.
"""

from __future__ import annotations

import ast
import dataclasses
import sys
import time

import numpy as np
import pytest

pytest.importorskip("nbclient")

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbformat.v4 import new_code_cell  # noqa: E402

from engine.data import course, mnist  # noqa: E402
from engine.data import upload as datamod  # noqa: E402
from engine.data.samples import write_tiny_mnist  # noqa: E402
from engine.models import logistic as lg  # noqa: E402
from engine.models import losses as L  # noqa: E402
from engine.models import plane  # noqa: E402
from engine.models import plane_training as training  # noqa: E402
from engine.models import softmax as sm  # noqa: E402
from engine.present.notebooks import base  # noqa: E402
from engine.present.notebooks import logistic as nb_logistic  # noqa: E402
from engine.present.notebooks import losses as nb_losses  # noqa: E402
from engine.present.notebooks import plane as nb_plane  # noqa: E402
from engine.present.notebooks import softmax as nb_softmax  # noqa: E402
from engine.runtime.runs import data_fingerprint  # noqa: E402
from tests.helpers import english_sentences  # noqa: E402
from ui.i18n import catalog  # noqa: E402

EN, KO = catalog("en"), catalog("ko")
TIMES: dict[str, float] = {}  # notebook -> seconds to execute (printed at the end of the module)


class _ThisPython(KernelSpecManager):
    """The kernel is this interpreter (the venv's), whatever kernel specs the machine has. One intra-op thread,
    as the app trains: these tensors are tiny, and on a busy 2-core machine thread hand-offs cost 20× the maths."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        env = {"OMP_NUM_THREADS": "1"}
        return KernelSpec(argv=argv, env=env, display_name="Python 3", language="python", resource_dir="")


@pytest.fixture(scope="module")
def kernel():
    km = KernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    km.start_kernel()
    yield km
    km.shutdown_kernel(now=True)
    print("\nnotebook execution times: " + ", ".join(f"{k} {v:.1f} s" for k, v in TIMES.items()))


def execute(kernel, notebook: base.Notebook, folder, name: str) -> str:
    """Run ``notebook`` in a cleared kernel with ``folder`` as its working folder; return everything it printed."""
    nb = notebook.document()
    nb.cells[:0] = [new_code_cell(f"%reset -f\n%cd {str(folder)!r}")]
    started = time.perf_counter()
    NotebookClient(nb, km=kernel, timeout=300, allow_errors=False).execute()
    TIMES[name] = time.perf_counter() - started
    out = []
    for cell in nb.cells[1:]:
        for output in cell.get("outputs", []):
            out.append(output.get("text") or output.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


def printed(out: str, label: str, t=EN):
    """The value printed after ``label`` (translated with ``t``) on a line of its own."""
    prefix = t.gettext(label) + " "
    found = [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix)]
    assert found, f"{prefix!r} not printed in:\n{out[-2000:]}"
    return ast.literal_eval(found[-1].strip())


def korean_text_only(notebook: base.Notebook) -> None:
    """The Korean notebook's words (markdown and comments) are Korean: no English sentence."""
    texts = [c.source for c in notebook.cells if c.cell_type == "markdown"]
    texts += [
        line.split("# ", 1)[1]
        for c in notebook.cells
        if c.cell_type == "code"
        for line in c.source.splitlines()
        if "# " in line
    ]
    assert not english_sentences(texts), english_sentences(texts)[:5]


APPROX = dict(rel=1e-6, abs=1e-7)  # the script tests' tolerance


# --- Logistic regression --------------------------------------------------------------------------


def test_logistic_preset_notebook_repeats_the_notes_run(kernel, tmp_path):
    preset = course.PRESETS["table_6x2"]
    X, y = preset.xy()
    trained = lg.fit_and_advise(X, y, preset.settings)
    fit = trained.fit
    notebook = nb_logistic.logistic_notebook(
        X, y, preset.settings, preset.features, title_text=preset.title, notes=preset.notes
    )
    assert course.NOTES["likelion"].title in notebook.cells[0].source
    out = execute(kernel, notebook, tmp_path, "logistic, 6×2 preset (English)")
    assert printed(out, "W =") == pytest.approx(fit.weight.tolist(), **APPROX)
    assert printed(out, "b =") == pytest.approx(fit.bias, **APPROX)
    assert [round(w, 4) for w in printed(out, "W =")] == list(course.TABLE_6X2_W)
    assert printed(out, "final loss:") == pytest.approx(fit.final_loss, **APPROX)
    assert printed(out, "training accuracy:") == fit.final_accuracy
    assert "2.7648e-04" in out  # the notes' printed probabilities
    assert "0.693147" in out  # the loss curve printed (no matplotlib here)


UPLOAD = (
    "점수;공부 시간;결과\n"
    + "".join(
        f"{40 + 1.5 * i:g};{(i * 7) % 5 + 0.5:g};{'합격' if (i + (i % 3 == 0)) > 11 else '불합격'}\n" for i in range(24)
    )
    + "61;;합격\n"  # a missing cell: dropped
)


def test_logistic_upload_notebook_in_korean_reads_the_file_in_its_encoding(kernel, tmp_path):
    frame, info = datamod.read_csv_info(UPLOAD.encode("cp949"))
    assert (info.codec, info.delimiter) == ("cp949", ";")
    data = datamod.binary_data(frame, ["점수", "공부 시간"], "결과", dropna=True)
    settings = lg.TrainSettings(lr=1.0, epochs=100, optimizer="lbfgs", standardize=True, l2=1 / 20, holdout=0.2, seed=7)
    trained = lg.fit_and_advise(data.X, data.y, settings)
    fit = trained.fit
    table = nb_logistic.UploadedTable.of(frame, data, name="성적.csv", info=info)
    assert table.drop == "any" and dict(table.mapping) == {"합격": 1, "불합격": 0}
    notebook = nb_logistic.logistic_notebook(
        data.X, data.y, settings, data.features, data.classes, label_name=data.label, upload=table, embed=True, t=KO
    )
    korean_text_only(notebook)
    out = execute(kernel, notebook, tmp_path, "logistic, upload embedded (Korean)")
    assert (tmp_path / "성적.csv").read_bytes() == table.file.data()  # the cell wrote it in cp949
    assert printed(out, "W =") == pytest.approx(fit.weight.tolist(), **APPROX)
    assert printed(out, "b =") == pytest.approx(fit.bias, **APPROX)
    assert printed(out, "final loss:", KO) == pytest.approx(fit.final_loss, **APPROX)
    assert printed(out, "held-out loss:", KO) == pytest.approx(fit.history["test_loss"].iloc[-1], rel=1e-5)
    assert printed(out, "held-out accuracy:", KO) == fit.history["test_accuracy"].iloc[-1]


# --- Loss comparison ------------------------------------------------------------------------------


def test_losses_notebook_in_korean_walks_both_paths(kernel, tmp_path):
    table = course.one_feature_tables()["exam"]
    xs, ys = tuple(table["x"]), tuple(table["y"])
    w0, b0, lr, steps = -0.5, -35.0, L.suggested_lr(xs), 40
    notebook = nb_losses.losses_notebook(xs, ys, w0, b0, lr, steps, plateau=True, t=KO)
    korean_text_only(notebook)
    out = execute(kernel, notebook, tmp_path, "losses (Korean)")
    found = [ast.literal_eval(line.split(" = ")[1]) for line in out.splitlines() if line.startswith(("W = ", "b = "))]
    for i, kind in enumerate(L.LOSSES):
        last = L.gd_path(xs, ys, w0, b0, lr, steps, kind).frame.iloc[-1]
        assert found[2 * i : 2 * i + 2] == pytest.approx([last["W"], last["b"]], rel=1e-9)


# --- Softmax: the small table and MNIST ------------------------------------------------------------


def test_softmax_table_notebook_prints_the_notes_numbers(kernel, tmp_path):
    X, y = np.array(course.SOFTMAX_X, dtype=np.float32), np.array(course.SOFTMAX_Y)
    settings = sm.TableSettings()
    page = sm.train_table(X, y, 3, settings)
    notes_loop = sm.train_softmax(X, y, n_classes=3, lr=0.1, epochs=1001, batch_size=8, seed=1, route="autograd")
    out = execute(kernel, nb_softmax.table_notebook(X, y, 3, settings), tmp_path, "softmax table (English)")
    assert "Epoch: 1000/1000, Cost: 0.2541, Accuracy: 100.00%" in out  # the note's last line
    loss = printed(out, "loss at the last epoch:")
    assert loss == pytest.approx(notes_loop.history["loss"].iloc[-1], **APPROX)
    assert loss == pytest.approx(page.history["loss"].iloc[-1], abs=1e-5)
    assert printed(out, "accuracy at the last epoch:") == page.history["train_accuracy"].iloc[-1]
    assert np.allclose(printed(out, "W ="), notes_loop.weight, rtol=1e-6, atol=1e-7)
    assert np.allclose(printed(out, "W ="), page.weight, atol=1e-5)


def test_mnist_notebook_in_korean_reads_a_local_copy(kernel, tmp_path):
    root = write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)
    data = mnist.load_mnist(root)
    settings = sm.MnistSettings(epochs=3, batch_size=32)
    page = sm.train_mnist(data, settings)
    args = dict(n_classes=10, lr=0.1, epochs=3, batch_size=32, seed=777, device="cpu")
    notes_loop = sm.train_softmax(
        data.train_images, data.train_labels, **args, X_test=data.test_images, y_test=data.test_labels, route="autograd"
    )
    notebook = nb_softmax.mnist_notebook(settings, local_root=str(root), t=KO)
    korean_text_only(notebook)
    out = execute(kernel, notebook, tmp_path, "MNIST, tiny local copy (Korean)")
    assert not (tmp_path / "MNIST").exists()  # nothing downloaded
    costs = [float(line.split("cost = ")[1].split()[0]) for line in out.splitlines() if line.startswith("Epoch:")]
    assert costs == pytest.approx(list(notes_loop.history["loss"]), **APPROX)
    assert costs == pytest.approx(list(page.history["loss"]), abs=1e-5)
    assert printed(out, "test accuracy:", KO) == pytest.approx(page.test_accuracy)
    for row, counts in enumerate(page.confusion):
        assert any(
            line.split()[1:] == [str(c) for c in counts] for line in out.splitlines() if line.startswith(str(row))
        )


# --- Softmax on a plane --------------------------------------------------------------------------


def page_runs(points, start, runs):
    """Steps as the page takes them (Step, N steps, Run), recorded as the page records them."""
    segments, state, fp = [], start, data_fingerprint(points.X, points.y)
    for settings, steps in runs:
        result = training.train_steps(points.X, points.y, state, settings, steps)
        segments = nb_plane.record(segments, state, result.state, settings, fp)
        state = result.state
    return segments, state


def test_plane_notebook_replays_sgd_then_adam(kernel, tmp_path):
    points = plane.points_from_table(plane.make_preset("blobs", n_classes=3, n_points=90, seed=2))
    sgd, adam = training.TrainSettings("sgd", 0.1), training.TrainSettings("adam", 0.05, l2=0.01, seed=0)
    runs = [(sgd, 1), (sgd, 1), (sgd, 30), (adam, 20), (dataclasses.replace(adam, lr=0.02), 15)]
    segments, now = page_runs(points, training.initial_state(3, 0), runs)
    assert [s.steps for s in segments] == [32, 20, 15]  # Step, Step and 30 steps are one run of SGD
    origin, chain = nb_plane.replay_plan(segments, now, data_fingerprint(points.X, points.y))
    assert origin == training.initial_state(3, 0) and chain == segments
    notebook = nb_plane.plane_notebook(points.X, points.y, 3, origin, chain, seed=0, l2_now=0.01)
    out = execute(kernel, notebook, tmp_path, "plane, preset (English)")
    W, b = now.weights()
    assert np.allclose(printed(out, "W ="), W, rtol=1e-6, atol=1e-7)
    assert np.allclose(printed(out, "b ="), b, rtol=1e-6, atol=1e-7)
    shown = plane.evaluate(W, b, points.X, points.y, 0.01)
    assert printed(out, "loss (cross-entropy):") == pytest.approx(shown.loss, **APPROX)
    assert printed(out, "loss + L2 term:") == pytest.approx(shown.objective, **APPROX)
    assert printed(out, "training accuracy:") == shown.accuracy
    assert printed(out, "steps taken:") == 67


def test_plane_upload_notebook_in_korean_reads_the_file_next_to_it(kernel, tmp_path):
    """Adam on the preset, then the points change to an upload and Adam goes on with its memory."""
    upload = plane.make_preset("rings", n_classes=2, n_points=60, seed=4).to_csv(index=False, sep="\t")
    frame, info = datamod.read_csv_info(upload.encode("utf-8"))
    preset = plane.points_from_table(plane.make_preset("xor", n_points=60, seed=1))
    uploaded = plane.points_from_table(frame)
    adam = training.TrainSettings("adam", 0.05)
    first, middle = page_runs(preset, training.initial_state(2, 0), [(adam, 10)])
    second, now = page_runs(uploaded, middle, [(adam, 25)])
    fp = data_fingerprint(uploaded.X, uploaded.y)
    origin, chain = nb_plane.replay_plan(first + second, now, fp)
    assert origin == middle and origin.moments and chain == second
    table = base.TableFile.of(frame, "점들.tsv", info.codec, info.delimiter, info.encoding, info.delimiter_name)
    (tmp_path / table.name).write_bytes(table.data())
    notebook = nb_plane.plane_notebook(
        uploaded.X, uploaded.y, 2, origin, chain, seed=0, l2_now=0.0, upload=table, embed=False, t=KO
    )
    korean_text_only(notebook)
    out = execute(kernel, notebook, tmp_path, "plane, upload as a file (Korean)")
    W, b = now.weights()
    assert np.allclose(printed(out, "W ="), W, rtol=1e-6, atol=1e-7)
    assert np.allclose(printed(out, "b ="), b, rtol=1e-6, atol=1e-7)
    assert printed(out, "steps taken:", KO) == 35


# --- The parts ------------------------------------------------------------------------------------


def test_record_merges_runs_that_carry_on_and_the_plan_stops_where_the_chain_breaks():
    points = plane.points_from_table(plane.make_preset("blobs", n_points=30))
    sgd = training.TrainSettings("sgd", 0.1)
    segments, now = page_runs(points, training.initial_state(3, 0), [(sgd, 5), (sgd, 5)])
    assert len(segments) == 1 and segments[0].steps == 10
    stopped = training.state_from(*now.weights(), step=now.step)  # a Stop keeps the weights, not the memory
    origin, chain = nb_plane.replay_plan(segments, stopped, data_fingerprint(points.X, points.y))
    assert origin == stopped and chain == []
    origin, chain = nb_plane.replay_plan(segments, now, "other points")
    assert origin == now and chain == []


def test_a_table_file_falls_back_to_utf8_when_its_encoding_cannot_hold_a_cell():
    import pandas as pd

    table = base.TableFile.of(pd.DataFrame({"x": [1.5], "label": ["é ☃"]}), "a/b.csv", "cp949", ",")
    assert (table.name, table.encoding) == ("b.csv", "utf-8") and table.data().decode() == "x,label\n1.5,é ☃\n"


def test_text_literals_read_back_exactly():
    text = 'a,"b ""q""",c\\d\n\t\r\x00\x7f """end"""\n한글\n'
    assert ast.literal_eval(base.text_literal(text)) == text


def test_notebooks_are_valid_and_cite_the_notes():
    X, y = np.array(course.SOFTMAX_X, dtype=np.float32), np.array(course.SOFTMAX_Y)
    notebook = nb_softmax.table_notebook(X, y, 3, sm.TableSettings(), t=KO)
    raw = notebook.to_bytes()
    assert raw.startswith(b"{") and b'"nbformat": 4' in raw
    assert course.NOTES["classifier"].title in notebook.cells[0].source
    korean_text_only(notebook)
    korean_text_only(nb_softmax.mnist_notebook(sm.MnistSettings(), t=KO))
