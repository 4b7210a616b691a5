"""The teacher's room (``bench/classroom.py --room``): a class joins one room and answers checkpoints while the
teacher's live view is open.

    .venv/bin/python bench/classroom.py --learners 40 --seconds 120 --room [--arrival 10] [--think 2 6]

The bench serves the app (its rooms in SQLite in a temp folder) and opens the teacher's tab on ``/classroom``:
it presses "Open a new room", reads the room code, and keeps the view open; the view's fragment polls the
database every 3 s (the tab runs its timer as a browser does). The teacher is alone for a few seconds, then
the learners arrive over ``--arrival`` seconds. Each opens the join link ``/sigmoid?lang=en&room=CODE``,
joins with a nickname through the sidebar form, then answers the page's three checkpoints (a right or a
wrong number) with think times (all of this even past ``--seconds``). Until ``--seconds`` are up they go on as learners do: "Try again" and another
guess, or a move of the W or b slider. Only a checkpoint's first reveal is sent to the room (the app's rule),
so the room gets three guesses from each learner.

Timed, per action: the first paint of the join link; join (the Join press until the sidebar names the room);
commit → reveal (the form's submit until the run showing "Right." or "Not quite." finished), first answers
and later ones apart; Try again; a slider move; the teacher's poll, both its run (the fragment's start to its
end on the server) and asked → drawn (the timer's request until a run that began after it ended); seen by
the teacher: from a learner's first commit until the teacher's view shows the checkpoint's count that
includes it ("N guesses"). The teacher's counts only say how many, so the k-th count is matched to the k-th
commit sent (the order the database got them in may differ by a few milliseconds). Every time is taken
when this client reads the message: on a loaded machine, where it reads a poll's start and end together,
"poll run" shrinks and "asked → drawn" is the figure to trust.

Printed: that table, the teacher's poll by how many guesses it drew, what the teacher's view showed last,
server CPU and peak RSS, the server log's tracebacks and "database is locked", the errors. The last line:
``classroom room: N learners, p95 join X s, p95 answer Y s, p95 teacher poll Z s, p95 seen by teacher W s,
RSS peak V MB``.
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import classroom as base
from ws_client import Tab

ITEMS = ("sig_at_zero", "sig_decision", "sig_steepest")
RIGHT = {"sig_at_zero": 0.5, "sig_decision": 0.0, "sig_steepest": 0.25}  # the model's answers at W = 1, b = 0
WRONG = {"sig_at_zero": [0.0, 1.0, 0.73], "sig_decision": [0.5, 1.0, -1.0], "sig_steepest": [1.0, 0.5, 0.1]}
COUNT = re.compile(r"(\d+) guess(?:es)?, (\d+) right")
CODE = re.compile(r"Room code: \*\*([A-Z0-9-]+)\*\*")
JOINED = "you are **"
GRACE_S = 15.0  # after the class stops: how long the teacher's view may take to show every guess


def titles() -> dict[str, str]:
    """The checkpoints' titles as the teacher's view shows them (English): title -> checkpoint id."""
    from engine.present import course_checks as checks

    return {f"**{checks.BY_ID[item].title}**": item for item in ITEMS}


class Teacher:
    """The teacher's tab: makes the room, then keeps the live view open and reads its counts after each poll."""

    def __init__(self, args, stats: base.Stats) -> None:
        self.args, self.stats = args, stats
        self.tab: Tab | None = None
        self.titles = titles()
        self.commits: dict[str, list[float]] = defaultdict(list)  # per checkpoint: first commits, when sent
        self.seen: dict[str, int] = defaultdict(int)  # per checkpoint: commits matched to a count so far
        self.counts: dict[str, tuple[int, int]] = {}  # per checkpoint: (guesses, right) as last shown
        self.here = ""
        self.by_load: dict[str, list[float]] = defaultdict(list)  # poll run seconds, by the guesses it drew
        self.too_many = 0  # a count above the commits sent (the matching went wrong)

    async def open(self) -> str:
        """Open /classroom, press "Open a new room"; the room code."""
        self.tab = Tab(self.args.url, timeout=self.args.timeout)
        self.stats.times["teacher: first paint"].append(await self.tab.open("classroom", "lang=en"))
        self.stats.times["teacher: open a room"].append(await self.tab.press("room_create"))
        texts = self.tab.texts()
        found = next((m.group(1) for t in texts if (m := CODE.search(t))), None)
        if found is None:
            raise RuntimeError(f"no room code on the teacher's page: {texts[:12]}")
        self.tab.on_finished = self.look
        self.look(self.tab, False)
        return found

    def look(self, tab: Tab, fragment: bool) -> None:
        """After a run of the teacher's page: the counts it shows, and the commits they newly include."""
        now, title, total = time.perf_counter(), None, 0
        for _, node in sorted(tab.nodes.items()):
            if node.kind == "heading" and node.proto.body.startswith("Who is here"):
                self.here = node.proto.body
            elif node.kind == "markdown":
                body = node.proto.body
                if body in self.titles:
                    title = self.titles[body]
                elif title is not None and (m := COUNT.fullmatch(body)):
                    n = int(m.group(1))
                    self.counts[title], total = (n, int(m.group(2))), total + n
                    sent = self.commits[title]
                    for t in sent[self.seen[title] : min(n, len(sent))]:
                        self.stats.times["seen by teacher (commit → count)"].append(now - t)
                    self.seen[title] = max(self.seen[title], min(n, len(sent)))
                    self.too_many += n > len(sent)
                    title = None
        if fragment and tab.fragment_seconds:
            bucket = "0" if total == 0 else f"{(total - 1) // 40 * 40 + 1}-{(total - 1) // 40 * 40 + 40}"
            self.by_load[bucket].append(tab.fragment_seconds[-1])

    def caught_up(self) -> bool:
        return all(self.seen[item] >= len(self.commits[item]) for item in ITEMS)

    async def close(self) -> None:
        if self.tab is not None:
            self.stats.times["teacher: poll run"].extend(self.tab.fragment_seconds)
            self.stats.times["teacher: poll asked → drawn"].extend(self.tab.fragment_waits)
            self.stats.errors.extend(f"teacher: {e}" for e in self.tab.errors)
            await self.tab.close()


class RoomLearner(base.Learner):
    """A learner: the join link, the sidebar's Join, the three sigmoid checkpoints, then more of the same."""

    def __init__(self, n: int, args, stats: base.Stats, deadline: float, rng: random.Random, teacher: Teacher):
        super().__init__(n, args, stats, deadline, rng)
        self.teacher = teacher
        self.answered: set[str] = set()

    async def run(self, delay: float) -> None:
        await asyncio.sleep(delay)
        try:
            tab = await self.open("sigmoid", f"lang=en&room={self.args.room_code}")
            await self.think()
            await self.join(tab)
            for item in ITEMS:  # the whole first pass, even past --seconds: the room gets every learner's guesses
                await self.think()
                await self.answer(tab, item)
            while self.time_left():
                await self.think()
                if self.rng.random() < 0.6:
                    await self.answer(tab, self.rng.choice(ITEMS))
                else:
                    label = self.rng.choice(("W (weight", "b (bias"))
                    self.record("slider move", await tab.set(label, self.slider_value(tab, label)))
        except LookupError as exc:  # the page has changed: say so, do not count it as the app's error
            self.stats.skipped[str(exc)[:160]] += 1
        except Exception as exc:
            self.stats.errors.append(f"learner {self.n}: {type(exc).__name__}: {exc}")
        finally:
            await self.close()

    async def join(self, tab: Tab) -> None:
        if tab.by_key("room_side_name") is None:
            raise LookupError(f"no join form in the sidebar of /{tab.path}?{tab.query}")
        t0 = time.perf_counter()
        await tab.submit("Join", {"room_side_name": f"learner {self.n:02d}"})
        if not await tab.wait_for(lambda: any(JOINED in t for t in tab.texts()), 30):
            raise RuntimeError(f"joined, but the sidebar does not say so: {tab.alerts()}")
        self.record("join (press → sidebar says so)", time.perf_counter() - t0)

    async def answer(self, tab: Tab, item: str) -> None:
        if tab.by_key(f"course_{item}_commit") is None:
            if tab.by_key(f"course_{item}_retry") is None:
                raise LookupError(f"neither a guess form nor Try again for {item} on /{tab.path}")
            self.record("try again", await tab.press(f"course_{item}_retry"))
            await self.think()
        right = self.rng.random() < 0.6
        value = RIGHT[item] if right else self.rng.choice(WRONG[item])
        first = item not in self.answered
        t0 = time.perf_counter()
        if first:
            self.teacher.commits[item].append(t0)
            self.answered.add(item)
        await tab.submit(f"course_{item}_commit", {f"course_{item}_guess": value})
        seconds = time.perf_counter() - t0
        shown = [a for a in tab.alerts() if a.startswith(("Right.", "Not quite."))]
        if tab.by_key(f"course_{item}_retry") is None or not shown:
            warnings = [a for a in tab.alerts() if a not in shown]
            self.stats.errors.append(f"learner {self.n}: no reveal for {item} after its commit ({warnings[:2]})")
            return
        self.record("commit → reveal (first: sent)" if first else "commit → reveal (again)", seconds)


def server_log(log: Path) -> str:
    text = log.read_text(errors="replace")
    locked = text.count("database is locked")
    return f"server log: {text.count('Traceback')} tracebacks, {locked} 'database is locked'"


async def run_room(args, stats: base.Stats, sampler) -> Teacher:
    teacher = Teacher(args, stats)
    try:
        args.room_code = await teacher.open()
        print(f"teacher: room {args.room_code} open, live view polling", flush=True)
        alone = min(6.0, args.seconds / 4)
        await asyncio.sleep(alone / 2)  # the cold server's first page settles (its first run is not the poll's cost)
        cpu0 = sampler.cpu() if sampler else 0.0
        await asyncio.sleep(alone)
        if sampler:
            print(f"teacher alone: {(sampler.cpu() - cpu0) / alone:.2f} cores over {alone:.0f} s", flush=True)
        start = time.monotonic()
        rng = random.Random(args.seed)
        learners = [
            RoomLearner(i, args, stats, start + args.seconds, random.Random(args.seed * 1000 + i), teacher)
            for i in range(args.learners)
        ]
        delays = sorted(rng.uniform(0, args.arrival) for _ in learners)
        await asyncio.gather(*(learner.run(delay) for learner, delay in zip(learners, delays, strict=True)))
        stats.wall = time.monotonic() - start
        if not await teacher.tab.wait_for(teacher.caught_up, GRACE_S):
            missing = {i: len(teacher.commits[i]) - teacher.seen[i] for i in ITEMS}
            stats.errors.append(f"teacher: the view did not show every guess within {GRACE_S:.0f} s: {missing}")
    finally:
        await teacher.close()
    return teacher


def room_run(args) -> str:
    """Serve (unless --url), run the teacher's room; print the figures; the final line."""
    proc, sampler, log = None, None, None
    if args.given_url is None:
        log = Path(tempfile.mkdtemp(prefix="classroom-room-")) / "server.log"
        proc, args.url, _ = base.start_server(log, args.option)
        print(f"server: {args.url}, pid {proc.pid}, log {log}; rooms in {log.parent / 'data'}", flush=True)
        pid = proc.pid
    else:
        args.url, pid = args.given_url, args.pid
        print(f"server: {args.url} (not started here; its own rooms database)")
    args.urls = [args.url]  # one app (--replicas and --ray are for the class without a room)
    try:
        if pid:
            sampler = base.ProcSampler(pid)
            sampler.start()
        print(f"room: {args.learners} learners, {args.seconds:.0f} s, arrivals over {args.arrival:.0f} s", flush=True)
        stats = base.Stats()
        cpu0, client0 = (sampler.cpu() if sampler else 0.0), time.process_time()
        if sampler:
            sampler.rss_peak = 0
        teacher = asyncio.run(run_room(args, stats, sampler))
        cpu = (sampler.cpu() - cpu0) if sampler else float("nan")
        rss = sampler.rss_peak if sampler else 0
        return report(args, stats, teacher, cpu, rss, time.process_time() - client0, log)
    finally:
        if sampler:
            sampler.stop()
        if proc is not None:
            base.stop_server(proc)


def report(args, stats: base.Stats, teacher: Teacher, cpu: float, rss: int, client_cpu: float, log) -> str:
    pct = base.pct
    print(f"\n{'action':<36}{'count':>6}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for action in sorted(stats.times, key=lambda a: (a.startswith("teacher"), a)):
        values = stats.times[action]
        if values:
            print(f"{action:<36}{len(values):>6}{pct(values, 50):>9.2f}{pct(values, 95):>9.2f}{max(values):>9.2f}")
    for bucket, values in sorted(teacher.by_load.items(), key=lambda kv: int(kv[0].split("-")[0])):
        print(
            f"teacher poll run, drawing {bucket} guesses: {len(values)} polls, p50 {pct(values, 50):.2f} s, "
            f"p95 {pct(values, 95):.2f} s"
        )
    shown = ", ".join(f"{item} {n} guesses ({r} right)" for item, (n, r) in sorted(teacher.counts.items()))
    sent = ", ".join(f"{item} {len(teacher.commits[item])}" for item in ITEMS)
    print(f"teacher's view last: {teacher.here or 'no class list'}; {shown or 'no guesses'}")
    print(f"first answers sent: {sent}" + (f"; {teacher.too_many} counts above those sent" if teacher.too_many else ""))
    wall = stats.wall or float("nan")
    rss_text = f"{rss / 2**20:.0f} MB" if rss else "n/a"
    print(
        f"server: {cpu:.1f} s CPU over {wall:.0f} s ({cpu / wall:.2f} cores), RSS peak {rss_text}; "
        f"this client: {client_cpu:.1f} s CPU"
    )
    if log is not None:
        print(server_log(log) + f" ({log})")
    for text, count in stats.skipped.most_common(8):
        print(f"skipped ({count}×, the page differs from the script): {text}")
    print(f"errors: {len(stats.errors)}")
    for text in stats.errors[:20]:
        print(f"  error: {text}")

    def p95(*actions: str) -> str:
        values = [v for a in actions for v in stats.times.get(a, [])]
        return f"{pct(values, 95):.2f}" if values else "n/a"

    return (
        f"classroom room: {args.learners} learners, p95 join {p95('join (press → sidebar says so)')} s, "
        f"p95 answer {p95('commit → reveal (first: sent)', 'commit → reveal (again)')} s, "
        f"p95 teacher poll {p95('teacher: poll run')} s, p95 seen by teacher {p95('seen by teacher (commit → count)')} s, "
        f"RSS peak {f'{rss / 2**20:.0f}' if rss else 'n/a'} MB"
    )
