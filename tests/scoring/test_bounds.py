"""A model that validates can never make scoring fail or produce NaN: validate refuses the numbers
and names that could (limits.py, docs/scoring-model.md "Bounds"), and odd lead data only gives
warnings."""

from datetime import timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connector.scoring import Event, Lead, ModelError, parse_model, score_lead
from connector.scoring.types import WARNING_KINDS

from .conftest import BASE, NOW, make_model

ENGAGEMENT = '[[engagement]]\nid = "views"\nevent = "page_view"\npoints = 5\n'


def problems_of(text: str) -> str:
    with pytest.raises(ModelError) as err:
        parse_model(text, "models/b2b.toml")
    return str(err.value)


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_huge_points_are_refused_with_the_allowed_range():
    text = BASE + ENGAGEMENT.replace("points = 5", "points = 1e308")
    message = problems_of(text)
    assert f"models/b2b.toml:{line_of(text, '1e308')}: engagement \"views\".points:" in message
    assert "outside the allowed range -10,000 to 10,000" in message
    assert "docs/scoring-model.md, Bounds" in message


def test_a_whole_number_too_big_for_a_float_is_refused_not_a_traceback():
    message = problems_of(BASE + ENGAGEMENT.replace("points = 5", "points = " + "9" * 400))
    assert 'engagement "views".points: must be a finite number' in message


def test_a_vanishing_half_life_is_refused():
    message = problems_of(BASE + ENGAGEMENT + "decay = { half_life_days = 1e-320 }\n")
    assert 'engagement "views".decay.half_life_days:' in message
    assert "allowed range 0.01 to 36,500" in message


def test_max_events_beyond_the_bound_is_refused():
    message = problems_of(BASE + ENGAGEMENT + "max_events = 9223372036854775808\n")
    assert 'engagement "views".max_events: 9223372036854775808 is outside the allowed range 1 to 10,000' in message


def test_within_days_beyond_a_century_is_refused():
    text = BASE + '[[stages.rules]]\nstage = "salesqualifiedlead"\nevent = "meeting_booked"\nwithin_days = 1e12\n'
    message = problems_of(text)
    assert f":{line_of(text, 'within_days')}: stages.rules \"salesqualifiedlead\".within_days:" in message
    assert "allowed range 0 to 36,500" in message


def test_a_negative_group_max_is_refused():
    text = BASE + '[groups.title]\nmax = -30\n' + ENGAGEMENT + 'group = "title"\n'
    message = problems_of(text)
    assert f":{line_of(text, 'max = -30')}: groups.title.max: must be 0 or more, got -30" in message
    assert "to limit penalties use min = -N" in message


def test_a_positive_group_min_is_refused():
    message = problems_of(BASE + '[groups.title]\nmin = 10\n' + ENGAGEMENT + 'group = "title"\n')
    assert "groups.title.min: must be 0 or less, got 10" in message


def test_a_zero_width_space_in_a_property_name_is_refused():
    text = BASE + '[[fit]]\nid = "t"\nproperty = "job\u200btitle"\nop = "is_set"\npoints = 5\n'
    message = problems_of(text)
    assert f":{line_of(text, 'property')}: fit \"t\".property: contains an invisible or control character (U+200B)" in message


def test_a_nul_in_the_model_name_is_refused():
    message = problems_of(BASE.replace('name = "test"', 'name = "te\\u0000st"'))
    assert "model.name: contains an invisible or control character (U+0000)" in message


def test_score_bounds_beyond_the_limit_are_refused():
    message = problems_of(BASE + "[scores.fit]\nmin = 0\nmax = 10000000000\n")
    assert "scores.fit.max: 10000000000 is outside the allowed range -1,000,000 to 1,000,000" in message


def test_a_counter_of_infinity_is_a_warning_not_an_error():
    model = make_model(ENGAGEMENT + '[[fit]]\nid = "size"\nproperty = "numemployees"\nop = "gte"\nvalue = 1\npoints = 5\n')
    lead = Lead("1", {"numemployees": float("inf")}, (Event("page_view", NOW, {}, float("inf")),))  # type: ignore[arg-type]
    result = score_lead(lead, model, NOW)
    assert (result.fit, result.engagement) == (0, 0)
    assert [w.kind for w in result.warnings] == ["unreadable_value", "bad_count"]


def test_an_implausibly_large_count_is_a_warning():
    result = score_lead(Lead("1", {}, (Event("page_view", NOW, {}, 10**400),)), make_model(ENGAGEMENT), NOW)
    assert result.engagement == 0
    assert result.warnings == ("1 event with a count above 1,000,000,000 not counted",)
    assert result.warnings[0].kind == "huge_count"


# ---- generated models at the edges of the bounds ------------------------------------------

edge_points = st.one_of(st.sampled_from([-10_000, -0.0001, 0, 0.00005, 10_000, 9_999.99995]),
                        st.floats(-10_000, 10_000, allow_nan=False))
half_lives = st.one_of(st.sampled_from([0.01, 36_500]), st.floats(0.01, 36_500))
days = st.floats(0.0001, 36_500)


@st.composite
def edge_models(draw):
    points = abs(draw(edge_points))  # decaying rules must not be penalties (checked elsewhere)
    penalty = -abs(draw(edge_points))
    text = BASE.replace('{ band = "D", min = 0 }', '{ band = "D", min = -1000000 }').replace(
        '{ band = "4", min = 0 }', '{ band = "4", min = -1000000 }')
    text += ("[scores.fit]\nmin = -1000000\nmax = 1000000\n[scores.engagement]\nmin = -1000000\nmax = 1000000\n"
             f"[groups.g]\nmax = {draw(st.floats(0, 1_000_000))!r}\nmin = {draw(st.floats(-1_000_000, 0))!r}\n"
             f'[[fit]]\nid = "size"\nproperty = "numemployees"\nop = "gte"\nvalue = 1\npoints = {draw(edge_points)!r}\n'
             'group = "g"\n'
             f'[[fit]]\nid = "title"\nproperty = "jobtitle"\nop = "is_set"\npoints = {penalty!r}\n'
             f'[[engagement]]\nid = "views"\nevent = "page_view"\npoints = {points!r}\n'
             f"max_events = {draw(st.integers(1, 10_000))}\n"
             f"max_points = {draw(st.floats(0.0001, 1_000_000))!r}\n"
             f"decay = {{ half_life_days = {draw(half_lives)!r}, max_age_days = {draw(days)!r} }}\n"
             f'[[engagement]]\nid = "calls"\nevent = "call"\npoints = {points!r}\n'
             f"decay = {{ steps = [{{ days = {draw(days)!r}, factor = 1.0 }}] }}\n"
             f'[[engagement]]\nid = "bounce"\nevent = "email_bounce"\npoints = {penalty!r}\n'
             f'[[stages.rules]]\nstage = "salesqualifiedlead"\nevent = "call"\nwithin_days = {draw(days)!r}\n')
    return parse_model(text, "edge.toml")


odd_numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
                        st.sampled_from(["1000+", "5-25", "lots", "1e999", "-1e308", "0-0", "50-5", ""]))
odd_events = st.builds(
    Event,
    st.sampled_from(["page_view", "call", "email_bounce", "tweet"]),
    st.one_of(st.none(), st.datetimes(timezones=st.just(timezone.utc)), st.datetimes()),
    st.just({}),
    st.one_of(st.integers(-5, 10**400), st.floats(allow_nan=True, allow_infinity=True)),
)


@settings(max_examples=300, deadline=None)
@given(model=edge_models(), size=odd_numbers, title=odd_numbers,
       events=st.lists(odd_events, max_size=6).map(tuple), later=st.floats(0, 10**6))
def test_scoring_never_raises_and_gives_whole_scores_within_bounds(model, size, title, events, later):
    lead = Lead("1", {"numemployees": size, "jobtitle": title}, events)  # type: ignore[dict-item]
    result = score_lead(lead, model, NOW + timedelta(days=later))
    for score, bounds in ((result.fit, model.fit_bounds), (result.engagement, model.engagement_bounds)):
        assert type(score) is int
        assert bounds.min <= score <= bounds.max
    assert all(type(reason.points) is int for reason in result.reasons)
    assert all(warning.kind in WARNING_KINDS for warning in result.warnings)


def test_an_invisible_character_in_a_group_name_is_refused():
    message = problems_of(BASE + '[groups."ti\\u200btle"]\nmax = 30\n')
    assert "groups.'ti\\u200btle': the group's name contains an invisible or control character" in message
