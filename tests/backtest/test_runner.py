"""The backtest run: every lead scored as of its own cutoff, rules that read post-contact columns named."""

from datetime import timedelta

from connector.backtest.loader import LabeledLead, LeadHistory
from connector.backtest.runner import run_backtest
from connector.scoring import parse_model
from connector.scoring.types import Event, Lead
from tests.backtest.synthetic import NOW

MODEL = """
[model]
name = "m"
version = "1"
[[fit]]
id = "quality"
property = "lead_quality"
op = "equals"
value = "High"
points = 50
[[engagement]]
id = "demo"
event = "meeting_booked"
points = 60
decay = { none = true }
[[labels]]
name = "hot"
min_engagement = 50
[[labels]]
name = "cold"
[grade]
fit = [{ band = "A", min = 0 }]
engagement = [{ band = "1", min = 0 }]
"""


def test_each_lead_is_scored_as_of_its_own_cutoff():
    meeting = (Event("meeting_booked", NOW),)
    history = LeadHistory("h", "won", [
        LabeledLead(Lead("early", {}, meeting), 1, as_of=NOW - timedelta(days=1)),  # booked after its cutoff
        LabeledLead(Lead("late", {}, meeting), 1, as_of=NOW + timedelta(days=1)),
        LabeledLead(Lead("none", {}), 0, as_of=NOW),
    ])
    result = run_backtest(history, parse_model(MODEL, "m.toml"), NOW, explicit_cutoff=False)
    assert [(s.lead_id, s.engagement, s.label) for s in result.scored] == [("early", 0, "cold"), ("late", 60, "hot"), ("none", 0, "cold")]
    assert "1 events after the cutoff were not counted (scored as of the cutoff)" in result.summary["warnings"]


def test_a_rule_reading_a_post_contact_column_is_named():
    history = LeadHistory("h", "won", [LabeledLead(Lead("a", {}), 1), LabeledLead(Lead("b", {}), 0)], left_out=frozenset({"Lead Quality"}))
    result = run_backtest(history, parse_model(MODEL, "m.toml"), NOW, explicit_cutoff=False)
    assert any(w.startswith("rule quality reads 'lead_quality', which the mapping marks post-contact") for w in result.summary["warnings"])


def test_the_properties_and_events_the_history_never_holds_are_named():
    history = LeadHistory("h", "won", [
        LabeledLead(Lead("a", {"lead_quality": None, "city": "Pune"}, (Event("visit", NOW),)), 1),
        LabeledLead(Lead("b", {"lead_quality": None}, ()), 0),
    ])
    summary = run_backtest(history, parse_model(MODEL, "m"), NOW, False).summary
    assert summary["missing_inputs"] == {"properties": ["lead_quality"], "events": ["meeting_booked"], "read_properties": 1, "read_events": 1}
    assert summary["verdict"].endswith("the history lacks all 1 of the model's properties and all 1 of the model's event types.")
