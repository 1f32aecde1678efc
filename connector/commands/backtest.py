"""`leadscore backtest` (do high scores convert?) and `leadscore fit` (learn points from outcomes)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from connector.commands.invocation import settings
from connector.commands.scoring import chosen_model
from connector.errors import UserError
from connector.extras import require_extra

console = Console(soft_wrap=True)


class Format(str, Enum):
    table = "table"
    json = "json"


def _cutoff(value: Optional[str]) -> datetime | None:
    if value is None:
        return None
    from connector.scoring.leadfile import parse_timestamp

    stamp = parse_timestamp(value)
    if stamp is None:
        raise UserError(f"--as-of {value!r} is not an ISO 8601 time; fix: write e.g. 2024-05-01 or 2024-05-01T09:30:00Z.")
    return stamp


def _history(leads: Path, outcome: Optional[str], mapping: Optional[Path]):
    from connector.backtest.loader import load_history
    from connector.backtest.mapping import DEFAULT, load_mapping

    return load_history(leads, outcome, load_mapping(mapping) if mapping else DEFAULT)


def _stages(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _names(text: str | None) -> list[str]:
    return [n.strip() for n in (text or "").split(",") if n.strip()]


def _crm_history(scoring_model, stages: list[str], now: datetime, extra: list[str] = (), exclude: list[str] = (),
                 horizon_days: int | None = None):
    """The CRM's leads as of their moments (connector.backtest.crm), and a line on the API calls
    it took against the fewest the CRM's page and batch sizes allow."""
    from connector.backtest.crm import history_from_crm
    from connector.crm.errors import CrmError
    from connector.crm.registry import open_adapter

    unknown = [s for s in stages if s not in scoring_model.stages]
    if not stages or unknown:
        raise UserError(f"--outcome-stages: unknown stage {', '.join(unknown) or '(none given)'}; fix: use stages of the model's [stages] order: {', '.join(scoring_model.stages)}.")
    try:
        properties = sorted({plan.property for plan in scoring_model.fit_plan})
        adapter = open_adapter(settings(), scoring_model)
        try:
            attributes = {event: plan.attributes for event, plan in scoring_model.event_plans.items()}
            history = history_from_crm(adapter, properties, stages, now=now, extra=extra, exclude=exclude,
                                       horizon_days=horizon_days, attributes=attributes)
            return history, _calls_line(adapter)
        finally:
            adapter.close()
    except CrmError as exc:
        raise UserError(f"reading the CRM failed: {exc}") from None


def _calls_line(adapter) -> str:
    made = sum(adapter.api_usage().calls.values())
    try:
        floor = adapter.fewest_calls()
    except UserError:
        return f"{adapter.title} API calls: {made:,}"
    return f"{adapter.title} API calls: {made:,} (the fewest its page and batch sizes allow: {floor:,})"


def _default_cutoff(history, as_of: Optional[str]) -> tuple[datetime, bool]:
    from connector.backtest.asof import default_cutoff

    explicit = _cutoff(as_of)
    # Without --as-of: the latest event of the history, the export's own "now"; an export with no
    # dated event has nothing to decay, so the time it is read is as good as any.
    return (explicit, True) if explicit else (default_cutoff(history.leads, datetime.now(UTC)), False)


def _print_headline(summary: dict) -> None:
    from connector.backtest.report import headline_rows, rule_notes

    table = Table(title=f"Backtest of {summary['model']['name']} {summary['model']['version']}", show_header=False)
    table.add_column("figure", style="bold")
    table.add_column("value")
    for name, value in headline_rows(summary):
        table.add_row(escape(name), escape(value))
    console.print(table)
    console.print(f"[bold]verdict:[/bold] {escape(summary['verdict'])}")
    for note in rule_notes(summary):
        console.print(f"rules: {escape(note)}")
    for warning in summary["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")


def backtest(
    model: Optional[Path] = typer.Option(None, "--model", help="Scoring model file (default: LEADSCORE_MODEL_PATH, else the model shipped with leadscore)."),
    leads: Optional[Path] = typer.Option(None, "--leads", help="History of leads with known outcomes: CSV or JSONL.", show_default="none: --from-crm"),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="Column holding the outcome (default: the mapping's)."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="Mapping file: which columns are properties, events, post-contact.", show_default="every column a property of the same name"),
    from_crm: bool = typer.Option(False, "--from-crm", help="Read the leads from the CRM (LEADSCORE_CRM): converted = reached an outcome stage."),
    outcome_stages: str = typer.Option("opportunity,customer,evangelist", "--outcome-stages", help="With --from-crm: lifecycle stages that count as converted."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Score as of this time: later events never count (default: the latest event)."),
    output: Format = typer.Option(Format.table, "--format", help="table (headline figures) or json (every figure)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the HTML report and PNG charts into this folder.", show_default="no report"),
    calibrate: Optional[Path] = typer.Option(None, "--calibrate", help="Estimate a calibration table (score -> probability of converting within --horizon-days) on these leads and write the model with it to this file (it may be the --model file).", show_default="no table written"),
    horizon_days: Optional[int] = typer.Option(None, "--horizon-days", min=1, help="The calibration's horizon. With --from-crm: the leads as they were this many days ago are the sample; with --leads: the window the export's outcomes were observed in.", show_default="the model's table's; else 90 with --from-crm"),
) -> None:
    """Score leads whose outcome is known and show whether high scores convert (and, with a
    calibrated model or --calibrate, whether its probabilities come true)."""
    require_extra("backtest", "backtest")
    from connector.backtest.runner import run_backtest

    scoring_model = chosen_model(model, "--model")
    if from_crm == (leads is not None):
        raise UserError("backtest needs exactly one source; fix: pass --leads FILE (an export) or --from-crm (the CRM itself).")
    calls = None
    table_days = scoring_model.calibration.horizon_days if scoring_model.calibration else None
    if from_crm:
        from connector.backtest.calibration import DEFAULT_HORIZON_DAYS

        explicit_cutoff = _cutoff(as_of)
        cutoff, explicit = (explicit_cutoff, True) if explicit_cutoff else (datetime.now(UTC), False)
        horizon = horizon_days or table_days or (DEFAULT_HORIZON_DAYS if calibrate else None)
        history, calls = _crm_history(scoring_model, _stages(outcome_stages), cutoff, horizon_days=horizon)
    else:
        history = _history(leads, outcome, mapping)
        history.horizon_days = horizon_days
        cutoff, explicit = _default_cutoff(history, as_of)
    result = run_backtest(history, scoring_model, cutoff, explicit, calibrate=calibrate is not None)
    if output is Format.json:
        print(json.dumps(result.summary, indent=2))
    else:
        _print_headline(result.summary)
    if calls:
        Console(stderr=True).print(calls)
    if report:
        from connector.backtest.report import write_report

        page = write_report(result.summary, result.scored, result.facts, report)
        (console if output is Format.table else Console(stderr=True)).print(f"report: {page}")
    if calibrate is not None and result.calibration is not None:
        _write_calibrated(scoring_model, result.calibration, history, calibrate, output)


def _write_calibrated(scoring_model, table, history, out: Path, output: Format) -> None:
    """The model's text with the new table, checked by the core, written to `out`."""
    from connector.backtest.calibration import table_text, with_table
    from connector.scoring import parse_model

    how = f"{table.leads:,} leads of {history.source}" + (
        f", as they were {table.horizon_days} days before the cutoff" if history.snapshot is not None else "")
    source = Path(scoring_model.source)
    text = with_table(source.read_text(encoding="utf-8"), table_text(table, how))
    parse_model(text, str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    (console if output is Format.table else Console(stderr=True)).print(
        f"calibrated: wrote {out} with a table of {len(table.bands)} bands ({table.conversions:,} of {table.leads:,} leads "
        f"converted within {table.horizon_days} days)")


def fit(
    leads: Optional[Path] = typer.Option(None, "--leads", help="History of leads with known outcomes: CSV or JSONL.", show_default="none: --from-crm"),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="Column holding the outcome (default: the mapping's)."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="Mapping file; its post-contact columns are left out of the fit.", show_default="none: --from-crm"),
    from_crm: bool = typer.Option(False, "--from-crm", help="Learn from the CRM (LEADSCORE_CRM): converted = reached an outcome stage."),
    outcome_stages: str = typer.Option("opportunity,customer,evangelist", "--outcome-stages", help="With --from-crm: lifecycle stages that count as converted."),
    model: Optional[Path] = typer.Option(None, "--model", help="With --from-crm: the model in use (its properties are read; it is compared on the held-out folds).", show_default="LEADSCORE_MODEL_PATH, else the model shipped with leadscore"),
    properties: Optional[str] = typer.Option(None, "--properties", help="With --from-crm: more CRM properties to learn from, comma-separated.", show_default="only those the model in use reads"),
    exclude: Optional[str] = typer.Option(None, "--exclude", help="With --from-crm: properties to leave out (e.g. one whose history is not kept), comma-separated.", show_default="none"),
    out: Path = typer.Option(..., "--out", help="Where to write the learned model file."),
    hot_target: Optional[float] = typer.Option(None, "--hot-target", min=0.0, max=1.0, help="Conversion the hot band must reach, 95% sure (default: 0.8)."),
    hot_share: Optional[float] = typer.Option(None, "--hot-share", min=0.0, max=1.0, help="Or: size the hot band to sales capacity, at most this share of the leads (default: sized by --hot-target instead)."),
    warm_target: Optional[float] = typer.Option(None, "--warm-target", min=0.0, max=1.0, help="Conversion of warm leads (default: the overall rate)."),
    max_points: int = typer.Option(100, "--max-points", min=10, help="Points of the best possible lead (fit + engagement)."),
    folds: int = typer.Option(5, "--folds", min=0, help="Held-out folds for validation (0: skip it)."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name (default: the output file's name)."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Learn as of this time: later events never count.", show_default="the latest event"),
    horizon_days: Optional[int] = typer.Option(None, "--horizon-days", min=0, help="Write a calibration table: the probability of converting within this many days (0: none). With --leads, the window the export's outcomes were observed in.", show_default="90 with --from-crm; none with --leads"),
) -> None:
    """Learn points from outcomes (an export, or the CRM itself) and write them as a scoring model file."""
    require_extra("backtest", "fit")
    from connector.backtest.calibration import DEFAULT_HORIZON_DAYS
    from connector.backtest.fit import FitOptions
    from connector.backtest.learn import learn

    if folds == 1:
        raise UserError("--folds 1 cannot hold anything out; fix: use 0 (no validation) or 2 and more (5 is usual).")
    if hot_target is not None and hot_share is not None:
        raise UserError("--hot-target and --hot-share both size the hot band; fix: pass one of them.")
    options = FitOptions(hot_target=0.8 if hot_target is None else hot_target, hot_share=hot_share, warm_target=warm_target,
                         max_points=max_points, folds=max(folds, 2))
    current, calls = None, None
    if from_crm:
        if leads is not None or mapping is not None:
            raise UserError("fit needs exactly one source; fix: pass --leads FILE --mapping FILE (an export) or --from-crm (the CRM itself).")
        from connector.backtest.crm import require_conversions

        current = chosen_model(model, "--model")
        cutoff = _cutoff(as_of) or datetime.now(UTC)
        horizon = DEFAULT_HORIZON_DAYS if horizon_days is None else horizon_days
        history, calls = _crm_history(current, _stages(outcome_stages), cutoff, _names(properties), _names(exclude),
                                      horizon or None)
        require_conversions(history)
    else:
        if leads is None or mapping is None:
            raise UserError("fit needs a source; fix: pass --leads FILE --mapping FILE (an export) or --from-crm (the CRM itself).")
        history = _history(leads, outcome, mapping)
        history.horizon_days = horizon_days or None
        cutoff, _ = _default_cutoff(history, as_of)
    learned = learn(history, cutoff, options, name or out.stem, validate=folds > 0, current=current)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(learned.text, encoding="utf-8")
    _print_fit(learned, out, "--from-crm" if from_crm else "--leads ...")
    if calls:
        console.print(calls)


def _print_fit(learned, out: Path, source: str) -> None:
    model = learned.model
    console.print(f"wrote {out}: {len(model.fit_rules)} fit rules, {len(model.engagement_rules)} engagement rules")
    for band in learned.fitted.labels:
        minimums = " and ".join(f"{score} >= {low}" for score, low in (("fit", band.min_fit), ("engagement", band.min_engagement)) if low > 0)
        console.print(f"  {band.name}: {minimums or 'every lead'}, {band.leads:,} leads converting {band.conversion:.1%} (training data)")
    for line in learned.validation.summary_lines() if learned.validation else []:
        console.print(f"  {escape(line)}")
    if learned.calibration and model.calibration:
        table = model.calibration
        console.print(f"  calibration: {len(table.bands)} bands, {table.conversions:,} of {table.leads:,} held-out leads converted within "
                      f"{table.horizon_days} days; expected calibration error {learned.calibration['ece']:.1f} points (cross-fitted)")
    for warning in learned.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    console.print(f"next: leadscore validate {out}; leadscore backtest --model {out} {source}")


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
    app.command("fit")(fit)
