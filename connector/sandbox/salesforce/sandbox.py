"""`SalesforceSandbox`: a seeded Salesforce org served over HTTPS on a free loopback port."""

from __future__ import annotations

import ssl
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

import trustme

from connector.sandbox.salesforce.objects import FieldDef
from connector.sandbox.salesforce.seeding import seed_org
from connector.sandbox.salesforce.server import Faults, Org, SalesforceHTTPServer
from connector.sandbox.salesforce.store import Clock, Store, stamp
from connector.sandbox.serving import database_file

DB_NAME = "salesforce-sandbox.sqlite"
CA_NAME = "salesforce-sandbox-ca.pem"

# leadscore's fields as `leadscore setup salesforce --create` makes them (connector.crm.salesforce.schema).
LEADSCORE_FIELDS = (
    FieldDef("Leadscore_Fit__c", "double", length=0, custom=True, label="Leadscore Fit"),
    FieldDef("Leadscore_Engagement__c", "double", length=0, custom=True, label="Leadscore Engagement"),
    FieldDef("Leadscore_Label__c", "string", length=40, custom=True, label="Leadscore Label"),
    FieldDef("Leadscore_Grade__c", "string", length=10, custom=True, label="Leadscore Grade"),
    FieldDef("Leadscore_Reasons__c", "textarea", length=32768, custom=True, label="Leadscore Reasons"),
    FieldDef("Leadscore_Model__c", "string", length=255, custom=True, label="Leadscore Model"),
    FieldDef("Leadscore_Scored_At__c", "datetime", length=0, custom=True, label="Leadscore Scored At"),
    FieldDef("Leadscore_Stage__c", "string", length=80, custom=True, label="Leadscore Stage"),
)


def open_store(data_dir: Path | str | None, *, seed: int, people: int, anchor: datetime | None,
               clock: Clock | None, leadscore_fields: bool) -> Store:
    """The org's store: `data_dir/salesforce-sandbox.sqlite` (kept across restarts; seeded the
    first time), or in memory when `data_dir` is None."""
    store = Store(":memory:" if data_dir is None else database_file(data_dir, DB_NAME), clock)
    if store.meta("seed") is None:
        if anchor is None and people:
            from connector.sandbox.seed import default_anchor

            anchor = default_anchor()
        seed_org(store, seed, people, anchor)  # type: ignore[arg-type]
        if leadscore_fields:
            for sobject in ("Lead", "Contact", "Account"):
                for fdef in LEADSCORE_FIELDS:
                    if sobject != "Account" or fdef.name != "Leadscore_Stage__c":  # accounts have no stage
                        store.add_field(sobject, FieldDef(**vars(fdef)))
    return store


class SalesforceSandbox:
    """A seeded org for tests, the demo and benchmarks. See the package docstring for the API."""

    def __init__(self, store: Store, org: Org, server: SalesforceHTTPServer, ca_bundle: Path,
                 tmp: tempfile.TemporaryDirectory | None) -> None:
        self.store = store
        self.org = org
        self.server = server
        self.ca_bundle = ca_bundle
        self._tmp = tmp

    @classmethod
    def start(cls, people: int = 300, seed: int = 7, *, data_dir: Path | str | None = None,
              faults: Faults | str | None = None, clock: Clock | None = None, anchor: datetime | None = None,
              daily_limit: int = 100_000, leadscore_fields: bool = True, grant_on_create: bool = True,
              port: int = 0, token: str | None = None) -> SalesforceSandbox:
        store = open_store(data_dir, seed=seed, people=people, anchor=anchor, clock=clock,
                           leadscore_fields=leadscore_fields)
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(context)
        tmp = None
        if data_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="leadscore-sf-")
            folder = Path(tmp.name)
        else:
            folder = Path(data_dir)
        ca_bundle = folder / CA_NAME
        ca.cert_pem.write_to_path(str(ca_bundle))
        if not isinstance(faults, Faults):
            faults = Faults.profile(faults, seed)
        org = Org(store, set(), daily_limit=daily_limit, faults=faults)
        if token:
            org.tokens.add(token)
        server = SalesforceHTTPServer(org, context, port, grant_on_create=grant_on_create)
        server.start_background()
        sandbox = cls(store, org, server, ca_bundle, tmp)
        return sandbox

    # -- connecting ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    def new_token(self) -> str:
        """An access token for `LEADSCORE_SALESFORCE_ACCESS_TOKEN` (token auth)."""
        return self.org.issue_token()

    def settings(self, **extra: Any) -> dict[str, Any]:
        """Settings overrides that point leadscore at this org (client-credentials auth)."""
        return {"crm": "salesforce", "salesforce_auth": "client_credentials", "salesforce_login_url": self.url,
                "salesforce_instance_url": self.url, "salesforce_client_id": self.org.client_id,
                "salesforce_client_secret": self.org.client_secret, "salesforce_ca_bundle": self.ca_bundle, **extra}

    # -- inspecting and changing the org (tests) --------------------------------------------------

    def requests(self) -> list[tuple[str, str, int]]:
        return list(self.org.log)

    def write_history(self, record_id: str) -> list[tuple[str, dict]]:
        return self.store.write_history(record_id)

    def writes(self) -> list[tuple[str, str, dict]]:
        return self.store.all_writes()

    def record(self, record_id: str) -> dict | None:
        return self.store.get(_sobject(record_id), record_id)

    def ids(self, sobject: str = "Lead") -> list[str]:
        where = '"IsDeleted" = 0' + (' AND "IsConverted" = 0' if sobject == "Lead" else "")
        return [r[0] for r in self.store.db.execute(f'SELECT "Id" FROM "{sobject}" WHERE {where} ORDER BY "Id"')]

    def add_lead(self, **fields: Any) -> str:
        values = {"LastName": "Doe", "Company": "Initech", "Status": "Open - Not Contacted", "IsConverted": False}
        return self.store.insert("Lead", **{**values, **fields})

    def add_task(self, who: str, subtype: str = "Email", subject: str = "Email: Follow-up", **fields: Any) -> str:
        now = self.store.clock()
        return self.store.insert("Task", WhoId=who, TaskSubtype=subtype, Subject=subject, Status="Completed",
                                 IsClosed=True, ActivityDate=now.date().isoformat(), CreatedDate=stamp(now), **fields)

    def add_event(self, who: str, start: datetime, subject: str = "Demo") -> str:
        return self.store.insert("Event", WhoId=who, EventSubtype="Event", Subject=subject, StartDateTime=stamp(start),
                                 CreatedDate=stamp(self.store.clock()))

    def edit(self, record_id: str, **values: Any) -> None:
        """A person edits the record (LastModifiedById is not the integration user)."""
        self.store.touch(_sobject(record_id), record_id, values)

    def set_updateable(self, sobject: str, name: str, updateable: bool) -> None:
        self.store.set_updateable(sobject, name, updateable)

    def reject_writes(self, record_ids: list[str], message: str = "Title: enter a title for this lead") -> None:
        """Writes to these records fail, as a validation rule makes them, until `accept_writes`."""
        from connector.sandbox.salesforce.store import RecordError

        for record_id in record_ids:
            self.store.rejects[record_id] = RecordError("FIELD_CUSTOM_VALIDATION_EXCEPTION", message, [])

    def accept_writes(self) -> None:
        self.store.rejects.clear()

    def expire_sessions(self) -> None:
        """Every session ends, as when a session times out or an admin revokes it."""
        self.org.tokens.clear()

    def set_faults(self, faults: Faults | str | None) -> None:
        self.org.faults = faults if isinstance(faults, Faults) else Faults.profile(faults)

    def set_usage(self, used: int, limit: int | None = None) -> None:
        self.org.used = used
        if limit is not None:
            self.org.daily_limit = limit

    # -- lifecycle -------------------------------------------------------------------------------

    def stop(self) -> None:
        self.server.stop()
        self.store.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> SalesforceSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _sobject(record_id: str) -> str:
    """A Lead, Contact or Account id's object, by its key prefix."""
    return {"003": "Contact", "001": "Account"}.get(record_id[:3], "Lead")
