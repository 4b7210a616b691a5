"""``python -m engine.data.mnist [--root DIR] [--offline] [--refetch]``: ``ensure_mnist`` with progress messages.

Quick when the data is already there (torch and torchvision are not even imported then). Exit
status 0 when MNIST is ready, 1 when it could not be fetched (the reason on stderr), 130 on Ctrl-C.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from engine.data.mnist.base import DATA_ENV, MnistError, default_root, raw_folder
from engine.data.mnist.fetch import ensure_mnist


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
