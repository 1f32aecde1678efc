"""Candidate rules derived from the data: groups of exclusive cases and capped event counts."""

from datetime import timedelta

from connector.backtest.candidates import EventCount, NumberGroup, TextGroup, derive
from connector.scoring.types import Event, Lead
from tests.backtest.synthetic import NOW, history


def _lead(**properties):
    return Lead("x", properties)


def test_frequent_text_values_become_cases_compared_without_case():
    leads, _ = history()
    source = next(g for g in derive(leads, [NOW] * len(leads)).groups if g.property == "lead_source")
    assert isinstance(source, TextGroup)
    assert {level.lower() for level in source.levels} == {"reference", "google", "chat"}
    assert source.case_of(_lead(lead_source="CHAT"), NOW) == source.case_of(_lead(lead_source="Chat"), NOW)


def test_text_cases_are_missing_other_then_levels():
    group = TextGroup("lead_source", ("Google", "Reference"))
    assert [group.case_of(_lead(lead_source=v), NOW) for v in (None, "", "Bing", "google", "Reference")] == [0, 0, 1, 2, 3]


def test_numbers_fall_in_bins_and_text_in_the_lowest():
    group = NumberGroup("time_on_website", (10.0, 100.0))
    values = [None, "n/a", "lots", "0", "10", "99.5", "100", "1,000"]
    # "n/a" is missing to the scoring core; text that is no number fails every gte rule
    assert [group.case_of(_lead(time_on_website=v), NOW) for v in values] == [0, 0, 1, 1, 2, 2, 3, 3]


def test_numeric_property_gets_quantile_edges():
    leads, _ = history()
    group = next(g for g in derive(leads, [NOW] * len(leads)).groups if g.property == "time_on_website")
    assert isinstance(group, NumberGroup)
    assert list(group.edges) == sorted(group.edges) and len(group.edges) >= 5


def test_a_property_with_one_value_for_everyone_gives_no_rule():
    leads = [Lead(str(i), {"magazine": "No"}) for i in range(100)]
    assert derive(leads, [NOW] * 100).groups == ()


def test_event_count_is_capped_and_ignores_events_after_the_cutoff():
    lead = Lead("x", {}, (Event("visit", NOW - timedelta(days=1), count=3), Event("visit", NOW + timedelta(days=1))))
    assert EventCount("visit", 2, None).value(lead, NOW) == 2
    assert EventCount("visit", 10, None).value(lead, NOW) == 3


def test_recency_window_counts_only_recent_events():
    lead = Lead("x", {}, (Event("visit", NOW - timedelta(days=3)), Event("visit", NOW - timedelta(days=40))))
    assert EventCount("visit", 10, 7).value(lead, NOW) == 1
    assert EventCount("visit", 10, 90).value(lead, NOW) == 2


def test_dated_events_get_recency_windows_and_undated_ones_do_not():
    leads, _ = history(dated=True)
    windows = {c.window_days for c in derive(leads, [NOW] * len(leads)).counts}
    assert windows == {7, 30, 90, None}
    leads, _ = history(dated=False)
    undated = [Lead(x.id, x.properties, tuple(Event(e.type, NOW) for e in x.events)) for x in leads]
    assert {c.window_days for c in derive(undated, [NOW] * len(leads)).counts} == {None}


def test_an_anchored_number_group_keeps_every_value_in_its_bin():
    group = NumberGroup("time_on_website", (1.0, 57.0, 146.0))
    numbers = [0, 0, 3, 56, 57, 100, 146, 900]
    anchored = group.anchored(2, numbers)
    assert (anchored.edges, anchored.closed) == ((0.0, 56.0, 146.0), 2)
    for n in numbers:
        lead = _lead(time_on_website=str(n))
        assert anchored.case_of(lead, NOW) == group.case_of(lead, NOW)
    assert anchored.case_of(_lead(time_on_website="lots"), NOW) == 3  # text that is no number: the anchor bin
