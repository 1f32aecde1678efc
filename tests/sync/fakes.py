"""Test doubles for the loop's logic: an in-memory CRM implementing CrmAdapter, and a tiny
scorer standing in for the core (the loop's behaviour does not depend on how scores are made).
End-to-end tests against the HubSpot sandbox use the real adapter and the real core."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from connector.crm.base import ApiUsage, CrmAdapter, LeadPage, LeadRecord, RunTimes, WriteResult
from connector.scoring.types import Event, Lead, Reason, ScoreResult


@dataclass(frozen=True)
class FakeModel:
    """What the loop reads of a model (its key, whether it moves the stage, no [account]
    section); fake_score ignores the rest."""

    key: str | None = None
    moves_stage: bool = False
    source: str = "fake.toml"
    account: None = None


def fake_score(lead: Lead, model: object, now) -> ScoreResult:
    fit = int(lead.properties.get("fit_hint") or 0)
    engagement = min(100, 10 * sum(e.count for e in lead.events))
    label = "hot" if engagement >= 50 else ("warm" if engagement >= 20 else "cold")
    return ScoreResult(
        lead_id=lead.id, fit=fit, engagement=engagement, label=label,
        grade=("A" if fit >= 50 else "D") + ("1" if engagement >= 50 else "4"),
        stage="marketingqualifiedlead" if engagement >= 50 and lead.stage in (None, "lead") else None,
        reasons=(Reason("fit_hint", "fit", fit, "fit hint"),), warnings=(),
        model_name="test-model", model_version="1",
    )


@dataclass
class FakeContact:
    id: str
    props: dict
    events: list = field(default_factory=list)
    written: dict = field(default_factory=dict)
    stamp: int = 0


class CrashingWrite(Exception):
    pass


class FakeCrm(CrmAdapter):
    name = "fake"
    title = "Fake"

    def __init__(self, n: int = 0, page_size: int = 10, max_batch: int = 4):
        self.max_batch = max_batch
        self.page_size = page_size
        self.tick = 0
        self.contacts: dict[str, FakeContact] = {}
        self.writes: list[tuple[str, dict]] = []
        self.fail_ids: dict[str, str] = {}
        self.crash_after_batches: int | None = None
        self.batches = 0
        self.ensured: list[bool] = []
        self.usage = ApiUsage()
        self.passes: list[RunTimes] = []
        for i in range(1, n + 1):
            self.add(str(i), {"firstname": f"Person{i}", "fit_hint": str(i % 100)})

    def start_pass(self, times: RunTimes) -> None:
        self.passes.append(times)

    def _bump(self, contact: FakeContact) -> None:
        self.tick += 1
        contact.stamp = self.tick

    def add(self, cid: str, props: dict, events: int = 0) -> None:
        c = FakeContact(cid, dict(props))
        c.events = [Event("email_open", None) for _ in range(events)]
        self.contacts[cid] = c
        self._bump(c)

    def add_events(self, cid: str, n: int) -> None:
        self.contacts[cid].events += [Event("email_open", None) for _ in range(n)]
        self._bump(self.contacts[cid])

    def _count(self, endpoint: str) -> None:
        self.usage.calls[endpoint] = self.usage.calls.get(endpoint, 0) + 1

    # CrmAdapter ----------------------------------------------------------------------------
    def ensure_fields(self, model, *, create=True):
        self.ensured.append(create)

    def _record(self, c: FakeContact) -> LeadRecord:
        lead = Lead(c.id, dict(c.props), tuple(c.events), c.written.get("stage"))
        return LeadRecord(lead, dict(c.written), marker=str(c.stamp))

    def iter_pages(self, checkpoint, *, full, own_writes=None):
        since = 0 if full or checkpoint is None else json.loads(checkpoint)["since"]
        todo = sorted((c for c in self.contacts.values() if c.stamp > since), key=lambda c: c.stamp)
        for start in range(0, len(todo), self.page_size):
            chunk = todo[start : start + self.page_size]
            self._count("search")
            skip = own_writes({c.id: str(c.stamp) for c in chunk}) if own_writes else set()
            records = [self._record(c) for c in chunk if c.id not in skip]
            yield LeadPage(records, json.dumps({"since": chunk[-1].stamp}), skipped=len(skip))

    def read_leads(self, ids):
        self._count("batch_read")
        return [self._record(self.contacts[i]) for i in ids if i in self.contacts]

    def write_batch(self, updates):
        assert len(updates) <= self.max_batch
        if self.crash_after_batches is not None and self.batches >= self.crash_after_batches:
            raise CrashingWrite("the process died here")
        self.batches += 1
        self._count("batch_update")
        results = []
        for u in updates:
            if u.lead_id in self.fail_ids:
                results.append(WriteResult(u.lead_id, False, self.fail_ids[u.lead_id]))
                continue
            c = self.contacts[u.lead_id]
            c.written.update(u.values)
            self.writes.append((u.lead_id, dict(u.values)))
            self._bump(c)
            results.append(WriteResult(u.lead_id, True, marker=str(c.stamp)))
        return results

    def api_usage(self):
        return ApiUsage(dict(self.usage.calls), self.usage.rate_limited, self.usage.retries)
