"""What `leadscore compare` prints: one report, as terminal text, Markdown (a pull-request comment)
or JSON (every figure). The text and Markdown share their tables (`connector.sync.tables.Grid`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console
from rich.markup import escape

from connector.compare.history import HistoryComparison
from connector.compare.live import Example, LiveComparison
from connector.compare.paired import Figure, Interval
from connector.sync.tables import Grid, moves_grid, to_markdown, to_rich

AS_SHARE = ("conversion", "recall", "share")  # figures shown as percentages
SIDES = ("with the baseline", "with the new model")  # a live move: both scored now, from the CRM's stage


@dataclass(frozen=True)
class ModelRef:
    """A model as the report names it: its file, its name and version, why it is the one."""

    path: str
    name: str
    version: str
    chosen: str = ""  # how the baseline was chosen: "--baseline", the settings' model...

    @property
    def title(self) -> str:
        return f"{self.name} {self.version} ({self.path})"


@dataclass(frozen=True)
class Report:
    baseline: ModelRef
    candidate: ModelRef
    history: HistoryComparison | None
    live: LiveComparison | None


def _number(key: str, value: float | None, *, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    if key.endswith(AS_SHARE):
        return f"{value * 100:+.1f} pts" if signed else f"{value:.1%}"
    return f"{value:+.3f}" if signed else f"{value:.3f}"


def _with_interval(key: str, interval: Interval, *, signed: bool = False) -> str:
    shown = _number(key, interval.value, signed=signed)
    if interval.low is None or interval.high is None:
        return shown
    low, high = (_number(key, v, signed=signed).removesuffix(" pts") for v in (interval.low, interval.high))
    return f"{shown} ({low} to {high})"


def figures_grid(history: HistoryComparison) -> Grid:
    rows = [[f.name, _with_interval(f.key, f.baseline), _with_interval(f.key, f.candidate),
             _with_interval(f.key, f.difference, signed=True)] for f in history.figures]
    headers = ("figure", "baseline (95% interval)", "new model (95% interval)", "difference (95% interval)")
    return Grid(f"On {history.leads:,} leads with known outcomes ({history.conversions:,} converted)",
                headers, rows, frozenset(headers[1:]))


def drivers_grid(live: LiveComparison) -> Grid:
    rows = [[d.rule, d.checks, f"{d.leads:,}", "" if d.points is None else f"{d.points:+,}"] for d in live.drivers]
    return Grid("Rules behind most of the moves", ("rule", "checks", "leads moved", "points (new − baseline)"),
                rows, frozenset({"leads moved", "points (new − baseline)"}))


def _side(example: Example, name: str) -> str:
    old, new = getattr(example.baseline, name), getattr(example.candidate, name)
    return str(new) if old == new else f"{old} → {new}"


def examples_grid(live: LiveComparison, *, reasons: bool = True) -> Grid:
    rows = []
    for e in live.examples:
        score = f"{e.baseline.fit}+{e.baseline.engagement} → {e.candidate.fit}+{e.candidate.engagement}"
        row = [f"{e.name}\n{e.lead_id}", _side(e, "label"), _side(e, "grade"), _side(e, "stage"), score]
        if reasons:
            row += ["\n".join(e.baseline.reasons.splitlines()[:4]), "\n".join(e.candidate.reasons.splitlines()[:4])]
        rows.append(row)
    headers = ("lead", "label", "grade", "stage", "fit+engagement", *(("baseline's reasons", "new model's reasons") if reasons else ()))
    return Grid(f"{len(live.examples)} leads that move most (baseline → new model)", headers, rows,
                whole=frozenset({"label", "grade", "stage"}))


def _moves(live: LiveComparison) -> list[Grid]:
    return [moves_grid(title, moves, sides=SIDES) for title, moves in (
        ("Label moves", live.label_moves), ("Grade moves", live.grade_moves),
        ("Lifecycle stage moves", live.stage_moves))]


def _live_line(live: LiveComparison) -> str:
    return (f"On the live {live.crm} (a dry run of both models, nothing written): {live.moved:,} of "
            f"{live.leads:,} leads would get another label, grade or lifecycle stage with the new model "
            "than with the baseline (both scored now from what the CRM holds; a stage only ever moves "
            "forward from the CRM's own).")


def _head(report: Report) -> list[str]:
    """The models compared, and how the history's intervals were drawn (the verdict apart)."""
    lines = [f"new model: {report.candidate.title}",
             f"baseline: {report.baseline.title}" + (f", {report.baseline.chosen}" if report.baseline.chosen else "")]
    if report.history:
        h = report.history
        lines.append(f"history: {h.source}; intervals from a paired bootstrap, {h.resamples:,} resamples, seed {h.seed}")
    return lines


def print_text(console: Console, report: Report) -> None:
    if report.history:
        console.print(f"[bold]verdict: {escape(report.history.verdict.line)}[/bold]")
    for line in _head(report):
        console.print(escape(line))
    if report.history:
        console.print(to_rich(figures_grid(report.history)))
        for warning in report.history.warnings:
            console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    if report.live:
        console.print(escape(_live_line(report.live)))
        for grid in _moves(report.live):
            console.print(to_rich(grid))
        if report.live.drivers:
            console.print(to_rich(drivers_grid(report.live)))
        if report.live.examples:
            wide = console.width >= 160
            console.print(to_rich(examples_grid(report.live, reasons=wide), lines=True))
            if not wide:
                console.print(f"(reasons left out at {console.width} columns: see them from 160 columns, "
                              "with --format markdown or --format json)")


def markdown(report: Report) -> str:
    """The report as a pull-request comment: the verdict first, figures, moves, examples folded."""
    parts = [f"### leadscore compare: {_md(report.candidate.name)} {_md(report.candidate.version)} "
             f"vs {_md(report.baseline.name)} {_md(report.baseline.version)}", ""]
    if report.history:
        parts += [f"**verdict: {_md(report.history.verdict.line)}**", ""]
    parts += [f"- {_md(line)}" for line in _head(report)] + [""]
    if report.history:
        parts.append(to_markdown(figures_grid(report.history)))
        parts += [f"> warning: {_md(w)}" for w in report.history.warnings] + [""]
    if report.live:
        parts += [_md(_live_line(report.live)), ""]
        parts += [to_markdown(g) for g in _moves(report.live)]
        if report.live.drivers:
            parts.append(to_markdown(drivers_grid(report.live)))
        if report.live.examples:
            parts += ["<details><summary>Example leads with both models' scores and reasons</summary>", "",
                      to_markdown(examples_grid(report.live)), "</details>", ""]
    return "\n".join(parts)


def _md(text: str) -> str:
    """Text outside a table: HTML and Markdown emphasis escaped (names come from model files)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return "".join(f"\\{c}" if c in "*_`[]" else c for c in text)


def _move_list(moves: Counter) -> list[dict[str, Any]]:
    return [{"from": old, "to": new, "leads": n}
            for (old, new), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))]


def _figure(f: Figure) -> dict[str, Any]:
    return {"key": f.key, "name": f.name, "baseline": asdict(f.baseline), "new": asdict(f.candidate),
            "difference": asdict(f.difference)}


def as_json(report: Report) -> dict[str, Any]:
    """Every figure of the report, JSON-ready."""
    out: dict[str, Any] = {"baseline": asdict(report.baseline), "new": asdict(report.candidate)}
    if report.history:
        h = report.history
        out["history"] = {"source": h.source, "leads": h.leads, "conversions": h.conversions,
                          "resamples": h.resamples, "seed": h.seed,
                          "verdict": {"outcome": h.verdict.outcome, "line": h.verdict.line},
                          "figures": [_figure(f) for f in h.figures], "warnings": h.warnings}
    if report.live:
        live = report.live
        out["live"] = {"crm": live.crm, "leads": live.leads, "moved": live.moved,
                       "label_moves": _move_list(live.label_moves), "grade_moves": _move_list(live.grade_moves),
                       "stage_moves": _move_list(live.stage_moves),
                       "drivers": [asdict(d) for d in live.drivers],
                       "examples": [{"id": e.lead_id, "name": e.name, "baseline": asdict(e.baseline),
                                     "new": asdict(e.candidate)} for e in live.examples]}
    return out
