"""The IDX files torchvision reads: their names, headers, reading them with checks, writing them.

An IDX file is a big-endian header (magic number, item count, and 28 x 28 for images) followed
by one unsigned byte per pixel or label. A file counts only when its size is exactly what its
header implies, so one cut short by an interrupted download is never taken for complete. Files
are written atomically (a temporary file, then a rename): a reader never sees half a file.
"""

from __future__ import annotations

import hashlib
import os
import struct
import tempfile
from pathlib import Path

import numpy as np

from engine.data.mnist.base import _Unusable, raw_folder
from engine.text import Msg

RAW_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension
IMAGE_SIDE = 28


# --- Headers -------------------------------------------------------------------------------------


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


# --- Reading, with checks ------------------------------------------------------------------------


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


# --- Writing -------------------------------------------------------------------------------------


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
