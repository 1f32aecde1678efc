"""LEADSCORE_WEBHOOK_URL: each transition (a lead first turning hot, or entering MQL) POSTed as
JSON, signed, retried with backoff, beside the sync and never holding it up.

The event is recorded in the state store's ledger (`webhook:hot` ...) when the lead's change is
queued, before anything is sent; a background thread posts it and hands the answer back, and the
sync loop's thread records it done. An event not delivered by the end of the run (the receiver
down, the process killed) stays pending and is sent by the next run. A receiver can drop a repeat
by `X-Leadscore-Event-Id` (one id per lead and transition): a run killed after the receiver
answered, before the answer was recorded, sends that event again.

Signature: `X-Leadscore-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with
LEADSCORE_WEBHOOK_SECRET>`; `X-Leadscore-Timestamp` is the event's time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import requests
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from connector.crm.base import CrmAdapter, LeadRecord
from connector.notify.tasks import turned
from connector.scoring.modelset import label_of
from connector.state.tasks import DONE, PENDING, Entry, Ledger
from connector.crm.text import format_reasons, format_time

if TYPE_CHECKING:
    from connector.scoring.compiled import ScoringModel
    from connector.scoring.types import ScoreResult

log = logging.getLogger(__name__)

SIGNATURE = "X-Leadscore-Signature"
EVENT_ID = "X-Leadscore-Event-Id"
TIMEOUT_S = 10.0
FLUSH_S = 30.0  # how long the end of a run waits for events in flight


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class Retryable(Exception):
    """A refusal worth trying again: a 429, a 5xx, a timeout, a dropped connection."""


class WebhookSender:
    """Posts events from a background thread, so the sync never waits for the receiver. `send`
    queues one; `answers` gives back (entry, outcome) for those finished; `close` waits up to
    `flush_s` for the rest, which stay pending."""

    def __init__(self, url: str, secret: str, *, attempts: int = 5, flush_s: float = FLUSH_S,
                 wait: Callable | None = None, session: requests.Session | None = None) -> None:
        self.url, self.secret, self.attempts, self.flush_s = url, secret, attempts, flush_s
        self.wait = wait or wait_random_exponential(multiplier=0.5, max=30)  # full jitter
        self.session = session or requests.Session()
        self._todo: queue.Queue[Entry | None] = queue.Queue()
        self._done: queue.Queue[tuple[Entry, str]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def send(self, entry: Entry) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="leadscore-webhook", daemon=True)
            self._thread.start()
        self._todo.put(entry)

    def answers(self) -> list[tuple[Entry, str]]:
        found = []
        while True:
            try:
                found.append(self._done.get_nowait())
            except queue.Empty:
                return found

    def close(self) -> None:
        if self._thread is not None:
            self._todo.put(None)
            self._thread.join(self.flush_s)
            self._stop.set()  # the rest stays pending for the next run
            self._thread = None
        self.session.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            entry = self._todo.get()
            if entry is None:
                return
            try:
                self._done.put((entry, self._deliver(entry)))
            except Exception as exc:  # given up: pending, sent again by the next run
                log.warning("webhook event for lead %s not delivered: %s", entry.lead_id, exc)

    def _deliver(self, entry: Entry) -> str:
        body = json.dumps(entry.payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json", SIGNATURE: sign(self.secret, body),
                   EVENT_ID: entry.payload["id"], "X-Leadscore-Timestamp": entry.payload["at"]}
        retrying = Retrying(stop=stop_after_attempt(self.attempts), wait=self.wait, reraise=True,
                            retry=retry_if_exception_type(Retryable), sleep=self._stop.wait)
        return retrying(self._post, body, headers)

    def _post(self, body: bytes, headers: Mapping[str, str]) -> str:
        try:
            answer = self.session.post(self.url, data=body, headers=dict(headers), timeout=TIMEOUT_S)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise Retryable(f"{type(exc).__name__}") from None
        if answer.status_code == 429 or answer.status_code >= 500:
            raise Retryable(f"HTTP {answer.status_code}")
        if answer.status_code >= 400:  # refused: sending it again would not change that
            log.warning("the webhook refused an event: HTTP %s", answer.status_code)
            return f"refused {answer.status_code}"
        return f"delivered {answer.status_code}"


def event(kind: str, portal: str, crm: CrmAdapter, record: LeadRecord, result: ScoreResult,
          results: Mapping[str, ScoreResult], at: datetime) -> dict:
    """What a receiver gets: the lead, where it is in the CRM, its scores by model, why."""
    return {
        "id": f"{crm.name}:{portal}:{record.lead.id}:{kind}", "event": f"lead.{kind}",
        "at": format_time(at), "crm": crm.name, "portal": portal, "lead_id": record.lead.id,
        "crm_url": crm.record_url(record.lead.id), "owner": record.owner,
        "label": result.label, "grade": result.grade, "fit": result.fit,
        "engagement": result.engagement, "stage": result.stage,
        "reasons": format_reasons(result).splitlines(),
        "scores": {key: {"fit": r.fit, "engagement": r.engagement, "label": r.label, "grade": r.grade,
                         "model": f"{r.model_name} {r.model_version}"} for key, r in results.items()},
    }


class WebhookNotifier:
    """The sync loop's side of the webhook (connector.notify.Notifier)."""

    def __init__(self, kind: str, model: ScoringModel, ledger: Ledger, sender: WebhookSender, *,
                 portal: str, crm: CrmAdapter, now: datetime, dry_run: bool = False) -> None:
        self.kind, self.model, self.ledger, self.sender = kind, model, ledger, sender
        self.ledger_kind = f"webhook:{kind}"
        self.portal, self.crm, self.now, self.dry_run = portal, crm, now, dry_run
        self.counts: Counter = Counter()

    def noticed(self, record: LeadRecord, result: ScoreResult, stage: str | None,
                old_label: str | None, results: Mapping[str, ScoreResult]) -> None:
        if not turned(self.kind, self.model, result, stage, old_label):
            return
        if self.dry_run:
            self.counts["webhook_would_send"] += 1
            return
        payload = event(self.kind, self.portal, self.crm, record, result,
                        results or {label_of(self.model): result}, self.now)
        self.ledger.claim(record.lead.id, self.ledger_kind, payload, PENDING, self.now)

    def written(self, lead_ids: Sequence[str]) -> None:
        if lead_ids and not self.dry_run:
            for entry in self.ledger.entries([self.ledger_kind], list(lead_ids)):
                self.sender.send(entry)
        self._record()

    def resume(self) -> None:
        if not self.dry_run:
            for entry in self.ledger.entries([self.ledger_kind]):
                self.sender.send(entry)

    def finish(self) -> None:
        self.sender.close()
        self._record()

    def _record(self) -> None:
        for entry, outcome in self.sender.answers():
            self.ledger.done(entry.lead_id, entry.kind, outcome, self.now)
            self.counts["webhook_sent" if outcome.startswith("delivered") else "webhook_refused"] += 1
        pending = self.ledger.entries([self.ledger_kind]) if not self.dry_run else []
        self.counts["webhook_pending"] = len(pending)


__all__ = ["DONE", "WebhookNotifier", "WebhookSender", "event", "sign"]
