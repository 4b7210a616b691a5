"""What a rerun that redraws its charts costs, with Altair's defaults and with the app's chart settings (prints figures).

    .venv/bin/python bench/chart_builds.py [--moves 12]

A learner moving a setting gets charts nobody drew before (every W on the sigmoid page is a new
curve), so the chart cache does not help: the chart is built with Altair and converted to
Vega-Lite while the class waits. Altair's defaults validate every chart object as it is made
("debug mode"), turn each shorthand or ``alt.value``/``alt.condition`` into a channel object
through ``from_dict`` and copy every layer's whole object tree several times while layering; the
app turns validation off (``ui.charts``), makes the channel objects itself and copies a layer one
level deep (``engine.present.charts.base.Chart``; ``tests/pages/test_chart_specs.py`` checks the
specs are the same). For each page, the same setting is moved to
``--moves`` new values, alternately with Altair's defaults and with the app's settings (same
process, interleaved, so the machine's noise falls on both), and the median rerun of each is
printed with their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import altair as alt  # noqa: E402
from page_reruns import _loss_steps, _nothing, _plane_500  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from engine.present.charts.base import Chart  # noqa: E402

APP_ENCODE, APP_DEEPCOPY = Chart.encode, Chart.__deepcopy__

# (page, title, set-up, slider key, the values it is moved to: k -> value)
PAGES = [
    ("pages/sigmoid.py", "Sigmoid explorer: W", _nothing, "sig_w", lambda k: round(-4.9 + 0.3 * k, 1)),
    ("pages/losses.py", "Loss comparison: start W", _loss_steps, "loss_w0", None),
    ("pages/softmax_plane.py", "Softmax on a plane (trained): seed", _plane_500, "pln_seed", lambda k: 7 + k),
]


def altair_defaults(on: bool) -> None:
    """Altair as it comes (validation at creation, its own ``encode``) or the app's settings."""
    if on:
        alt.utils.schemapi.enable_debug_mode()
        Chart.encode = alt.Chart.encode
        if "__deepcopy__" in vars(Chart):
            del Chart.__deepcopy__
    else:
        alt.utils.schemapi.disable_debug_mode()
        Chart.encode, Chart.__deepcopy__ = APP_ENCODE, APP_DEEPCOPY


def widget(at: AppTest, key: str):
    """The slider or number input with ``key``."""
    return at.slider(key=key) if key in {s.key for s in at.slider} else at.number_input(key=key)


def slider_values(at: AppTest, key: str, moves: int) -> list[float]:
    """``2 * moves`` values spread over the slider's range, each on its step."""
    slider = at.slider(key=key)
    span = (slider.max - slider.min) / slider.step
    return [slider.min + round(span * (k + 1) / (2 * moves + 1)) * slider.step for k in range(2 * moves)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=12, help="new values per page and mode")
    args = parser.parse_args()
    print(f"{'page: setting moved':<40} {'Altair defaults':>16} {'app settings':>13} {'ratio':>7}")
    for path, title, setup, key, values in PAGES:
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600)
        at.query_params["lang"] = "en"
        at.switch_page(path).run()
        setup(at)
        moved = [values(k) for k in range(2 * args.moves)] if values else slider_values(at, key, args.moves)
        times: dict[bool, list[float]] = {True: [], False: []}
        for k, value in enumerate(moved):
            defaults = k % 2 == 0
            altair_defaults(defaults)
            moving = widget(at, key)
            start = time.process_time()
            moving.set_value(value).run()
            times[defaults].append(time.process_time() - start)
            if at.exception:
                raise RuntimeError(at.exception[0].value)
        altair_defaults(False)
        a, b = statistics.median(times[True]), statistics.median(times[False])
        print(f"{title:<40} {a * 1000:>13.0f} ms {b * 1000:>10.0f} ms {a / b:>6.1f}×", flush=True)


if __name__ == "__main__":
    main()
