"""The HTML report and its charts are written, and the page needs nothing from the network."""

import re

import pytest

from connector.backtest.report import CHARTS, write_report
from connector.backtest.summary import ModelFacts, ScoredLead, summarize

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
