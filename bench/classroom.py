"""A class of learners against the served app, at the websocket level (no browsers): latencies, CPU, memory.

    .venv/bin/python bench/classroom.py --learners 10 --seconds 60 [--arrival 10] [--seed 1]
    .venv/bin/python bench/classroom.py --learners 10 --seconds 60 --hog          # plus one heavy user
    .venv/bin/python bench/classroom.py --learners 10 --seconds 60 --compare-hog  # both, and the ratio
    .venv/bin/python bench/classroom.py --url http://host:8501 [--pid 1234] ...   # an app served elsewhere
    .venv/bin/python bench/classroom.py --learners 40 --seconds 120 --room        # the teacher's room
    .venv/bin/python bench/classroom.py --learners 40 --replicas 2 --ray           # two replicas, runs on Ray

Each learner is one ``bench.ws_client.Tab`` (Streamlit's own protocol: BackMsg up, ForwardMsg down, fragment
timers run like a browser's) following a seeded script with think times: open a page from a link, move a
setting, press Train and wait for the result, switch pages. 20 headless browsers would saturate two cores
and measure the browsers; these tabs cost the client little. Between two actions a learner thinks 5–15 s
(``--think``: reading what the page shows before the next move); ``--think 2 6`` is a stress pace.

Without ``--url`` it serves the app itself (``streamlit run`` on a free port, as shared deployments do: no
file watcher, fast reruns), on ``data/MNIST`` when present, else on a tiny stand-in written to a temp
folder, and samples the server's RSS and CPU times from /proc (children included) every 0.2 s. Before the
class arrives it opens sessions one at a time and reports the server CPU of a fresh session's first page.

Printed: per action count, p50, p95 and max seconds; Train outcomes (result, refused by the app, no
result, timeout); server CPU and peak RSS; the app's exceptions (counted as errors). The last line:
``classroom: N learners, p95 rerun X s, p95 first paint Y s, p95 MNIST result Z s, RSS peak W MB``.

With ``--replicas N`` it serves N apps and learner i uses replica i mod N (a load balancer with sticky sessions);
with ``--ray`` it also starts a Ray head of 2 CPUs on 127.0.0.1 (``bench/ray_head.py``) and every replica trains
on it. CPU and RSS are then of all of them together (head, workers and replicas): on one 2-core machine these
figures show what the cluster path costs, not a speed-up.

With ``--room`` the class is a class room instead (``bench/classroom_room.py``): a teacher opens a room and
keeps its live view open while every learner joins it and answers the sigmoid page's checkpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from ray_head import free_port, ray_head  # noqa: E402
from ws_client import Tab  # noqa: E402

# Where a learner goes: (url path, link query); ``{s}`` is a seed no other learner uses.
PRESETS = ["table_6x2", "hours_001", "hours_000", "exam", "table_6x3"]
VISITS = ["logistic", "mnist", "losses", "plane", "sigmoid", "upload"]  # learner i starts at VISITS[i % 6]
WEIGHTS = [3, 3, 2, 2, 1, 1]
PATHS = {"logistic": "logistic", "mnist": "softmax", "losses": "losses", "plane": "softmax_plane", "sigmoid": "sigmoid"}
PATHS["upload"] = "logistic"
PATHS["start"] = ""  # the start page, the app's default
REFUSAL = ("may take at most", "every trainer is busy", "the most this app queues", "refused", "press train again")
MARKERS = {"logistic": "training accuracy", "upload": "training accuracy", "mnist": "test accuracy", "plane": None}


def link(visit: str, seed: int, rng: random.Random) -> str:
    return {
        "logistic": f"lang=en&preset={rng.choice(PRESETS)}&seed={seed}",
        "mnist": f"lang=en&tab=mnist&m_seed={seed}",
        "losses": "lang=en&steps=10",
        "plane": "lang=en",
        "sigmoid": "lang=en",
        "start": "lang=en",
        "upload": "lang=en&source=upload",
    }[visit]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


# --- the server --------------------------------------------------------------------------------------


class ProcSampler(threading.Thread):
    """RSS and CPU seconds of processes and their children (from /proc), every ``every`` seconds."""

    def __init__(self, *pids: int, every: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pids, self.every = list(pids), every
        self.rss_peak = 0
        self._stop_flag = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _tree(self) -> list[int]:
        parents: dict[int, list[int]] = defaultdict(list)
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                    parents[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry))
                except (OSError, IndexError, ValueError):
                    continue
        out, todo = [], list(self.pids)
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(parents.get(pid, []))
        return out

    def sample(self) -> tuple[float, int]:
        """(CPU seconds, RSS bytes) of the tree now (CPU of children it reaped included)."""
        cpu, rss = 0.0, 0
        for pid in self._tree():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self._page
            except (OSError, IndexError, ValueError):
                continue
            cpu += sum(int(f) for f in fields[11:15]) / self._tick  # utime stime cutime cstime
        self.rss_peak = max(self.rss_peak, rss)
        return cpu, rss

    def cpu(self) -> float:
        return self.sample()[0]

    def run(self) -> None:
        while not self._stop_flag.wait(self.every):
            self.sample()

    def stop(self) -> None:
        self._stop_flag.set()


def mnist_data_dir() -> tuple[dict[str, str], str]:
    """The environment for the server's MNIST, and words for it."""
    from engine.data.mnist import DATA_ENV

    own = os.environ.get(DATA_ENV)
    root = Path(own) if own else ROOT / "data"
    if (root / "MNIST" / "raw").is_dir():
        return {}, f"MNIST from {root / 'MNIST' / 'raw'}"
    from engine.data.samples import write_tiny_mnist

    tmp = Path(tempfile.mkdtemp(prefix="classroom-mnist-"))
    write_tiny_mnist(tmp, n_train=600, n_test=200)
    return {DATA_ENV: str(tmp)}, f"tiny MNIST stand-in (600 + 200 images, no data/MNIST/raw) in {tmp}"


def start_server(
    log_path: Path, options: list[str], extra_env: dict | None = None
) -> tuple[subprocess.Popen, str, str]:
    port = free_port()
    env, data = mnist_data_dir()
    rooms = log_path.parent / "data"  # the class rooms' SQLite file: a temp folder, never the working directory
    rooms.mkdir(exist_ok=True)
    env["LOGITLAB_DATA_DIR"] = str(rooms)
    env.update(extra_env or {})
    cmd = [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true", "--runner.fastReruns", "true"]
    cmd += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    cmd += [f"--{option}" for option in options]  # --option runner.postScriptGC=false: --runner.postScriptGC=false
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url, data
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    raise SystemExit(f"streamlit did not answer on {url} within 120 s:\n{log_path.read_text()}")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()  # by its PID
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


# --- the class ---------------------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.outcomes: Counter = Counter()
        self.errors: list[str] = []
        self.skipped: Counter = Counter()
        self.wall = 0.0


class Learner:
    """One learner: a seeded script of visits, each opened from a link (a new tab) or the sidebar."""

    def __init__(self, n: int, args, stats: Stats, deadline: float, rng: random.Random, tag: str = "") -> None:
        self.n, self.args, self.stats, self.deadline, self.rng = n, args, stats, deadline, rng
        self.tag = tag  # "hog:" for the hog's figures, kept apart from the class's
        self.tab: Tab | None = None
        self.seeds = iter(range(10_000 + 1000 * n, 11_000 + 1000 * n))

    def record(self, action: str, seconds: float) -> None:
        self.stats.times[self.tag + action].append(seconds)

    async def think(self) -> None:
        low, high = self.args.think
        await asyncio.sleep(self.rng.uniform(low, high))

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    async def open(self, path: str, query: str) -> Tab:
        await self.close()
        self.tab = Tab(self.args.urls[self.n % len(self.args.urls)], timeout=self.args.timeout)  # replicas in turn
        self.record("first paint", await self.tab.open(path, query))
        return self.tab

    async def close(self) -> None:
        if self.tab is not None:
            self.stats.errors.extend(self.tab.errors)
            await self.tab.close()
            self.tab = None

    async def run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        visit = VISITS[self.n % len(VISITS)]
        first = True
        try:
            while self.time_left():
                try:
                    await self.visit(visit, by_link=first or self.rng.random() < 0.3)
                except LookupError as exc:  # the page has changed: say so, do not count it as the app's error
                    self.stats.skipped[str(exc)[:160]] += 1
                except Exception as exc:
                    self.stats.errors.append(f"learner {self.n} on {visit}: {type(exc).__name__}: {exc}")
                    await self.close()
                first = False
                visit = self.rng.choices(VISITS, WEIGHTS)[0]
                await self.think()
        finally:
            await self.close()

    async def visit(self, visit: str, by_link: bool) -> None:
        seed = next(self.seeds)
        if by_link or self.tab is None:
            tab = await self.open(PATHS[visit], link(visit, seed, self.rng))
        else:
            tab = self.tab
            self.record("page switch", await tab.switch(PATHS[visit]))
        await self.think()
        await getattr(self, f"on_{visit}")(tab, seed, by_link)

    async def rerun(self, coro) -> None:
        self.record("rerun", await coro)

    async def train(self, tab: Tab, kind: str, button: str = "Train") -> str:
        """Press ``button`` and wait until the page shows no running job; the outcome, timed per kind."""
        before = set(tab.alerts())
        t0 = time.perf_counter()
        self.record("Train press → page", await tab.press(button))
        if not await tab.wait_for(lambda: not tab.busy, self.args.timeout):
            outcome = "timeout"
            self.stats.errors.append(f"learner {self.n}: no {kind} result within {self.args.timeout:.0f} s")
        else:
            new = [a.lower() for a in tab.alerts() if a not in before]
            marker = MARKERS[kind]
            shown = marker is None or any(k.lower().startswith(marker) for k in tab.metrics())
            if any(word in a for a in new for word in REFUSAL):
                outcome = "refused"
            else:
                outcome = "result" if shown else "no result"
        seconds = time.perf_counter() - t0
        self.stats.outcomes[f"{self.tag}{kind}: {outcome}"] += 1
        if outcome == "result":
            self.record(f"result {kind}", seconds)
        return outcome

    # --- what a learner does on each page ---------------------------------------------------------

    async def on_logistic(self, tab: Tab, seed: int, by_link: bool) -> None:
        if not by_link:
            preset = tab.find("Preset from the course notes")
            if preset is not None:
                await self.rerun(tab.set(preset.label, self.rng.choice(list(preset.proto.options))))
        epochs = tab.find("Epochs") or tab.find("Most iterations")
        label = epochs.label if epochs is not None else "Epochs"
        await self.rerun(tab.set(label, self.rng.choice([300, 500, 1000, 2000]) + self.n))  # distinct per learner
        await self.think()
        if self.time_left():
            await self.train(tab, "logistic")

    async def on_upload(self, tab: Tab, seed: int, by_link: bool) -> None:
        from engine.data.samples import big_csv

        if tab.find("Upload a CSV", ("file_uploader",)) is None:
            await self.rerun(tab.set("Where the table comes from", "Upload a CSV"))
        data = big_csv(rows=self.rng.choice([200, 500, 2000]), cols=4, seed=seed)
        self.record("upload", await tab.upload("Upload a CSV", f"class_{seed}.csv", data))
        await self.think()
        if self.time_left():
            await self.train(tab, "upload")

    async def on_mnist(self, tab: Tab, seed: int, by_link: bool) -> None:
        if tab.find("Batch size") is None:
            await self.rerun(tab.select_tab("MNIST"))
        if not by_link:
            await self.rerun(tab.set("Seed", seed))
        await self.rerun(tab.set("Epochs", self.rng.choice([3, 5, 10, 15])))
        await self.think()
        if self.time_left():
            await self.train(tab, "mnist")

    async def on_losses(self, tab: Tab, seed: int, by_link: bool) -> None:
        await self.rerun(tab.set("Start W", self.slider_value(tab, "Start W")))
        await self.think()
        await self.rerun(tab.press("10 steps"))

    async def on_plane(self, tab: Tab, seed: int, by_link: bool) -> None:
        await self.rerun(tab.set("Learning rate", self.rng.choice([0.05, 0.1, 0.3, 0.5]) + self.n / 1000))
        await self.think()
        run = next((n.label for n in tab.widgets(("button",)) if n.label.startswith("Run ")), "Run")
        if self.time_left():
            await self.train(tab, "plane", run)

    async def on_sigmoid(self, tab: Tab, seed: int, by_link: bool) -> None:
        for label in ("W (weight", "b (bias"):
            await self.rerun(tab.set(label, self.slider_value(tab, label)))
            await self.think()

    def slider_value(self, tab: Tab, label: str) -> float:
        node = tab.find(label, ("slider",))
        if node is None:
            raise LookupError(f"no slider {label!r} on /{tab.path}")
        p = node.proto
        steps = int(round((p.max - p.min) / p.step)) if p.step else 100
        return p.min + self.rng.randint(0, steps) * (p.step or (p.max - p.min) / 100)


class Hog(Learner):
    """The heaviest use the logistic page allows: a 100,000-row upload, SGD, 100,000 epochs, in four tabs with four
    seeds; halves the epochs whenever the app refuses the run (its work limit)."""

    async def run(self, delay: float) -> None:
        from engine.data.samples import big_csv

        self.table = await asyncio.to_thread(big_csv)  # 100,000 × 10, 7.6 MB
        await asyncio.gather(*(self.one_tab(k) for k in range(4)))

    async def one_tab(self, k: int) -> None:
        me = Learner(self.n * 10 + k, self.args, self.stats, self.deadline, random.Random(k), tag="hog: ")
        try:
            tab = await me.open("logistic", "lang=en&source=upload")
            try:
                me.record("upload", await tab.upload("Upload a CSV", "hog.csv", self.table))
            except (LookupError, RuntimeError) as exc:  # no upload: the notes' 6×2 table through a link
                self.stats.skipped[f"hog upload: {exc}"[:160]] += 1
                tab = await me.open("logistic", f"lang=en&preset=table_6x2&optimizer=sgd&epochs=100000&seed={k}")
            for label, value in (("Optimizer", "SGD"), ("Initial W and b", "random (PyTorch default, seeded)")):
                if tab.find(label) is not None:
                    await me.rerun(tab.set(label, value))
            await me.rerun(tab.set("Seed", 1000 + k))
            epochs = 100_000
            while me.time_left():
                await me.rerun(tab.set("Epochs", epochs))
                if await me.train(tab, "logistic") != "refused" or epochs < 100:
                    break
                epochs //= 2
            print(f"hog tab {k}: {epochs:,} epochs", flush=True)
        except LookupError as exc:
            self.stats.skipped[f"hog: {exc}"[:160]] += 1
        except Exception as exc:
            self.stats.errors.append(f"hog tab {k}: {type(exc).__name__}: {exc}")
        finally:
            await me.close()


async def fresh_sessions(args, sampler: ProcSampler | None) -> tuple[list[tuple[str, float, float]], list[str]]:
    """Each link page once to warm it, then once more in a fresh session: [(page, server CPU s, wall s)], errors.
    (Measured on the first replica; the others get one warm visit, as the first has.)"""
    out, errors = [], []
    for url in args.urls[1:]:
        tab = Tab(url, timeout=args.timeout)
        await tab.open(PATHS["start"], "")
        errors.extend(tab.errors)
        await tab.close()
    for visit in ("start", "sigmoid", "logistic", "losses", "mnist", "plane"):
        for measured in (False, True):
            tab = Tab(args.url, timeout=args.timeout)
            cpu0 = sampler.cpu() if sampler else 0.0
            wall = await tab.open(PATHS[visit], link(visit, 999, random.Random(0)))
            cpu = sampler.cpu() - cpu0 if sampler else float("nan")
            errors.extend(tab.errors)
            await tab.close()
            if measured:
                out.append((f"/{PATHS[visit]}", cpu, wall))
            await asyncio.sleep(0.3)
    return out, errors


async def run_class(args, sampler: ProcSampler | None, hog: bool) -> Stats:
    stats = Stats()
    start = time.monotonic()
    deadline = start + args.seconds
    rng = random.Random(args.seed)
    learners = [Learner(i, args, stats, deadline, random.Random(args.seed * 1000 + i)) for i in range(args.learners)]
    delays = sorted(rng.uniform(0, args.arrival) for _ in learners)
    tasks = [asyncio.create_task(learner.run(delay)) for learner, delay in zip(learners, delays, strict=True)]
    if hog:
        tasks.append(asyncio.create_task(Hog(args.learners, args, stats, deadline, random.Random(-1)).run(0)))
    await asyncio.gather(*tasks)
    stats.wall = time.monotonic() - start
    return stats


def report(args, stats: Stats, cpu: float, rss_peak: int, client_cpu: float, hog: bool) -> str:
    print(f"\n{'action':<32}{'count':>6}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for action in sorted(stats.times, key=lambda a: (a.startswith("hog"), a)):
        values = stats.times[action]
        print(f"{action:<32}{len(values):>6}{pct(values, 50):>9.2f}{pct(values, 95):>9.2f}{max(values):>9.2f}")
    print("Train outcomes: " + (", ".join(f"{k} {v}" for k, v in sorted(stats.outcomes.items())) or "none"))
    rss_text = f"{rss_peak / 2**20:.0f} MB" if rss_peak else "n/a"
    print(
        f"server: {cpu:.1f} s CPU over {stats.wall:.0f} s ({cpu / stats.wall:.2f} cores), RSS peak {rss_text}; "
        f"this client: {client_cpu:.1f} s CPU"
    )
    for text, count in stats.skipped.most_common(8):
        print(f"skipped ({count}×, the page differs from the script): {text}")
    print(f"errors: {len(stats.errors)}")
    for text in stats.errors[:20]:
        print(f"  error: {text}")
    results = [v for a, vs in stats.times.items() if a.startswith("result") for v in vs]
    if hog:
        late = sum(v for k, v in stats.outcomes.items() if not k.startswith("hog") and k.endswith("timeout"))
        print(
            f"others, with the hog: p95 time to result {pct(results, 95):.2f} s ({len(results)} results, {late} timeouts)"
        )

    def fmt(values: list[float]) -> str:
        return f"{pct(values, 95):.2f}" if values else "n/a"

    return (
        f"classroom: {args.learners} learners, p95 rerun {fmt(stats.times['rerun'])} s, p95 first paint "
        f"{fmt(stats.times['first paint'])} s, p95 MNIST result {fmt(stats.times['result mnist'])} s, "
        f"RSS peak {f'{rss_peak / 2**20:.0f}' if rss_peak else 'n/a'} MB"
    )


def one_run(args, hog: bool) -> tuple[str, list[float]]:
    """Serve (unless --url), measure fresh sessions, run the class; the final line and the others' results."""
    procs, sampler, stack = [], None, contextlib.ExitStack()
    if args.given_url is None:
        folder = Path(tempfile.mkdtemp(prefix="classroom-"))
        env = {}
        if args.ray:  # a Ray head of 2 CPUs here; every replica's runs go to it (engine.runtime.cluster)
            token = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(16)}
            address, head = stack.enter_context(ray_head({**os.environ, **token}, folder / "ray.log"))
            env = {**token, "LOGITLAB_RAY_ADDRESS": address, "LOGITLAB_RAY_REGISTRY": f"bench-{secrets.token_hex(4)}"}
            procs.append(head)
            print(f"ray: head at {address}, pid {head}, log {folder / 'ray.log'}", flush=True)
        args.urls = []
        for i in range(args.replicas):
            log = folder / f"server-{i + 1}.log"
            proc, url, data = start_server(log, args.option, env)
            stack.callback(stop_server, proc)
            procs.append(proc.pid)
            args.urls.append(url)
            extra = f" with {' '.join(args.option)}" if args.option else ""
            print(f"server: {url}{extra}, pid {proc.pid}, log {log}; {data}", flush=True)
        args.url = args.urls[0]
        pid = None
    else:
        args.url, pid = args.given_url, args.pid
        args.urls = [args.url]
        procs = [pid] if pid else []
        print(f"server: {args.url} (not started here{f', pid {pid}' if pid else ''}); its own MNIST data")
    try:
        if procs:
            sampler = ProcSampler(*procs)
            sampler.start()
        if sampler:
            cpu0 = sampler.cpu()
            time.sleep(2.0)
            print(f"server idle: {(sampler.cpu() - cpu0) / 2:.2f} cores (before any session)")
        fresh, fresh_errors = asyncio.run(fresh_sessions(args, sampler))
        cpus = [c for _, c, _ in fresh]
        print("fresh session, first page (one at a time, after a warm visit): server CPU s / wall s")
        print("  " + "  ".join(f"{page or '/'} {c:.2f}/{w:.2f}" for page, c, w in fresh))
        print(f"  median {pct(cpus, 50):.2f} s CPU per fresh session (target ≤ 0.2 s)", flush=True)
        what = "with the hog" if hog else "without a hog"
        print(f"class: {args.learners} learners, {args.seconds:.0f} s, arrivals over {args.arrival:.0f} s, {what}")
        if sampler:
            sampler.rss_peak = 0
        cpu0, client0 = (sampler.cpu() if sampler else 0.0), time.process_time()
        stats = asyncio.run(run_class(args, sampler, hog))
        stats.errors[:0] = fresh_errors
        if args.given_url is None and any("error" in e.lower() for e in stats.errors):
            print(f"(the app's tracebacks are in {folder})")
        cpu = (sampler.cpu() - cpu0) if sampler else float("nan")
        line = report(args, stats, cpu, sampler.rss_peak if sampler else 0, time.process_time() - client0, hog)
        others = [v for a, vs in stats.times.items() if a.startswith("result") for v in vs]
        return line, others
    finally:
        if sampler:
            sampler.stop()
        stack.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long learners keep starting actions")
    parser.add_argument("--arrival", type=float, default=10.0, help="learners arrive spread over this many seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(5.0, 15.0),
        metavar=("LOW", "HIGH"),
        help="seconds between a learner's actions, drawn uniformly (default 5 15: a learner reads what changed "
        "before the next move; 2 6 is a stress pace, each learner acting every 4 s for the whole run)",
    )
    parser.add_argument("--timeout", type=float, default=240.0, help="longest wait for one run or result")
    parser.add_argument("--url", dest="given_url", help="an app already served (then nothing is started)")
    parser.add_argument(
        "--option", action="append", default=[], metavar="NAME=VALUE", help="a streamlit option for the server"
    )
    parser.add_argument("--pid", type=int, help="with --url: the server's PID, to sample its CPU and RSS")
    parser.add_argument("--replicas", type=int, default=1, help="app servers to start; learners use them in turn")
    parser.add_argument("--ray", action="store_true", help="start a Ray head (2 CPUs) and train every run on it")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--hog", action="store_true", help="one extra learner runs the heaviest logistic work")
    mode.add_argument("--compare-hog", action="store_true", help="the class without, then with the hog")
    mode.add_argument("--room", action="store_true", help="a teacher's room: learners join and answer checkpoints")
    args = parser.parse_args()
    if args.room:
        if args.replicas != 1 or args.ray:
            parser.error("--room runs on one app: leave out --replicas and --ray")
        from classroom_room import room_run

        print(room_run(args), flush=True)
        return
    if args.compare_hog:
        line, plain = one_run(args, hog=False)
        print(line, flush=True)
        line, hogged = one_run(args, hog=True)
        a, b = pct(plain, 95), pct(hogged, 95)
        ratio = f" (×{b / a:.2f})" if a > 0 and b == b else ""
        print(f"others' p95 time to result: {a:.2f} s without the hog, {b:.2f} s with it{ratio}")
    else:
        line, _ = one_run(args, hog=args.hog)
    print(line, flush=True)


if __name__ == "__main__":
    main()
