"""What a sync prints and saves: the run summary (with its lifecycle stage moves), the dry run's
label, grade and stage moves and changes (in the terminal or as Markdown), and the full list of
changes as CSV or JSON (`--out FILE`), written as it goes so memory stays flat."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from rich import box
from rich.console import Console
from rich.table import Table

from connector.crm.base import score_field
from connector.errors import UserError
from connector.scoring.checker import UNKEYED
from connector.state import RunRecord, RunStats
from connector.sync.loop import Change, SyncReport
from connector.sync.tables import Grid, moves_grid, to_markdown, to_rich

FIELDS = ("fit", "engagement", "label", "grade", "stage", "reasons", "model")
TABLE_ROWS = 25
SHOWN = ("label", "grade", "stage")  # the changes table's value columns, beside the scores
REASONS_WIDTH = 120  # narrower, the changes table has no room for the reasons beside the stage


def change_fields(keys: Sequence[str | None] = (None,)) -> tuple[str, ...]:
    """The columns of a change list: FIELDS for each model (`enterprise_fit` ... for the model
    keyed `enterprise`), the stage once."""
    names = [score_field(k, f) for k in keys for f in FIELDS if f != "stage"]
    names.insert(FIELDS.index("stage"), "stage")
    return tuple(names)


class ChangeSink:
    """Collects a dry run's changes: the first rows for the terminal, all of them to a file."""

    def __init__(self, out: Path | None, keys: Sequence[str | None] = (None,)) -> None:
        self.fields = change_fields(keys)
        self.shown: list[Change] = []
        self.total = 0
        self.out = out
        self._file: IO[str] | None = None
        self._csv: csv.writer | None = None
        if out is not None:
            if out.suffix.lower() not in (".csv", ".json"):
                raise UserError(f"--out {out}: use a file name ending in .csv or .json.")
            out.parent.mkdir(parents=True, exist_ok=True)
            self._file = out.open("w", encoding="utf-8", newline="")
            if out.suffix.lower() == ".csv":
                self._csv = csv.writer(self._file)
                self._csv.writerow(["id", "name", *(f"{side}_{f}" for f in self.fields for side in ("old", "new"))])
            else:
                self._file.write("[")

    def __call__(self, change: Change) -> None:
        if len(self.shown) < TABLE_ROWS:
            self.shown.append(change)
        if self._csv is not None:
            row = [change.lead_id, change.name]
            for f in self.fields:
                new = change.new.get(f, change.old.get(f)) if f != "reasons" else change.reasons
                row += [change.old.get(f) or "", new or ""]
            self._csv.writerow(row)
        elif self._file is not None:
            item = {"id": change.lead_id, "name": change.name, "old": dict(change.old),
                    "new": dict(change.new), "reasons": change.reasons.splitlines()}
            self._file.write(("," if self.total else "") + "\n" + json.dumps(item, ensure_ascii=False))
        self.total += 1

    def close(self) -> None:
        if self._file is not None:
            if self._csv is None:
                self._file.write("\n]\n")
            self._file.close()


def stats_line(stats: RunStats, duration_s: float) -> str:
    calls = sum(stats.api_calls.values())
    return (f"read {stats.read}, scored {stats.scored}, changed {stats.changed}, "
            f"written {stats.written}, failed {stats.failed}, unchanged since our write "
            f"{stats.skipped}; {calls} API calls, {stats.rate_limited} rate-limited (429), "
            f"{stats.retries} retries; {duration_s:.1f}s{_quota(stats.api_quota)}")


def accounts_line(report: SyncReport) -> str | None:
    """The account pass in one line (None when the model scores no accounts)."""
    a = report.accounts
    if a is None:
        return None
    labels = ", ".join(f"{n} {label}" for label, n in a.labels.most_common())
    return (f"accounts{' (every one)' if a.full else ''}: read {a.read}, changed {a.changed}, "
            f"written {a.written}, failed {a.failed}, unchanged since our write {a.skipped}"
            + (f"; {labels}" if labels else ""))


def _quota(quota: dict[str, int]) -> str:
    if not quota.get("daily_max"):
        return ""
    used, limit = quota.get("daily_used", 0), quota["daily_max"]
    return f"; the CRM's daily API allocation: {used:,} of {limit:,} used ({used / limit:.0%})"


def moves_grids(report: SyncReport) -> list[Grid]:
    """The label, grade and lifecycle-stage moves of a pass, each a from → to table; with several
    models, each model's label and grade moves, titled by its key."""
    if len(report.tallies) <= 1:
        return [moves_grid("Label moves", report.label_moves),
                moves_grid("Grade moves", report.grade_moves),
                moves_grid("Lifecycle stage moves", report.stage_moves)]
    grids = [grid for key, tally in report.tallies.items()
             for grid in (moves_grid(f"Label moves ({key})", tally.label_moves),
                          moves_grid(f"Grade moves ({key})", tally.grade_moves))]
    return [*grids, moves_grid("Lifecycle stage moves", report.stage_moves)]


def stage_line(report: SyncReport) -> str:
    """The stage moves in one line, for the sync's summary: the moves that start workflows."""
    moved = sorted(((pair, n) for pair, n in report.stage_moves.items() if pair[0] != pair[1]),
                   key=lambda item: (-item[1], item[0]))
    if not moved:
        return "no lifecycle stage moves"
    shown = ", ".join(f"{old} → {new} {n:,}" for (old, new), n in moved[:5])
    more = f", {len(moved) - 5} other moves" if len(moved) > 5 else ""
    return f"lifecycle stage moves: {sum(n for _, n in moved):,} ({shown}{more})"


def _cell(change: Change, name: str) -> str:
    if name not in change.new:
        return change.after.get(name) or ""
    return f"{change.old.get(name) or '∅'} → {change.new[name]}"


def _scores(change: Change, key: str | None = None) -> str:
    return "\n".join(f"{short} {_cell(change, score_field(key, name))}"
                     for short, name in (("fit", "fit"), ("eng", "engagement")))


def _other(change: Change, key: str) -> str:
    """Another model's values in one cell: label, grade, scores."""
    return "\n".join(_cell(change, score_field(key, f)) for f in ("label", "grade")) + "\n" + \
        _scores(change, key)


def warnings_lines(stats: RunStats) -> list[str]:
    """The run's data warnings by kind, as one line (none when there were none)."""
    if not stats.warnings:
        return []
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(stats.warnings.items()))
    return [f"data warnings (values the scorer could not use; fix them in the CRM): {kinds}"]


def notes_lines(report: SyncReport) -> list[str]:
    """What a pass's summary adds below its figures: a model change that rescored everybody, the
    data warnings by kind and the first leads they were about."""
    lines = ["the scoring model changed since the portal was last fully scored: every lead was "
             "rescored"] if report.model_changed else []
    lines += warnings_lines(report.stats)
    lines += [f"  lead {lead_id} ({kind}): {text}" for lead_id, kind, text in report.warning_examples]
    return lines


def print_notes(console: Console, report: SyncReport) -> None:
    for line in notes_lines(report):
        console.print(line, markup=False, highlight=False)


def changes_grid(changes: Iterable[Change], *, reasons: bool = True,
                 keys: Sequence[str | None] = (None,)) -> Grid:
    """The leads that would change, a column for each value a rep sees (the stage included, its
    name never cut), the scores in one column and (with `reasons`) the top reasons; with several
    models (`keys`), the first model's values, then a column for each other model."""
    first, others = keys[0], [k for k in keys[1:] if k is not None]
    shown = [score_field(first, f) for f in SHOWN]
    rows = [[f"{change.name}\n{change.lead_id}", *(_cell(change, f) for f in shown), _scores(change, first),
             *(_other(change, k) for k in others),
             *(["\n".join(change.reasons.splitlines()[:4])] if reasons else [])] for change in changes]
    return Grid("Leads that would change",
                ("lead", *SHOWN, "scores", *others, *(["top reasons"] if reasons else [])),
                rows, whole=frozenset({"label", "grade", "stage"}))


def print_dry_run(console: Console, report: SyncReport, sink: ChangeSink, *, markdown: bool = False) -> None:
    head = f"dry run: nothing was written. {stats_line(report.stats, report.duration_s)}"
    reasons = markdown or console.width >= REASONS_WIDTH
    keys = [None if key == UNKEYED else key for key in report.tallies] or [None]
    grids = [*moves_grids(report),
             *([changes_grid(sink.shown, reasons=reasons, keys=keys)] if sink.shown else [])]
    tail = [] if reasons or not sink.shown else [
        f"(reasons left out at {console.width} columns: see them from {REASONS_WIDTH} columns, "
        "with --format markdown, or in --out FILE)"]
    if sink.total > len(sink.shown):
        tail.append(f"... and {sink.total - len(sink.shown)} more"
                    + ("" if sink.out else " (save them all with --out FILE.csv or .json)"))
    if sink.out:
        tail.append(f"{sink.total} changes saved to {sink.out}")
    notes = notes_lines(report)
    accounts = [line for line in (accounts_line(report),) if line]
    if markdown:
        print("\n".join([f"**{head}**", *accounts, "", *notes, *([""] if notes else []),
                         *(to_markdown(g) for g in grids), *tail]))
        return
    console.print(head)
    for line in accounts:
        console.print(line)
    print_notes(console, report)
    for grid in grids:
        console.print(to_rich(grid, lines=grid.headers[0] == "lead"))
    for line in tail:
        console.print(line)


def runs_table(runs: Iterable[RunRecord]) -> Table:
    """The last runs, readable at 80 columns: a cell holds the figures its heading names, one
    above the other ("read" over "scored" over "changed"); the portal, one for all the runs a
    status shows, is in the title."""
    runs = list(runs)
    portals = sorted({run.portal for run in runs})
    table = Table(title=f"Last runs of {', '.join(portals)}" if portals else "Last runs", box=box.SIMPLE_HEAD, show_lines=True)
    for heading, justify in (("run", "right"), ("started (UTC)\ntook", "left"), ("mode\noutcome", "left"),
                             ("read\nscored\nchanged", "right"), ("written\nfailed", "right"), ("API calls\n429s\nretries", "right")):
        # Headings are top-aligned with the figures: each padded to three lines.
        table.add_column(heading + "\n " * (2 - heading.count("\n")), justify=justify, no_wrap=True)
    for run in runs:
        s = run.stats
        took = f"{run.duration_s:.1f} s" if run.duration_s is not None else ""
        table.add_row(
            str(run.id), f"{run.started_at:%Y-%m-%d %H:%M}\n{took}", f"{run.mode}\n{run.outcome}",
            f"{s.read:,}\n{s.scored:,}\n{s.changed:,}", f"{s.written:,}\n{s.failed:,}",
            f"{sum(s.api_calls.values()):,}\n{s.rate_limited:,}\n{s.retries:,}",
        )
    return table


def labels_line(stats: RunStats) -> str | None:
    """A run's leads by label for each model ("default: hot 12, warm 40; enterprise: ..."), or
    None when the run kept none."""
    if not stats.labels:
        return None
    return "; ".join(f"{key}: " + ", ".join(f"{label} {n:,}" for label, n in counts.items())
                     for key, counts in stats.labels.items())
