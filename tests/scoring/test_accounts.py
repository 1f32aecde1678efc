"""Account (company) scores: fit from the company's properties, engagement rolled up from its
contacts' engagement scores, reasons naming the contacts that contribute most."""

from __future__ import annotations

import pytest

from connector.scoring import ModelError, load_model, parse_model
from connector.scoring.accounts import score_account
from connector.scoring.types import Account, Contribution

from .conftest import BASE, DEFAULT_MODEL, NOW

SECTION = """
[account]
rollup = "{rollup}"
cap = {cap}

[[account.fit]]
id = "account_mid"
property = "numberofemployees"
op = "between"
min = 50
max = 999
points = 40
reason = "mid-market: {{value}} employees"

[[account.labels]]
name = "hot"
min_fit = 40
min_engagement = 50
[[account.labels]]
name = "cold"
"""


def section(rollup: str = "top3_mean", cap: int = 100):
    model = parse_model(BASE + SECTION.format(rollup=rollup, cap=cap), "models/b2b.toml")
    assert model.account is not None
    return model.account


def people(*scores: int) -> list[Contribution]:
    return [Contribution(str(i + 1), f"Person {i + 1}", s) for i, s in enumerate(scores)]


ACME = Account("9001", "Acme Inc.", {"numberofemployees": "250"})


def problems_of(text: str) -> str:
    with pytest.raises(ModelError) as err:
        parse_model(text, "models/b2b.toml")
    return str(err.value)


def test_top3_mean_averages_the_three_most_engaged_contacts():
    result = score_account(ACME, people(90, 10, 60, 30), section("top3_mean"), NOW)
    assert result.engagement == 60  # (90 + 60 + 30) / 3


def test_top3_mean_of_fewer_contacts_is_their_mean():
    assert score_account(ACME, people(80, 40), section("top3_mean"), NOW).engagement == 60


def test_top3_mean_counts_a_contact_without_engagement_but_names_only_the_engaged():
    result = score_account(ACME, people(60, 0, 0), section("top3_mean"), NOW)
    assert result.engagement == 20  # (60 + 0 + 0) / 3
    assert [r.text for r in result.reasons if r.score == "engagement"] == [
        "+20 contact Person 1 (engagement 60)"]


def test_max_takes_the_most_engaged_contact():
    assert score_account(ACME, people(20, 75, 40), section("max"), NOW).engagement == 75


def test_sum_is_held_at_the_cap_with_a_bound_line():
    result = score_account(ACME, people(50, 40, 30), section("sum", cap=100), NOW)
    assert result.engagement == 100
    bound = [r for r in result.reasons if r.bound]
    assert bound and bound[0].points == -20


def test_fit_comes_from_the_company_properties():
    result = score_account(ACME, people(), section(), NOW)
    assert result.fit == 40
    assert any("mid-market: 250 employees" in r.text for r in result.reasons)


def test_label_and_grade_follow_the_account_section():
    result = score_account(ACME, people(90, 80, 70), section(), NOW)
    assert result.label == "hot"
    assert result.grade == "C1"


def test_reasons_name_the_contacts_that_contribute_most_and_add_up():
    result = score_account(ACME, people(10, 20, 30, 40, 50), section("sum", cap=1000), NOW)
    engagement = [r for r in result.reasons if r.score == "engagement"]
    assert [r.text for r in engagement[:3]] == [
        "+50 contact Person 5 (engagement 50)", "+40 contact Person 4 (engagement 40)",
        "+30 contact Person 3 (engagement 30)"]
    assert engagement[3].text == "+30 2 other contacts"
    assert sum(r.points for r in engagement) == result.engagement == 150


def test_top3_mean_shares_add_up_to_the_engagement():
    result = score_account(ACME, people(50, 50, 51), section("top3_mean"), NOW)
    engagement = [r for r in result.reasons if r.score == "engagement"]
    assert sum(r.points for r in engagement) == result.engagement == 50


def test_an_account_without_contacts_has_no_engagement():
    result = score_account(ACME, [], section(), NOW)
    assert result.engagement == 0 and result.label == "cold"


def test_default_model_scores_accounts():
    model = load_model(DEFAULT_MODEL)
    assert model.account is not None and model.account.rollup == "top3_mean"
    company = Account("1", "Beta", {"numberofemployees": "300", "industry": "COMPUTER_SOFTWARE",
                                    "country": "Germany", "annualrevenue": "20000000"})
    result = score_account(company, people(70, 60, 50), model.account, NOW)
    assert (result.fit, result.engagement, result.label) == (85, 60, "hot")


def test_a_model_without_the_section_scores_no_accounts():
    assert parse_model(BASE, "m.toml").account is None


def test_unknown_rollup_names_the_line_and_the_nearest():
    text = BASE + SECTION.format(rollup="top3mean", cap=100)
    message = problems_of(text)
    line = text.splitlines().index('rollup = "top3mean"') + 1
    assert f"models/b2b.toml:{line}: account.rollup: unknown rollup 'top3mean'; fix: did you mean 'top3_mean'?" in message


def test_a_cap_at_the_engagement_minimum_is_refused():
    assert "account.cap: must be above the engagement minimum (0), got 0" in problems_of(
        BASE + SECTION.format(rollup="sum", cap=0))


def test_account_fit_rules_are_checked_like_fit_rules():
    text = BASE + SECTION.format(rollup="sum", cap=100).replace('op = "between"', 'op = "betwen"')
    message = problems_of(text)
    line = text.splitlines().index('op = "betwen"') + 1
    assert f'models/b2b.toml:{line}: account.fit "account_mid".op' in message


def test_account_rule_ids_must_differ_from_contact_rule_ids():
    text = BASE + '[[fit]]\nid = "account_mid"\nproperty = "jobtitle"\nop = "is_set"\npoints = 1\n' + SECTION.format(
        rollup="sum", cap=100)
    assert "duplicate rule id 'account_mid'" in problems_of(text)


def test_missing_rollup_says_how_to_write_it():
    text = BASE + "[account]\ncap = 100\n"
    assert "account.rollup: 'rollup' is missing; fix: add rollup = \"top3_mean\"" in problems_of(text)


def test_account_labels_out_of_order_are_named_with_their_section():
    text = BASE + SECTION.format(rollup="sum", cap=100).replace("min_fit = 40", "min_fit = 40\n[[account.labels]]\nname = \"warm\"\nmin_fit = 50")
    assert 'account.labels "warm".min_fit: thresholds out of order' in problems_of(text)
