"""Telling people about a lead's transition (it first turns hot, or first enters MQL): a task for
its owner in the CRM (`tasks`), an event POSTed to a webhook (`webhook`). Both follow the sync
loop through the `Notifier` interface and record each transition in the state store's ledger
(`connector.state.tasks`), so each is made at most once across crashes and restarts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from connector.crm.base import LeadRecord
    from connector.scoring.types import ScoreResult


class Notifier(Protocol):
    """What the sync loop calls: `resume` at the start (what a killed run left pending),
    `noticed` for each lead with changes (the stage model's result, the stage about to be
    written, the label the CRM holds, every model's results), `written` after each write batch
    (the leads written), `finish` at the end; `counts` is the run's tally."""

    counts: Counter

    def resume(self) -> None: ...

    def noticed(self, record: LeadRecord, result: ScoreResult, stage: str | None,
                old_label: str | None, results: Mapping[str, ScoreResult]) -> None: ...

    def written(self, lead_ids: Sequence[str]) -> None: ...

    def finish(self) -> None: ...
