from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import pytest

from connector.sandbox.seed import ACTIVITY_KINDS, STAGES, default_anchor, generate_people, person

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def people():
    return list(generate_people(7, 3000, ANCHOR))


def test_same_seed_gives_the_same_people():
    assert list(generate_people(3, 50, ANCHOR)) == list(generate_people(3, 50, ANCHOR))


def test_another_seed_gives_other_people():
    a = [p.email for p in generate_people(3, 50, ANCHOR)]
    b = [p.email for p in generate_people(4, 50, ANCHOR)]
    assert a != b


def test_a_person_does_not_depend_on_the_portal_size():
    assert list(generate_people(5, 1000, ANCHOR))[123] == person(5, 123, ANCHOR)


def test_history_ends_at_the_anchor_and_spans_months(people):
    times = [a.at for p in people for a in p.activities]
    assert max(times) <= ANCHOR
    assert ANCHOR - min(times) > timedelta(days=120)


def test_activity_kinds_and_stages_are_the_neutral_ones(people):
    assert {a.kind for p in people for a in p.activities} <= set(ACTIVITY_KINDS)
    assert {p.stage for p in people} == set(STAGES)


def test_propensity_drives_activity_intensity(people):
    ranked = sorted(people, key=lambda p: p.propensity)
    low, high = ranked[: len(ranked) // 4], ranked[-len(ranked) // 4:]
    def mean_count(group):
        return statistics.mean(len([a for a in p.activities if a.kind != "marketing_email_delivered"]) for p in group)
    assert mean_count(high) > 2 * mean_count(low)


def test_propensity_drives_recency(people):
    ranked = sorted((p for p in people if p.activities), key=lambda p: p.propensity)
    low, high = ranked[: len(ranked) // 4], ranked[-len(ranked) // 4:]
    def mean_age(group):
        return statistics.mean((ANCHOR - p.activities[-1].at).days for p in group)
    assert mean_age(high) < mean_age(low)


def test_customers_have_higher_propensity_than_the_rest(people):
    customers = [p.propensity for p in people if p.stage == "customer"]
    others = [p.propensity for p in people if p.stage != "customer"]
    assert 0.02 < len(customers) / len(people) < 0.3
    assert statistics.mean(customers) > statistics.mean(others) + 0.1


def test_some_emails_repeat_in_another_case(people):
    emails = [p.email for p in people if p.email]
    lowered = [e.lower() for e in emails]
    assert len(set(lowered)) < len(set(emails))


def test_some_values_are_blank_or_placeholders(people):
    titles = [p.job_title for p in people]
    assert None in titles
    assert any(t is not None and t.strip().lower() in ("", "n/a", "-", "none") for t in titles)


def test_some_strings_are_very_long(people):
    assert max(len(p.job_title or "") for p in people) > 1000


def test_names_include_non_ascii(people):
    assert any(not (p.first_name or "").isascii() for p in people)


def test_some_people_have_thousands_of_events(people):
    assert max(len(p.activities) for p in people) >= 1000


def test_the_default_anchor_is_today_at_midnight_utc():
    anchor = default_anchor()
    now = datetime.now(UTC)
    assert anchor.tzinfo is not None and anchor.utcoffset() == timedelta(0)
    assert (anchor.hour, anchor.minute, anchor.second, anchor.microsecond) == (0, 0, 0, 0)
    assert timedelta(0) <= now - anchor < timedelta(days=1)
