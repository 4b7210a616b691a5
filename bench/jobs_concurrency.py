"""Eight MNIST runs asked for at once through the job runner (prints figures; asserts nothing).

    .venv/bin/python bench/jobs_concurrency.py [--runs 8] [--epochs 15]

Needs the real MNIST (``python -m engine.data.mnist``). In one process:

1. one run alone: the page's default MNIST run (15 epochs, batch 128, SGD lr 0.1) through a job
   runner, from submit to result;
2. ``--runs`` runs with different seeds submitted at the same moment to a runner with the app's
   default number of workers (the CPU count), as a class pressing Train with different seeds
   would: when the first and the last result arrive, and how many ran at once.

Targets (issue "Training that survives"): the first result within 2x one run alone, the last
within 1.5x (runs x one run / workers).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.data import mnist  # noqa: E402
from engine.models import softmax as sm  # noqa: E402
from engine.runtime import jobs  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--epochs", type=int, default=15)
    args = parser.parse_args()
    root = mnist.default_root()
    if not mnist.has_mnist(root):
        sys.exit(f"MNIST is not in {mnist.raw_folder(root)}: run `python -m engine.data.mnist` first.")
    data = mnist.load_mnist(root)
    runner = jobs.JobRunner()
    sm.warm_up()
    print(f"{os.cpu_count()} CPUs; job runner: {runner.workers} workers, {runner.threads_per_job} intra-op thread each")

    settings = sm.MnistSettings(epochs=args.epochs)
    alone = []
    for seed in (1000, 1001):  # the first run also warms up; the second is the one reported
        start = time.perf_counter()
        job = runner.submit(
            ("alone", seed),
            partial(sm.train_mnist, data, settings.__class__(seed=seed, epochs=args.epochs)),
            watcher="bench",
        )
        job.wait()
        alone.append(time.perf_counter() - start)
    one = alone[-1]
    print(f"one run alone ({args.epochs} epochs): {one:.2f} s (test accuracy {job.result.test_accuracy:.2%})")

    start = time.perf_counter()
    batch = [
        runner.submit(
            ("class", seed),
            partial(sm.train_mnist, data, sm.MnistSettings(seed=seed, epochs=args.epochs)),
            watcher=f"student {seed}",
        )
        for seed in range(args.runs)
    ]
    peak_running = 0
    finished: dict[int, float] = {}
    while len(finished) < len(batch):
        peak_running = max(peak_running, runner.running())
        for i, job in enumerate(batch):
            if i not in finished and job.finished:
                finished[i] = time.perf_counter() - start
        time.sleep(0.005)
    first, last = min(finished.values()), max(finished.values())
    fair = args.runs * one / runner.workers
    print(f"{args.runs} runs with different seeds, submitted at once (at most {peak_running} ran together):")
    print(f"  first result after {first:.2f} s = {first / one:.2f}x one run alone (target <= 2x)")
    print(
        f"  last result after {last:.2f} s = {last / fair:.2f}x ({args.runs} x one run / {runner.workers} workers "
        f"= {fair:.2f} s; target <= 1.5x)"
    )
    print(f"  every result: {[round(finished[i], 2) for i in range(len(batch))]} s")
    runner.close()


if __name__ == "__main__":
    main()
