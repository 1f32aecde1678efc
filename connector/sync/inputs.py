"""Scoring inputs kept in the state store, so the nightly rescore reads nothing it already knows.

Why (docs/architecture.md, "The nightly rescore"): between two nights most leads change only by
decay, and decay needs nothing from the CRM but the event times scoring already read. So every
pass keeps, per lead, what the model reads of it, and no more personal data than that: the
properties fit rules read, the lifecycle stage, and per event only its type, time, count and the
attributes `where` conditions read (events of types no rule or stage reads are left out). Beside
them, leadscore's own values as the CRM holds them (as read, or as our write left them), so only
what changed is written.

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
from connector.scoring.types import Event, Lead
from connector.state.inputs import KeptInputs

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel
    from connector.state import RecordOutcome, StateStore


def signature(model: ScoringModel, text: str = "", extra_reads: str = "") -> str:
    """What kept inputs of `model` hold: the properties and event attributes it reads, with its
    name, version and file `text` (any other model is rescored from the CRM, as the robustness
    rule says, even one that reads the same inputs), and what the adapter reads beyond the model
    (`CrmAdapter.extra_reads`; left out when none, so the signature of those stays as it was)."""
    reads: dict[str, object] = {
        "model": [model.name, model.version, hashlib.sha256(text.encode()).hexdigest()],
        "properties": sorted({plan.property for plan in model.fit_plan}),
        "events": {event: sorted(plan.attributes) for event, plan in sorted(model.event_plans.items())},
    }
    if extra_reads:
        reads["adapter"] = extra_reads
    return hashlib.sha256(json.dumps(reads, sort_keys=True).encode()).hexdigest()[:32]


class InputCodec:
    """A lead → the JSON text of what `model` reads of it, and back."""

    def __init__(self, model: ScoringModel) -> None:
        self.properties = sorted({plan.property for plan in model.fit_plan})
        # Properties every rule reads by email domain only: an address is kept from its "@" on,
        # which the engine scores as the whole address (what follows the @ decides its rules).
        self.by_domain = {plan.property for plan in model.fit_plan if plan.by_domain}
        self.attributes = {event: tuple(plan.attributes) for event, plan in model.event_plans.items()}

    def encode(self, lead: Lead) -> str:
        props = {name: self._value(name, lead.properties[name]) for name in self.properties
                 if lead.properties.get(name) is not None}
        events = [
            [e.type, e.timestamp.isoformat() if e.timestamp else None,
             {a: e.attributes[a] for a in self.attributes[e.type] if a in e.attributes}, e.count]
            for e in lead.events if e.type in self.attributes
        ]
        return json.dumps({"p": props, "s": lead.stage, "e": events}, separators=(",", ":"))

    def _value(self, name: str, value: str) -> str:
        at = value.rfind("@") if name in self.by_domain and isinstance(value, str) else -1
        return value[at:] if at >= 0 else value

    @staticmethod
    def decode(lead_id: str, text: str) -> Lead:
        data = json.loads(text)
        events = tuple(
            Event(kind, datetime.fromisoformat(at) if at else None, attrs, count)
            for kind, at, attrs, count in data["e"]
        )
        return Lead(lead_id, data["p"], events, data["s"])


class InputKeeper:
    """A run's view of the kept inputs: it keeps each scored lead's inputs once its outcome is
    known (its changed values written, or recorded failed: the CRM then still holds the old
    ones), and serves them back as pages for a rescore. `keep` False (a dry run) keeps nothing."""

    def __init__(self, store: StateStore, portal: str, model: ScoringModel, *, text: str = "",
                 keep: bool = True, extra_reads: str = "") -> None:
        self.store = store
        self.portal = portal
        self.model = model
        self.text = text  # the model file's text
        self.extra_reads = extra_reads  # the adapter's (CrmAdapter.extra_reads)
        self.keep = keep
        self._ready: list[KeptInputs] = []
        self._serving = False  # the records scored now came from `pages`: kept already
        self._pending: dict[str, tuple[Lead, Mapping[str, str | None], Mapping[str, str]]] = {}

    @cached_property
    def signature(self) -> str:
        return signature(self.model, self.text, self.extra_reads)

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
            self._pending[record.lead.id] = (record.lead, record.written, values)
        elif not self._serving:
            self._ready.append(KeptInputs(record.lead.id, self.codec.encode(record.lead),
                                          _dump(record.written)))

    def outcomes(self, outcomes: Sequence[RecordOutcome]) -> None:
        """A batch's results: a written lead's values are now the CRM's, its stage among them
        (the lead's own stage, which the forward-only rule starts from)."""
        for item in outcomes:
            pending = self._pending.pop(item.lead_id, None)
            if pending is None:
                continue
            lead, written, values = pending
            if item.ok:
                written = {**written, **values}
                if "stage" in values:
                    lead = replace(lead, stage=values["stage"])
            self._ready.append(KeptInputs(item.lead_id, self.codec.encode(lead), _dump(written)))

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
                records = [LeadRecord(self.codec.decode(r.lead_id, r.inputs), json.loads(r.written))
                           for r in rows if r.lead_id not in exclude]
                yield LeadPage(records, None)
        finally:
            self._serving = False


def _dump(written: Mapping[str, str | None]) -> str:
    return json.dumps(dict(written), sort_keys=True, separators=(",", ":"))
