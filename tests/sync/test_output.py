"""What the dry run and the sync's summary show: label, grade and stage moves, the changes table
with the stage, the same as Markdown."""

from __future__ import annotations

from collections import Counter

from rich.console import Console

from connector.state import RunStats
from connector.sync.loop import Change, SyncReport
from connector.sync.output import ChangeSink, changes_grid, print_dry_run, stage_line
from connector.sync.tables import moves_grid, to_markdown

STAGE_MOVES = Counter({("lead", "salesqualifiedlead"): 9, ("subscriber", "marketingqualifiedlead"): 2,
                       ("customer", "customer"): 30})


def _report() -> SyncReport:
    report = SyncReport(run_id=1, mode="dry-run", stats=RunStats(read=41, scored=41, changed=11), duration_s=0.4)
    report.label_moves.update({("cold", "hot"): 4, ("hot", "hot"): 37})
    report.grade_moves.update({("D4", "B1"): 4, ("B1", "B1"): 37})
    report.stage_moves.update(STAGE_MOVES)
    return report


def _change() -> Change:
    return Change("301", "Ana <b>|Lima", {"label": "cold", "stage": "lead"},
                  {"label": "hot", "stage": "salesqualifiedlead"}, "+25 senior title: VP Sales\n+30 requested a demo",
                  {"label": "hot", "grade": "B1", "stage": "salesqualifiedlead", "fit": "60", "engagement": "70"})


def test_moves_grid_lists_the_moves_most_common_first_then_the_unchanged():
    grid = moves_grid("Lifecycle stage moves", STAGE_MOVES)
    assert grid.title == "Lifecycle stage moves: 11 of 41 leads move"
    assert [list(r) for r in grid.rows] == [["lead", "salesqualifiedlead", "9"],
                                            ["subscriber", "marketingqualifiedlead", "2"],
                                            ["(unchanged)", "", "30"]]


def test_moves_grid_sums_the_moves_past_its_limit_on_one_row():
    moves = Counter({(f"g{i}", "A1"): 10 - i for i in range(5)})
    grid = moves_grid("Grade moves", moves, limit=3)
    assert [list(r) for r in grid.rows][-2:] == [["…", "2 other moves", "13"], ["(unchanged)", "", "0"]]


def test_stage_line_counts_the_stage_moves_for_the_sync_summary():
    assert stage_line(_report()) == ("lifecycle stage moves: 11 (lead → salesqualifiedlead 9, "
                                     "subscriber → marketingqualifiedlead 2)")
    assert stage_line(SyncReport(1, "full", RunStats(), 0.0)) == "no lifecycle stage moves"


def test_changes_grid_shows_old_to_new_for_what_changes_and_the_value_for_what_stays():
    row = list(changes_grid([_change()]).rows[0])
    assert row[:5] == ["Ana <b>|Lima\n301", "cold → hot", "B1", "lead → salesqualifiedlead", "fit 60\neng 70"]


def test_markdown_escapes_cells_so_a_crm_value_cannot_break_the_table_or_inject_html():
    text = to_markdown(changes_grid([_change()]))
    assert "| Ana &lt;b&gt;\\|Lima<br>301 | cold → hot | B1 | lead → salesqualifiedlead |" in text
    assert "| --- | --- | --- | --- | --- | --- |" in text


def test_dry_run_at_80_columns_keeps_every_stage_name_whole_and_says_the_reasons_are_left_out():
    console = Console(width=80, record=True)
    sink = ChangeSink(None)
    sink(_change())
    print_dry_run(console, _report(), sink)
    text = console.export_text()
    assert "salesqualifiedlead" in text and "marketingqualifiedlead" in text and "…" not in text.split("Leads that would change")[1]
    assert "reasons left out at 80 columns" in text
    assert all(len(line) <= 80 for line in text.splitlines())


def test_dry_run_as_markdown_has_the_three_move_tables_and_the_changes_with_reasons(capsys):
    sink = ChangeSink(None)
    sink(_change())
    print_dry_run(Console(width=80), _report(), sink, markdown=True)
    out = capsys.readouterr().out
    for title in ("Label moves: 4 of 41 leads move", "Grade moves: 4 of 41 leads move",
                  "Lifecycle stage moves: 11 of 41 leads move", "Leads that would change"):
        assert f"#### {title}" in out
    assert "+25 senior title: VP Sales<br>+30 requested a demo" in out
