"""The Ray backend (engine.runtime.cluster) against a local Ray started here with 2 CPUs.

Each test gets its own registry (``LOGITLAB_RAY_REGISTRY``), so its limits are its own. Skipped with the
reason when Ray is not installed (``pip install -r requirements-cluster.txt``); failing instead under CI.
Every wait here waits for a condition (a status, a count), with a deadline.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

from engine.errors import DataError
from engine.runtime.jobs import DONE, FAILED, QUEUED, RUNNING, STOPPED
from engine.runtime.runs import Limits, RunRefused, RunSpec
from tests.conftest import IN_CI, ROOT

try:
    import ray
except ImportError:  # pragma: no cover - depends on the machine
    ray = None
    if IN_CI:
        pytest.fail("Ray is not installed: CI runs the cluster tests (pip install -r requirements-cluster.txt)")
    pytest.skip("Ray is not installed (pip install -r requirements-cluster.txt)", allow_module_level=True)

from engine.runtime import cluster, ray_registry  # noqa: E402


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, namespace=ray_registry.NAMESPACE, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def replica(monkeypatch):
    """A RayRunner with a registry of its own; ``replica(**limits)`` makes one, ``replica.again()`` a second
    replica on the same registry (another app server, as far as the cluster can tell)."""
    monkeypatch.setenv("LOGITLAB_RAY_REGISTRY", f"test-{uuid.uuid4().hex[:8]}")
    made: list[cluster.RayRunner] = []

    def make(runs: int = 2, alive=None, heartbeat_s=None, **limits) -> cluster.RayRunner:
        monkeypatch.setenv("LOGITLAB_RAY_RUNS", str(runs))
        runner = cluster.RayRunner("auto", limits=Limits(**limits), alive=alive, heartbeat_s=heartbeat_s)
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()
    if made:
        ray.kill(made[0].registry)


def until(condition, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


def counting(n: int, pause: float, report):
    """A run of ``n`` epochs, ``pause`` seconds each, that reports every epoch."""
    for epoch in range(n):
        time.sleep(pause)
        report(epoch, {"loss": 1.0 / (epoch + 1)})
    return {"epochs": n, "weights": np.arange(4.0)}


def spec(name: str, **settings) -> RunSpec:
    return RunSpec("test", name, tuple(sorted(settings.items())))


def test_a_run_trains_on_the_cluster_with_its_progress_and_result(replica):
    runner = replica()
    job = runner.submit(spec("a"), functools.partial(counting, 30, 0.05), watcher="w1", total=30)
    assert job.status in (QUEUED, RUNNING)
    seen_running = until(lambda: job.progress().epoch is not None and job.progress(), what="first report")
    assert seen_running.status == RUNNING and seen_running.total == 30
    assert job.wait(60)
    progress = job.progress()
    assert progress.status == DONE and progress.fraction == 1.0
    assert [row["epoch"] for row in progress.history] == list(range(30))  # every report, in order, once
    assert job.result["epochs"] == 30 and job.result["weights"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert runner.stats()["counts"]["done"] == 1


def test_the_course_preset_trained_on_the_cluster_gives_the_notes_numbers(replica):
    from engine.data import course
    from engine.models import logistic

    preset = course.PRESETS["table_6x2"]
    X, y = preset.xy()
    fn = functools.partial(logistic.fit_and_advise, X, y, preset.settings)
    job = replica().submit(RunSpec("logistic", "6x2", preset.settings), fn, watcher="a", total=preset.settings.epochs)
    assert job.wait(60) and job.status == DONE
    fit = job.result.fit
    assert [round(w, 4) for w in fit.weight] == [3.2530, 1.5179] and round(fit.bias, 4) == -14.4819
    assert len(fit.history) == len(fn(None).fit.history)  # every epoch's row came back
    assert job.progress().epoch == preset.settings.epochs - 1


def test_identical_specs_from_two_replicas_join_one_run(replica):
    first = replica()
    second = replica()  # another app server pointed at the same cluster
    a = first.submit(spec("same"), functools.partial(counting, 40, 0.05), watcher="learner-1", total=40)
    b = second.submit(spec("same"), functools.partial(counting, 40, 0.05), watcher="learner-2", total=40)
    assert (a.seq, a.incarnation) == (b.seq, b.incarnation)
    assert until(lambda: a.watchers == {"learner-1", "learner-2"}, what="both watchers")
    assert b.wait(60) and a.wait(60)
    assert a.result["epochs"] == b.result["epochs"] == 40
    counts = first.stats()["counts"]
    assert counts["started"] == 1 and counts["joined"] == 1
    # finished: a third learner asking for it gets the stored run at once
    c = second.submit(spec("same"), functools.partial(counting, 40, 0.05), watcher="learner-3", total=40)
    assert c.status == DONE and c.result["epochs"] == 40 and first.stats()["counts"]["started"] == 1


def weighted_sum(table: np.ndarray, scale: float, report):
    report(0, {})
    return float(table.sum() * scale)


def test_large_data_goes_to_the_cluster_once_and_only_when_a_new_run_needs_it(replica):
    first, second = replica(), replica()
    table = np.ones((700_000, 2), dtype=np.float32)  # 5.6 MB: sent once, by name
    assert ray_registry.share_big_args(functools.partial(weighted_sum, table, 1.0))[0].args[0] == ray_registry.Shared(
        ray_registry.data_key(table)
    )
    for scale in (1.0, 2.0):  # two runs on the same table
        job = first.submit(spec("sum", scale=scale), functools.partial(weighted_sum, table, scale), watcher="a")
        assert job.wait(60) and job.result == 1_400_000 * scale
    other = second.submit(spec("sum", scale=2.0), functools.partial(weighted_sum, table.copy(), 2.0), watcher="b")
    assert other.result == 2_800_000  # the other replica's own copy of the same table: nothing sent
    changed = table.copy()
    changed[0, 0] = 3.0
    job = second.submit(spec("sum", scale=3.0), functools.partial(weighted_sum, changed, 3.0), watcher="b")
    assert job.wait(60) and job.result == (1_400_000 + 2) * 3.0  # other data, other name: trained on what it is
    assert first.stats()["counts"]["shared"] == 2


def test_a_run_stops_when_its_last_watcher_stops(replica):
    runner = replica()
    job = runner.submit(spec("long"), functools.partial(counting, 2000, 0.01), watcher="a", total=2000)
    runner.submit(spec("long"), functools.partial(counting, 2000, 0.01), watcher="b", total=2000)
    until(lambda: (job.progress().epoch or 0) > 5, what="the run to report")
    assert runner.stop(job, "a") is False  # b still watches
    assert job.status == RUNNING and job.watchers == {"b"}
    assert runner.stop(job, "b") is True
    assert job.wait(30)
    assert job.status == STOPPED and job.progress().epoch < 1999
    assert until(lambda: runner.idle(), what="the cluster to be idle")


def test_a_failing_run_fails_with_the_engines_message(replica):
    def bad_table(report):
        raise DataError("Column '{name}' is empty.", name="x1")

    runner = replica()
    job = runner.submit(spec("bad"), bad_table, watcher="a")
    assert job.wait(60)
    assert job.status == FAILED
    assert isinstance(job.error, DataError) and job.error.msg.params == {"name": "x1"}  # translatable where shown


def crash_once(marker: str, report):
    """Dies with its worker process the first time (the marker file does not exist yet), trains the second."""
    if not os.path.exists(marker):
        Path(marker).write_text("crashed")
        report(0, {"loss": 1.0})
        os._exit(1)
    return counting(3, 0.0, report)


def test_a_worker_that_dies_fails_the_run_plainly_and_train_again_runs_it(replica, tmp_path):
    runner = replica()
    fn = functools.partial(crash_once, str(tmp_path / "crashed"))
    job = runner.submit(spec("crash"), fn, watcher="a")
    assert job.wait(60)
    assert job.status == FAILED and isinstance(job.error, ray_registry.RunLost)
    assert "stopped before the run finished" in str(job.error)
    from ui.jobs_view import ended_badly

    assert ended_badly(job).endswith("Press Train to run it again; your table and your last result are kept.")
    again = runner.submit(spec("crash"), fn, watcher="a")  # the learner presses Train again
    assert again.seq != job.seq and again.wait(60) and again.status == DONE


def test_the_finished_run_store_is_bounded_in_bytes(replica):
    def big(i: int, report):
        report(0, {})
        return np.full(100_000, float(i))  # 800 kB

    runner = replica(store_bytes=2_000_000)  # room for two
    for i in range(4):
        job = runner.submit(spec("big", i=i), functools.partial(big, i), watcher="a")
        assert job.wait(60) and job.status == DONE
        assert job.result[0] == i
    assert runner.stored_bytes() <= 2_000_000
    assert runner.find(spec("big", i=3)) is not None and runner.find(spec("big", i=0)) is None


def test_fair_share_holds_on_the_cluster(replica):
    runner = replica(runs=1, max_queued=1, max_run_seconds=60)
    other = replica()  # a second replica: the rules are the registry's, not one app's
    long_run = functools.partial(counting, 2000, 0.01)
    running = runner.submit(spec("r1"), long_run, watcher="a", slot="page")
    until(lambda: running.status == RUNNING, what="the first run to start")
    queued = other.submit(spec("r2"), long_run, watcher="b", slot="page")
    assert queued.status == QUEUED and other.ahead(queued) == 0
    with pytest.raises(RunRefused, match="already waiting"):  # the queue bound, cluster-wide
        other.submit(spec("r3"), long_run, watcher="c")
    with pytest.raises(RunRefused, match="may take at most"):  # the work limit
        runner.submit(spec("r4"), long_run, watcher="d", estimate_s=3600)
    # one active run per session per page: b's next run replaces its queued one
    replaced = other.submit(spec("r5"), long_run, watcher="b", slot="page")
    assert until(lambda: queued.status == STOPPED, what="the replaced run to stop")
    assert replaced.status == QUEUED
    assert runner.stop(running, "a") and other.stop(replaced, "b")
    assert until(lambda: runner.idle(), what="the cluster to be idle")


def test_watchers_of_a_replica_that_went_away_age_out_and_their_run_stops(replica):
    connected = {"here"}
    alive_replica = replica(watcher_ttl_s=1.0, alive=lambda w: w in connected, heartbeat_s=0.5)
    run = functools.partial(counting, 4000, 0.01)
    job = alive_replica.submit(spec("ttl"), run, watcher="here", total=4000)
    until(lambda: job.status == RUNNING, what="the run to start")
    # the session stays connected: its replica's heartbeat keeps it among the watchers past the TTL and a reaping
    until(lambda: (job.progress().seconds or 0) > ray_registry.HEARTBEAT_S + 1, what="a reaping of the registry")
    assert job.status == RUNNING and job.watchers == {"here"}
    connected.clear()  # its tab closed: the heartbeat stops vouching for it, the registry's TTL lets it go
    assert until(lambda: job.finished, timeout=30, what="the run to stop")
    assert job.status == STOPPED


def test_a_registry_that_went_away_fails_its_runs_plainly_and_the_next_train_works(replica):
    runner = replica()
    job = runner.submit(spec("orphan"), functools.partial(counting, 4000, 0.01), watcher="a")
    until(lambda: job.status == RUNNING, what="the run to start")
    ray.kill(runner.registry)  # the head's registry is lost (a restarted head node)
    assert until(lambda: job.finished, what="the run to end") and job.status == FAILED
    assert isinstance(job.error, ray_registry.RunLost)
    with contextlib.suppress(ray_registry.RunLost):  # a call that finds it gone looks for a new one
        runner.find(spec("any"))
    again = runner.submit(spec("orphan"), functools.partial(counting, 3, 0.0), watcher="a")
    assert again.wait(60) and again.status == DONE and again.incarnation != job.incarnation


def test_resources_mnist_asks_for_a_gpu_share_only_where_there_is_one(monkeypatch):
    mnist, table = RunSpec("mnist", "d", ()), RunSpec("logistic", "d", ())
    assert ray_registry.resources_for(mnist, 0) == {"num_cpus": 1}
    assert ray_registry.resources_for(mnist, 1) == {"num_cpus": 1, "num_gpus": 0.25}
    assert ray_registry.resources_for(table, 4) == {"num_cpus": 1}
    monkeypatch.setenv("LOGITLAB_RAY_MNIST_GPUS", "1")
    assert ray_registry.resources_for(mnist, 2) == {"num_cpus": 1, "num_gpus": 1.0}


def runner_in_a_fresh_app(env_address: str | None) -> subprocess.CompletedProcess:
    """The class of ``ui.cache.job_runner()`` in a new process, and whether Ray was imported there."""
    code = "import sys\nfrom ui.cache import job_runner\nprint(type(job_runner()).__name__, 'ray' in sys.modules)\n"
    env = {k: v for k, v in os.environ.items() if k != "LOGITLAB_RAY_ADDRESS"}
    if env_address is not None:
        env["LOGITLAB_RAY_ADDRESS"] = env_address
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_without_an_address_the_app_never_imports_ray():
    out = runner_in_a_fresh_app(None)
    assert out.stdout.split()[-2:] == ["JobRunner", "False"], out.stderr[-2000:]


def test_a_cluster_that_cannot_be_reached_leaves_runs_in_the_app_and_says_why_in_the_log():
    from tests.conftest import _free_port

    address = f"127.0.0.1:{_free_port()}"  # nothing listens there
    out = runner_in_a_fresh_app(address)
    assert out.stdout.split()[-2:] == ["JobRunner", "True"], out.stderr[-2000:]
    assert f"the Ray cluster at {address} could not be reached" in out.stderr
