"""What a sync prints and saves: the run summary, the dry run's label moves and changes, and the
full list of changes as CSV or JSON (`--out FILE`), written as it goes so memory stays flat."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO

from rich import box
from rich.console import Console
from rich.table import Table

from connector.crm.base import field_kind, score_field
from connector.errors import UserError
from connector.state import RunRecord, RunStats
from connector.sync.loop import Change, SyncReport

FIELDS = ("fit", "engagement", "label", "grade", "stage", "reasons", "model")
TABLE_ROWS = 25


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


def _quota(quota: dict[str, int]) -> str:
    if not quota.get("daily_max"):
        return ""
    used, limit = quota.get("daily_used", 0), quota["daily_max"]
    return f"; the CRM's daily API allocation: {used:,} of {limit:,} used ({used / limit:.0%})"


def label_moves_table(report: SyncReport, key: str | None = None) -> Table:
    """One model's label moves (`key`: by its key in `report.tallies`; None: the first)."""
    tally = report.tallies[key] if key is not None else None
    moves = tally.label_moves if tally is not None else report.label_moves
    title = f"Label moves ({key})" if key is not None else "Label moves"
    table = Table(title=title, min_width=len(title) + 4)  # the title on one line
    table.add_column("from")
    table.add_column("to")
    table.add_column("leads", justify="right")
    for (old, new), count in sorted(moves.items(), key=lambda kv: -kv[1]):
        table.add_row(old, new if new != old else f"{new} (unchanged)", str(count))
    return table


_SHOWN = ("label", "grade", "fit", "engagement", "stage")


def _arrow(change: Change, name: str) -> str | None:
    if name not in change.new:
        return None
    return f"{name} {change.old.get(name) or '∅'}→{change.new[name]}"


def _moves(change: Change) -> list[str]:
    """Each model's moves, in the order label, grade, fit, engagement, stage."""
    names = sorted((n for n in change.new if field_kind(n) in _SHOWN),
                   key=lambda n: _SHOWN.index(field_kind(n)))
    return [m for m in (_arrow(change, n) for n in names) if m]


def changes_table(changes: Iterable[Change]) -> Table:
    table = Table(title="Contacts that would change", show_lines=True)
    table.add_column("id")
    table.add_column("contact")
    table.add_column("old → new")
    table.add_column("reasons")
    for change in changes:
        moves = _moves(change)
        if any(field_kind(n) == "reasons" for n in change.new) and not moves:
            moves.append("reasons")
        table.add_row(change.lead_id, change.name, "\n".join(moves),
                      "\n".join(change.reasons.splitlines()[:4]))
    return table


def print_dry_run(console: Console, report: SyncReport, sink: ChangeSink) -> None:
    console.print(f"dry run: nothing was written. {stats_line(report.stats, report.duration_s)}")
    if len(report.tallies) > 1:
        for key in report.tallies:
            console.print(label_moves_table(report, key))
    else:
        console.print(label_moves_table(report))
    if sink.shown:
        console.print(changes_table(sink.shown))
    if sink.total > len(sink.shown):
        console.print(f"... and {sink.total - len(sink.shown)} more"
                      + ("" if sink.out else " (save them all with --out FILE.csv or .json)"))
    if sink.out:
        console.print(f"{sink.total} changes saved to {sink.out}")


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
