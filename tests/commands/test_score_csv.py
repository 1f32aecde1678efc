"""`leadscore score` on a CSV export (read by a mapping file, as the backtest reads one) and
`--format csv`."""

import csv
import io
import json

from typer.testing import CliRunner

from connector.cli import _register, app

from ..scoring.conftest import DEFAULT_MODEL, ROOT

SAMPLES = ROOT / "config" / "sample_leads.jsonl"
NOW = "2026-11-20T12:00:00Z"
runner = CliRunner()
_register()

EXPORT = """Lead ID,Job Title,Employees,Country,Visits,Converted
c-1,VP of Sales,250,United States,4,1
c-2,Student,,India,0,0
"""
MAPPING = """
[source]
id = "Lead ID"
outcome = "Converted"
[properties]
"Job Title" = "jobtitle"
"Employees" = "numemployees"
"Country" = "country"
[[events]]
column = "Visits"
type = "visit"
"""


def _score(*args):
    return runner.invoke(app, ["score", "--model", str(DEFAULT_MODEL), "--now", NOW, *args])


def _export(tmp_path, text=EXPORT):
    (tmp_path / "leads.csv").write_text(text)
    (tmp_path / "map.toml").write_text(MAPPING)
    return tmp_path / "leads.csv", tmp_path / "map.toml"


def test_score_reads_a_csv_export_through_its_mapping(tmp_path):
    leads, mapping = _export(tmp_path)
    result = _score("--leads", str(leads), "--mapping", str(mapping), "--format", "json")
    assert result.exit_code == 0, result.output
    first, second = json.loads(result.output)
    assert (first["id"], second["id"]) == ("c-1", "c-2")
    assert "senior title: VP of Sales" in " ".join(first["reasons"])
    assert "visited the website 4 times" in " ".join(first["reasons"])  # the count column's events, dated at --now
    assert second["fit"] == 0


def test_score_needs_no_outcome_column_to_score_a_csv(tmp_path):
    leads, mapping = _export(tmp_path, EXPORT.replace(",Converted", "").replace(",1\n", "\n").replace(",0\n", "\n"))
    result = _score("--leads", str(leads), "--mapping", str(mapping), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)) == 2


def test_score_names_a_mapped_column_the_csv_lacks(tmp_path):
    leads, mapping = _export(tmp_path, EXPORT.replace("Job Title", "Title"))
    result = _score("--leads", str(leads), "--mapping", str(mapping))
    assert result.exit_code != 0
    assert "column 'Job Title': not in the header" in str(result.exception)


def test_score_refuses_a_mapping_for_a_json_lines_file(tmp_path):
    _, mapping = _export(tmp_path)
    result = _score("--leads", str(SAMPLES), "--mapping", str(mapping))
    assert result.exit_code != 0
    assert "a mapping reads a CSV export" in str(result.exception)


def test_score_csv_format_writes_one_row_per_lead_with_the_reasons():
    result = _score("--leads", str(SAMPLES), "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["id", "fit", "engagement", "label", "grade", "stage", "probability", "reasons", "warnings", "model"]
    expected = json.loads(_score("--leads", str(SAMPLES), "--format", "json").output)
    assert [r["id"] for r in rows] == [e["id"] for e in expected]
    assert rows[0]["reasons"] == "; ".join(expected[0]["reasons"])
    assert int(rows[0]["fit"]) == expected[0]["fit"]


def test_score_csv_has_the_calibrated_percent_in_its_probability_column(tmp_path):
    from tests.scoring.test_calibration import BASE, TABLE

    model = tmp_path / "calibrated.toml"
    model.write_text(BASE + TABLE, encoding="utf-8")
    args = ["score", "--leads", str(SAMPLES), "--model", str(model), "--now", "2026-11-20T12:00:00Z"]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(app, [*args, "--format", "csv"]).output)))
    expected = json.loads(runner.invoke(app, [*args, "--format", "json"]).output)
    assert [float(r["probability"]) for r in rows] == [e["probability"]["percent"] for e in expected]
