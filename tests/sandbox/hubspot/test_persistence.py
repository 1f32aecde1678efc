"""State in a data directory survives a restart; the same seed makes the same portal."""

from __future__ import annotations

from hubspot.crm.contacts import BatchInputSimplePublicObjectBatchInput

from connector.sandbox.hubspot import HubSpotSandbox, open_store
from tests.sandbox.hubspot.conftest import ANCHOR, client_for


def _write(sb, contact_id, properties):
    client_for(sb).crm.contacts.batch_api.update(
        BatchInputSimplePublicObjectBatchInput(inputs=[{"id": str(contact_id), "properties": properties}]))


def test_writes_survive_a_restart_on_the_same_data_dir(tmp_path):
    with HubSpotSandbox.start(contacts=20, seed=1, anchor=ANCHOR, data_dir=tmp_path) as sb:
        _write(sb, 3, {"jobtitle": "Written before the restart"})
    with HubSpotSandbox.start(contacts=20, seed=1, anchor=ANCHOR, data_dir=tmp_path) as sb:
        assert sb.contact(3, ["jobtitle"]) == {"jobtitle": "Written before the restart"}
        assert [p for _, p in sb.write_history(3)] == [{"jobtitle": "Written before the restart"}]


def test_reset_puts_the_portal_back_to_the_seed(tmp_path):
    with HubSpotSandbox.start(contacts=20, seed=1, anchor=ANCHOR, data_dir=tmp_path) as sb:
        original = sb.contact(3, ["jobtitle"])
        _write(sb, 3, {"jobtitle": "Changed"})
    open_store(tmp_path, seed=1, contacts=20, anchor=ANCHOR, reset=True).close()
    with HubSpotSandbox.start(contacts=20, seed=1, anchor=ANCHOR, data_dir=tmp_path) as sb:
        assert sb.contact(3, ["jobtitle"]) == original
        assert sb.write_history(3) == []


def test_the_same_seed_makes_the_same_portal():
    names = ["email", "jobtitle", "lifecyclestage", "hs_analytics_num_page_views", "hs_email_last_open_date"]
    portals = []
    for _ in range(2):
        with HubSpotSandbox.start(contacts=40, seed=9, anchor=ANCHOR) as sb:
            portals.append(sb.store.read_many("contacts", names, [str(i) for i in range(1, 41)]))
    assert portals[0] == portals[1]


def test_seeding_in_a_worker_process_makes_the_same_portal(monkeypatch):
    from connector.sandbox.hubspot import seeding
    from connector.sandbox.hubspot.store import Store

    def build():
        store = Store(":memory:")
        seeding.seed_portal(store, 4, 120, ANCHOR)
        tables = ("obj_contacts", "obj_emails", "obj_meetings", "obj_calls", "obj_notes", "associations", "web_events")
        rows = {t: store.db.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in tables}
        store.close()
        return rows

    monkeypatch.setattr(seeding, "BATCH", 10)
    monkeypatch.setattr(seeding, "PARALLEL_FROM", 10_000)
    serial = build()
    monkeypatch.setattr(seeding, "PARALLEL_FROM", 1)
    assert build() == serial
