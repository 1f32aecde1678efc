"""Kept scoring inputs in the state store, on SQLite and PostgreSQL."""

from datetime import datetime, timezone

import pytest

from connector.state import StateStore
from connector.state.inputs import KeptInputs

T0 = datetime(2026, 3, 2, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(state_url):
    s = StateStore.open(state_url)
    yield s
    s.close()


def rows(*ids: str, inputs: str = '{"p":{},"s":null,"e":[]}') -> list[KeptInputs]:
    return [KeptInputs(i, inputs, '{"fit":"10"}') for i in ids]


def kept_ids(store, portal="acme", page=1000) -> list[str]:
    return [r.lead_id for chunk in store.iter_inputs(portal, page=page) for r in chunk]


def test_kept_inputs_are_replaced_not_doubled(store):
    store.keep_inputs("acme", rows("1", "2"))
    store.keep_inputs("acme", rows("2", inputs='{"p":{"jobtitle":"VP"},"s":null,"e":[]}'))
    assert store.count_inputs("acme") == 2
    [[_, second]] = list(store.iter_inputs("acme"))
    assert second.inputs == '{"p":{"jobtitle":"VP"},"s":null,"e":[]}'


def test_kept_inputs_are_listed_in_keyset_pages_per_portal(store):
    store.keep_inputs("acme", rows(*[f"{n:03d}" for n in range(25)]))
    store.keep_inputs("globex", rows("x"))
    assert kept_ids(store, page=10) == [f"{n:03d}" for n in range(25)]
    assert [len(chunk) for chunk in store.iter_inputs("acme", page=10)] == [10, 10, 5]
    assert kept_ids(store, "globex") == ["x"]


def test_a_new_signature_forgets_the_kept_inputs_until_a_full_read_keeps_them_all(store):
    store.reset_inputs("acme", "sig-1")
    store.keep_inputs("acme", rows("1"))
    store.inputs_read("acme", "sig-1", T0)
    assert store.input_set("acme").read_at == T0
    store.reset_inputs("acme", "sig-2")
    assert store.count_inputs("acme") == 0
    kept = store.input_set("acme")
    assert (kept.signature, kept.read_at) == ("sig-2", None)
    store.inputs_read("acme", "sig-1", T0)  # a read of the old model's inputs completes nothing
    assert store.input_set("acme").read_at is None


def test_forgotten_leads_are_gone_from_the_kept_inputs(store):
    store.keep_inputs("acme", rows("1", "2", "3"))
    store.forget_inputs("acme", ["2"])
    assert kept_ids(store) == ["1", "3"]
