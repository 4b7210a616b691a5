"""Warm rerun time of every page through AppTest (prints figures; asserts nothing).

    .venv/bin/python bench/page_reruns.py [--reruns 20]

For each page: open the app, switch to the page, run any set-up (for example a training
run, so that the warm rerun redraws real results), then time ``--reruns`` plain reruns and
print the median and the best. "Warm" means the script is re-executed with every cache
already filled, which is what happens whenever a learner moves an unrelated widget.
The baseline row times a rerun of an app that only imports streamlit and writes one line,
measured in the same process, so the page figures can be read as a ratio over that overhead.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402


def _nothing(at: AppTest) -> None:
    pass


def _train(at: AppTest, key: str) -> None:
    """Press a Train button and let its job finish (the page's progress panel would rerun it then)."""
    from ui.cache import job_runner

    at.button(key=key).click().run()
    job_runner().wait_idle(600)
    at.run()


def _logistic_trained(at: AppTest) -> None:
    """Train the default preset (the notes' 6×2 table), so the rerun redraws every result."""
    _train(at, "log_train")


def _logistic_100k(at: AppTest) -> None:
    """Upload a 100,000 × 10 CSV (the one bench/logistic_epochs.py times) and train 200 epochs on it."""
    from engine.data.samples import big_csv

    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value(("big.csv", big_csv(), "text/csv")).run()
    at.number_input(key="log_epochs").set_value(200).run()
    _train(at, "log_train")


def _loss_steps(at: AppTest) -> None:
    """Loss comparison: take 30 steps from the plateau demo start, so both paths and tables are drawn."""
    for _ in range(3):
        at.button(key="loss_step_10").click().run()


def _softmax_table(at: AppTest) -> None:
    _train(at, "smx_t_train")


def _softmax_mnist(at: AppTest) -> None:
    from engine.data import mnist

    if not mnist.has_mnist():
        from engine.data.samples import write_tiny_mnist

        missing = mnist.raw_folder(mnist.default_root())
        tiny = write_tiny_mnist(Path(tempfile.mkdtemp(prefix="bench-mnist-")), n_train=600, n_test=200)
        os.environ[mnist.DATA_ENV] = str(tiny)
        atexit.register(shutil.rmtree, tiny, True)
        print(
            f"(no MNIST in {missing}: the MNIST tab row uses a tiny stand-in; `python -m engine.data.mnist` fetches it)"
        )
    at.session_state["smx_tab"] = "MNIST"
    at.run()
    _train(at, "smx_m_train")


def _plane_500(at: AppTest) -> None:
    """Softmax on a plane: 500 points (blobs, 3 classes) and a Run of 300 steps, so the trained regions are drawn."""
    at.number_input(key="pln_points").set_value(500).run()
    at.toggle(key="pln_slow").set_value(False).run()
    _train(at, "pln_run")


# (page path for switch_page, title, set-up run before timing)
PAGES = [
    ("pages/sigmoid.py", "Sigmoid explorer", _nothing),
    ("pages/logistic.py", "Logistic regression (6×2, trained)", _logistic_trained),
    ("pages/logistic.py", "Logistic regression (100k×10 CSV)", _logistic_100k),
    ("pages/losses.py", "Loss comparison (30 steps taken)", _loss_steps),
    ("pages/softmax.py", "Softmax & MNIST: small table", _softmax_table),
    ("pages/softmax.py", "Softmax & MNIST: MNIST tab", _softmax_mnist),
    ("pages/softmax_plane.py", "Softmax on a plane (500, trained)", _plane_500),
]


def time_reruns(at: AppTest, reruns: int) -> list[float]:
    times = []
    for _ in range(reruns):
        start = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(at.exception[0].value)
    return times


def baseline(reruns: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "baseline_app.py"
        script.write_text('import streamlit as st\nst.write("hello")\n')
        at = AppTest.from_file(str(script), default_timeout=60).run()
        return time_reruns(at, reruns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=20)
    args = parser.parse_args()

    base = baseline(args.reruns)
    base_median = statistics.median(base)
    print(f"{'page':<34} {'cold run':>9} {'warm median':>12} {'warm best':>10} {'x baseline':>11}")
    print(
        f"{'(baseline: one st.write)':<34} {'':>9} {base_median * 1000:>10.1f}ms {min(base) * 1000:>8.1f}ms {1:>11.1f}"
    )
    for path, title, setup in PAGES:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        start = time.perf_counter()
        at.run()
        at.switch_page(path).run()
        setup(at)
        cold = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{title}: {at.exception[0].value}")
        times = time_reruns(at, args.reruns)
        med = statistics.median(times)
        print(f"{title:<34} {cold:>8.2f}s {med * 1000:>10.1f}ms {min(times) * 1000:>8.1f}ms {med / base_median:>11.1f}")


if __name__ == "__main__":
    main()
