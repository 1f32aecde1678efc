"""Scoring inputs kept in the state store, so the nightly rescore reads nothing it already knows.

Why (docs/architecture.md, "The nightly rescore"): between two nights most leads change only by
decay, and decay needs nothing from the CRM but the event times scoring already read. So every
pass keeps, per lead, what the model reads of it, and no more personal data than that: the
properties fit rules read, the lifecycle stage, and per event only its type, time, count and the
attributes `where` conditions read (events of types no rule or stage reads are left out); with
several models, what any of them reads. Beside them, the lead's owner id (a lead a rescore turns
hot gets its owner's task, LEADSCORE_OWNER_TASKS, as one read live does) and leadscore's own values
as the CRM holds them (as read, or as our write left them), so only what changed is written.

The kept inputs are valid for one `signature` (what the model reads, and its name and version):
any other model starts them again, and only a full read of the CRM that finished makes them
complete. A rescore from them is correct because every change to a lead reaches the store
through the incremental passes (the rescore runs one first, in the same run).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import replace
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from connector.crm.base import LeadPage, LeadRecord
from connector.scoring.modelset import ModelSet
from connector.scoring.types import Event, Lead
from connector.state.inputs import KeptInputs

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel
    from connector.state import RecordOutcome, StateStore


def signature(model: ScoringModel | ModelSet, text: str = "") -> str:
    """What kept inputs of `model` (one, or every model of a set) hold: the properties and event
    attributes they read, with each model's name and version and the file `text` (any other
    model, or another list of models, is rescored from the CRM, as the robustness rule says,
    even one that reads the same inputs)."""
    models = ModelSet.of(model)
    codec = InputCodec(models)
    digest = hashlib.sha256(text.encode()).hexdigest()
    reads: dict[str, object] = {
        "keeps": ["owner"],  # the lead's owner beside its inputs, for the owner tasks
        "properties": codec.properties,
        "events": {event: list(attrs) for event, attrs in sorted(codec.attributes.items())},
    }
    if len(models) == 1:
        reads["model"] = [models.first.name, models.first.version, digest]
    else:
        reads["models"] = [[m.key, m.name, m.version] for m in models]
        reads["text"] = digest
    return hashlib.sha256(json.dumps(reads, sort_keys=True).encode()).hexdigest()[:32]


class InputCodec:
    """A lead → the JSON text of what `model` (every model of a set) reads of it, and back. The
    inputs are the models' together: one lead's inputs serve every model."""

    def __init__(self, model: ScoringModel | ModelSet) -> None:
        models = ModelSet.of(model)
        plans = [plan for m in models for plan in m.fit_plan]
        self.properties = sorted({plan.property for plan in plans})
        # Properties every rule of every model reads by email domain only: an address is kept
        # from its "@" on, which the engine scores as the whole address (what follows the @
        # decides its rules).
        self.by_domain = {plan.property for plan in plans if plan.by_domain} - {
            plan.property for plan in plans if not plan.by_domain}
        attributes: dict[str, set[str]] = {}
        for m in models:
            for event, plan in m.event_plans.items():
                attributes.setdefault(event, set()).update(plan.attributes)
        self.attributes = {event: tuple(sorted(attrs)) for event, attrs in attributes.items()}

    def encode(self, lead: Lead, owner: str | None = None) -> str:
        """`owner`: the CRM user who owns the lead, kept so that a lead turning hot in a rescore
        from kept inputs gets its owner's task (LEADSCORE_OWNER_TASKS) as one read live does."""
        props = {name: self._value(name, lead.properties[name]) for name in self.properties
                 if lead.properties.get(name) is not None}
        events = [
            [e.type, e.timestamp.isoformat() if e.timestamp else None,
             {a: e.attributes[a] for a in self.attributes[e.type] if a in e.attributes}, e.count]
            for e in lead.events if e.type in self.attributes
        ]
        data = {"p": props, "s": lead.stage, "e": events, **({"o": owner} if owner else {})}
        return json.dumps(data, separators=(",", ":"))

    def _value(self, name: str, value: str) -> str:
        at = value.rfind("@") if name in self.by_domain and isinstance(value, str) else -1
        return value[at:] if at >= 0 else value

    @staticmethod
    def decode(lead_id: str, text: str, written: Mapping[str, str | None]) -> LeadRecord:
        data = json.loads(text)
        events = tuple(
            Event(kind, datetime.fromisoformat(at) if at else None, attrs, count)
            for kind, at, attrs, count in data["e"]
        )
        return LeadRecord(Lead(lead_id, data["p"], events, data["s"]), written, owner=data.get("o"))


class InputKeeper:
    """A run's view of the kept inputs: it keeps each scored lead's inputs once its outcome is
    known (its changed values written, or recorded failed: the CRM then still holds the old
    ones), and serves them back as pages for a rescore. `keep` False (a dry run) keeps nothing."""

    def __init__(self, store: StateStore, portal: str, model: ScoringModel | ModelSet, *, text: str = "",
                 keep: bool = True) -> None:
        self.store = store
        self.portal = portal
        self.model = model
        self.text = text  # the model file's text
        self.keep = keep
        self._ready: list[KeptInputs] = []
        self._serving = False  # the records scored now came from `pages`: kept already
        self._pending: dict[str, tuple[LeadRecord, Mapping[str, str]]] = {}

    @cached_property
    def signature(self) -> str:
        return signature(self.model, self.text)

    @cached_property
    def codec(self) -> InputCodec:
        return InputCodec(self.model)

    def usable(self, now: datetime, max_age: timedelta) -> bool:
        """Whether a rescore may start from the kept inputs: they hold this model's inputs, and a
        full read kept them all within `max_age` (a safety net for what an incremental pass cannot
        see, such as a deleted engagement)."""
        kept = self.store.input_set(self.portal)
        return (kept is not None and kept.signature == self.signature and kept.read_at is not None
                and now - kept.read_at < max_age)

    def begin(self) -> None:
        """Before a pass that keeps inputs: inputs of another model are forgotten."""
        if not self.keep:
            return
        kept = self.store.input_set(self.portal)
        if kept is None or kept.signature != self.signature:
            self.store.reset_inputs(self.portal, self.signature)

    def scored(self, record: LeadRecord, values: Mapping[str, str]) -> None:
        """A lead scored; `values`: what will be written (empty: nothing changed)."""
        if not self.keep:
            return
        if values:
            self._pending[record.lead.id] = (record, values)
        elif not self._serving:
            self._ready.append(KeptInputs(record.lead.id, self.codec.encode(record.lead, record.owner),
                                          _dump(record.written)))

    def outcomes(self, outcomes: Sequence[RecordOutcome]) -> None:
        """A batch's results: a written lead's values are now the CRM's, its stage among them
        (the lead's own stage, which the forward-only rule starts from)."""
        for item in outcomes:
            pending = self._pending.pop(item.lead_id, None)
            if pending is None:
                continue
            record, values = pending
            lead, written = record.lead, record.written
            if item.ok:
                written = {**written, **values}
                if "stage" in values:
                    lead = replace(lead, stage=values["stage"])
            self._ready.append(KeptInputs(item.lead_id, self.codec.encode(lead, record.owner), _dump(written)))

    def flush(self) -> None:
        if self._ready:
            self.store.keep_inputs(self.portal, self._ready)
        self._ready = []

    def forget(self, lead_ids: Sequence[str]) -> None:
        if self.keep and lead_ids:
            self.store.forget_inputs(self.portal, lead_ids)

    def read_all(self, now: datetime) -> None:
        """A full read of the CRM finished: every lead's inputs are kept."""
        if self.keep:
            self.flush()
            self.store.inputs_read(self.portal, self.signature, now)

    def pages(self, exclude: Set[str]) -> Iterator[LeadPage]:
        """Every kept lead but `exclude` (scored from the CRM earlier in the run), as pages of
        records; no checkpoint (the position in the CRM is not moved by a rescore)."""
        self._serving = True
        try:
            for rows in self.store.iter_inputs(self.portal):
                records = [self.codec.decode(r.lead_id, r.inputs, json.loads(r.written))
                           for r in rows if r.lead_id not in exclude]
                yield LeadPage(records, None)
        finally:
            self._serving = False


def _dump(written: Mapping[str, str | None]) -> str:
    return json.dumps(dict(written), sort_keys=True, separators=(",", ":"))
