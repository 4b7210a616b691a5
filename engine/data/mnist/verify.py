"""What a complete, undamaged MNIST looks like; checking the raw files against it; loading them.

``has_mnist`` reads only the headers (cheap enough for every page rerun). ``verify_mnist`` and
``load_mnist`` read the four files and check the IDX structure, labels 0..9, and for the
full-size files (60000 + 10000) the SHA-256 of each raw file against the known digests; a file
with other bytes is accepted only when its class counts and pixel statistics look like MNIST.
``_remove_broken_raw_files`` / ``_remove_raw_files`` clear the raw folder for a fetch.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.data.mnist.base import DATA_ENV, MnistError, _Unusable, default_root, raw_folder
from engine.data.mnist.idx import RAW_FILES, _read_raw, _split_counts
from engine.text import Msg, NMsg

if TYPE_CHECKING:
    import torch

N_CLASSES = 10

OFFICIAL_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
OFFICIAL_TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

# --- What a complete, undamaged MNIST looks like (see verify_mnist) ---
FULL_SIZE = {"train": 60_000, "test": 10_000}  # files of exactly this size get the content checks
# SHA-256 of the raw files this app's offline route writes (the same bytes as the official files).
RAW_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}
# When a full-size file has other bytes, its pixels must look like MNIST. Measured on the real
# files (train / test): 80.9 % / 80.7 % of pixels are 0, mean pixel 33.3 / 33.8, and 0.04 % /
# 0.03 % of the pixels on the images' outer edge are not 0. Random bytes give 0.4 %, 127.5 and
# 99.6 %; inverted images 0.7 %, 222 and 100 %; images shifted by 3 bytes (a wrong header
# length) 0.8 % edge ink; 1 % of the bytes replaced at random 1.5 % edge ink.
PLAUSIBLE_ZERO_SHARE = (0.70, 0.90)
PLAUSIBLE_MEAN_PIXEL = (20.0, 50.0)
PLAUSIBLE_EDGE_INK = 0.005

# How a set passed verify_mnist, and those words for the learner.
CHECK_SHA256 = "sha256"
CHECK_STATISTICS = "statistics"
CHECK_STRUCTURE = "structure"
CHECK_WORDS = {
    CHECK_SHA256: Msg("checked: the SHA-256 of every file matches MNIST's"),
    CHECK_STATISTICS: Msg("checked: the files differ from the known ones, but their labels and pixels look like MNIST"),
    CHECK_STRUCTURE: Msg("checked: a smaller set than MNIST, with complete files and labels 0 to 9"),
}


@dataclass(frozen=True)
class MnistData:
    """MNIST as tensors: images uint8 [N, 28, 28], labels int64 [N]; ``check``: how it was verified."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    root: Path
    check: str = CHECK_STRUCTURE  # CHECK_SHA256, CHECK_STATISTICS or CHECK_STRUCTURE (words: CHECK_WORDS)
    digest: str = ""  # the files' contents, hashed: the same files give the same digest in any folder, on any machine

    @property
    def n_train(self) -> int:
        return int(self.train_labels.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.test_labels.shape[0])

    @property
    def nbytes(self) -> int:
        tensors = (self.train_images, self.train_labels, self.test_images, self.test_labels)
        return sum(t.element_size() * t.numel() for t in tensors)


# --- Whether -------------------------------------------------------------------------------------


def has_mnist(root: str | os.PathLike | None = None) -> bool:
    """True when ``<root>/MNIST/raw`` holds the four raw IDX files, complete and matching.

    Each file's header must be right and its size exactly what the header implies; images and
    labels of a split must have the same count. This reads only the headers (cheap enough for
    every page rerun); the contents are checked by ``verify_mnist`` / ``load_mnist``.
    """
    folder = raw_folder(root if root is not None else default_root())
    return all(n_images is not None and n_images == n_labels for n_images, n_labels in _split_counts(folder).values())


def data_identity(root: str | os.PathLike | None = None) -> tuple:
    """A cheap fingerprint of the raw files: (size, mtime in ns, inode) of each, None where one is missing.

    Caches key on it so that files replaced while the app runs (a re-fetch, a copied-in set)
    are loaded and trained on anew instead of serving results made from the old ones.
    """
    folder = raw_folder(root if root is not None else default_root())
    parts: list[tuple[int, int, int] | None] = []
    for name in RAW_FILES.values():
        try:
            st = os.stat(folder / name)
        except OSError:
            parts.append(None)
        else:
            parts.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(parts)


def _remove_broken_raw_files(root: Path) -> list[str]:
    """Delete raw IDX files that are cut short, damaged or whose counts disagree; return their names.

    Only the four raw file names inside ``<root>/MNIST/raw`` are ever touched. torchvision's
    download skips files that exist, so a broken one must go before it can be fetched again.
    """
    folder = raw_folder(root)
    doomed: list[str] = []
    for split, (n_images, n_labels) in _split_counts(folder).items():
        names = (RAW_FILES[f"{split}_images"], RAW_FILES[f"{split}_labels"])
        for name, n in zip(names, (n_images, n_labels), strict=True):
            mismatch = n_images is not None and n_labels is not None and n_images != n_labels
            if (n is None or mismatch) and os.path.lexists(folder / name):
                doomed.append(name)
    for name in doomed:
        try:
            (folder / name).unlink()
        except OSError as exc:
            raise MnistError(
                "The MNIST file {path} is incomplete or damaged and cannot be removed ({error}). "
                "Delete it by hand, or set {env} to a writable folder.",
                path=str(folder / name),
                error=str(exc),
                env=DATA_ENV,
            ) from exc
    return doomed


def _remove_raw_files(root: Path) -> list[str]:
    """Delete the four raw IDX files (whatever state they are in) so they can be fetched anew; return their names."""
    folder = raw_folder(root)
    removed = [name for name in RAW_FILES.values() if os.path.lexists(folder / name)]
    for name in removed:
        try:
            (folder / name).unlink()
        except OSError as exc:
            raise MnistError(
                "Cannot remove {path} to fetch it again ({error}). Delete it by hand.",
                path=str(folder / name),
                error=str(exc),
            ) from exc
    return removed


# --- Checking what is there ----------------------------------------------------------------------


def _check_labels(name: str, labels: np.ndarray) -> None:
    """Every label must be a digit 0..9 (an IDX byte can hold up to 255)."""
    bad = np.flatnonzero(labels >= N_CLASSES)
    if bad.size:
        raise _Unusable(
            NMsg(
                "The file {name} holds {n:,} label outside 0 to 9 (value {value} at item {index:,}); MNIST's "
                "labels are the digits 0 to 9, so the file is damaged.",
                "The file {name} holds {n:,} labels outside 0 to 9 (the first: value {value} at item {index:,}); "
                "MNIST's labels are the digits 0 to 9, so the file is damaged.",
                int(bad.size),
                name=name,
                value=int(labels[bad[0]]),
                index=int(bad[0]),
            )
        )


def _check_class_counts(name: str, labels: np.ndarray, official: tuple[int, ...]) -> None:
    counts = tuple(np.bincount(labels, minlength=N_CLASSES).tolist())
    if counts != tuple(official):
        raise _Unusable(
            Msg(
                "The file {name} is not the known MNIST file (its SHA-256 differs), and its class counts are not "
                "MNIST's either: {counts} instead of {official}.",
                name=name,
                counts=", ".join(map(str, counts)),
                official=", ".join(map(str, official)),
            )
        )


def pixel_statistics(images: np.ndarray) -> dict[str, float]:
    """Share of pixels that are 0, mean pixel, and share of edge pixels that are not 0, of uint8 images [n, 28, 28].

    About 60 ms for MNIST's 60000 training images; only computed for full-size files whose
    SHA-256 is not the known one.
    """
    edge = np.count_nonzero(images[:, [0, -1], :]) + np.count_nonzero(images[:, 1:-1, [0, -1]])
    n_edge = images.shape[0] * (2 * images.shape[2] + 2 * (images.shape[1] - 2))
    return {
        "zero_share": 1.0 - np.count_nonzero(images) / images.size,
        "mean": float(images.mean(dtype=np.float64)),
        "edge_ink": edge / n_edge,
    }


def _check_pixels(name: str, images: np.ndarray) -> None:
    stats = pixel_statistics(images)
    plausible = (
        PLAUSIBLE_ZERO_SHARE[0] <= stats["zero_share"] <= PLAUSIBLE_ZERO_SHARE[1]
        and PLAUSIBLE_MEAN_PIXEL[0] <= stats["mean"] <= PLAUSIBLE_MEAN_PIXEL[1]
        and stats["edge_ink"] <= PLAUSIBLE_EDGE_INK
    )
    if not plausible:
        raise _Unusable(
            Msg(
                "The file {name} is not the known MNIST file (its SHA-256 differs), and its pixels do not look like "
                "MNIST digits: {zero:.0%} of them are black (MNIST: about 81%), the mean pixel is {mean:.0f} "
                "(MNIST: about 33) and {edge:.1%} of the pixels on the images' edges have ink (MNIST: almost none).",
                name=name,
                zero=stats["zero_share"],
                mean=stats["mean"],
                edge=stats["edge_ink"],
            )
        )


def _check_contents(arrays: dict[str, np.ndarray], digests: dict[str, str]) -> str:
    """Labels 0..9; for full-size files the SHA-256, or else plausibility. Returns the CHECK_* passed; ``_Unusable``."""
    for key in ("train_labels", "test_labels"):
        _check_labels(RAW_FILES[key], arrays[key])
    full = all(len(arrays[f"{split}_labels"]) == FULL_SIZE[split] for split in ("train", "test"))
    if not full:
        return CHECK_STRUCTURE
    differ = [key for key, name in RAW_FILES.items() if digests[name] != RAW_SHA256.get(name)]
    official = {"train_labels": OFFICIAL_TRAIN_COUNTS, "test_labels": OFFICIAL_TEST_COUNTS}
    for key in differ:
        if key in official:
            _check_class_counts(RAW_FILES[key], arrays[key], official[key])
        else:
            _check_pixels(RAW_FILES[key], arrays[key])
    return CHECK_STATISTICS if differ else CHECK_SHA256


def _inspect(root: Path) -> tuple[dict[str, np.ndarray], str, str]:
    """Read and check the raw files: (arrays, CHECK_* passed, their contents' digest); ``_Unusable`` with the reason."""
    arrays, digests = _read_raw(root)
    digest = hashlib.sha256(repr(sorted(digests.items())).encode()).hexdigest()[:24]
    return arrays, _check_contents(arrays, digests), digest


def _problem(root: Path) -> Msg | None:
    """Why the raw files in ``root`` cannot be used, or None when they pass ``verify_mnist``."""
    try:
        _inspect(root)
    except _Unusable as exc:
        return exc.reason
    return None


def _unusable_error(root: Path, reason: Msg) -> MnistError:
    return MnistError(
        "The MNIST data in {folder} cannot be used. {reason} Fetch it again: the “Fetch MNIST again” button, "
        "or `python -m engine.data.mnist --refetch`.",
        folder=str(raw_folder(root)),
        reason=reason,
    )


def verify_mnist(root: str | os.PathLike | None = None) -> str:
    """Check the raw files in ``<root>/MNIST/raw``; return how they passed (a CHECK_* name), else ``MnistError``.

    All files: complete IDX structure, as many labels as images, labels 0..9. Full-size files
    (``FULL_SIZE``: 60000 + 10000): the SHA-256 of each raw file against ``RAW_SHA256``; a file
    with other bytes (torchvision's download elsewhere may write others) passes only when it is
    plausible: labels with MNIST's class counts, images with MNIST-like pixel statistics
    (``pixel_statistics``). Reads all four files (about 55 MB, well under 0.1 s warm).
    """
    root = Path(root) if root is not None else default_root()
    try:
        return _inspect(root)[1]
    except _Unusable as exc:
        raise _unusable_error(root, exc.reason) from exc


# --- Loading -------------------------------------------------------------------------------------


def load_mnist(root: str | os.PathLike | None = None) -> MnistData:
    """Read and check MNIST's raw IDX files (torchvision's layout): uint8 images, int64 labels.

    The four files are read once each; what was read is checked as ``verify_mnist`` describes
    (SHA-256 of the very bytes loaded), so a damaged file raises ``MnistError`` with the reason
    here instead of failing or training on garbage later. Cost for the full MNIST: about 0.1 s
    warm, most of it the hashing. The same files open with ``torchvision.datasets.MNIST``.
    """
    import torch

    root = Path(root) if root is not None else default_root()
    try:
        arrays, check, digest = _inspect(root)
    except _Unusable as exc:
        raise _unusable_error(root, exc.reason) from exc
    return MnistData(
        train_images=torch.from_numpy(arrays["train_images"]),
        train_labels=torch.from_numpy(arrays["train_labels"].astype(np.int64)),
        test_images=torch.from_numpy(arrays["test_images"]),
        test_labels=torch.from_numpy(arrays["test_labels"].astype(np.int64)),
        root=root,
        check=check,
        digest=digest,
    )
