"""Helpers for the end-to-end sync tests against the HubSpot sandbox (real hubspot-api-client)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hubspot import HubSpot

from connector.sandbox.hubspot import HubSpotSandbox
from connector.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "config" / "scoring.toml"
ANCHOR = datetime(2026, 3, 2, tzinfo=UTC)  # the seeded history ends here
NOW = ANCHOR + timedelta(hours=12)
OURS = ("leadscore_fit", "leadscore_engagement", "leadscore_label", "leadscore_grade",
        "leadscore_reasons", "leadscore_model", "leadscore_scored_at", "lifecyclestage")
FAST = {"hubspot_rate_limit_per_10s": 5000, "hubspot_search_per_second": 500,
        "retry_max_wait_seconds": 0.2}


def fast_portal(contacts: int, seed: int, **options) -> HubSpotSandbox:
    """A seeded sandbox portal whose history ends at ANCHOR, with limits high enough that a test
    never waits on them (the sync is told the same limits: FAST)."""
    return HubSpotSandbox.start(contacts=contacts, seed=seed, anchor=ANCHOR, rate_limit_per_10s=5000,
                                search_per_second=500, **options)


def settings_for(sb, tmp_path: Path, **extra) -> Settings:
    values = dict(crm="hubspot", hubspot_url=sb.url, hubspot_token=sb.token,
                  data_dir=tmp_path / "data", model_path=MODEL, portal="test",
                  full_rescore_hours=0, **FAST)
    values.update(extra)
    return Settings(_env_file=None, **values)


def contact_ids(sb) -> list[str]:
    """Every contact id of the portal, listed through the API as a user would."""
    client = HubSpot(access_token=sb.token, host=sb.url)
    return sorted((c.id for c in client.crm.contacts.get_all()), key=int)


def crm_state(sb, ids) -> dict[str, dict]:
    return {cid: sb.contact(cid, OURS) for cid in ids}


def api_writes(sb, cid) -> list[dict]:
    return [props for _, props in sb.write_history(cid)]


def batch_updates(sb) -> int:
    return sum(1 for m, p, s in sb.requests() if p.endswith("/contacts/batch/update"))
