"""Reasons add up: the whole points of a score's reason lines sum exactly to the score."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from connector.scoring import Event, Lead, score_lead

from .conftest import NOW, fit_rule, make_model
from .test_properties import MODELS, events, leads

# Leads with several decayed events of different rules: where rounding each reason on its own
# would not add up.
DECAYING = ["page_view", "form_submission", "email_open", "email_click", "visit", "meeting_held"]
decayed_leads = st.builds(Lead, st.just("2"), st.just({}),
                          st.lists(events(types=st.sampled_from(DECAYING)), min_size=2, max_size=12).map(tuple))


def points_of(result, score: str) -> int:
    return sum(reason.points for reason in result.reasons if reason.score == score)


@settings(max_examples=400, deadline=None)
@given(model=MODELS, lead=leads)
def test_reason_points_sum_to_each_score(model, lead):
    result = score_lead(lead, model, NOW)
    assert points_of(result, "fit") == result.fit
    assert points_of(result, "engagement") == result.engagement


@settings(max_examples=400, deadline=None)
@given(model=MODELS, lead=decayed_leads)
def test_reason_points_of_decayed_events_sum_to_the_engagement_score(model, lead):
    result = score_lead(lead, model, NOW)
    assert points_of(result, "engagement") == result.engagement


def test_rounding_is_allocated_so_the_reasons_add_up():
    model = make_model("".join(fit_rule(f'property = "p{i}"\nop = "is_set"', 2.5, f"r{i}") for i in range(3)))  # type: ignore[arg-type]
    result = score_lead(Lead("1", {"p0": "x", "p1": "x", "p2": "x"}), model, NOW)
    assert result.fit == 8  # 7.5 rounded half up
    assert [r.points for r in result.reasons] == [2, 3, 3]
    assert [r.text for r in result.reasons] == ["+2 p0: x", "+3 p1: x", "+3 p2: x"]


def test_a_reason_moved_by_the_rounding_still_says_it_decayed():
    model = make_model('[[engagement]]\nid = "a"\nevent = "page_view"\npoints = 20\ndecay = { half_life_days = 30 }\n'
                       '[[engagement]]\nid = "b"\nevent = "email_reply"\npoints = 20\ndecay = { half_life_days = 30 }\n')
    age = timedelta(days=30 * 1.2)  # 20 × 0.5**1.2 = 8.7 each: 17.4 in all, 9 + 9 shown on their own
    lead = Lead("1", {}, (Event("page_view", NOW - age), Event("email_reply", NOW - age)))
    result = score_lead(lead, model, NOW)
    assert result.engagement == 17
    assert [r.points for r in result.reasons] == [8, 9]
    assert result.reasons[0].text == "+8 page view (decayed from 20)"
    assert result.reasons[1].text == "+9 email reply (decayed from 20)"


def test_the_bound_line_is_marked_and_listed_after_the_rules():
    model = make_model(fit_rule('property = "a"\nop = "is_set"', 80, "a") + fit_rule('property = "b"\nop = "is_set"', 70, "b"))
    result = score_lead(Lead("1", {"a": "x", "b": "y"}), model, NOW)
    assert [(r.rule, r.points, r.bound) for r in result.reasons] == [("a", 80, False), ("b", 70, False), ("fit_bounds", -50, True)]
    assert points_of(result, "fit") == result.fit == 100


def test_exact_whole_points_are_never_moved_by_the_rounding():
    model = make_model(fit_rule('property = "a"\nop = "is_set"', 5, "a") + fit_rule('property = "b"\nop = "is_set"', 0.4, "b")
                       + fit_rule('property = "c"\nop = "is_set"', 0.4, "c"))  # type: ignore[arg-type]
    result = score_lead(Lead("1", {"a": "x", "b": "y", "c": "z"}), model, NOW)
    assert result.fit == 6  # 5.8
    assert [r.points for r in result.reasons] == [5, 1, 0]
