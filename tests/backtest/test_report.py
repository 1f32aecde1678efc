"""The HTML report and its charts are written, and the page needs nothing from the network."""

import re

import pytest

from connector.backtest import metrics
from connector.backtest.report import CHARTS, charted_rules, rule_notes, write_report
from connector.backtest.summary import MissingInputs, ModelFacts, ScoredLead, summarize
from connector.backtest.verdict import rating

FACTS = ModelFacts(
    name="b2b-saas-default",
    version="1.0.0",
    labels=("hot", "warm", "cold"),
    fit_bands=("A", "B"),
    engagement_bands=("1", "2"),
    rules=("senior_title", "free_mail"),
    rule_texts={"senior_title": "jobtitle regex vp|director"},
)


def _lead(i, outcome, fit, engagement, label, grade, rules=()):
    return ScoredLead(f"c-{i}", outcome, fit, engagement, label, grade, frozenset(rules))


@pytest.fixture
def scored():
    return [
        _lead(1, 1, 80, 60, "hot", "A1", ["senior_title"]),
        _lead(2, 1, 70, 20, "warm", "A2", ["senior_title"]),
        _lead(3, 0, 60, 55, "hot", "A1"),
        _lead(4, 0, 20, 10, "cold", "B2", ["free_mail"]),
        _lead(5, 1, 30, 50, "warm", "B1"),
        _lead(6, 0, 10, 0, "cold", "B2", ["free_mail"]),
    ]


def test_summary_holds_the_headline_figures(scored):
    summary = summarize(scored, FACTS)
    # totals 140, 90, 115, 30, 80, 10; converters 140, 90, 80 vs 115, 30, 10 -> 7 of 9 pairs won
    assert summary["auc"] == pytest.approx(7 / 9)
    # top 30% of 6 = 2 leads: 140 (converted) and 115 (not)
    assert summary["top30_conversion"] == pytest.approx(0.5)
    assert summary["top30_recall"] == pytest.approx(1 / 3)
    assert list(summary["conversion_by_label"]) == ["hot", "warm", "cold"]
    assert summary["conversion_by_label"]["warm"]["rate"] == 1.0
    assert list(summary["conversion_by_grade"]) == ["A1", "A2", "B1", "B2"]
    senior = summary["rules"][0]
    assert (senior["rule"], senior["fired"], senior["with"]["rate"]) == ("senior_title", 2, 1.0)


def test_report_writes_the_page_and_one_png_per_chart(scored, tmp_path):
    page = write_report(summarize(scored, FACTS), scored, FACTS, tmp_path / "report")
    assert page == tmp_path / "report" / "index.html"
    for name in CHARTS:
        assert (tmp_path / "report" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_report_is_self_contained(scored, tmp_path):
    text = write_report(summarize(scored, FACTS), scored, FACTS, tmp_path).read_text()
    without_images = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert "//" not in without_images  # no http(s)://, no protocol-relative //host
    sources = re.findall(r'src="([^"]*)"', text)
    assert len(sources) == len(CHARTS)
    assert all(src.startswith("data:image/png;base64,") for src in sources)
    assert "<link" not in text and "<script" not in text


def test_report_shows_the_rule_table_with_intervals(scored, tmp_path):
    text = write_report(summarize(scored, FACTS), scored, FACTS, tmp_path).read_text()
    assert "jobtitle regex vp|director" in text
    assert "100.0% (34.2%-100.0%, n=2)" in text  # senior_title: 2 of 2, Wilson 95%


def _rules_summary(fired_with, fired_without, points, n=200):
    """Leads of which `fired_with` of the first n//2 (the rule fired) converted and
    `fired_without` of the rest; the rule gives `points`."""
    facts = ModelFacts("m", "1", ("hot", "cold"), ("A",), ("1",), ("r",), {"r": "x is set"}, {"r": points})
    half = n // 2
    scored = [_lead(i, int(i < fired_with), 10, 0, "cold", "A1", ["r"]) for i in range(half)]
    scored += [_lead(half + i, int(i < fired_without), 20 if i % 2 else 0, 0, "hot", "A1") for i in range(half)]
    return summarize(scored, facts)


def test_calibration_bands_are_labelled_by_the_whole_scores_they_hold():
    leads = [_lead(i, i % 2, i % 2, 0, "cold", "A1") for i in range(10)]  # scores 0 and 1 only
    bands = summarize(leads, FACTS)["calibration"]
    assert [b["band"] for b in bands] == ["0", "1"]


def test_a_rule_that_never_fires_is_marked_and_given_no_difference(scored):
    facts = ModelFacts(**{**{f: getattr(FACTS, f) for f in FACTS.__dataclass_fields__}, "rules": ("senior_title", "never")})
    never = next(r for r in summarize(scored, facts)["rules"] if r["rule"] == "never")
    assert (never["status"], never["difference"], never["wrong_way"]) == ("never fires", None, False)


def test_a_rule_that_fires_on_every_lead_is_marked_and_given_no_difference(scored):
    everyone = [_lead(i, s.outcome, s.fit, s.engagement, s.label, s.grade, ["free_mail"]) for i, s in enumerate(scored)]
    rule = next(r for r in summarize(everyone, FACTS)["rules"] if r["rule"] == "free_mail")
    assert (rule["status"], rule["difference"], rule["difference_interval"]) == ("fires on every lead", None, None)


def test_a_negative_rule_whose_leads_convert_better_is_wrong_way_round():
    (rule,) = _rules_summary(60, 30, points=-20)["rules"]
    assert rule["difference_interval"][0] > 0
    assert rule["wrong_way"] is True


def test_a_positive_rule_whose_leads_convert_worse_is_wrong_way_round():
    (rule,) = _rules_summary(30, 60, points=10)["rules"]
    assert rule["wrong_way"] is True


def test_a_rule_whose_difference_may_be_noise_is_not_called_wrong_way_round():
    (rule,) = _rules_summary(50, 45, points=-20)["rules"]
    assert rule["difference_interval"][0] < 0 < rule["difference_interval"][1]
    assert (rule["significant"], rule["wrong_way"]) == (False, False)


def test_report_names_the_rules_left_out_of_the_chart_and_the_wrong_way_round_ones(tmp_path):
    summary = _rules_summary(60, 30, points=-20)
    summary["rules"].append({**summary["rules"][0], "rule": "idle", "status": "never fires", "fired": 0, "difference": None,
                             "difference_interval": None, "significant": False, "wrong_way": False})
    notes = rule_notes(summary)
    assert any("chart leaves them out: idle" in n for n in notes)
    assert any(n.startswith("wrong way round: r gives -20 points, yet its leads convert better") for n in notes)
    assert [r["rule"] for r in charted_rules(summary)] == ["r"]


def test_verdict_calls_an_auc_near_half_barely_better_than_chance():
    assert rating(0.526, 0.514, 0.538) == "barely better than chance"
    assert rating(0.55, 0.48, 0.62) == "no better than chance"
    assert rating(0.40, 0.35, 0.45).startswith("worse than chance")
    assert [rating(a, a - 0.01, a + 0.01) for a in (0.65, 0.75, 0.85)] == ["weak", "fair", "good"]


def test_verdict_says_every_lead_got_one_label_and_what_the_history_lacks(scored):
    cold = [_lead(i, s.outcome, s.fit, s.engagement, "cold", s.grade) for i, s in enumerate(scored)]
    summary = summarize(cold, FACTS, missing=MissingInputs(("numemployees",), ("page_view", "meeting_booked"), 1, 3))
    assert "every lead is labelled cold, so the labels sort nothing" in summary["verdict"]
    assert "the history lacks all 1 of the model's properties and 2 of the model's 3 event types" in summary["verdict"]
    assert any("(numemployees)" in w for w in summary["warnings"])
    assert any("(page_view, meeting_booked)" in w for w in summary["warnings"])


def test_report_leads_with_the_verdict(scored, tmp_path):
    text = write_report(summarize(scored, FACTS), scored, FACTS, tmp_path).read_text()
    assert "<strong>Verdict:</strong> " in text and "ROC AUC 0.778" in text


def test_report_page_says_which_rules_the_chart_leaves_out(tmp_path):
    leads = [_lead(i, i % 2, 10 * (i % 3), 0, "cold", "A1", ["senior_title"] if i % 2 else []) for i in range(12)]
    text = write_report(summarize(leads, FACTS), leads, FACTS, tmp_path).read_text()
    assert "<figcaption>1 of 2 rules: the others never fired or fired on every lead (see Rules)</figcaption>" in text
    assert "chart leaves them out: free_mail" in text


def test_report_draws_a_rule_whose_leads_all_converted(tmp_path):
    # Wilson bounds at rates of 1 (10 of 10) and 0 (0 of 6) miss the rate by a rounding error
    assert metrics.wilson(10, 10)[1] < 1.0 and metrics.wilson(0, 6)[0] > 0.0
    leads = [_lead(i, 1 if i < 10 else 0, i, 0, "cold", "A1", ["senior_title"] if i < 10 else []) for i in range(16)]
    write_report(summarize(leads, FACTS), leads, FACTS, tmp_path)
    assert (tmp_path / "rules.png").read_bytes().startswith(b"\x89PNG")
