"""How long a link with many steps takes to open on the loss page, in a first and a second session (prints figures;
asserts nothing).

    .venv/bin/python bench/losses_link.py [--steps 2000] [--sessions 3]

``/losses?steps=2000`` replays 2,000 gradient steps of each loss from the link's start (``pages/losses.py``).
Each session is a fresh AppTest of the whole app in this one process, so they share the app's caches as the
sessions of one server do. The app is opened once on the start page first, so that the imports are not counted
in the first session. The first session computes the paths; every later one should find them computed
(``ui.cache.gd_path``). The last row opens the page without ``steps`` for comparison.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

# AppTest runs each script outside a server: Streamlit warns about that once a session, not worth reading here
logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
    lambda record: "missing ScriptRunContext" not in record.getMessage()
)

APP = str(ROOT / "streamlit_app.py")
PAGE = "pages/losses.py"


def open_once(query: dict) -> float:
    """Seconds from a new session's first run to the page drawn (the link applied, its steps taken)."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.query_params = dict(query)
    at.switch_page(PAGE)
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].value)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=3)
    args = parser.parse_args()

    warm = AppTest.from_file(APP, default_timeout=300)
    warm.run()  # imports, the start page: nothing of the loss page is computed yet

    query = {"steps": str(args.steps), "lang": "en"}
    print(f"/losses?steps={args.steps}, each session a new AppTest in one process (shared caches):")
    for i in range(1, args.sessions + 1):
        print(f"  session {i}: {open_once(query):6.2f} s")
    print(f"  without steps (for comparison): {open_once({'lang': 'en'}):6.2f} s")


if __name__ == "__main__":
    main()
