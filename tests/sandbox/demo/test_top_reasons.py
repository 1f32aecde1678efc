"""The demo's "hottest leads" table shows a lead's strongest reasons, never a bound line."""

from datetime import UTC, datetime
from pathlib import Path

from connector.sandbox.demo.run import _top_reasons
from connector.scoring import load_model, score_lead
from connector.scoring.leadfile import read_leads

ROOT = Path(__file__).resolve().parents[3]


def test_a_bound_line_is_not_listed_among_the_top_reasons():
    model = load_model(ROOT / "config" / "scoring.toml")
    leads = {lead.id: lead for lead in read_leads(ROOT / "config" / "sample_leads.jsonl")}
    result = score_lead(leads["1002"], model, datetime(2026, 11, 20, tzinfo=UTC))
    bound = [r for r in result.reasons if r.bound]
    assert bound, "the sample lead 1002 has a score held at a bound"
    shown = _top_reasons(result, n=len(result.reasons))
    assert len(shown.splitlines()) == len(result.reasons) - len(bound)
    assert "held at" not in shown
