"""Helpers for the end-to-end sync tests against the Salesforce sandbox (real simple-salesforce)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from connector.settings import Settings
from tests.sync.hubspot_helpers import ANCHOR, MODEL, NOW, ROOT
from tests.sync.workers import empty_env_file

__all__ = ["ANCHOR", "MODEL", "NOW", "ROOT", "Clock", "api_writes", "crm_state", "settings_for", "worker_env",
           "write_calls"]
OURS = ("Leadscore_Fit__c", "Leadscore_Engagement__c", "Leadscore_Label__c", "Leadscore_Grade__c",
        "Leadscore_Reasons__c", "Leadscore_Model__c", "Leadscore_Scored_At__c", "Leadscore_Stage__c")
FAST = {"retry_max_wait_seconds": 0.05}


class Clock:
    """The org's clock: stands still unless a test moves it (SystemModstamp, Date headers)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> datetime:
        self.now += delta
        return self.now


def settings_for(sb, tmp_path: Path, **extra) -> Settings:
    values = dict(data_dir=tmp_path / "data", model_path=MODEL, portal="test", full_rescore_hours=0,
                  **sb.settings(), **FAST)
    values.update(extra)
    return Settings(_env_file=None, **values)


def worker_env(sb, tmp_path: Path, now: datetime) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADSCORE_")}
    empty = empty_env_file(tmp_path)
    values = {**sb.settings(), **FAST, "data_dir": tmp_path / "data", "model_path": MODEL, "portal": "test",
              "as_of": now.isoformat(), "full_rescore_hours": 0, "env_file": empty}
    env.update({f"LEADSCORE_{k.upper()}": str(v) for k, v in values.items()})
    return env


def crm_state(sb, ids) -> dict[str, dict]:
    return {i: {f: (sb.record(i) or {}).get(f) for f in OURS} for i in ids}


def api_writes(sb, record_id) -> list[dict]:
    return [fields for _, fields in sb.write_history(record_id)]


def write_calls(sb) -> int:
    return sum(1 for m, p, s in sb.requests() if p.endswith("/composite/sobjects") or "/jobs/ingest" in p)
