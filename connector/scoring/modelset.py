"""Several scoring models for one portal: `LEADSCORE_MODEL_PATH="b2b.toml, enterprise.toml"`.

Each model names its properties by its `[model] key` (`leadscore_enterprise_fit`); the model
without a key writes leadscore's plain names. Keys must differ (two models writing the same
properties would overwrite each other on every run), and one model only moves the lifecycle
stage (two could disagree and move it back and forth): the one marked `moves_stage = true`,
else the first listed. One model only may carry an `[account]` section: company scores have one
set of properties (`leadscore_fit` on the company, whatever the model's key), so two sections
would overwrite each other; that model's own contact engagement is what companies roll up.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from connector.scoring.checker import UNKEYED, ModelError
from connector.scoring.compiled import ScoringModel
from connector.scoring.model import load_model


def label_of(model: ScoringModel) -> str:
    """How figures name a model: its key, or "default" for the model without one."""
    return model.key or UNKEYED


@dataclass(frozen=True)
class ModelSet:
    """The models one portal scores with, in the order listed, checked to work together."""

    models: tuple[ScoringModel, ...]

    def __post_init__(self) -> None:
        problems = _conflicts(self.models)
        if problems:
            raise ModelError(", ".join(m.source for m in self.models), problems)

    @classmethod
    def of(cls, model: ScoringModel | ModelSet) -> ModelSet:
        """A set as given, or the one-model set of a single model."""
        return model if isinstance(model, ModelSet) else cls((model,))

    def __iter__(self) -> Iterator[ScoringModel]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    @property
    def first(self) -> ScoringModel:
        return self.models[0]

    @property
    def stage_model(self) -> ScoringModel:
        """The one model whose stage is written: the one marked `moves_stage`, else the first."""
        return next((m for m in self.models if m.moves_stage), self.models[0])

    @property
    def account_model(self) -> ScoringModel | None:
        """The one model whose [account] section scores companies, or None."""
        return next((m for m in self.models if m.account is not None), None)

    @property
    def keys(self) -> tuple[str | None, ...]:
        return tuple(m.key for m in self.models)

    @property
    def fit_properties(self) -> tuple[str, ...]:
        """Every lead property some model's fit rules read, each once, sorted."""
        return tuple(sorted({plan.property for m in self.models for plan in m.fit_plan}))


def _conflicts(models: Sequence[ScoringModel]) -> list[str]:
    problems: list[str] = []
    if not models:
        return ["no model given; fix: name at least one model file"]
    seen: dict[str | None, ScoringModel] = {}
    for model in models:
        other = seen.setdefault(model.key, model)
        if other is not model:
            which = f"key {model.key!r}" if model.key else "no [model] key"
            problems.append(
                f"{other.source} and {model.source} both have {which}, so they would write the same "
                "properties; fix: give each model its own key in its [model] section "
                '(key = "enterprise"), at most one model without a key')
    movers = [m.source for m in models if m.moves_stage]
    if len(movers) > 1:
        problems.append(f"{' and '.join(movers)} are all marked moves_stage = true; fix: mark one "
                        "model only (the lifecycle stage follows one model)")
    accounts = [m.source for m in models if m.account is not None]
    if len(accounts) > 1:
        problems.append(f"{' and '.join(accounts)} all have an [account] section, and company scores "
                        "have one set of properties; fix: keep the [account] section in one model only "
                        "(its contacts' engagement is what companies roll up)")
    return problems


def split_paths(spec: str | Path | None) -> list[Path | None]:
    """The model paths of a comma-separated list (None: the default model shipped with leadscore)."""
    if spec is None:
        return [None]
    parts = [part.strip() for part in str(spec).split(",")]
    return [Path(part) for part in parts if part] or [None]


def load_models(spec: str | Path | None, *, named_by: str | None = None) -> ModelSet:
    """Every model of a comma-separated list of paths, loaded and checked to work together.

    Each file's problems are reported together (one ModelError for all the files)."""
    models: list[ScoringModel] = []
    problems: list[str] = []
    sources: list[str] = []
    for path in split_paths(spec):
        try:
            models.append(load_model(path, named_by=named_by))
        except ModelError as exc:
            problems += exc.problems
            sources.append(exc.source)
    if problems:
        raise ModelError(", ".join(sources), problems)
    return ModelSet(tuple(models))
