"""Companies are read with their contacts in associations calls sized by the companies' own
`num_associated_contacts`, so that no call brings more than about ASSOCIATIONS_PER_CALL contacts,
against the sandbox (whose early companies gather most of the contacts)."""

from __future__ import annotations

import pytest

from connector.crm.hubspot import companies
from connector.crm.registry import open_adapter
from connector.scoring import load_model
from tests.sync.hubspot_helpers import MODEL, fast_portal, settings_for

ASSOCIATIONS = "/crm/v4/associations/companies/contacts/batch/read"


@pytest.fixture
def sb():
    with fast_portal(300, 11) as sandbox:
        yield sandbox


@pytest.fixture
def source(sb, tmp_path):
    return open_adapter(settings_for(sb, tmp_path), load_model(MODEL)).accounts()


def _company(cid: str, count: str | None) -> dict:
    return {"id": cid, "properties": {"num_associated_contacts": count}}


def _calls(sb) -> int:
    return sum(1 for method, path, _ in sb.requests() if path == ASSOCIATIONS)


def test_every_company_is_read_with_all_its_contacts(sb, source):
    ids = sb.company_ids()
    records = list(source.read_accounts(ids))
    assert [r.account.id for r in records] == ids
    for record in records:
        assert list(record.contacts) == [str(c) for c in sb.store.associated("companies", "contacts",
                                                                              int(record.account.id))]


def test_associations_are_read_in_calls_of_about_the_bound(sb, source, monkeypatch):
    monkeypatch.setattr(companies, "ASSOCIATIONS_PER_CALL", 40)
    ids = sb.company_ids()
    sizes = [len(sb.store.associated("companies", "contacts", int(c))) for c in ids]
    records = list(source.read_accounts(ids))
    assert sum(len(r.contacts) for r in records) == sum(sizes)
    assert _calls(sb) >= sum(sizes) / 40 > 2


def test_one_call_reads_small_companies_up_to_the_batch_limit():
    objects = [_company(str(i), "1") for i in range(2500)]
    assert [len(g) for g in companies._association_groups(objects)] == [1000, 1000, 500]


def test_a_company_larger_than_the_bound_is_read_alone():
    objects = [_company("1", "3"), _company("2", "20000"), _company("3", "4")]
    assert [[o["id"] for o in g] for g in companies._association_groups(objects)] == [["1"], ["2"], ["3"]]


def test_a_company_without_a_count_counts_as_one(monkeypatch):
    monkeypatch.setattr(companies, "ASSOCIATIONS_PER_CALL", 3)
    objects = [_company("1", None), _company("2", ""), _company("3", "not a number"), _company("4", "1")]
    assert [[o["id"] for o in g] for g in companies._association_groups(objects)] == [["1", "2", "3"], ["4"]]
