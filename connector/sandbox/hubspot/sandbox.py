"""`HubSpotSandbox`: a seeded sandbox portal served on a free loopback port, for tests, the demo
and benchmarks. See the package docstring (connector.sandbox.hubspot) for the API.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connector.sandbox.hubspot import activity, objects
from connector.sandbox.hubspot.faults import FaultProfile
from connector.sandbox.hubspot.limits import RateLimits
from connector.sandbox.hubspot.portal import ALL_SCOPES, Portal
from connector.sandbox.hubspot.seeding import seed_portal
from connector.sandbox.hubspot.server import SandboxHTTPServer
from connector.sandbox.hubspot.store import Clock, Store
from connector.sandbox.seed import default_anchor
from connector.sandbox.serving import database_file

DB_NAME = "hubspot-sandbox.sqlite"
# How long a write takes to reach the search index unless told otherwise: HubSpot's search trails
# writes by seconds (docs/crm-api-facts.md, HubSpot › Search), so the sandbox does too by default.
DEFAULT_SEARCH_LAG_SECONDS = 2.0


def new_token() -> str:
    """A private-app-shaped token for this sandbox only (never a real credential)."""
    return "pat-sandbox-" + secrets.token_hex(16)


def open_store(data_dir: Path | str | None, *, seed: int, contacts: int, anchor: datetime | None = None,
               clock: Clock | None = None, reset: bool = False) -> Store:
    """The portal's store: `data_dir/hubspot-sandbox.sqlite` (kept across restarts; seeded the first
    time or after `reset`), or in memory when `data_dir` is None."""
    if data_dir is None:
        store = Store(":memory:", clock)
    else:
        store = Store(database_file(data_dir, DB_NAME, reset=reset), clock)
    if store.meta("seed") is None:
        seed_portal(store, seed, contacts, anchor or default_anchor())
    return store


class HubSpotSandbox:
    def __init__(self, store: Store, server: SandboxHTTPServer, token: str) -> None:
        self.store = store
        self.server = server
        self.token = token

    @classmethod
    def start(cls, contacts: int = 300, seed: int = 7, token: str | None = None,
              faults: str | dict[str, Any] | FaultProfile | None = None, data_dir: Path | str | None = None,
              clock: Clock | None = None, rate_limit_per_10s: int = 190, anchor: datetime | None = None, port: int = 0,
              scopes: Iterable[str] | None = None, daily_limit: int = 625_000,
              search_per_second: int = 5, rate_clock: Callable[[], float] | None = None,
              search_lag_seconds: float = DEFAULT_SEARCH_LAG_SECONDS) -> HubSpotSandbox:
        store = open_store(data_dir, seed=seed, contacts=contacts, anchor=anchor, clock=clock)
        token = token or new_token()
        limits = RateLimits(per_10s=rate_limit_per_10s, daily=daily_limit, search_per_second=search_per_second)
        portal = Portal(store, {token: frozenset(scopes) if scopes is not None else ALL_SCOPES}, limits,
                        FaultProfile.parse(faults), rate_clock, search_lag_seconds)
        server = SandboxHTTPServer(portal, port)
        server.start_background()
        return cls(store, server, token)

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.stop()
        self.store.close()

    def __enter__(self) -> HubSpotSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- inspection --------------------------------------------------------------------------

    def requests(self) -> list[tuple[str, str, int]]:
        """Every request received, in order: (method, path, status)."""
        return [tuple(r) for r in self.store.requests()]  # type: ignore[misc]

    def write_history(self, contact_id: str | int, object_type: str = "contacts") -> list[tuple[datetime, dict[str, Any]]]:
        """Every write the API received for this object, in order: (when, {property: value as sent})."""
        return [(datetime.fromtimestamp(at / 1000, UTC), props)
                for at, _src, props in self.store.writes(object_type, int(contact_id), "API")]

    # -- acting as people and as the portal --------------------------------------------------

    def set_faults(self, faults: str | dict[str, Any] | FaultProfile | None) -> FaultProfile:
        """Turn faults on (a profile name, `key=value` pairs, a dict) or off (None); restarts the
        seeded draw, so the same profile replays the same faults."""
        profile = FaultProfile.parse(faults)
        self.server.portal.faults.set(profile)
        return profile

    def set_search_lag(self, seconds: float) -> None:
        """How long writes take to reach search from now on (0: found at once)."""
        self.server.portal.search_lag_seconds = seconds
        self.store.search_lag_ms = int(self.server.portal.search_lag() * 1000)

    def wait_for_search_index(self) -> float:
        """Sleep until every write so far has reached search (what minutes between two runs give
        in production); returns the seconds slept."""
        wait = self.store.index_wait_seconds()
        if wait > 0:
            time.sleep(wait)
        return wait

    def set_rate_limits(self, per_10s: int | None = None, daily: int | None = None,
                        search_per_second: int | None = None) -> None:
        limits = self.server.portal.limiter.limits
        limits.per_10s = per_10s or limits.per_10s
        limits.daily = daily or limits.daily
        limits.search_per_second = search_per_second or limits.search_per_second

    def add_token(self, token: str, scopes: Iterable[str] | None = None) -> None:
        """Accept another token, with only these scopes (all by default)."""
        self.server.portal.tokens[token] = frozenset(scopes) if scopes is not None else ALL_SCOPES

    def set_contact(self, contact_id: str | int, properties: dict[str, Any]) -> None:
        """A person editing the record in HubSpot: values change (the lifecycle rule does not apply
        to people in the UI the same way, so a stage may be set to anything), the modified date moves."""
        values = objects.validate_properties(self.store, "contacts", properties)
        now = self.store.now_ms()
        with self.store.tx() as db:
            if not self.store.exists("contacts", [int(contact_id)]):
                raise KeyError(f"no contact {contact_id}")
            self.store.log_write(db, "contacts", int(contact_id), now, "CRM_UI", properties)
            self.store.apply(db, "contacts", int(contact_id), values, "CRM_UI", now)

    def add_engagement(self, contact_id: str | int, kind: str = "meeting", at: datetime | None = None,
                       properties: dict[str, Any] | None = None, **attributes: str) -> str | None:
        """New activity on a contact (kinds: email, email_reply, meeting, call, note, page_view,
        form_submission, marketing_email_open, marketing_email_click, marketing_email_delivered,
        unsubscribe). Attributes as the generator names them (outcome="no_show", disposition=...,
        url=..., form=...). Returns the engagement id for sales activity."""
        return activity.add_activity(self.store, int(contact_id), kind, at, attributes, properties)

    def contact(self, contact_id: str | int, properties: Iterable[str]) -> dict[str, str | None]:
        """A contact's current values, read directly (not through the API, not counted)."""
        found = self.store.read_many("contacts", self.store.known("contacts", list(properties)), [str(contact_id)])
        return found[str(contact_id)]["properties"]

    def company(self, company_id: str | int, properties: Iterable[str]) -> dict[str, str | None]:
        """A company's current values, read directly (not through the API, not counted)."""
        found = self.store.read_many("companies", self.store.known("companies", list(properties)), [str(company_id)])
        return found[str(company_id)]["properties"]

    def company_ids(self) -> list[str]:
        """Every company of the portal, read directly."""
        with self.store.lock:
            return [str(r[0]) for r in self.store.db.execute("SELECT _id FROM obj_companies ORDER BY _id")]

    def set_company(self, company_id: str | int, properties: dict[str, Any]) -> None:
        """A person editing the company in HubSpot: values change, the modified date moves."""
        values = objects.validate_properties(self.store, "companies", properties)
        now = self.store.now_ms()
        with self.store.tx() as db:
            if not self.store.exists("companies", [int(company_id)]):
                raise KeyError(f"no company {company_id}")
            self.store.log_write(db, "companies", int(company_id), now, "CRM_UI", properties)
            self.store.apply(db, "companies", int(company_id), values, "CRM_UI", now)
