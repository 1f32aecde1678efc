"""The base install (`pip install .`, no extras) runs the worker's commands, and the commands that
need an extra say which one; the worker and the sync never import the sandbox or the backtest's
libraries."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
import venv
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
EXTRA_ONLY = ("connector.sandbox", "sklearn", "matplotlib", "numpy", "scipy", "trustme")


def test_importing_the_worker_and_the_sync_loads_no_sandbox_nor_backtest_library():
    probe = ("import sys, connector.worker.service, connector.sync.service, connector.worker.portal; "
             f"print(sorted(m for m in sys.modules if m.startswith({EXTRA_ONLY!r})))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True)
    assert run.stdout.strip() == "[]"


def base_distributions() -> set[str]:
    """leadscore's base dependencies (pyproject.toml) and theirs, as installed here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = metadata.distribution(req.name).metadata["Name"]
        if name.lower() in seen:
            continue
        seen.add(name.lower())
        todo += [Requirement(r) for r in metadata.requires(name) or []]
    return seen


def link_base_packages(target: Path) -> None:
    """Make the base dependencies (and only they) importable in a fresh venv, offline: each one's
    installed files are linked into a folder its site-packages lists in a .pth file."""
    farm = target / "base-deps"
    farm.mkdir()
    for name in base_distributions():
        dist = metadata.distribution(name)
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops:
            source = Path(dist.locate_file(top))
            if source.exists() and not (farm / top).exists() and not top.endswith(".pth"):
                (farm / top).symlink_to(source)
    [site] = (target / "venv" / "lib").glob("python*/site-packages")
    (site / "base-deps.pth").write_text(str(farm) + "\n")


@pytest.mark.slow
def test_a_base_install_runs_the_worker_commands_and_names_the_extra_for_fit(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "connector", source / "connector", ignore=shutil.ignore_patterns("__pycache__"))
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEADSCORE_", "PIP_"))}
    # Offline: the build backend (setuptools) from the machine's file index, the project itself
    # without its dependencies, which come from link_base_packages.
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--find-links", "/opt/pypi/simple/setuptools", str(source)],
                   check=True, env=env, capture_output=True, timeout=300)
    link_base_packages(tmp_path)
    leadscore = str(tmp_path / "venv" / "bin" / "leadscore")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([leadscore, *args], capture_output=True, text=True, cwd=ROOT,
                              env={**env, "COLUMNS": "500"}, timeout=120)

    missing = subprocess.run([str(python), "-c", "import numpy"], capture_output=True)
    assert missing.returncode != 0, "the base install must not see numpy"
    validate = run("validate", str(ROOT / "config" / "scoring.toml"))
    assert validate.returncode == 0, validate.stderr
    for command in ("sync", "run"):
        shown = run(command, "--help")
        assert shown.returncode == 0 and "Usage" in shown.stdout, shown.stderr
    fit = run("fit", "--leads", "leads.csv", "--mapping", "mapping.toml", "--out", str(tmp_path / "m.toml"))
    assert fit.returncode == 1 and "Traceback" not in fit.stderr
    assert re.search(r"^error: .*fix: pip install 'leadscore\[backtest\]'$", fit.stderr.strip())
    demo = run("demo")
    assert demo.returncode == 1 and "fix: pip install 'leadscore[sandbox]'" in demo.stderr
