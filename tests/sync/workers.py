"""A worker in a subprocess, for the kill-and-restart tests of every CRM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def empty_env_file(tmp_path: Path) -> Path:
    path = tmp_path / "worker.env"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return path


def leadscore(*args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "connector", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_at_first_write(worker: subprocess.Popen, writes: Callable[[], int]) -> int:
    """SIGKILL the worker as soon as the CRM saw its first write call; the write calls by then."""
    deadline = time.monotonic() + 60
    while writes() == 0 and worker.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    worker.send_signal(signal.SIGKILL)
    output = worker.communicate(timeout=10)[0]
    assert worker.returncode == -signal.SIGKILL, output
    return writes()
