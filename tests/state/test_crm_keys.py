"""State keyed by CRM and portal (issue 13, item 9): one data directory, both CRMs."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from connector.crm.hubspot.adapter import _parse_checkpoint as hubspot_checkpoint
from connector.crm.salesforce.reader import Checkpoint as SalesforceCheckpoint
from connector.errors import UserError
from connector.state import RecordOutcome, StateStore, default_url
from connector.state import migrations

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
HUBSPOT_CP = ('{"pass": {"after": 120, "full": true, "hi": 1772443800000, "lo": null, '
              '"phase": "contacts"}, "since": null}')
SALESFORCE_CP = '{"after": "00Q5e0000000120EAA", "mode": "full", "phase": "Lead", "since": "2026-03-01T00:00:00.000+0000"}'


def test_two_crms_with_the_same_portal_name_keep_their_own_state(state_url):
    url = state_url
    hubspot, salesforce = StateStore.open(url, crm="hubspot"), StateStore.open(url, crm="salesforce")
    hubspot.save_checkpoint("default", HUBSPOT_CP, T0)
    hubspot.record_outcomes("default", [RecordOutcome("51", ok=False, reason="bad")], T0)
    run = hubspot.start_run("default", "full", T0)
    assert salesforce.checkpoint("default") is None
    assert salesforce.failed("default") == [] and salesforce.runs() == []
    assert hubspot.checkpoint("default") == HUBSPOT_CP
    assert [(r.id, r.portal) for r in hubspot.runs()] == [(run, "default")]


def _version_3_store(url, monkeypatch, rows):
    """A store as leadscore before v4 left it: portal keys without their CRM."""
    monkeypatch.setattr(migrations, "LATEST", 3)
    StateStore.open(url).close()
    monkeypatch.undo()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for portal, checkpoint in rows:
            if checkpoint is not None:
                conn.execute(sa.text("insert into checkpoints values (:p, :v, '2026-03-01 00:00:00')"),
                             {"p": portal, "v": checkpoint})
            conn.execute(sa.text(
                "insert into runs (portal, mode, outcome, started_at, read, scored, changed, "
                "written, failed, skipped, api_calls, rate_limited, retries) values "
                "(:p, 'full', 'ok', '2026-03-01 00:00:00', 0, 0, 0, 0, 0, 0, '{}', 0, 0)"),
                {"p": portal})
            conn.execute(sa.text("insert into own_writes values (:p, '7', 'm1')"), {"p": portal})
    engine.dispose()


def test_a_version_3_store_is_keyed_by_the_crm_whose_checkpoint_each_portal_holds(
        tmp_path, monkeypatch):
    url = default_url(tmp_path)
    _version_3_store(url, monkeypatch, [("default", HUBSPOT_CP), ("emea", SALESFORCE_CP), ("new", None)])
    hubspot, salesforce = StateStore.open(url, crm="hubspot"), StateStore.open(url, crm="salesforce")
    assert hubspot.checkpoint("default") == HUBSPOT_CP and salesforce.checkpoint("default") is None
    assert salesforce.checkpoint("emea") == SALESFORCE_CP and hubspot.checkpoint("emea") is None
    assert salesforce.markers("emea", ["7"]) == {"7": "m1"}
    assert [r.portal for r in hubspot.runs()] == ["new", "default"]
    assert [r.portal for r in salesforce.runs()] == ["emea"]


@pytest.mark.parametrize("text, problem", [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON object was expected"),
    (SALESFORCE_CP, "unknown keys after, mode, phase"),
    ('{"since": "2026-03-01", "pass": null}', "'since' is '2026-03-01'"),
    ('{"since": null, "pass": {"full": true}}', "missing keys after, hi, lo, phase"),
])
def test_hubspot_refuses_a_checkpoint_of_another_shape_with_the_fix(text, problem):
    with pytest.raises(UserError, match="checkpoint saved for this portal") as caught:
        hubspot_checkpoint(text)
    assert problem in str(caught.value) and "leadscore sync --full" in str(caught.value)


def test_salesforce_refuses_the_hubspot_checkpoint_that_used_to_end_in_a_traceback():
    with pytest.raises(UserError, match=r"unknown keys pass"):
        SalesforceCheckpoint.parse('{"pass": null, "since": 1772443800000}')


def test_each_crm_reads_its_own_checkpoint_shape():
    assert hubspot_checkpoint(HUBSPOT_CP)["pass"]["after"] == 120
    assert SalesforceCheckpoint.parse(SALESFORCE_CP).after == "00Q5e0000000120EAA"
