"""Memory and time of reading one big upload (prints figures; asserts nothing).

    .venv/bin/python bench/upload_memory.py [--mb 49] [--reader new|old|both] [--old-rev e43b28f] [--app]

Makes a numeric CSV of about ``--mb`` MB with :func:`engine.data.samples.big_csv` (10 feature
columns and a 0/1 label), writes it to a temporary file, and reads it in a fresh child process per
reader so that each figure starts clean:

- **before**: the child's RSS with the upload's bytes already in memory (as Streamlit holds them)
  and the reader imported and warmed up on a tiny table;
- **peak**: the highest RSS while ``read_csv_info`` runs (sampled every 10 ms from a thread, and
  ``ru_maxrss``, whichever is higher), less *before*;
- **held**: the RSS once only the DataFrame is kept (the reader's own leftovers freed), less *before*;
- **frame**: what pandas counts for the DataFrame itself (``memory_usage(deep=True)``);
- the seconds ``read_csv_info`` took.

``--reader old`` reads with ``engine/data/upload.py`` as it was at ``--old-rev`` (the decode-to-text,
``csv`` + ``StringIO`` reader), loaded from git into a temporary module. ``--app`` also uploads the
file through the logistic page (AppTest, in a child process) and prints the same figures for one run
of the page with the upload, which includes what the page itself makes of the table. ``--served``
serves the app (``streamlit run``, one server per reader; the old reader is put in place by a
``sitecustomize`` module) and uploads the file from one tab (``bench/ws_client.py``): the server's RSS
before the upload, its peak while the file arrives and the page reads it, and its RSS once the page
has been shown (2 s after the run ended).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

OLD_REV = "e43b28f"  # the last commit with the decode-to-text reader (engine/data/upload.py)
MB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakSampler:
    """The highest RSS seen every ``interval`` seconds while the block runs."""

    def __init__(self, interval: float = 0.01):
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = rss()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def _old_module(rev: str):
    """engine/data/upload.py as it was at commit ``rev`` (or the file at the path ``rev``), as a module."""
    if Path(rev).is_file():
        path = Path(rev)
    else:
        source = subprocess.run(
            ["git", "show", f"{rev}:engine/data/upload.py"], cwd=ROOT, check=True, capture_output=True, text=True
        ).stdout
        path = Path(tempfile.mkdtemp(prefix="old_upload_")) / "old_upload.py"
        path.write_text(source)
    spec = importlib.util.spec_from_file_location("old_upload", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_upload"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def child_reader(reader: str, csv_path: str, old_rev: str) -> dict:
    import pandas as pd  # noqa: F401  (imported before "before", as the app has it)

    if reader == "old":
        module = _old_module(old_rev)
    else:
        from engine.data import upload as module
    module.read_csv_info(b"a,b,label\n1,2.5,yes\n3,4.25,no\n")  # warm: lazy imports and first-call set-up
    raw = Path(csv_path).read_bytes()
    gc.collect()
    before = rss()
    started = time.perf_counter()
    with PeakSampler() as sampler:
        frame, info = module.read_csv_info(raw)
    seconds = time.perf_counter() - started
    peak = max(sampler.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    gc.collect()
    after = rss()
    return {
        "what": f"read_csv_info ({reader})",
        "before": before,
        "peak": peak - before,
        "held": after - before,
        "frame": int(frame.memory_usage(deep=True).sum()),
        "seconds": seconds,
        "shape": list(frame.shape),
        "codec": info.codec,
    }


def child_app(reader: str, csv_path: str, old_rev: str) -> dict:
    from streamlit.testing.v1 import AppTest

    if reader == "old":  # the page calls engine.data.upload.read_csv_info through the module
        from engine.data import upload

        upload.read_csv_info = _old_module(old_rev).read_csv_info

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=600).run()
    at.switch_page("pages/logistic.py").run()
    at.radio(key="log_source").set_value("upload").run()
    at.file_uploader(key="log_upload").set_value(("tiny.csv", b"a,b,label\n1,2.5,1\n3,4.25,0\n", "text/csv")).run()
    raw = Path(csv_path).read_bytes()
    gc.collect()
    before = rss()
    started = time.perf_counter()
    with PeakSampler() as sampler:
        at.file_uploader(key="log_upload").set_value(("big.csv", raw, "text/csv")).run()
    seconds = time.perf_counter() - started
    peak = max(sampler.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    gc.collect()
    after = rss()
    errors = [e.value for e in at.error]
    return {
        "what": f"logistic page with the upload ({reader})",
        "before": before,
        "peak": peak - before,
        "held": after - before,
        "frame": 0,
        "seconds": seconds,
        "shape": [],
        "codec": "; ".join(errors)[:80] if errors else "",
    }


SITECUSTOMIZE = """
import sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from engine.data import upload
from upload_memory import _old_module
upload.read_csv_info = _old_module({rev!r}).read_csv_info
"""


def served(reader: str, csv_path: str, old_rev: str) -> dict:
    """The served app's RSS around one upload on the logistic page (a fresh server per reader)."""
    import asyncio
    import socket
    import urllib.request

    sys.path.insert(0, str(ROOT / "bench"))
    from ws_client import Tab

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ)
    if reader == "old":
        folder = tempfile.mkdtemp(prefix="old_reader_")
        Path(folder, "sitecustomize.py").write_text(
            SITECUSTOMIZE.format(root=str(ROOT), bench=str(ROOT / "bench"), rev=old_rev)
        )
        env["PYTHONPATH"] = folder + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"]
    cmd += ["--browser.gatherUsageStats", "false"]
    fd, log = tempfile.mkstemp(prefix="served_", suffix=".log")
    with os.fdopen(fd, "w") as out:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    statm = Path(f"/proc/{server.pid}/statm")

    def server_rss() -> int:
        return int(statm.read_text().split()[1]) * PAGE

    async def visit() -> dict:
        tab = Tab(url, timeout=600)
        await tab.open("logistic", "lang=en&source=upload")
        await asyncio.sleep(2)
        before = server_rss()
        peak, done = before, False

        async def sample() -> None:
            nonlocal peak
            while not done:
                peak = max(peak, server_rss())
                await asyncio.sleep(0.01)

        sampler = asyncio.create_task(sample())
        data = Path(csv_path).read_bytes()
        seconds = await tab.upload("Upload a CSV", "big.csv", data)
        await asyncio.sleep(2)
        done = True
        await sampler
        after = server_rss()
        shown = [t for t in tab.texts() if "rows ×" in t][:1]
        await tab.close()
        return {
            "what": f"served app, upload on the logistic page ({reader})",
            "before": before,
            "peak": peak - before,
            "held": after - before,
            "frame": 0,
            "seconds": seconds,
            "shape": [],
            "codec": (shown[0] if shown else "; ".join(tab.errors))[:70],
        }

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"streamlit did not start: {Path(log).read_text()[-2000:]}") from None
                time.sleep(0.3)
        return asyncio.run(visit())
    finally:
        server.terminate()  # by its PID
        server.wait(timeout=30)


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"child {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=49.0, help="size of the CSV in MB (MiB)")
    parser.add_argument("--reader", choices=["new", "old", "both"], default="both")
    parser.add_argument(
        "--old-rev", default=OLD_REV, help="commit whose engine/data/upload.py is the old reader (or that file's path)"
    )
    parser.add_argument("--app", action="store_true", help="also upload it through the logistic page (AppTest)")
    parser.add_argument("--served", action="store_true", help="also upload it to the served app (streamlit run)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "app":
            result = child_app(rest[0], rest[1], args.old_rev)
        else:
            result = child_reader(kind, rest[0], args.old_rev)
        print(json.dumps(result))
        return

    from engine.data.samples import big_csv

    per_row = len(big_csv(2000, 10)) / 2000
    rows = int(args.mb * MB / per_row)
    data = big_csv(rows, 10)
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
        f.write(data)
        path = f.name
    try:
        print(f"CSV: {len(data) / MB:.1f} MB, {rows:,} rows x 11 columns (big_csv({rows}, 10))")
        del data
        readers = ["new", "old"] if args.reader == "both" else [args.reader]
        results = [run_child(reader, path, "--old-rev", args.old_rev) for reader in readers]
        if args.app:
            results += [run_child("app", reader, path, "--old-rev", args.old_rev) for reader in readers]
        if args.served:
            results += [served(reader, path, args.old_rev) for reader in readers]
        print(f"{'':52} {'before':>8} {'peak +':>8} {'held +':>8} {'frame':>8} {'seconds':>8}")
        for r in results:
            print(
                f"{r['what']:52} {r['before'] / MB:7.0f}M {r['peak'] / MB:7.0f}M {r['held'] / MB:7.0f}M "
                f"{r['frame'] / MB:7.0f}M {r['seconds']:8.2f}" + (f"  {r['codec']}" if r["codec"] else "")
            )
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
