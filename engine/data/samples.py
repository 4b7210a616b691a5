"""Made-up data the tests and the benchmarks share: a big CSV, and a tiny MNIST-shaped set as IDX files.

Neither needs the internet or the real MNIST. Digit k of the tiny set is a bright 6 x 6 block at a
position of its own, plus noise; a few labels are flipped so that the confusion matrix has some
off-diagonal cells.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.data import mnist

def big_csv(rows: int = 100_000, cols: int = 10, seed: int = 0) -> bytes:
    """A linearly separable-ish table: label = [x·w + noise > 0], 4 decimals per value.

    Columns f0 … f{cols-1} and label; the same bytes for the same arguments. The page test uploads
    it, and bench/logistic_epochs.py and bench/page_reruns.py time it.
    """
    gen = np.random.default_rng(seed)
    X = gen.normal(size=(rows, cols)).round(4)
    y = (X @ gen.normal(size=cols) + 0.5 * gen.normal(size=rows) > 0).astype(int)
    header = ",".join([f"f{i}" for i in range(cols)] + ["label"])
    body = "\n".join(",".join(f"{v:g}" for v in row) + f",{label}" for row, label in zip(X, y, strict=True))
    return (header + "\n" + body + "\n").encode()



def tiny_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    images = rng.integers(0, 60, size=(len(labels), 28, 28), dtype=np.int64)
    for i, k in enumerate(labels):
        top, left = 3 + (k // 5) * 12, 2 + (k % 5) * 5
        images[i, top : top + 6, left : left + 6] += 190
    return np.clip(images, 0, 255).astype(np.uint8)


def tiny_split(n: int, rng: np.random.Generator, flip: float) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    images = tiny_images(labels, rng)
    flipped = rng.random(n) < flip
    labels = labels.copy()
    labels[flipped] = (labels[flipped] + 1 + rng.integers(0, 9, size=int(flipped.sum()))) % 10
    return images, labels.astype(np.int64)


def write_tiny_mnist(root: Path, n_train: int = 300, n_test: int = 100, seed: int = 0, flip: float = 0.08) -> Path:
    """Write ``<root>/MNIST/raw/*-ubyte`` with ``n_train`` + ``n_test`` images; return ``root``."""
    rng = np.random.default_rng(seed)
    train_x, train_y = tiny_split(n_train, rng, flip)
    test_x, test_y = tiny_split(n_test, rng, flip)
    mnist.write_raw_files(root, train_x, train_y, test_x, test_y)
    return Path(root)
