"""`leadscore backtest` and `leadscore fit` from the command line, on small files and on the real
X Education export when it is beside the clone."""

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from connector.backtest.loader import load_history
from connector.backtest.mapping import load_mapping
from connector.scoring import load_model, score_lead
from tests.backtest.conftest import MAPPING, xeducation_csv  # noqa: F401  (a fixture)
from tests.backtest.synthetic import history

MODEL = """
[model]
name = "pricing-test"
version = "2.0"

[[fit]]
id = "senior"
property = "jobtitle"
op = "regex"
value = "\\\\b(vp|director)\\\\b"
points = 60

[[engagement]]
id = "pricing"
event = "page_view"
where = [{ attribute = "url", op = "contains", value = "/pricing" }]
points = 50
decay = { none = true }

[[labels]]
name = "hot"
min_fit = 50
min_engagement = 50
[[labels]]
name = "warm"
min_fit = 50
[[labels]]
name = "cold"

[grade]
fit = [{ band = "A", min = 50 }, { band = "B", min = 0 }]
engagement = [{ band = "1", min = 50 }, { band = "2", min = 0 }]
"""
CUTOFF = datetime(2024, 6, 1, tzinfo=UTC)


def _leadscore(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "connector", *args], capture_output=True, text=True, cwd=cwd)


def _jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _pricing_view(days_before_cutoff):
    stamp = CUTOFF - timedelta(days=days_before_cutoff)
    return {"type": "page_view", "timestamp": stamp.isoformat(), "attributes": {"url": "https://x.io/pricing"}}


@pytest.fixture
def files(tmp_path):
    model = tmp_path / "model.toml"
    model.write_text(MODEL)
    leads = _jsonl(tmp_path / "leads.jsonl", [
        {"id": "1", "won": "yes", "properties": {"jobtitle": "VP Sales"}, "events": [_pricing_view(3)]},
        {"id": "2", "won": "yes", "properties": {"jobtitle": "Director of IT"}},
        {"id": "3", "won": "no", "properties": {"jobtitle": "Student"}},
        {"id": "4", "won": "no", "properties": {"jobtitle": "Intern"}, "events": [_pricing_view(-2)]},
    ])
    return model, leads


def test_backtest_json_has_the_headline_metrics(files):
    model, leads = files
    run = _leadscore("backtest", "--model", str(model), "--leads", str(leads), "--outcome", "won",
                     "--as-of", CUTOFF.isoformat(), "--format", "json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    # scores: 110 (hot), 60 (warm), 0, 0 -> both converters first
    assert result["auc"] == 1.0
    assert result["top30_conversion"] == 1.0  # top 30% of 4 = 1 lead
    assert result["top30_recall"] == 0.5
    assert {k: v["leads"] for k, v in result["conversion_by_label"].items()} == {"hot": 1, "warm": 1, "cold": 2}
    assert result["model"] == {"name": "pricing-test", "version": "2.0"}


def test_backtest_never_counts_an_event_after_the_cutoff(files):
    model, leads = files
    run = _leadscore("backtest", "--model", str(model), "--leads", str(leads), "--outcome", "won",
                     "--as-of", CUTOFF.isoformat(), "--format", "json")
    result = json.loads(run.stdout)
    pricing = next(r for r in result["rules"] if r["rule"] == "pricing")
    assert pricing["fired"] == 1  # lead 4 viewed pricing two days after the cutoff: not counted
    assert "1 events after the cutoff were not counted (scored as of the cutoff)" in result["warnings"]


def test_backtest_table_and_report(files, tmp_path):
    model, leads = files
    run = _leadscore("backtest", "--model", str(model), "--leads", str(leads), "--outcome", "won",
                     "--report", str(tmp_path / "report"))
    assert run.returncode == 0, run.stderr
    assert "ROC AUC" in run.stdout and "label hot" in run.stdout
    assert (tmp_path / "report" / "index.html").is_file()
    assert (tmp_path / "report" / "roc.png").is_file()


def test_backtest_mapping_mistake_is_a_clear_error(files, tmp_path):
    model, leads = files
    mapping = tmp_path / "map.toml"
    mapping.write_text('[source]\noutcom = "won"\n')
    run = _leadscore("backtest", "--model", str(model), "--leads", str(leads), "--mapping", str(mapping))
    assert run.returncode == 1
    assert "[source].outcom: unknown key; fix: did you mean 'outcome'?" in run.stderr
    assert "Traceback" not in run.stderr


def test_fit_writes_a_model_the_core_accepts_and_that_scores_as_the_fit_did(tmp_path):
    leads, outcomes = history(n=500, dated=True)
    rows = [
        {"id": lead.id, "won": str(y), "properties": dict(lead.properties),
         "events": [{"type": e.type, "timestamp": e.timestamp.isoformat()} for e in lead.events]}
        for lead, y in zip(leads, outcomes)
    ]
    path = _jsonl(tmp_path / "history.jsonl", rows)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[source]\noutcome = "won"\n')
    out = tmp_path / "learned.toml"
    run = _leadscore("fit", "--leads", str(path), "--mapping", str(mapping), "--out", str(out),
                     "--folds", "3", "--as-of", "2024-06-01T00:00:00Z")
    assert run.returncode == 0, run.stderr
    assert "rounding cost" in run.stdout
    assert _leadscore("validate", str(out)).returncode == 0
    model = load_model(out)
    assert model.name == "learned"
    assert any(rule.decay.kind == "steps" for rule in model.engagement_rules)  # recent visits count
    assert score_lead(leads[0], model, datetime(2024, 6, 1, tzinfo=UTC)).label in {"hot", "warm", "cold"}


def test_fit_on_x_education_makes_a_hot_band_that_converts(xeducation_csv, tmp_path):
    out = tmp_path / "xeducation.toml"
    run = _leadscore("fit", "--leads", str(xeducation_csv), "--mapping", str(MAPPING), "--out", str(out), "--folds", "0")
    assert run.returncode == 0, run.stderr
    text = out.read_text()
    for leaky in ("tags", "lead_quality", "Tags", "Lead Quality", "Last Activity"):
        assert f'property = "{leaky}"' not in text
    run = _leadscore("backtest", "--model", str(out), "--leads", str(xeducation_csv), "--mapping", str(MAPPING), "--format", "json")
    result = json.loads(run.stdout)
    assert result["leads"] == len(load_history(xeducation_csv, None, load_mapping(MAPPING)).leads)
    assert result["auc"] > 0.85
    assert result["conversion_by_label"]["hot"]["rate"] >= 0.8
    assert result["top30_recall"] > 0.55


def test_fit_warns_about_a_column_that_tells_the_outcome(tmp_path):
    leads, outcomes = history(n=300)
    rows = [{"id": lead.id, "won": str(y), "properties": {**lead.properties, "tags": "Closed" if y else "Ringing"}}
            for lead, y in zip(leads, outcomes)]
    path = _jsonl(tmp_path / "history.jsonl", rows)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[source]\noutcome = "won"\n')
    run = _leadscore("fit", "--leads", str(path), "--mapping", str(mapping), "--out", str(tmp_path / "m.toml"), "--folds", "0")
    assert run.returncode == 0, run.stderr
    assert "warning: property 'tags' is too good to be true" in run.stdout
    assert "list its column under [post_contact] in the mapping file" in run.stdout


def _fit_files(tmp_path):
    leads, outcomes = history(n=400)
    rows = [{"id": lead.id, "won": str(y), "properties": dict(lead.properties)} for lead, y in zip(leads, outcomes)]
    mapping = tmp_path / "map.toml"
    mapping.write_text('[source]\noutcome = "won"\n')
    return _jsonl(tmp_path / "history.jsonl", rows), mapping


def test_fit_hot_share_sizes_the_hot_band_to_sales_capacity(tmp_path):
    path, mapping = _fit_files(tmp_path)
    out = tmp_path / "m.toml"
    run = _leadscore("fit", "--leads", str(path), "--mapping", str(mapping), "--out", str(out), "--folds", "0", "--hot-share", "0.1")
    assert run.returncode == 0, run.stderr
    hot = re.search(r"hot: fit >= \d+(?: and engagement >= \d+)?, (\d+) leads", run.stdout)
    assert hot and int(hot[1]) <= 40  # at most 10% of 400 leads


def test_fit_refuses_both_hot_target_and_hot_share(tmp_path):
    path, mapping = _fit_files(tmp_path)
    run = _leadscore("fit", "--leads", str(path), "--mapping", str(mapping), "--out", str(tmp_path / "m.toml"),
                     "--hot-target", "0.8", "--hot-share", "0.1")
    assert run.returncode != 0
    assert "--hot-target and --hot-share both size the hot band; fix: pass one of them." in run.stderr


def test_backtest_calibrate_writes_the_model_with_a_table_and_reports_its_reliability(tmp_path):
    leads, outcomes = history(n=600, seed=5)
    rows = [{"id": lead.id, "won": str(y), "properties": dict(lead.properties)} for lead, y in zip(leads, outcomes)]
    path = _jsonl(tmp_path / "history.jsonl", rows)
    mapping = tmp_path / "map.toml"
    mapping.write_text('[source]\noutcome = "won"\n')
    model = tmp_path / "model.toml"
    model.write_text(MODEL)
    out = tmp_path / "calibrated.toml"
    run = _leadscore("backtest", "--model", str(model), "--leads", str(path), "--mapping", str(mapping),
                     "--horizon-days", "30", "--calibrate", str(out), "--report", str(tmp_path / "report"))
    assert run.returncode == 0, run.stderr
    assert f"calibrated: wrote {out}" in run.stdout and "expected calibration error" in run.stdout
    table = load_model(out).calibration
    assert table.horizon_days == 30 and table.leads == 600 and table.conversions == sum(outcomes)
    assert (tmp_path / "report" / "reliability.png").is_file()


def test_backtest_calibrate_without_a_window_says_to_give_one(files, tmp_path):
    model, leads = files
    run = _leadscore("backtest", "--model", str(model), "--leads", str(leads), "--outcome", "won",
                     "--calibrate", str(tmp_path / "m.toml"))
    assert run.returncode == 1 and "pass --horizon-days N" in run.stderr
