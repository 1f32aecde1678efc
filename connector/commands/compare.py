"""`leadscore compare`: review a model change like a code change, with a verdict and a gate."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from connector.commands.invocation import portals_of
from connector.errors import UserError
from connector.extras import require_extra

console = Console(soft_wrap=False)


class Format(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


def _ref(model, chosen: str = ""):
    from connector.compare.render import ModelRef

    return ModelRef(model.source, model.name, model.version, chosen)


def _portal(name: Optional[str]):
    """The settings of the one portal compared (LEADSCORE_PORTALS may list several)."""
    _, portals = portals_of(name)
    if len(portals) > 1:
        raise UserError(f"compare looks at one portal; fix: add --portal with one of {', '.join(portals)}.")
    return next(iter(portals.values()))


def _baseline(path: Optional[Path], cfg, candidate):
    """--baseline, else the model the portal was last fully synced with (its text kept in the
    state store; of several, the one with the candidate's key), else the model the sync scores
    with (LEADSCORE_MODEL_PATH, else the model shipped with leadscore): the model the portal's
    scores come from. With how it was chosen."""
    from connector.scoring import load_model
    from connector.scoring.model import parse_model
    from connector.scoring.modelset import label_of, split_paths
    from connector.sync.fingerprint import ModelStamp, split_text
    from connector.sync.service import open_store

    if path is not None:
        return load_model(path, named_by="--baseline"), "given with --baseline"
    with open_store(cfg) as store:
        last = store.last_model(cfg.crm, cfg.portal)
    if last is not None:
        source = f"the state store (portal {cfg.portal!r})"
        text, which = last[1], f"the model portal {cfg.portal!r} was last synced with"
        several = split_text(ModelStamp(*last))
        if several:
            key = label_of(candidate)
            if key not in several:
                raise UserError(f"portal {cfg.portal!r} was last synced with the models {', '.join(several)}, "
                                f"none keyed {key!r} as the candidate is; fix: name the baseline with --baseline.")
            text, which = several[key], f"the model keyed {key!r} portal {cfg.portal!r} was last synced with"
        return parse_model(text, source), which
    configured = cfg.model_path
    if configured is not None and len(split_paths(configured)) > 1:
        raise UserError(f"LEADSCORE_MODEL_PATH={configured} lists several models, and compare weighs "
                        "one against the candidate; fix: name it with --baseline.")
    if configured is not None:
        return load_model(configured, named_by="LEADSCORE_MODEL_PATH"), "the model the sync scores with (LEADSCORE_MODEL_PATH)"
    return load_model(None), "the model the sync scores with (the default, LEADSCORE_MODEL_PATH unset)"


def _history(leads: Optional[Path], outcome: Optional[str], mapping: Optional[Path], from_crm: bool,
             stages: str, adapter, as_of: Optional[str]):
    from connector.backtest.loader import load_history
    from connector.backtest.mapping import DEFAULT, load_mapping

    if from_crm:
        from connector.backtest.crm import history_from_crm

        wanted = [s.strip() for s in stages.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in adapter.stages]
        if not wanted or unknown:
            raise UserError(f"--outcome-stages: unknown stage {', '.join(unknown) or '(none given)'}; fix: use stages "
                            f"of the new model's [stages] order: {', '.join(adapter.stages)}.")
        # Each lead is read as of its own moment (connector.backtest.crm); `now` bounds them.
        return history_from_crm(adapter.crm, adapter.properties, wanted, now=_cutoff(None, as_of, True)[0])
    return load_history(leads, outcome, load_mapping(mapping) if mapping else DEFAULT)


def _cutoff(history, as_of: Optional[str], from_crm: bool) -> tuple[datetime, bool]:
    from connector.backtest.asof import default_cutoff
    from connector.scoring.leadfile import parse_timestamp

    if as_of is not None:
        stamp = parse_timestamp(as_of)
        if stamp is None:
            raise UserError(f"--as-of {as_of!r} is not an ISO 8601 time; fix: write e.g. 2024-05-01 or 2024-05-01T09:30:00Z.")
        return stamp, True
    now = datetime.now(UTC)
    return (now if from_crm else default_cutoff(history.leads, now)), False


class _Crm:
    """The CRM adapter, opened once for --from-crm and --live, reading both models' properties."""

    def __init__(self, cfg, baseline, candidate) -> None:
        from connector.compare.live import reading_model
        from connector.crm.registry import open_adapter

        model = reading_model(baseline, candidate)
        self.properties = sorted({plan.property for plan in model.fit_plan})
        self.stages = candidate.stages
        self.crm = open_adapter(cfg, model)

    def close(self) -> None:
        self.crm.close()


def compare(
    model: Path = typer.Option(..., "--model", help="The new model file (the change under review)."),
    baseline: Optional[Path] = typer.Option(None, "--baseline", help="The current model (default: the one the portal was last synced with, else the one the sync scores with: LEADSCORE_MODEL_PATH, else the model shipped with leadscore)."),
    leads: Optional[Path] = typer.Option(None, "--leads", help="History of leads with known outcomes: CSV or JSONL.", show_default="none: --from-crm, or --live alone"),
    outcome: Optional[str] = typer.Option(None, "--outcome", help="Column holding the outcome (default: the mapping's)."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="Mapping file: which columns are properties, events, post-contact.", show_default="every column a property of the same name"),
    from_crm: bool = typer.Option(False, "--from-crm", help="History from the CRM (LEADSCORE_CRM): converted = reached an outcome stage."),
    outcome_stages: str = typer.Option("opportunity,customer,evangelist", "--outcome-stages", help="With --from-crm: lifecycle stages that count as converted."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Score the history as of this time (default: its latest event)."),
    portal: Optional[str] = typer.Option(None, "--portal", help="The portal of LEADSCORE_PORTALS to compare on (default: the only one)."),
    live: bool = typer.Option(False, "--live", help="Also score every lead of the CRM (LEADSCORE_CRM) with both models, writing nothing: what would move."),
    output: Format = typer.Option(Format.text, "--format", help="text, markdown (a pull-request comment) or json (every figure)."),
    fail_if_worse: bool = typer.Option(False, "--fail-if-worse", help="Exit 1 when the new model ranks the history worse beyond noise (for CI)."),
    resamples: int = typer.Option(1000, "--resamples", min=100, help="Bootstrap resamples for the 95% intervals."),
    seed: int = typer.Option(0, "--seed", help="Seed of the bootstrap (the same seed, the same intervals)."),
) -> None:
    """Compare a new scoring model with the current one: on outcomes (verdict, intervals) and on
    the live CRM (the labels, grades and stages it would move)."""
    require_extra("backtest", "compare")
    from connector.compare.history import compare_history
    from connector.crm.errors import CrmError
    from connector.compare.render import Report, as_json, markdown, print_text
    from connector.scoring import load_model

    history_given = from_crm or leads is not None
    if from_crm and leads is not None:
        raise UserError("compare takes one history; fix: pass --leads FILE (an export) or --from-crm, not both.")
    if not history_given and not live:
        raise UserError("compare needs something to compare on; fix: pass --leads FILE --mapping M or --from-crm "
                        "(outcomes), and/or --live (what the new model would move in the CRM).")
    if fail_if_worse and not history_given:
        raise UserError("--fail-if-worse judges the ranking of known outcomes; fix: add --leads FILE --mapping M or --from-crm.")
    needs_crm = from_crm or live
    cfg = _portal(portal) if needs_crm or baseline is None else None
    candidate_model = load_model(model, named_by="--model")
    baseline_model, chosen = _baseline(baseline, cfg, candidate_model)
    crm = _Crm(cfg, baseline_model, candidate_model) if needs_crm else None
    try:
        history = None
        if history_given:
            lead_history = _history(leads, outcome, mapping, from_crm, outcome_stages, crm, as_of)
            cutoff, explicit = _cutoff(lead_history, as_of, from_crm)
            history = compare_history(lead_history, baseline_model, candidate_model, cutoff=cutoff,
                                      explicit_cutoff=explicit, resamples=resamples, seed=seed)
        moved = _live(cfg, crm, baseline_model, candidate_model) if live else None
    except CrmError as exc:
        raise UserError(f"reading the CRM failed: {exc}") from None
    finally:
        if crm is not None:
            crm.close()
    report = Report(_ref(baseline_model, chosen), _ref(candidate_model), history, moved)
    if output is Format.json:
        print(json.dumps(as_json(report), indent=2, ensure_ascii=False))
    elif output is Format.markdown:
        print(markdown(report))
    else:
        print_text(console, report)
    if fail_if_worse and history is not None and history.verdict.outcome == "worse":
        raise typer.Exit(1)


def _live(cfg, crm: _Crm, baseline_model, candidate_model):
    from connector.compare.live import compare_live
    from connector.sync.service import run_times

    return compare_live(crm.crm, baseline_model, candidate_model, run_times(cfg))


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
