"""Salesforce Accounts as accounts: read with their Contacts (`Contact.AccountId`), scored,
written back to `Leadscore_*__c` fields on Account (the model's [account] section).

The model's account rules use the neutral, HubSpot-style names of its default section; they are
read from the Account's standard fields (ACCOUNT_FIELDS; docs/crm-api-facts.md, Salesforce ›
Accounts). Every read is a SOQL query with ids in URI-bounded `IN` lists; writes go through
sObject Collections, 200 a call. Own writes are left out of "changed" by `LastModifiedById`, as
for Leads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from connector.crm.base import AccountRecord, ContactScore, ScoreUpdate, WriteResult, score_field
from connector.crm.salesforce.client import COLLECTION_SIZE, SalesforceClient
from connector.crm.salesforce.mapping import CONTACT_PREFIX, MappingConfig, as_text, soql_datetime, to_fields
from connector.crm.salesforce.reader import id_batches, in_list
from connector.crm.salesforce.schema import Problem, account_config, account_specs, check_field
from connector.errors import UserError
from connector.scoring.types import Account

if TYPE_CHECKING:
    from connector.scoring.compiled import AccountModel
    from connector.scoring.modelset import ModelSet

# Neutral property → Account field (standard fields; a custom `__c` name is read as itself).
ACCOUNT_FIELDS = {"name": "Name", "domain": "Website", "industry": "Industry",
                  "numberofemployees": "NumberOfEmployees", "annualrevenue": "AnnualRevenue",
                  "country": "BillingCountry", "city": "BillingCity"}


CONTACT_FIELDS = "FirstName, LastName, Email"


def account_field(neutral: str) -> str | None:
    return ACCOUNT_FIELDS.get(neutral) or (neutral if neutral.endswith("__c") else None)


class SalesforceAccounts:
    """The AccountSource of a Salesforce org (connector.crm.base)."""

    max_batch = COLLECTION_SIZE

    def __init__(self, client: SalesforceClient, config: MappingConfig, models: ModelSet,
                 overlap_seconds: int, user_id) -> None:
        model = models.account_model
        assert model is not None and model.account is not None
        # An Account carries leadscore's plain field names whatever the key of the model scoring
        # it; its engagement rolls up that model's own Contact engagement field.
        self.config = account_config(config)
        self.client, self.overlap, self._user_id = client, overlap_seconds, user_id
        self.scores = {k: v for k, v in self.config.score_fields().items() if k != "stage"}
        self.contact_engagement = config.score_fields()[score_field(model.key, "engagement")]
        self.inputs = {p.property: account_field(p.property) for p in model.account.fit.fit_plan}
        # Rows already read, so that no record is queried twice in a pass: the Accounts the
        # "changed" listing returned (it selects every field), and the Contacts read with their
        # Accounts (with their names and engagement). Each is taken out when used.
        self._accounts: dict[str, dict] = {}
        self._contacts: dict[str, ContactScore] = {}

    def problems(self, section: AccountModel) -> list[Problem]:
        fields = {f["name"]: f for f in self.client.describe("Account")["fields"]}
        found: list[Problem] = []
        for spec in account_specs(self.config):
            found += check_field("Account", spec.name, spec.accepts, fields)
        for neutral, name in self.inputs.items():
            if name is None or name not in fields:
                found.append(Problem("Account", name or neutral, "input", neutral))
        return found

    def ensure_fields(self, section: AccountModel, *, create: bool = True) -> None:
        """Like Leads' fields: checked before any write, never created by a sync (that is
        `leadscore setup salesforce --create`)."""
        problems = self.problems(section)
        if problems:
            raise UserError("Salesforce Account fields are not ready:\n  " + "\n  ".join(p.message() for p in problems))

    def _select(self) -> str:
        names = ["Id", "Name", *(n for n in self.inputs.values() if n), *self.scores.values()]
        return ", ".join(dict.fromkeys(names))

    def moment(self) -> str:
        """Salesforce's clock (the `Date` of its last answer, less a second for the header's
        resolution), as the Leads' checkpoint keeps it; the wall clock before any answer."""
        now = self.client.server_time or datetime.now(UTC)
        return (now - timedelta(seconds=1)).isoformat()

    def changed_accounts(self, since: str | None) -> Iterator[dict[str, str | None]]:
        where = "Id != null"
        if since is not None:
            start = datetime.fromisoformat(since) - timedelta(seconds=self.overlap)
            where += f" AND SystemModstamp >= {soql_datetime(start)}"
            user = self._user_id()
            if user:
                where += f" AND LastModifiedById != '{user}'"
        for rows in self.client.query_pages(f"SELECT {self._select()} FROM Account WHERE {where} ORDER BY Id"):
            self._accounts.update((row["Id"], row) for row in rows)
            yield {row["Id"]: None for row in rows}

    def _in(self, template: str, ids: Sequence[str]) -> list[dict]:
        rows: list[dict] = []
        for batch in id_batches(list(ids), template, self.client.base_url):
            rows += self.client.query(template.replace("{ids}", in_list(batch)))
        return rows

    def accounts_of(self, contact_ids: Sequence[str]) -> set[str]:
        contacts = [i for i in contact_ids if i.startswith(CONTACT_PREFIX)]
        rows = self._in("SELECT AccountId FROM Contact WHERE Id IN ({ids}) AND AccountId != null", contacts)
        return {row["AccountId"] for row in rows}

    def read_accounts(self, ids: Sequence[str]) -> list[AccountRecord]:
        known = [self._accounts.pop(i) for i in ids if i in self._accounts]
        unread = [i for i in ids if i not in {row["Id"] for row in known}]
        accounts = known + (self._in(f"SELECT {self._select()} FROM Account WHERE Id IN ({{ids}}) ORDER BY Id", unread)
                            if unread else [])
        members: dict[str, list[str]] = {}
        template = (f"SELECT Id, AccountId, {CONTACT_FIELDS}, {self.contact_engagement} FROM Contact "
                    "WHERE AccountId IN ({ids}) ORDER BY Id")
        for row in self._in(template, [a["Id"] for a in accounts]):
            members.setdefault(row["AccountId"], []).append(row["Id"])
            self._contacts[row["Id"]] = self._score(row)
        records = []
        for row in accounts:
            props = {neutral: as_text(row.get(name)) for neutral, name in self.inputs.items() if name}
            written = {neutral: as_text(row.get(name)) for neutral, name in self.scores.items()}
            account = Account(row["Id"], row.get("Name") or row["Id"], props)
            records.append(AccountRecord(account, written, tuple(members.get(row["Id"], ()))))
        return records

    def contact_scores(self, contact_ids: Sequence[str]) -> dict[str, ContactScore]:
        """Read with their Accounts already (read_accounts); the others queried by id."""
        out = {i: self._contacts.pop(i) for i in contact_ids if i in self._contacts}
        unread = [i for i in contact_ids if i not in out and i.startswith(CONTACT_PREFIX)]
        if unread:
            template = f"SELECT Id, {CONTACT_FIELDS}, {self.contact_engagement} FROM Contact WHERE Id IN ({{ids}})"
            out.update((row["Id"], self._score(row)) for row in self._in(template, unread))
        return out

    def _score(self, row: dict) -> ContactScore:
        name = " ".join(p for p in (row.get("FirstName"), row.get("LastName")) if p) or row.get("Email") or row["Id"]
        value = row.get(self.contact_engagement)
        return ContactScore(name, None if value is None else round(float(value)))

    def write_accounts(self, updates: Sequence[ScoreUpdate]) -> list[WriteResult]:
        """One collection update, rechecked should its answer be lost as Leads' are: only the
        Accounts that do not yet hold their values (the scored-at aside) are sent again."""
        rows = [{"id": u.lead_id, **to_fields(u.values, u.lead_id, self.config)} for u in updates]
        answers = self.client.update_collection("Account", rows, stamp_fields=(self.scores["scored_at"],))
        results = []
        for update, answer in zip(updates, answers, strict=True):
            if answer.get("success"):
                results.append(WriteResult(update.lead_id, True))
            else:
                errors = answer.get("errors") or []
                reason = "; ".join(f"{e.get('statusCode', 'ERROR')}: {e.get('message', '')}" for e in errors)
                results.append(WriteResult(update.lead_id, False, reason or "failed without an error message"))
        return results
