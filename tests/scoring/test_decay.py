"""Time decay of engagement points: half-life, step windows, none, and the model default."""

from datetime import timedelta

import pytest

from connector.scoring import Event, Lead, score_lead
from connector.scoring.decay import Decay

from .conftest import NOW, WIDE_BASE, make_model


def engagement_at(decay: str, age_days: float, points: int = 40, default: str = "") -> int:
    rule = f'[[engagement]]\nid = "click"\nevent = "email_click"\npoints = {points}\n{decay}\n'
    model = make_model(default + rule)
    lead = Lead("1", {}, (Event("email_click", NOW - timedelta(days=age_days)),))
    return score_lead(lead, model, NOW).engagement


def test_half_life_halves_points_each_half_life():
    decay = "decay = { half_life_days = 30 }"
    assert engagement_at(decay, 0) == 40
    assert engagement_at(decay, 30) == 20
    assert engagement_at(decay, 60) == 10


def test_half_life_with_max_age_drops_older_events():
    decay = "decay = { half_life_days = 30, max_age_days = 90 }"
    assert engagement_at(decay, 89) == 5
    assert engagement_at(decay, 91) == 0


def test_steps_keep_full_then_partial_points_then_none():
    decay = "decay = { steps = [{ days = 30, factor = 1.0 }, { days = 90, factor = 0.5 }] }"
    assert engagement_at(decay, 30) == 40
    assert engagement_at(decay, 31) == 20
    assert engagement_at(decay, 90) == 20
    assert engagement_at(decay, 91) == 0


def test_no_decay_keeps_points_forever():
    assert engagement_at("decay = { none = true }", 3650) == 40


def test_rules_without_decay_use_the_models_default():
    default = "[decay]\nhalf_life_days = 10\n"
    assert engagement_at("", 10, default=default) == 20


def test_without_a_default_engagement_does_not_decay():
    assert engagement_at("", 400) == 40


def test_negative_rules_never_decay_even_with_a_default():
    model = make_model('[decay]\nhalf_life_days = 10\n[[engagement]]\nid = "unsub"\nevent = "unsubscribe"\npoints = -20\n',
                       base=WIDE_BASE)
    lead = Lead("1", {}, (Event("unsubscribe", NOW - timedelta(days=365)),))
    assert score_lead(lead, model, NOW).engagement == -20


def test_each_event_decays_by_its_own_age():
    model = make_model('[[engagement]]\nid = "view"\nevent = "page_view"\npoints = 10\ndecay = { half_life_days = 7 }\n')
    events = (Event("page_view", NOW), Event("page_view", NOW - timedelta(days=7)), Event("page_view", NOW - timedelta(days=14)))
    assert score_lead(Lead("1", {}, events), model, NOW).engagement == 18  # 10 + 5 + 2.5 = 17.5, rounded half up


@pytest.mark.parametrize("decay", [Decay("half_life", half_life_days=3.5), Decay("steps", steps=((5, 1.0), (9, 0.25))),
                                   Decay("none")])
def test_every_decay_form_never_grows_with_age(decay):
    ages = [i / 4 for i in range(0, 80)]
    factors = [decay.factor(age) for age in ages]
    assert factors == sorted(factors, reverse=True)
    assert all(0 <= f <= 1 for f in factors)


@pytest.mark.parametrize("decay", [Decay("half_life", half_life_days=30), Decay("half_life", half_life_days=7, max_age_days=20),
                                   Decay("steps", steps=((30, 1.0), (90, 0.5)))])
def test_compiled_decay_gives_exactly_the_documented_factor(decay):
    compiled = decay.compiled()
    for age in (0.0, 0.5, 6.99, 7.0, 20.0, 20.01, 30.0, 30.5, 89.9, 90.0, 90.1, 365.0):
        assert compiled(age) == decay.factor(age)


def test_no_decay_compiles_to_nothing_to_compute():
    assert Decay("none").compiled() is None
