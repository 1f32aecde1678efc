"""StateStore as a context manager: the store is closed when the block ends, however it ends."""

import pytest

from connector.state import StateStore, default_url


def test_a_with_block_gives_the_store_and_closes_it_at_the_end(tmp_path, monkeypatch):
    closed = []
    with StateStore.open(default_url(tmp_path)) as store:
        monkeypatch.setattr(store, "close", lambda: closed.append(True))
        assert store.checkpoint("acme") is None
    assert closed == [True]


def test_the_store_is_closed_when_the_block_raises(tmp_path, monkeypatch):
    closed = []
    with pytest.raises(RuntimeError), StateStore.open(default_url(tmp_path)) as store:
        monkeypatch.setattr(store, "close", lambda: closed.append(True))
        raise RuntimeError("boom")
    assert closed == [True]
