"""engine.runtime.jobs and engine.runtime.threads: join, queue, stop, failure, thread isolation, the bounded store."""

from __future__ import annotations

import pickle
import threading
import time
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from engine.runtime import jobs
from engine.runtime.lru import LruStore
from engine.runtime.runs import Limits, RunRefused, RunSpec, approx_bytes
from engine.runtime.threads import intraop_threads, process_default_threads


def gated(gate: threading.Event, value="done", epochs: int = 3):
    """A job function that reports ``epochs`` epochs, then waits for ``gate`` and returns ``value``."""

    def fn(report):
        for k in range(epochs):
            report(k, {"loss": 1.0 / (k + 1)})
        assert gate.wait(10)
        return value

    return fn


@pytest.fixture
def runner():
    r = jobs.JobRunner(workers=1, keep=3)
    yield r
    r.close()


def test_same_key_joins_one_run(runner):
    gate = threading.Event()
    calls = []

    def fn(report):
        calls.append(1)
        return gated(gate)(report)

    a = runner.submit(("k", 1), fn, watcher="alice", total=3)
    b = runner.submit(("k", 1), fn, watcher="bob", total=3)
    assert a is b and a.watchers == {"alice", "bob"}
    gate.set()
    assert a.wait(10) and a.status == jobs.DONE and a.result == "done"
    # a finished job is joined too, from the shared store
    c = runner.submit(("k", 1), fn, watcher="carol")
    assert c is a and calls == [1]
    assert runner.counts["submitted"] == 1 and runner.counts["joined"] == 2 and runner.counts["started"] == 1


def test_progress_is_readable_while_it_runs(runner):
    gate = threading.Event()
    job = runner.submit("p", gated(gate, epochs=4), watcher="w", total=4)
    deadline = time.monotonic() + 10
    while job.progress().epoch != 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    progress = job.progress()
    assert progress.status == jobs.RUNNING and not progress.finished
    assert [row["epoch"] for row in progress.history] == [0, 1, 2, 3]
    assert progress.history[1]["loss"] == 0.5 and progress.fraction == 1.0
    gate.set()
    job.wait(10)
    assert job.progress().fraction == 1.0 and job.progress().seconds > 0


def test_more_jobs_than_workers_queue_in_order(runner):
    gate = threading.Event()
    first = runner.submit("a", gated(gate), watcher="w")
    second = runner.submit("b", gated(gate), watcher="w")
    third = runner.submit("c", gated(gate), watcher="w")
    deadline = time.monotonic() + 10
    while first.status != jobs.RUNNING and time.monotonic() < deadline:
        time.sleep(0.01)
    assert runner.running() == 1
    assert (runner.ahead(first), runner.ahead(second), runner.ahead(third)) == (0, 0, 1)
    assert second.status == third.status == jobs.QUEUED
    gate.set()
    assert runner.wait_idle(10)
    assert [j.status for j in (first, second, third)] == [jobs.DONE] * 3


def test_stop_by_the_only_watcher_stops_the_run(runner):
    gate = threading.Event()

    def fn(report):
        k = 0
        while True:  # reports until it is stopped
            report(k, {"loss": 0.0})
            k += 1
            time.sleep(0.001)

    job = runner.submit("s", fn, watcher="alice")
    while job.progress().epoch is None:
        time.sleep(0.01)
    assert runner.stop(job, "alice") is True
    assert job.wait(10) and job.status == jobs.STOPPED
    assert job.result is None and runner.find("s") is None  # a stopped run is not kept
    gate.set()


def test_stop_by_one_of_two_watchers_goes_on_for_the_other(runner):
    gate = threading.Event()
    job = runner.submit("shared", gated(gate), watcher="alice")
    runner.submit("shared", gated(gate), watcher="bob")
    assert runner.stop(job, "alice") is False
    assert not job.stop_requested
    gate.set()
    assert job.wait(10) and job.status == jobs.DONE and job.watchers == {"bob"}


def test_a_queued_job_stopped_before_it_starts_never_runs(runner):
    gate = threading.Event()
    ran = []
    busy = runner.submit("busy", gated(gate), watcher="w")
    waiting = runner.submit("waiting", lambda report: ran.append(1), watcher="w")
    assert runner.stop(waiting, "w") is True
    assert waiting.status == jobs.STOPPED and waiting.finished
    gate.set()
    assert runner.wait_idle(10)
    assert ran == [] and busy.status == jobs.DONE


def test_asking_again_after_a_stop_starts_a_fresh_run(runner):
    release = threading.Event()

    def slow(report):
        for k in range(10_000):
            report(k, {})
            release.wait(0.001)
        return "finished"

    first = runner.submit("again", slow, watcher="w")
    while first.progress().epoch is None:
        time.sleep(0.01)
    runner.stop(first, "w")
    second = runner.submit("again", lambda report: "fresh", watcher="w")
    assert second is not first
    assert second.wait(10) and second.result == "fresh"
    assert first.status == jobs.STOPPED


def test_an_exception_becomes_the_jobs_error(runner, caplog):
    def boom(report):
        report(0, {"loss": 1.0})
        raise ValueError("the data is bad")

    job = runner.submit("boom", boom, watcher="w")
    assert job.wait(10) and job.status == jobs.FAILED
    assert isinstance(job.error, ValueError) and str(job.error) == "the data is bad"
    assert job.progress().error is job.error
    assert "training job 'boom' failed" in caplog.text
    # a failed run is not kept: asking again runs it again
    again = runner.submit("boom", lambda report: "ok now", watcher="w")
    assert again is not job and again.wait(10) and again.result == "ok now"


def test_finished_jobs_live_in_a_bounded_store(runner):
    for k in range(5):
        runner.submit(k, lambda report, k=k: k, watcher="w").wait(10)
    assert runner.find(0) is None and runner.find(1) is None  # keep=3: the oldest two went
    assert [runner.find(k).result for k in (2, 3, 4)] == [2, 3, 4]


def test_history_stays_bounded():
    r = jobs.JobRunner(workers=1, max_history=100)
    try:
        job = r.submit("long", lambda report: [report(k, {"loss": k}) for k in range(1000)] and "ok", watcher="w")
        assert job.wait(10)
        history = job.progress().history
        assert len(history) <= 100 and history[0]["epoch"] == 0 and history[-1]["epoch"] > 900
    finally:
        r.close()


def test_lru_store_order_and_bound():
    store = LruStore(2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # now the newest
    store.put("c", 3)
    assert store.keys() == ["a", "c"] and store.get("b") is None and len(store) == 2
    with pytest.raises(ValueError):
        LruStore(0)


# --- threads ------------------------------------------------------------------------------


def test_a_job_gets_its_own_thread_count_and_nobody_else_does():
    default = process_default_threads()
    if default < 2:
        pytest.skip("needs a default of at least 2 intra-op threads to tell 1 apart")
    r = jobs.JobRunner(workers=2, threads_per_job=1, limits=Limits(max_queued=1000))  # 300 runs at once
    seen_in_jobs: list[int] = []
    seen_outside: list[int] = []
    stop = threading.Event()

    def probe_loop():
        # Threads started in a tight loop, as Streamlit starts a script thread per rerun: each must
        # get the process default, whatever the jobs are doing at that moment.
        while not stop.is_set():
            t = threading.Thread(target=lambda: seen_outside.append(torch.get_num_threads()))
            t.start()
            t.join()

    def job(report):
        seen_in_jobs.append(torch.get_num_threads())
        torch.randn(200, 200) @ torch.randn(200, 200)
        return torch.get_num_threads()

    prober = threading.Thread(target=probe_loop)
    prober.start()
    try:
        for k in range(300):
            r.submit(("threads", k), job, watcher="w")
        assert r.wait_idle(60)
    finally:
        stop.set()
        prober.join()
        r.close()
    assert set(seen_in_jobs) == {1}
    assert len(seen_outside) > 50 and set(seen_outside) == {default}
    assert process_default_threads() == default and torch.get_num_threads() == default


def test_intraop_threads_restores_this_threads_count():
    before = torch.get_num_threads()
    if before < 2:
        pytest.skip("needs at least 2 intra-op threads")
    with intraop_threads(1) as took:
        assert took and torch.get_num_threads() == 1
        assert process_default_threads() == before
    assert torch.get_num_threads() == before
    with intraop_threads(None) as took:
        assert not took and torch.get_num_threads() == before


# --- A class on one app: runs as data, fair share, runs that end with their learners ----------


@dataclass(frozen=True)
class _Settings:
    lr: float = 0.1
    epochs: int = 10


def test_run_specs_are_equal_hashable_and_picklable():
    a = RunSpec("logistic", "abc123", _Settings(lr=0.5))
    b = RunSpec("logistic", "abc123", _Settings(lr=0.5))
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1
    assert a != RunSpec("logistic", "abc123", _Settings(lr=0.25)) and a != RunSpec("mnist", "abc123", _Settings(lr=0.5))
    assert pickle.loads(pickle.dumps(a)) == a
    with pytest.raises(TypeError):
        RunSpec("logistic", "abc123", {"lr": 0.5})  # settings must be hashable


def _fair_runner(**limits) -> jobs.JobRunner:
    return jobs.JobRunner(workers=1, limits=Limits(**limits), reap_every=None)


def test_train_again_replaces_this_sessions_run_on_that_page():
    r = _fair_runner()
    gate = threading.Event()
    try:
        first = r.submit(RunSpec("k", "d", _Settings(epochs=1)), gated(gate), watcher="ann", slot="logistic")
        runs = [
            r.submit(RunSpec("k", "d", _Settings(epochs=e)), gated(gate), watcher="ann", slot="logistic")
            for e in (2, 3, 4)
        ]
        # one run of ann's remains on that page: the earlier ones were stopped (nobody else watched them)
        assert [j.stop_requested for j in (first, *runs)] == [True, True, True, False]
        other_page = r.submit(RunSpec("k", "d", _Settings(epochs=9)), gated(gate), watcher="ann", slot="mnist")
        assert not runs[-1].stop_requested and not other_page.stop_requested
        # a run another session also watches goes on for it
        shared = r.submit(RunSpec("s", "d", _Settings()), gated(gate), watcher="bob", slot="logistic")
        r.submit(RunSpec("s", "d", _Settings()), gated(gate), watcher="ann", slot="logistic")
        assert runs[-1].stop_requested and not shared.stop_requested and shared.watchers == {"ann", "bob"}
        r.submit(RunSpec("k", "d", _Settings(epochs=7)), gated(gate), watcher="ann", slot="logistic")
        assert not shared.stop_requested and shared.watchers == {"bob"}
        assert r.counts["replaced"] == 4
    finally:
        gate.set()
        r.close()


def test_the_queue_is_bounded_with_a_plain_refusal():
    r = _fair_runner(max_queued=2)
    gate = threading.Event()
    try:
        running = r.submit(RunSpec("q", "d", _Settings(epochs=0)), gated(gate), watcher="w0")
        deadline = time.monotonic() + 10
        while running.status != jobs.RUNNING and time.monotonic() < deadline:
            time.sleep(0.01)
        r.submit(RunSpec("q", "d", _Settings(epochs=1)), gated(gate), watcher="w1")
        r.submit(RunSpec("q", "d", _Settings(epochs=2)), gated(gate), watcher="w2")
        with pytest.raises(RunRefused, match="2 runs are already waiting"):
            r.submit(RunSpec("q", "d", _Settings(epochs=3)), gated(gate), watcher="w3")
        # joining a queued run is never refused
        assert r.submit(RunSpec("q", "d", _Settings(epochs=2)), gated(gate), watcher="w4").watchers == {"w2", "w4"}
        assert r.counts["refused"] == 1
        # a learner whose own waiting run (watched by nobody else) is replaced by a new one takes its place
        r.stop(r.find(RunSpec("q", "d", _Settings(epochs=1))), "w1")  # one place free
        mine = r.submit(RunSpec("q", "d", _Settings(epochs=4)), gated(gate), watcher="w5", slot="page")
        again = r.submit(RunSpec("q", "d", _Settings(epochs=5)), gated(gate), watcher="w5", slot="page")
        assert mine.status == jobs.STOPPED and again.status == jobs.QUEUED
        assert r.counts["refused"] == 1
    finally:
        gate.set()
        r.close()


def test_a_resized_runner_runs_as_many_jobs_at_once_as_it_is_told():
    r = jobs.JobRunner(workers=2, limits=Limits(max_queued=10), reap_every=None)
    gate = threading.Event()
    try:
        jobs_ = [r.submit(RunSpec("z", "d", _Settings(epochs=i)), gated(gate), watcher=f"w{i}") for i in range(4)]

        def running() -> int:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and sum(j.status == jobs.RUNNING for j in jobs_) < min(r.workers, 4):
                time.sleep(0.01)
            return sum(j.status == jobs.RUNNING for j in jobs_)

        assert r.workers == 2 and running() == 2
        r.resize(4)  # a cluster that gained a machine
        assert running() == 4
        r.resize(1)  # and lost it: running jobs go on, no new one starts until fewer than one runs
        later = r.submit(RunSpec("z", "d", _Settings(epochs=9)), gated(gate), watcher="w9")
        assert later.status == jobs.QUEUED
        gate.set()
        assert later.wait(10) and later.status == jobs.DONE
    finally:
        gate.set()
        r.close()


def test_a_run_over_the_work_limit_is_refused_with_its_estimate():
    r = _fair_runner(max_run_seconds=120)
    try:
        with pytest.raises(RunRefused) as refused:
            r.submit(RunSpec("w", "d", _Settings()), lambda report: 1, watcher="w", estimate_s=10_800)
        assert "10,800 s" in str(refused.value) and "120 s" in str(refused.value)
        assert r.submit(RunSpec("w", "d", _Settings()), lambda report: 1, watcher="w", estimate_s=60).wait(10)
        unlimited = _fair_runner(max_run_seconds=0)
        assert unlimited.submit(RunSpec("w", "d", _Settings()), lambda report: 1, watcher="w", estimate_s=1e6).wait(10)
        unlimited.close()
    finally:
        r.close()


def test_a_watcher_not_seen_is_dropped_and_an_unwatched_run_stops():
    r = _fair_runner(watcher_ttl_s=30)
    gate = threading.Event()
    try:
        alone = r.submit(RunSpec("e", "d", _Settings(epochs=1)), gated(gate), watcher="gone")
        shared = r.submit(RunSpec("e", "d", _Settings(epochs=2)), gated(gate), watcher="gone")
        assert r.submit(RunSpec("e", "d", _Settings(epochs=2)), gated(gate), watcher="here") is shared  # joined
        now = time.monotonic()
        assert r.reap(now + 10) == 0 and not alone.stop_requested  # within the TTL
        later = time.monotonic() + 31
        r.seen(shared, "here", now=later)  # its panel keeps polling; "gone" closed its tab
        assert r.reap(later) == 1
        assert alone.stop_requested
        assert not shared.stop_requested and shared.watchers == {"here"}
    finally:
        gate.set()
        r.close()


def test_a_connected_session_keeps_its_run_past_the_ttl():
    r = jobs.JobRunner(workers=1, limits=Limits(watcher_ttl_s=30), alive=lambda w: w == "open-tab", reap_every=None)
    gate = threading.Event()
    try:
        kept = r.submit(RunSpec("a", "d", _Settings(epochs=1)), gated(gate), watcher="open-tab")
        closed = r.submit(RunSpec("a", "d", _Settings(epochs=2)), gated(gate), watcher="closed-tab")
        assert r.reap(time.monotonic() + 60) == 1
        assert not kept.stop_requested and closed.stop_requested
    finally:
        gate.set()
        r.close()


def test_the_finished_run_store_is_bounded_in_bytes():
    r = jobs.JobRunner(workers=1, limits=Limits(store_bytes=3 * 1_000_000 + 10_000), reap_every=None)
    try:
        for k in range(5):
            job = r.submit(RunSpec("b", str(k), _Settings()), lambda report: np.zeros(1_000_000, np.uint8), watcher="w")
            assert job.wait(10) and job.status == jobs.DONE
        assert r.stored_bytes() <= 3 * 1_000_000 + 10_000
        assert r.find(RunSpec("b", "4", _Settings())) is not None and r.find(RunSpec("b", "0", _Settings())) is None
        huge = r.submit(RunSpec("b", "huge", _Settings()), lambda report: np.zeros(5_000_000, np.uint8), watcher="w")
        assert huge.wait(10) and huge.status == jobs.DONE and huge.result is not None  # its watcher still has it
        assert r.find(RunSpec("b", "huge", _Settings())) is None  # too large to keep for others
    finally:
        r.close()


def test_approx_bytes_counts_arrays_tensors_and_frames():
    import pandas as pd

    assert approx_bytes(np.zeros(1000, np.float32)) == 4000
    assert approx_bytes(torch.zeros(10, 10)) == 400
    assert approx_bytes({"a": np.zeros(100, np.uint8), "b": [torch.zeros(4)]}) >= 116
    assert approx_bytes(pd.DataFrame({"x": np.zeros(1000)})) >= 8000
    assert approx_bytes(torch.nn.Linear(784, 10)) == (7840 + 10) * 4


def test_long_runs_leave_one_worker_for_the_short_runs_of_a_class():
    r = jobs.JobRunner(workers=2, limits=Limits(long_run_s=10, max_queued=20), reap_every=None)
    gate = threading.Event()
    try:
        hogs = [
            r.submit(RunSpec("hog", "d", _Settings(epochs=k)), gated(gate), watcher=f"hog{k}", estimate_s=100)
            for k in range(3)
        ]
        deadline = time.monotonic() + 10
        while hogs[0].status != jobs.RUNNING and time.monotonic() < deadline:
            time.sleep(0.01)
        quick = r.submit(RunSpec("quick", "d", _Settings()), lambda report: "ok", watcher="learner", estimate_s=0.5)
        assert quick.wait(10) and quick.result == "ok"  # not behind the long runs
        assert [h.status for h in hogs] == [jobs.RUNNING, jobs.QUEUED, jobs.QUEUED]  # one worker for long runs
        busy = r.submit(RunSpec("quick", "busy", _Settings()), gated(gate), watcher="l2", estimate_s=0.5)
        while busy.status != jobs.RUNNING and time.monotonic() < deadline + 10:
            time.sleep(0.01)
        later = r.submit(RunSpec("quick", "later", _Settings()), gated(gate), watcher="l3", estimate_s=0.5)
        # both workers busy: a short run waits before the long ones that were asked for earlier
        assert [r.ahead(later), r.ahead(hogs[1]), r.ahead(hogs[2])] == [0, 1, 2]
    finally:
        gate.set()
        r.close()


def test_freed_memory_goes_back_to_the_system_without_harm():
    from engine.runtime.memory import release_freed_memory

    kept = [np.ones(10_000) for _ in range(100)]
    freed = [np.ones(10_000) for _ in range(1000)]
    del freed
    assert release_freed_memory() in (True, False)  # glibc returns pages; elsewhere it does nothing
    assert all(float(a.sum()) == 10_000 for a in kept)  # what is still used is untouched


def test_runs_give_way_at_each_report_while_a_page_script_runs_and_always_move_on(monkeypatch):
    """``give_way`` is asked at every report; while it says yes the run pauses there (bounded), then goes on."""
    monkeypatch.setattr(jobs, "GIVE_WAY_S", 0.01)
    asked, busy = [], threading.Event()
    busy.set()

    def give_way():
        asked.append(busy.is_set())
        return busy.is_set()

    r = jobs.JobRunner(workers=1, give_way=give_way)
    try:
        job = r.submit("k", lambda report: [report(k, {"loss": 1.0}) for k in range(3)] and "done", watcher="a")
        assert job.wait(10) and job.result == "done"  # never held for good, though a script "runs" throughout
        assert len(asked) >= 3 and all(asked)  # asked again while it waited, at each of the three reports
        assert [row["epoch"] for row in job.progress().history] == [0, 1, 2]
        busy.clear()
        asked.clear()
        again = r.submit("k2", lambda report: [report(k, {"loss": 1.0}) for k in range(3)] and "done", watcher="a")
        assert again.wait(10) and asked == [False, False, False]  # nothing running: one question per report
    finally:
        r.close()


def test_a_failing_give_way_check_does_not_stop_a_run():
    def broken():
        raise RuntimeError("no answer")

    r = jobs.JobRunner(workers=1, give_way=broken)
    try:
        job = r.submit("k", lambda report: report(0, {"loss": 1.0}) or "done", watcher="a")
        assert job.wait(10) and job.status == jobs.DONE and job.result == "done"
    finally:
        r.close()


def test_a_script_waiting_for_a_run_is_not_counted_as_running():
    """ui.app's count of running page scripts: a run waited for must not give way to the script waiting for it."""
    from ui import app

    assert not app.scripts_running()
    with app.script_running():
        assert app.scripts_running()
        with app.script_waiting():
            assert not app.scripts_running()
        assert app.scripts_running()
    with pytest.raises(RuntimeError), app.script_running():  # st.rerun and st.stop leave the script by exceptions
        raise RuntimeError
    assert not app.scripts_running()
