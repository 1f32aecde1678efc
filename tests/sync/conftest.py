import pytest

from connector.state import StateStore, default_url


@pytest.fixture
def store(tmp_path):
    """A fresh SQLite state store for one test."""
    s = StateStore.open(default_url(tmp_path))
    yield s
    s.close()
