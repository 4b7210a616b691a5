"""A one-node Ray cluster on 127.0.0.1 for benchmarks and tests: ``with ray_head(env, log) as address: ...``.

``ray start --head --block`` stays in the foreground as the parent of the cluster's processes (GCS, raylet,
workers) and stops them all when it is stopped: the cluster is started and stopped by that one PID, never by
name (``ray stop`` would stop every Ray on the machine). Standard library only: importable from the tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def ray_head(env: dict[str, str], log_path: Path, cpus: int = 2) -> Iterator[tuple[str, int]]:
    """Start the head with ``cpus`` CPUs; yield (its address, the PID of ``ray start``); stop it by that PID."""
    port = free_port()
    temp_dir = tempfile.mkdtemp(prefix="lray")  # Ray's sockets need a short path
    cmd = [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block", "--port", str(port)]
    cmd += ["--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus), "--include-dashboard", "false"]
    cmd += ["--disable-usage-stats", "--temp-dir", temp_dir]
    env = {**env, "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}  # stopped when done: nothing to drain
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in log_path.read_text():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Ray head did not start:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield f"127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own process group (start_new_session above)
            proc.wait(timeout=10)
