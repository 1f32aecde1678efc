import json

import pytest
from typer.testing import CliRunner

from connector import cli
from connector.cli import _register, app

from ..scoring.conftest import DEFAULT_MODEL, ROOT

SAMPLES = ROOT / "config" / "sample_leads.jsonl"
runner = CliRunner()
_register()


def test_validate_prints_a_summary_of_the_default_model():
    result = runner.invoke(app, ["validate", str(DEFAULT_MODEL)])
    assert result.exit_code == 0
    assert "OK — model b2b-saas-default 1.0.0" in result.output
    assert "senior_title" in result.output
    assert "to salesqualifiedlead when fit ≥ 30 and engagement ≥ 20 and a meeting_booked within 90 days" in result.output


def _main(monkeypatch, *args: str) -> int:
    """Run the real entry point, which turns a UserError into a message and exit code 1."""
    monkeypatch.setattr("sys.argv", ["leadscore", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
    return exit_info.value.code


def test_validate_summarises_the_account_section():
    result = runner.invoke(app, ["validate", str(DEFAULT_MODEL)])
    assert result.exit_code == 0
    assert "accounts: engagement is the mean of the three highest of their contacts' engagement scores" in result.output
    assert "+30  account_size_mid: numberofemployees between 50 and 999" in result.output


def test_validate_bad_model_exits_1_naming_file_field_and_fix(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text(DEFAULT_MODEL.read_text().replace("points = 25", "pionts = 25", 1))
    assert _main(monkeypatch, "validate", str(bad)) == 1
    err = " ".join(capsys.readouterr().err.split())
    assert str(bad) in err
    assert 'fit "senior_title".pionts' in err
    assert "did you mean 'points'?" in err
    assert "Traceback" not in err


def test_score_missing_leads_file_exits_1_with_a_fix(tmp_path, capsys, monkeypatch):
    assert _main(monkeypatch, "score", "--leads", str(tmp_path / "none.jsonl"), "--model", str(DEFAULT_MODEL)) == 1
    assert "no such leads file; fix:" in " ".join(capsys.readouterr().err.split())


def test_score_json_has_the_promised_fields_for_every_lead():
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--model", str(DEFAULT_MODEL),
                                 "--now", "2026-11-20T12:00:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == sum(1 for line in SAMPLES.read_text().splitlines() if line.strip())
    for row in rows:
        assert {"id", "fit", "engagement", "label", "grade", "stage", "reasons"} <= set(row)
        assert all(isinstance(reason, str) for reason in row["reasons"])


def test_score_json_is_the_same_on_every_run():
    args = ["score", "--leads", str(SAMPLES), "--model", str(DEFAULT_MODEL), "--now", "2026-11-20T12:00:00Z",
            "--format", "json"]
    assert runner.invoke(app, args).output == runner.invoke(app, args).output


def test_score_table_shows_leads_and_reasons():
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--model", str(DEFAULT_MODEL),
                                 "--now", "2026-11-20T12:00:00Z"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "1001" in result.output
    assert "senior title: VP of Sales" in result.output


def test_score_rejects_a_bad_now():
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--now", "yesterday"])
    assert result.exit_code != 0
    assert "--now 'yesterday' is not an ISO 8601 time" in str(result.exception)


def _calibrated(tmp_path):
    from tests.scoring.test_calibration import BASE, TABLE

    path = tmp_path / "calibrated.toml"
    path.write_text(BASE + TABLE, encoding="utf-8")
    return path


def test_score_json_carries_the_calibrated_probability(tmp_path):
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--model", str(_calibrated(tmp_path)),
                                 "--now", "2026-11-20T12:00:00Z", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    expected = {4.0, 20.0, 55.5}
    assert {row["probability"]["percent"] for row in rows} <= expected
    assert all(row["probability"]["within_days"] == 90 for row in rows)
    assert all(row["probability"]["outcome"] == "became customers" for row in rows)


def test_score_json_without_a_table_has_no_probability():
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--model", str(DEFAULT_MODEL),
                                 "--now", "2026-11-20T12:00:00Z", "--format", "json"])
    assert {row["probability"] for row in json.loads(result.output)} == {None}


def test_score_table_shows_the_probability_and_its_sentence(tmp_path):
    result = runner.invoke(app, ["score", "--leads", str(SAMPLES), "--model", str(_calibrated(tmp_path)),
                                 "--now", "2026-11-20T12:00:00Z"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "probability" in result.output
    assert "became customers within 90 days" in result.output


def test_validate_summarises_the_calibration_table(tmp_path):
    result = runner.invoke(app, ["validate", str(_calibrated(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "calibration: the chance a lead became customers within 90 days, estimated on 500 held-out leads (60 converted)" in result.output
    assert "score ≥ 40: 20% (150 leads)" in result.output
