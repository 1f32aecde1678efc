"""LEADSCORE_WEBHOOK_URL against a loopback receiver: signed, retried with backoff, once per lead
and transition, beside the sync."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tenacity import wait_none

from connector.notify.webhook import SIGNATURE, WebhookSender, sign
from connector.state.tasks import Entry
from connector.sync.service import sync_once
from tests.sync.hubspot_helpers import NOW, contact_ids, fast_portal, settings_for

SECRET = "whsec-test-0000"


class Receiver:
    """A loopback webhook receiver: answers each POST with the next status of `answers`
    (then 200), keeps what it got and whether the signature checked out."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.got: list[tuple[dict, bool, dict]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                with receiver.lock:
                    status = receiver.answers.pop(0) if receiver.answers else 200
                    receiver.got.append((json.loads(body), self.headers[SIGNATURE] == expected,
                                         dict(self.headers)))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def sb():
    with fast_portal(120, 5) as sandbox:
        yield sandbox


def entry(lead_id="42"):
    return Entry(lead_id, "webhook:hot", {"id": f"hubspot:p:{lead_id}:hot", "at": "2026-03-02T12:00:00.000Z",
                                          "lead_id": lead_id}, "pending")


def test_the_signature_is_the_hmac_sha256_of_the_body():
    body = b'{"a": 1}'
    assert sign("k", body) == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


def test_a_5xx_and_a_429_are_retried_until_the_receiver_takes_the_event():
    receiver = Receiver(answers=[503, 429])
    try:
        sender = WebhookSender(receiver.url, SECRET, attempts=3, wait=wait_none())
        sender.send(entry())
        sender.close()
        [(sent, outcome)] = sender.answers()
        assert outcome == "delivered 200" and sent.lead_id == "42"
        assert len(receiver.got) == 3 and all(ok for _, ok, _ in receiver.got)
    finally:
        receiver.close()


def test_an_event_whose_tries_run_out_has_no_answer_and_stays_pending():
    receiver = Receiver(answers=[500, 500])
    try:
        sender = WebhookSender(receiver.url, SECRET, attempts=2, wait=wait_none())
        sender.send(entry())
        sender.close()
        assert sender.answers() == [] and len(receiver.got) == 2
    finally:
        receiver.close()


def test_a_sync_posts_each_contact_that_turns_hot_once_signed(sb, tmp_path, receiver):
    cfg = settings_for(sb, tmp_path, webhook_url=receiver.url, webhook_secret=SECRET)
    report = sync_once(cfg, full=True, as_of=NOW)
    hot = {cid for cid in contact_ids(sb) if sb.contact(cid, ["leadscore_label"])["leadscore_label"] == "hot"}
    got = [payload for payload, _, _ in receiver.got]
    assert hot and sorted(p["lead_id"] for p in got) == sorted(hot)
    assert all(ok for _, ok, _ in receiver.got)
    first = got[0]
    assert first["event"] == "lead.hot" and first["label"] == "hot" and first["reasons"]
    assert first["crm_url"].endswith(f"/crm/v3/objects/contacts/{first['lead_id']}")
    assert first["scores"]["default"]["label"] == "hot"
    assert report.tasks["webhook_sent"] == len(hot) and report.tasks["webhook_pending"] == 0
    again = sync_once(cfg, full=True, as_of=NOW)
    assert len(receiver.got) == len(hot) and again.tasks["webhook_sent"] == 0


def test_events_the_receiver_missed_are_sent_by_the_next_run(sb, tmp_path):
    down = Receiver(answers=[500] * 1000)
    cfg = settings_for(sb, tmp_path, webhook_url=down.url, webhook_secret=SECRET, webhook_attempts=1)
    try:
        first = sync_once(cfg, full=True, as_of=NOW)
    finally:
        down.close()
    assert first.tasks["webhook_pending"] > 0 and first.tasks["webhook_sent"] == 0
    up = Receiver()
    try:
        again = sync_once(cfg.model_copy(update={"webhook_url": up.url}), full=True, as_of=NOW)
        assert again.tasks["webhook_sent"] == first.tasks["webhook_pending"]
        assert len({p["id"] for p, _, _ in up.got}) == len(up.got) == again.tasks["webhook_sent"]
    finally:
        up.close()


def test_a_webhook_without_its_secret_is_refused_at_start(sb, tmp_path, receiver):
    from connector.errors import UserError

    with pytest.raises(UserError, match="LEADSCORE_WEBHOOK_SECRET is not"):
        sync_once(settings_for(sb, tmp_path, webhook_url=receiver.url), full=True, as_of=NOW)
