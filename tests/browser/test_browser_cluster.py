"""Real browsers on two app replicas that train on one Ray cluster (``engine.runtime.cluster``).

A Ray head is started here on 127.0.0.1 (``bench/ray_head.py``: stopping ``ray start --head --block`` by
its PID stops every process of the cluster), two app servers on two ports point at it, and one learner per replica
trains MNIST with the same settings: one run on the cluster, both see it finish. Then the same with the
first replica killed mid-run: the second learner still sees the run finish. Skipped with the reason
without Ray (``pip install -r requirements-cluster.txt``), failing instead under CI.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import uuid
from pathlib import Path

import pytest

from bench.ray_head import ray_head
from engine.data.mnist import DATA_ENV
from tests.browser.test_browser_jobs import open_mnist_tab, stop_button, train_then_join
from tests.conftest import SERVER_PIDS, _skip_or_fail, open_tab, serve_app
from tests.helpers import set_number

pytestmark = pytest.mark.browser


def asked_and_joined(logs: list[Path], kind: str) -> tuple[int, int]:
    text = "\n".join(path.read_text() for path in logs)
    asked = len(re.findall(rf"job \d+ \({kind}\) asked for on the cluster", text))
    joined = len(re.findall(rf"job \d+ \({kind}\) joined on the cluster", text))
    return asked, joined


@pytest.fixture(scope="module")
def cluster_env():
    try:
        import ray  # noqa: F401
    except ImportError:
        _skip_or_fail("Ray is not installed (pip install -r requirements-cluster.txt)")
    return {
        **os.environ,
        "RAY_AUTH_MODE": "token",  # the cluster and its replicas share a token of this test's own
        "RAY_AUTH_TOKEN": secrets.token_hex(16),
        "LOGITLAB_RAY_REGISTRY": f"browser-{uuid.uuid4().hex[:8]}",
    }


def test_two_replicas_share_one_run_on_the_cluster_and_it_outlives_a_replica(
    browser, tmp_path, slow_mnist_root, cluster_env
):
    logs = [tmp_path / "replica-1.log", tmp_path / "replica-2.log"]
    with ray_head(cluster_env, tmp_path / "ray.log") as (address, _), contextlib.ExitStack() as stack:
        env = {**cluster_env, "LOGITLAB_RAY_ADDRESS": address, DATA_ENV: str(slow_mnist_root)}
        urls = [stack.enter_context(serve_app(log, env)) for log in logs]
        first_context, first = open_tab(browser, urls[0])
        second_context, second = open_tab(browser, urls[1])
        stack.callback(first_context.close)
        stack.callback(second_context.close)
        for tab, url in zip((first, second), urls, strict=True):
            open_mnist_tab(tab, url, epochs=40)
        first.get_by_text("Ray cluster, 2 CPUs, 0 GPUs").wait_for()  # the sidebar says where runs train

        # one run for both learners, each on their own replica
        train_then_join(first, second)
        for tab in (first, second):
            tab.get_by_text("Most confused pairs").first.wait_for(timeout=120_000)
        assert asked_and_joined(logs, "mnist") == (1, 1)

        # the first replica dies mid-run (it also started the cluster's registry): the run goes on for the second
        for tab in (first, second):
            set_number(tab, "Epochs", 50)
        train_then_join(first, second)
        stop_button(second).wait_for()  # still running: the first replica goes while the run trains
        os.kill(SERVER_PIDS[urls[0]], signal.SIGKILL)
        second.get_by_text("Most confused pairs").first.wait_for(timeout=120_000)
        assert "The settings changed since this model was trained" not in second.locator("body").inner_text()
        assert asked_and_joined(logs, "mnist") == (2, 2)
