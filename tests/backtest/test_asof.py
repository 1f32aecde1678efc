"""Scoring as of a cutoff: an event after the cutoff never counts."""

from datetime import timedelta

from connector.backtest.asof import as_of, default_cutoff
from connector.backtest.loader import LabeledLead
from connector.scoring.types import Event, Lead
from tests.backtest.synthetic import NOW


def test_events_after_the_cutoff_are_dropped():
    before = Event("page_view", NOW - timedelta(days=1), {"url": "/pricing"})
    after = Event("meeting_booked", NOW + timedelta(seconds=1))
    lead, dropped, undated = as_of(Lead("x", {}, (before, after)), NOW)
    assert lead.events == (before,)
    assert (dropped, undated) == (1, 0)


def test_an_event_at_the_cutoff_counts():
    at = Event("visit", NOW)
    assert as_of(Lead("x", {}, (at,)), NOW)[0].events == (at,)


def test_undated_totals_are_dated_at_the_cutoff_and_counted():
    lead, dropped, undated = as_of(Lead("x", {}, (Event("visit", None, count=4),)), NOW)
    assert lead.events == (Event("visit", NOW, count=4),)
    assert (dropped, undated) == (0, 4)


def test_default_cutoff_is_the_latest_event_of_the_history():
    items = [
        LabeledLead(Lead("a", {}, (Event("visit", NOW - timedelta(days=2)),)), 1),
        LabeledLead(Lead("b", {}, (Event("visit", NOW), Event("visit", None))), 0),
    ]
    assert default_cutoff(items, NOW - timedelta(days=99)) == NOW
    assert default_cutoff([LabeledLead(Lead("c", {}), 0)], NOW) == NOW
