"""`leadscore validate` and `leadscore score` (`leadscore demo` is the sync's: connector/commands/sync.py).

They drive the pure scoring core from files: a model file, a JSON Lines file of CRM-neutral
leads. The clock is read here (the default `--now`), never in the core.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from connector.commands.invocation import settings
from connector.errors import UserError
from connector.scoring import ModelSet, ScoreResult, ScoringModel, label_of, load_model, load_models, score_lead
from connector.scoring.compiled import AccountModel, Calibration
from connector.scoring.modelset import split_paths
from connector.scoring.leadfile import read_leads
from connector.scoring.types import Lead


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("score")(score)


def validate(
    path: Optional[Path] = typer.Argument(None, help="Model file, or several separated by commas (default: LEADSCORE_MODEL_PATH, else the model shipped with leadscore)."),
) -> None:
    """Check scoring model files (one or several for one portal) and print a summary of their rules."""
    models = chosen_models(path, None)
    for i, model in enumerate(models):
        if i:
            typer.echo("")
        for line in summarize(model):
            typer.echo(line)
    if len(models) > 1:
        typer.echo("")
        for line in summarize_set(models):
            typer.echo(line)


def score(
    leads: Path = typer.Option(..., "--leads", help="Leads file: JSON Lines (.jsonl, one lead per line) or a CSV export (.csv)."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="With a CSV: mapping file naming the id, property and event columns, as for backtest (default: every column is a property)."),
    model_path: Optional[Path] = typer.Option(None, "--model", help="Model file, or several separated by commas (default: LEADSCORE_MODEL_PATH, else the model shipped with leadscore)."),
    now: Optional[str] = typer.Option(None, "--now", help="Score as of this ISO 8601 time (default: now, UTC)."),
    output: str = typer.Option("table", "--format", help="table, json or csv."),
) -> None:
    """Score the leads in a file and print the scores with their reasons."""
    if output not in ("table", "json", "csv"):
        raise UserError(f"--format {output!r} is not known; fix: use --format table, json or csv.")
    models = chosen_models(model_path, "--model")
    as_of = parse_now(now) if now else datetime.now(timezone.utc)
    keyed = len(models) > 1  # several models: each row says whose score it is
    results = ((label_of(m) if keyed else None, score_lead(lead, m, as_of))
               for lead in _leads(leads, mapping, as_of) for m in models)
    if output == "json":
        write_json(results, sys.stdout)
    elif output == "csv":
        write_csv(results, sys.stdout, keyed=keyed)
    elif not keyed:
        print_table((result for _, result in results), models.first, as_of)
    else:
        by_model: dict[str, list[ScoreResult]] = {label_of(m): [] for m in models}
        for key, result in results:
            by_model[key].append(result)  # type: ignore[index]
        for model in models:
            print_table(by_model[label_of(model)], model, as_of)


def _leads(path: Path, mapping: Path | None, as_of: datetime) -> Iterator[Lead]:
    """JSON Lines as the scoring core reads them; a CSV as the backtest reads an export (its
    undated events, the export's counts, dated at `as_of`)."""
    if path.suffix.lower() != ".csv":
        if mapping is not None:
            raise UserError(f"--mapping {mapping}: a mapping reads a CSV export, not {path.name}; fix: drop --mapping or pass a .csv file.")
        yield from read_leads(path)
        return
    from connector.backtest.asof import as_of as dated_at
    from connector.backtest.loader import read_csv_leads
    from connector.backtest.mapping import DEFAULT, load_mapping

    for lead in read_csv_leads(path, load_mapping(mapping) if mapping else DEFAULT):
        yield dated_at(lead, as_of)[0]


CSV_FIELDS = ("id", "fit", "engagement", "label", "grade", "stage", "probability", "reasons", "warnings", "model")


def write_csv(results: Iterable[tuple[str | None, ScoreResult]], out, *,  # type: ignore[no-untyped-def]
              keyed: bool = False) -> None:
    """One row per lead (per lead and model, with a leading `key` column, when `keyed`), reasons
    and warnings each joined by "; "; written as it goes."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("key", *CSV_FIELDS) if keyed else CSV_FIELDS)
    for key, result in results:
        row = as_json(result)
        chance = row["probability"]
        cells = [row["id"], row["fit"], row["engagement"], row["label"], row["grade"], row["stage"] or "",
                 "" if chance is None else chance["percent"],  # type: ignore[index]
                 "; ".join(row["reasons"]), "; ".join(row["warnings"]), row["model"]]
        writer.writerow([key, *cells] if keyed else cells)


def chosen_model(path: Path | None, option: str | None) -> ScoringModel:
    """The one model a command was given, else LEADSCORE_MODEL_PATH's, else the default one;
    every relative path is read from the current directory (one rule for every command). A
    command that scores with one model refuses a setting that lists several."""
    if path is not None:
        return load_model(path, named_by=option)
    spec = settings().model_path
    if len(split_paths(spec)) > 1:
        raise UserError(f"LEADSCORE_MODEL_PATH={spec} lists several models, and this command uses "
                        "one; fix: name it with --model.")
    return load_model(spec, named_by="LEADSCORE_MODEL_PATH")


def chosen_models(path: Path | None, option: str | None) -> ModelSet:
    """The models a command was given (a comma-separated list), else LEADSCORE_MODEL_PATH's,
    else the default one, checked to work together (distinct keys, one moving the stage)."""
    if path is not None:
        return load_models(path, named_by=option)
    return load_models(settings().model_path, named_by="LEADSCORE_MODEL_PATH")


def parse_now(text: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--now {text!r} is not an ISO 8601 time; fix: write e.g. --now 2026-11-20T12:00:00Z.") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def as_json(result: ScoreResult) -> dict[str, object]:
    return {
        "id": result.lead_id,
        "fit": result.fit,
        "engagement": result.engagement,
        "label": result.label,
        "grade": result.grade,
        "stage": result.stage,
        "probability": _probability(result),
        "reasons": [reason.text for reason in result.reasons],
        "warnings": list(result.warnings),
        "model": f"{result.model_name} {result.model_version}",
    }


def _probability(result: ScoreResult) -> dict[str, object] | None:
    """The calibrated chance as the sync writes it (percent, one decimal), with its horizon and
    outcome; None for a model without a [calibration] table."""
    chance = result.probability
    if chance is None:
        return None
    return {"percent": round(chance.percent, 1), "within_days": chance.horizon_days, "outcome": chance.outcome}


def write_json(results: Iterable[tuple[str | None, ScoreResult]], out) -> None:  # type: ignore[no-untyped-def]
    """A JSON array, written one lead at a time so a big file never sits in memory; with several
    models, one object per lead and model, its `key` first."""
    out.write("[")
    for i, (key, result) in enumerate(results):
        item = as_json(result) if key is None else {"key": key, **as_json(result)}
        out.write(("\n  " if i == 0 else ",\n  ") + json.dumps(item, ensure_ascii=False))
    out.write("\n]\n")


def print_table(results: Iterable[ScoreResult], model: ScoringModel, as_of: datetime) -> None:
    key = f" (key {model.key})" if model.key else ""
    table = Table(title=f"{model.name} {model.version}{key} — scored as of {as_of.isoformat()}", show_lines=True)
    table.add_column("lead", overflow="fold")
    table.add_column("fit", justify="right")
    table.add_column("engagement", justify="right")
    table.add_column("label")
    table.add_column("grade")
    table.add_column("stage", overflow="fold")
    if model.calibration is not None:
        table.add_column("probability", justify="right")
    table.add_column("reasons", ratio=1)
    for result in results:
        notes = [reason.text for reason in result.reasons] + [f"warning: {w}" for w in result.warnings]
        chance = []  # a calibrated model's every result has its probability
        if result.probability is not None:
            notes.append(result.probability.sentence)  # as the record's reasons end
            chance = [f"{result.probability.percent:.1f}%"]
        table.add_row(result.lead_id, str(result.fit), str(result.engagement), result.label, result.grade,
                      result.stage or "", *chance, "\n".join(notes))
    console = Console(highlight=False)
    if not console.is_terminal:  # a file or a pipe: lines as long as a reason needs, not 80 columns
        console = Console(highlight=False, width=160)
    console.print(table)


def summarize(model: ScoringModel) -> Iterator[str]:
    """The model in plain lines: what `validate` prints."""
    yield f"{model.source}: OK — model {model.name} {model.version}"
    if model.key:
        yield f"  key {model.key}: its scores are written to <prefix>{model.key}_fit, <prefix>{model.key}_label, ..."
    if model.description:
        yield f"  {model.description}"
    yield (f"scores: fit {model.fit_bounds.min}..{model.fit_bounds.max}, "
           f"engagement {model.engagement_bounds.min}..{model.engagement_bounds.max}")
    yield f"fit rules ({len(model.fit_rules)}):"
    for rule in model.fit_rules:
        group = f" [group {rule.group}]" if rule.group else ""
        yield f"  {rule.points:+g}  {rule.id}: {rule.condition.summary}{group}"
    yield f"engagement rules ({len(model.engagement_rules)}):"
    for erule in model.engagement_rules:
        caps = []
        if erule.max_events is not None:
            caps.append(f"at most {erule.max_events} event{'s' if erule.max_events > 1 else ''}")
        if erule.max_points is not None:
            caps.append(f"at most {erule.max_points:g} points")
        if erule.group:
            caps.append(f"group {erule.group}")
        where = f" where {', '.join(c.summary for c in erule.where)}" if erule.where else ""
        extra = "; ".join(caps + [erule.decay.describe()])
        yield f"  {erule.points:+g}  {erule.id}: each {erule.event}{where} ({extra})"
    if model.groups:
        yield "groups: " + ", ".join(
            f"{g.name} {'' if g.min is None else f'{g.min:g}'}..{'' if g.max is None else f'{g.max:g}'}"
            for g in model.groups.values())
    yield "labels: " + ", ".join(
        f"{label.name} ({', '.join(_minimums(label.min_fit, label.min_engagement)) or 'otherwise'})"
        for label in model.labels)
    yield ("grade: fit " + " ".join(f"{b.name}≥{b.min:g}" for b in model.fit_bands)
           + " × engagement " + " ".join(f"{b.name}≥{b.min:g}" for b in model.engagement_bands))
    yield "stages: " + " → ".join(model.stages)
    for srule in model.stage_rules:
        conditions = _minimums(srule.min_fit, srule.min_engagement)
        if srule.event is not None:
            within = f" within {srule.within_days:g} days" if srule.within_days is not None else ""
            where = f" where {', '.join(c.summary for c in srule.where)}" if srule.where else ""
            conditions.append(f"a {srule.event}{where}{within}")
        yield f"  to {srule.stage} when " + " and ".join(conditions)
    if model.calibration is not None:
        yield from _calibration_summary(model.calibration)
    if model.account is not None:
        yield from _account_summary(model.account)


def _calibration_summary(table: Calibration) -> Iterator[str]:
    """The [calibration] table: what it estimates, from how many leads, and its bands."""
    yield (f"calibration: the chance a lead {table.outcome} within {table.horizon_days} days, estimated on "
           f"{table.leads} held-out leads ({table.conversions} converted):")
    yield "  " + ", ".join(f"score ≥ {band.min_score}: {band.probability:g}% ({band.leads} leads)"
                           for band in table.bands)


_ROLLUP_WORDS = {"sum": "the sum", "max": "the highest", "top3_mean": "the mean of the three highest"}


def _account_summary(section: AccountModel) -> Iterator[str]:
    """The [account] section in a few lines: rollup, cap, fit rules, labels."""
    yield (f"accounts: engagement is {_ROLLUP_WORDS[section.rollup]} of their contacts' engagement scores, "
           f"held at most at {section.cap}")
    yield f"  account fit rules ({len(section.fit.fit_rules)}):"
    for rule in section.fit.fit_rules:
        yield f"    {rule.points:+g}  {rule.id}: {rule.condition.summary}"
    yield "  account labels: " + ", ".join(
        f"{label.name} ({', '.join(_minimums(label.min_fit, label.min_engagement)) or 'otherwise'})"
        for label in section.fit.labels)


def _minimums(min_fit: float | None, min_engagement: float | None) -> list[str]:
    found = []
    if min_fit is not None:
        found.append(f"fit ≥ {min_fit:g}")
    if min_engagement is not None:
        found.append(f"engagement ≥ {min_engagement:g}")
    return found


def summarize_set(models: ModelSet) -> Iterator[str]:
    """How several models share a portal: whose properties, which one moves the stage."""
    stage = models.stage_model
    why = "marked moves_stage" if stage.moves_stage else "listed first"
    yield f"{len(models)} models for one portal, checked together (distinct keys):"
    for model in models:
        names = f"<prefix>{model.key}_*" if model.key else "leadscore's plain names (<prefix>fit ...)"
        moves = f"; moves the lifecycle stage ({why})" if model is stage else ""
        yield f"  {label_of(model)}: {model.name} {model.version} writes {names}{moves}"
    if any(m.stage_rules for m in models if m is not stage):
        yield "  the stage rules of the other models are not applied: one model moves the stage"
    account = models.account_model
    if account is not None:
        yield (f"  companies are scored by the [account] section of {label_of(account)}, from its contacts' "
               "engagement, under leadscore's plain names (<prefix>fit ... on the company)")
