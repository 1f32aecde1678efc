"""`leadscore compare` on a history of outcomes: the verdict in text, Markdown and JSON, and the
gate (--fail-if-worse), on a small synthetic export; on the X Education export when it is there."""

import csv
import json

import pytest
from typer.testing import CliRunner

from connector.cli import _register, app
from connector.errors import UserError
from tests.backtest.conftest import MAPPING, xeducation_csv  # noqa: F401  (a fixture)
from tests.backtest.synthetic import history

runner = CliRunner()

MAPPING_TOML = """
[source]
id = "Lead ID"
outcome = "Converted"
converted = ["1"]
not_converted = ["0"]

[properties]
"Lead Source" = "lead_source"
"Seconds on Site" = "time_on_website"
"""

MODEL = """
[model]
name = "{name}"
version = "{version}"

[[fit]]
id = "source"
property = "lead_source"
op = "one_of"
value = {sources}
points = 60

[[fit]]
id = "time"
property = "time_on_website"
op = "gte"
value = 1000
points = 20

[[labels]]
name = "hot"
min_fit = 60
[[labels]]
name = "cold"

[grade]
fit = [{{ band = "A", min = 60 }}, {{ band = "B", min = 0 }}]
engagement = [{{ band = "1", min = 50 }}, {{ band = "2", min = 0 }}]
"""


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    leads, outcomes = history(n=500, seed=11)
    export = tmp_path / "leads.csv"
    with export.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["Lead ID", "Lead Source", "Seconds on Site", "Converted"])
        for lead, outcome in zip(leads, outcomes):
            out.writerow([lead.id, lead.properties["lead_source"], lead.properties["time_on_website"], outcome])
    (tmp_path / "mapping.toml").write_text(MAPPING_TOML)
    (tmp_path / "good.toml").write_text(MODEL.format(name="by-source", version="2", sources='["Reference"]'))
    (tmp_path / "bad.toml").write_text(MODEL.format(name="chat-first", version="1", sources='["Chat", "chat"]'))
    _register()
    return tmp_path


def _compare(files, new, baseline, *extra):
    return runner.invoke(app, ["compare", "--model", str(files / new), "--baseline", str(files / baseline),
                               "--leads", str(files / "leads.csv"), "--mapping", str(files / "mapping.toml"),
                               "--resamples", "200", *extra])


def test_text_says_the_better_model_is_better_with_intervals(files):
    result = _compare(files, "good.toml", "bad.toml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("verdict: better: the new model ranks")
    assert "On 500 leads with known outcomes" in result.output
    assert "ROC AUC" in result.output and "top 10% conversion" in result.output and "hot band conversion" in result.output
    assert "95% interval" in result.output


def test_markdown_is_a_pull_request_comment_with_the_verdict_first(files):
    result = _compare(files, "good.toml", "bad.toml", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "### leadscore compare: by-source 2 vs chat-first 1"
    assert lines[2].startswith("**verdict: better: ")
    assert "| figure | baseline (95% interval) | new model (95% interval) | difference (95% interval) |" in lines


def test_json_has_every_figure_with_intervals_and_the_verdict(files):
    result = _compare(files, "good.toml", "bad.toml", "--format", "json")
    report = json.loads(result.output)
    assert report["history"]["verdict"]["outcome"] == "better"
    auc = next(f for f in report["history"]["figures"] if f["key"] == "auc")
    assert auc["difference"]["low"] > 0 and auc["new"]["value"] > auc["baseline"]["value"]
    assert {f["key"] for f in report["history"]["figures"]} >= {"average_precision", "top30_recall", "hot_share"}


def test_fail_if_worse_exits_1_when_the_new_model_ranks_worse(files):
    result = _compare(files, "bad.toml", "good.toml", "--fail-if-worse")
    assert result.exit_code == 1
    assert "verdict: worse" in result.output


def test_fail_if_worse_passes_a_better_model_and_the_same_model(files):
    assert _compare(files, "good.toml", "bad.toml", "--fail-if-worse").exit_code == 0
    same = _compare(files, "good.toml", "good.toml", "--fail-if-worse")
    assert same.exit_code == 0 and "no difference the data can show" in same.output


def test_without_a_history_or_live_it_says_what_to_pass(files):
    result = runner.invoke(app, ["compare", "--model", str(files / "good.toml")])
    assert isinstance(result.exception, UserError)
    assert "fix: pass --leads FILE --mapping M or --from-crm" in str(result.exception)


def test_fail_if_worse_without_outcomes_is_refused(files):
    result = runner.invoke(app, ["compare", "--model", str(files / "good.toml"), "--live", "--fail-if-worse"])
    assert isinstance(result.exception, UserError)
    assert "--fail-if-worse judges the ranking of known outcomes" in str(result.exception)


def test_on_the_x_education_export_a_fitted_model_beats_the_default_and_swapped_fails(xeducation_csv, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _register()
    fitted = tmp_path / "fitted.toml"
    fit = runner.invoke(app, ["fit", "--leads", str(xeducation_csv), "--mapping", str(MAPPING), "--out", str(fitted), "--folds", "0"])
    assert fit.exit_code == 0, fit.output
    args = ["--leads", str(xeducation_csv), "--mapping", str(MAPPING), "--resamples", "100", "--format", "json"]
    better = runner.invoke(app, ["compare", "--model", str(fitted), "--baseline", "config/scoring.toml", *args])
    assert json.loads(better.output)["history"]["verdict"]["outcome"] == "better"
    swapped = runner.invoke(app, ["compare", "--model", "config/scoring.toml", "--baseline", str(fitted), *args, "--fail-if-worse"])
    assert swapped.exit_code == 1
