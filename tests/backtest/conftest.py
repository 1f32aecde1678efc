"""Shared fixtures of the backtest tests: the real X Education export, when it is beside the clone."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = Path("shared/data/xeducation_leads.csv")
MAPPING = ROOT / "config" / "xeducation_mapping.toml"


def find_xeducation() -> Path | None:
    """`../shared/data/xeducation_leads.csv` beside the clone (CI), or beside a parent folder
    (a git worktree kept under a folder of worktrees)."""
    for folder in ROOT.parents:
        if (folder / DATA).is_file():
            return folder / DATA
    return None


@pytest.fixture(scope="session")
def xeducation_csv() -> Path:
    path = find_xeducation()
    if path is None:
        pytest.skip("the X Education export is not at ../shared/data/xeducation_leads.csv beside the clone")
    return path
