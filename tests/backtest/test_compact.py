"""Leads held compact read back as the leads they were (but the attributes no rule reads)."""

from datetime import UTC, datetime

from connector.backtest.compact import CompactHistory, CompactLeads, Subset
from connector.backtest.loader import LabeledLead
from connector.scoring.types import Event, Lead

AT = datetime(2026, 3, 1, 9, 30, 5, 123457, tzinfo=UTC)
LEADS = [
    Lead("1", {"jobtitle": "VP Sales", "country": None}, (
        Event("page_view", AT, {"url": "https://x.io/pricing", "title": "Pricing"}, 3),
        Event("form_submission", None, {"form": "Demo request"}),
    ), "lead"),
    Lead("2", {"numemployees": "40"}, (), None),
    Lead("3", {"jobtitle": "VP Sales", "industry": "Software"}, (Event("meeting_booked", AT),), "opportunity"),
]


def test_leads_read_back_as_they_were_appended():
    compact = CompactLeads()
    for lead in LEADS:
        compact.append(lead)
    expected = [Lead(lead.id, {k: v for k, v in lead.properties.items() if v is not None}, lead.events, lead.stage)
                for lead in LEADS]
    assert list(compact) == expected and compact[-1] == expected[-1] and len(compact) == 3


def test_only_the_attributes_asked_for_are_kept():
    compact = CompactLeads({"page_view": ("url",)})
    compact.append(LEADS[0])
    view, form = compact[0].events
    assert view.attributes == {"url": "https://x.io/pricing"} and form.attributes == {}


def test_a_history_keeps_outcomes_and_moments_and_a_subset_is_a_view():
    history = CompactHistory()
    for i, lead in enumerate(LEADS):
        history.append(LabeledLead(lead, i % 2, AT if i else None))
    assert [(item.outcome, item.as_of) for item in history] == [(0, None), (1, AT), (0, AT)]
    assert [lead.id for lead in Subset(history.leads, [2, 0])] == ["3", "1"]
