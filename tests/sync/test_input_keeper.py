"""The kept scoring inputs of one lead, as the keeper stores and serves them back."""

from __future__ import annotations

from datetime import UTC, datetime

from connector.crm.base import LeadRecord
from connector.scoring import load_model
from connector.scoring.types import Event, Lead
from connector.state import RecordOutcome, StateStore, default_url
from connector.sync.inputs import InputKeeper
from tests.sync.hubspot_helpers import MODEL

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def served(keeper: InputKeeper) -> dict[str, LeadRecord]:
    return {r.lead.id: r for page in keeper.pages(set()) for r in page.records}


def test_a_kept_lead_comes_back_with_its_owner_so_a_rescore_can_make_its_task(tmp_path):
    lead = Lead("7", {"jobtitle": "VP Sales", "firstname": "Ana"}, (Event("email_open", AT),), "lead")
    with StateStore.open(default_url(tmp_path)) as store:
        keeper = InputKeeper(store, "acme", load_model(MODEL))
        keeper.begin()
        keeper.scored(LeadRecord(lead, {"label": "cold"}, owner="501"), {})  # unchanged
        keeper.scored(LeadRecord(Lead("8", {}, (), "lead"), {}, owner="502"), {"label": "warm"})
        keeper.outcomes([RecordOutcome("8", ok=True)])
        keeper.flush()
        back = served(keeper)
    assert (back["7"].owner, back["8"].owner) == ("501", "502")
    assert back["7"].lead.properties == {"jobtitle": "VP Sales"}  # only what the model reads
    assert back["8"].written == {"label": "warm"}
