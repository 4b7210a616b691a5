"""Smoke tests of bench/classroom.py: three learners against the served app at the websocket level (no browser),
then three in a teacher's room (``--room``).

It asserts that the run completes, prints its summary line and saw no error (no exception shown by the app, no
run that never finished); never timings, which depend on the machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_three_learners_for_twenty_seconds():
    cmd = [sys.executable, str(ROOT / "bench" / "classroom.py"), "--learners", "3", "--seconds", "20"]
    cmd += ["--think", "2", "6"]  # the stress pace: every learner gets through several actions in 20 s
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(
        r"classroom: 3 learners, p95 rerun \S+ s, p95 first paint \S+ s, p95 MNIST result \S+ s, RSS peak \d+ MB",
        lines[-1],
    ), out
    assert "errors: 0" in lines, out


def test_a_room_of_three_learners():
    """``--room``: a teacher opens a room, three learners join it and answer the sigmoid checkpoints."""
    cmd = [sys.executable, str(ROOT / "bench" / "classroom.py"), "--learners", "3", "--seconds", "8", "--room"]
    cmd += ["--arrival", "2", "--think", "1", "2"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    lines = done.stdout.strip().splitlines()
    assert re.fullmatch(
        r"classroom room: 3 learners, p95 join \S+ s, p95 answer \S+ s, p95 teacher poll \S+ s, "
        r"p95 seen by teacher \S+ s, RSS peak \d+ MB",
        lines[-1],
    ), out
    assert "errors: 0" in lines, out
    assert "first answers sent: sig_at_zero 3, sig_decision 3, sig_steepest 3" in lines, out
