"""1000 full-batch epochs of logistic regression: engine.models.logistic.train_logistic vs the course notes' loop.

    .venv/bin/python bench/logistic_epochs.py [--repeats 3] [--epochs 1000]

Two tables: the notes' 6×2 table and a 100,000 × 10 CSV generated in memory with a fixed seed
(``tests.helpers.big_csv``, the one the page test uploads).
For each, the baseline is the tutorial's own loop measured in the same process, on the same
device and thread count: ``nn.Sequential(nn.Linear(d, 1), nn.Sigmoid())``, ``F.binary_cross_entropy``,
``optim.SGD``, one full-batch step per epoch. ``train_logistic`` does the same steps plus what the
page needs: per-epoch loss and accuracy, divergence checks and progress callbacks (here a no-op
callback, called at most 200 times). The ratio is engine time / baseline time (lower is better).
Also timed: parsing the 100k CSV with ``engine.data.upload.read_csv`` + ``binary_xy``.
Prints figures; asserts nothing. Each figure is the median of ``--repeats`` runs after a warm-up; baseline and engine runs alternate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn, optim

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.data import upload as datamod  # noqa: E402
from engine.data.samples import big_csv  # noqa: E402
from engine.models.logistic import TrainSettings, train_logistic  # noqa: E402
from engine.runtime.device import describe_device, pick_device  # noqa: E402


def tutorial_loop(X: np.ndarray, y: np.ndarray, epochs: int, lr: float, device: torch.device) -> torch.Tensor:
    """The course notes' loop (seed 002/003, nn.Sequential version), zero init like the engine run."""
    x_train = torch.tensor(X, dtype=torch.float32, device=device)
    y_train = torch.tensor(y, dtype=torch.float32, device=device).reshape(-1, 1)
    model = nn.Sequential(nn.Linear(X.shape[1], 1), nn.Sigmoid()).to(device)
    nn.init.zeros_(model[0].weight)
    nn.init.zeros_(model[0].bias)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    for _ in range(epochs):
        hypothesis = model(x_train)
        cost = F.binary_cross_entropy(hypothesis, y_train)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
    weight = model[0].weight.detach().cpu()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return weight


def timed(fn, repeats: int) -> list[float]:
    fn()  # warm-up: first-call costs (lazy imports, allocator) are not what we measure
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def timed_pair(baseline, engine, repeats: int) -> tuple[list[float], list[float]]:
    """Time the two alternately (A B A B …), so a busy machine slows both alike."""
    baseline()
    engine()
    a, b = [], []
    for _ in range(repeats):
        for fn, out in ((baseline, a), (engine, b)):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return a, b


def row(name: str, times: list[float], base: list[float] | None = None) -> str:
    med = statistics.median(times)
    ratio = f"{med / statistics.median(base):>8.2f}x" if base else f"{'':>9}"
    return f"  {name:<44} {med * 1000:>10.1f} ms  (best {min(times) * 1000:.1f} ms)  {ratio}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=1000)
    args = parser.parse_args()
    device = pick_device()
    E = args.epochs
    print(
        f"device: {describe_device(device)}; torch {torch.__version__}; {E} full-batch epochs; median of {args.repeats}"
    )

    X62 = np.array([[1, 2], [2, 3], [3, 1], [4, 3], [5, 3], [6, 2]], dtype=np.float32)
    y6 = np.array([0, 0, 0, 1, 1, 1], dtype=np.float32)
    base, ours = timed_pair(
        lambda: tutorial_loop(X62, y6, E, 1.0, device),
        lambda: train_logistic(X62, y6, TrainSettings(lr=1.0, epochs=E), on_epoch=lambda e, m: None),
        args.repeats,
    )
    print("6×2 table (seeds 002/003), SGD lr 1, zeros:")
    print(row("tutorial loop (baseline)", base))
    print(row("engine.models.logistic.train_logistic", ours, base))
    print(
        f"  per epoch: baseline {statistics.median(base) / E * 1e6:.0f} µs, engine {statistics.median(ours) / E * 1e6:.0f} µs"
    )

    raw = big_csv()
    parse = timed(lambda: datamod.binary_xy(datamod.read_csv(raw), [f"f{i}" for i in range(10)], "label"), args.repeats)
    X, y, _ = datamod.binary_xy(datamod.read_csv(raw), [f"f{i}" for i in range(10)], "label")
    print(f"100,000 × 10 CSV ({len(raw) / 1e6:.1f} MB, generated with seed 0), SGD lr 1, zeros:")
    print(row("read_csv + binary_xy", parse))
    base, ours = timed_pair(
        lambda: tutorial_loop(X, y, E, 1.0, device),
        lambda: train_logistic(X, y, TrainSettings(lr=1.0, epochs=E), on_epoch=lambda e, m: None),
        args.repeats,
    )
    print(row("tutorial loop (baseline)", base))
    print(row("engine.models.logistic.train_logistic", ours, base))
    print(
        f"  per epoch: baseline {statistics.median(base) / E * 1e3:.2f} ms, engine {statistics.median(ours) / E * 1e3:.2f} ms"
    )


if __name__ == "__main__":
    main()
