#!/usr/bin/env python3
"""The two quickstart commands, on a fresh machine with only Python 3.11:

    python3 tasks.py demo    # the main job on the embedded default
    python3 tasks.py test    # the whole test suite

Both first make `.venv` and install leadscore with its pinned dependencies
(`constraints.txt`) when that has not been done yet or the pins changed. Anything after the
command is passed on (`python3 tasks.py test -k decay`, `python3 tasks.py leadscore --help`);
`test` runs the files on every core (pytest-xdist; `-n 0` after it runs them in one process).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".leadscore-installed"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_env() -> None:
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing leadscore and its pinned dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run(pip + ["-c", str(ROOT / "constraints.txt"), "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "leadscore"}:
        print(__doc__)
        return 2
    ensure_env()
    command, rest = argv[0], argv[1:]
    if command == "test":
        # One worker per core (CI's two), each test file on one worker: a file's module
        # fixtures (a seeded portal, a fitted history) are built once, as in a serial run.
        args = [str(BIN / "python"), "-m", "pytest", "-n", "auto", "--dist", "loadfile", *rest]
    elif command == "demo":
        args = [str(BIN / "leadscore"), "demo", *rest]
    else:
        args = [str(BIN / "leadscore"), *rest]
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
