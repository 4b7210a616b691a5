"""What training on a Ray cluster costs over training in the app: the MNIST default and the 6×2 preset.

    .venv/bin/python bench/cluster_overhead.py [--repeats 5] [--address HOST:PORT]

Each run is timed as a page sees it: from asking for it (``submit``) until its result is on the replica
(``wait``, then ``result``), for

- **embedded**: the app's ``JobRunner`` in this process (2 workers, 1 intra-op thread per run);
- **ray**: a ``RayRunner`` on a local Ray started here (``ray.init(num_cpus=2)``; ``--address`` for a
  running cluster), each run a Ray task with one CPU, its reports batched to the registry actor.

Each repeat trains with another seed, so no run is joined from a store; embedded and Ray runs alternate. The
first Ray run of each kind also starts a worker process that imports PyTorch: reported apart as "cold".
MNIST is ``data/MNIST`` when present, else a stand-in of MNIST's shape (60,000 + 9,999 images). Prints the
median seconds and the ratio ray / embedded. One machine with 2 cores: this shows the overhead of the cluster
path, not a speed-up (that needs more machines).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ray  # noqa: E402

from engine.data import course, mnist  # noqa: E402
from engine.data.samples import write_tiny_mnist  # noqa: E402
from engine.models import logistic  # noqa: E402
from engine.models import softmax as sm  # noqa: E402
from engine.runtime import cluster  # noqa: E402
from engine.runtime.jobs import JobRunner  # noqa: E402
from engine.runtime.runs import Limits, RunSpec  # noqa: E402


def mnist_data() -> mnist.MnistData:
    root = ROOT / "data"
    if not mnist.has_mnist(root):
        root = write_tiny_mnist(
            Path(tempfile.mkdtemp(prefix="mnist-bench")), n_train=60_000, n_test=9_999
        )  # (full size would be checked as MNIST)
    return mnist.load_mnist(root)


def runs(data: mnist.MnistData):
    """(name, spec for a seed, job function for a seed, total)."""
    preset = course.PRESETS["table_6x2"]
    X, y = preset.xy()

    def table(seed: int):
        settings = dataclasses.replace(preset.settings, seed=seed)
        return RunSpec("logistic", "6x2", settings), functools.partial(logistic.fit_and_advise, X, y, settings)

    def digits(seed: int):
        settings = sm.MnistSettings(seed=seed)
        return RunSpec("mnist", data.digest, settings), functools.partial(sm.train_mnist, data, settings)

    return [("6x2 preset (1001 SGD steps)", table), ("MNIST default (15 epochs)", digits)]


def timed(runner, spec, fn) -> float:
    start = time.perf_counter()
    job = runner.submit(spec, fn, watcher="bench")
    job.wait(600)
    assert job.status == "done", (job.status, job.error)
    assert job.result is not None
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--address", help="a running Ray cluster (default: a local one with 2 CPUs)")
    args = parser.parse_args()

    if args.address:
        cluster.connect(args.address)
    else:
        ray.init(num_cpus=2, include_dashboard=False, namespace=cluster.NAMESPACE, log_to_driver=False)
    limits = Limits(max_run_seconds=0, max_queued=64)
    embedded = JobRunner(2, limits=limits, reap_every=None)
    on_ray = cluster.RayRunner("auto", limits=limits, heartbeat_s=None)
    data = mnist_data()
    print(
        f"MNIST: {data.n_train:,} + {data.n_test:,} images ({'data/MNIST' if data.root == ROOT / 'data' else 'stand-in'})"
    )
    print(f"Ray: {on_ray.cpus} CPUs, {on_ray.gpus} GPUs, {on_ray.workers} runs at once")
    for name, make in runs(data):
        cold = timed(on_ray, *make(10_000))
        timed(embedded, *make(10_001))  # the embedded runner's first run warms PyTorch up in this process
        inside, outside = [], []
        for seed in range(args.repeats):
            inside.append(timed(embedded, *make(seed)))
            outside.append(timed(on_ray, *make(100 + seed)))
        a, b = statistics.median(inside), statistics.median(outside)
        print(f"{name}: embedded {a:.3f} s, ray {b:.3f} s (+{b - a:.3f} s, x{b / a:.2f}); ray cold {cold:.2f} s")
    ray.kill(on_ray.registry)
    ray.shutdown()


if __name__ == "__main__":
    main()
