"""HubSpot companies as accounts: read with their contacts, scored, written back as `<prefix>*`
company properties (the model's [account] section).

Calls stay near the floor (docs/crm-api-facts.md, HubSpot › Companies, › Associations v4): a
company's contacts come from one v4 associations batch read per 1,000 companies (fewer where
their `num_associated_contacts` add up to more than ASSOCIATIONS_PER_CALL), the companies
themselves and the contacts' written engagement from batch reads of 100, the scores go back in
batch updates of 100, and companies whose own properties changed come from a keyset search on
`hs_lastmodifieddate` (companies have no `lastmodifieddate`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from connector.crm.base import MODEL_FIELDS, AccountRecord, ContactScore, ScoreUpdate, WriteResult, score_field
from connector.crm.errors import CrmRequestError
from connector.crm.hubspot import reader
from connector.crm.hubspot.properties import ensure_properties
from connector.crm.hubspot.writing import BatchUpdate
from connector.scoring.types import Account

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient
    from connector.scoring.compiled import AccountModel
    from connector.scoring.modelset import ModelSet

COMPANY_BASE = ("name", "domain", "hs_object_id", "hs_lastmodifieddate", "num_associated_contacts")
# Associations asked for in one v4 batch read, by the companies' own counts: a chunk of 1,000
# large companies would otherwise bring hundreds of thousands at once, and the sync's memory would
# grow with the size of the portal's largest companies.
ASSOCIATIONS_PER_CALL = 10_000
NAME_PROPERTIES = ("firstname", "lastname", "email")


def contact_name(props: Mapping[str, str | None]) -> str:
    name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
    return name or props.get("email") or ""


def _whole(value: str | None) -> int | None:
    """A number property's value as a whole number (None: empty or not a number)."""
    try:
        return round(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


class HubSpotCompanies:
    """The AccountSource of a HubSpot portal (connector.crm.base)."""

    max_batch = 100  # a batch update takes at most 100 inputs

    def __init__(self, client: HubSpotClient, models: ModelSet, names: Mapping[str, str], group: str,
                 overlap: timedelta, write_results) -> None:
        model = models.account_model
        assert model is not None and model.account is not None
        self.client, self.group, self.overlap = client, group, overlap
        self._results = write_results  # the adapter's reading of a batch answer (207 items)
        # A company carries leadscore's plain names whatever the key of the model scoring it;
        # its engagement rolls up that model's own contact engagement (`<prefix><key>_engagement`).
        self.names = {f: names[f] for f in MODEL_FIELDS}
        self.contact_engagement = names[score_field(model.key, "engagement")]
        self.to_neutral = {hubspot: field for field, hubspot in self.names.items()}
        fit_props = sorted({plan.property for plan in model.account.fit.fit_plan})
        self.read_properties = list(dict.fromkeys([*COMPANY_BASE, *fit_props, *self.to_neutral]))

    def ensure_fields(self, section: AccountModel, *, create: bool = True) -> None:
        ensure_properties(self.client, section.fit, self.names, self.group, create=create,
                          object_type="companies")

    def moment(self) -> str:
        """The wall clock: HubSpot stamps changes by it (as the contacts' window does)."""
        return datetime.now(UTC).isoformat()

    def changed_accounts(self, since: str | None) -> Iterator[dict[str, str | None]]:
        lo = None if since is None else int((datetime.fromisoformat(since) - self.overlap).timestamp() * 1000)
        window = None if since is None else "hs_lastmodifieddate"
        for results in reader.search_ids(self.client, "companies", date_property=window, lo_ms=lo, hi_ms=None,
                                         after_id=0, properties=["hs_object_id"]):
            yield {str(r["id"]): r.get("updatedAt") for r in results}

    def accounts_of(self, contact_ids: Sequence[str]) -> set[str]:
        links = reader.associated_ids(self.client, "contacts", "companies", list(contact_ids))
        return {c for targets in links.values() for c in targets}

    def read_accounts(self, ids: Sequence[str]) -> Iterator[AccountRecord]:
        """The companies (batch reads of 100), then their contacts group by group: each group's
        associations are read and its records given out before the next group's are read."""
        objects = reader.batch_read(self.client, "companies", list(ids), self.read_properties)
        for group in _association_groups(objects):
            contacts = reader.associated_ids(self.client, "companies", "contacts", [str(o["id"]) for o in group])
            for obj in group:
                yield self._record(obj, contacts.get(str(obj["id"]), ()))

    def _record(self, obj: Mapping, contacts: Sequence[str]) -> AccountRecord:
        props = obj.get("properties") or {}
        own = {k: v for k, v in props.items() if k not in self.to_neutral}
        written = {self.to_neutral[k]: v for k, v in props.items() if k in self.to_neutral}
        account = Account(str(obj["id"]), props.get("name") or props.get("domain") or str(obj["id"]), own)
        return AccountRecord(account, written, tuple(contacts))

    def contact_scores(self, contact_ids: Sequence[str]) -> dict[str, ContactScore]:
        engagement = self.contact_engagement
        objects = reader.batch_read(self.client, "contacts", list(contact_ids), [*NAME_PROPERTIES, engagement])
        return {str(o["id"]): ContactScore(contact_name(o.get("properties") or {}) or str(o["id"]),
                                           _whole((o.get("properties") or {}).get(engagement)))
                for o in objects}

    def write_accounts(self, updates: Sequence[ScoreUpdate]) -> list[WriteResult]:
        """One batch update (`lead_id` holds the company id), rechecked should its answer be lost
        as contacts' are (connector.crm.hubspot.writing). A 400 for the whole batch is split
        until the bad company is alone, as for contacts; a missing property stops the run."""
        update = BatchUpdate(self.client, "companies", self._properties)
        try:
            response = update.send(updates)
        except CrmRequestError as err:
            codes = {e.get("code") for e in err.body.get("errors") or [] if isinstance(e, dict)}
            if err.status != 400 or "PROPERTY_DOESNT_EXIST" in codes:
                raise
            done = [WriteResult(i, True, marker=stamp) for i, stamp in update.applied.items()]
            rest = [u for u in updates if u.lead_id in update.pending]
            if len(rest) == 1:
                return done + [WriteResult(rest[0].lead_id, False, str(err))]
            half = len(rest) // 2
            return done + self.write_accounts(rest[:half]) + self.write_accounts(rest[half:])
        return self._results(updates, response.body, update.applied)

    def _properties(self, values: Mapping[str, str]) -> dict[str, str]:
        return {self.names[f]: v for f, v in values.items()}


def _association_groups(objects: Sequence[Mapping]) -> Iterator[list[Mapping]]:
    """The companies in groups for one associations batch read each: at most the batch's 1,000
    inputs, and about ASSOCIATIONS_PER_CALL contacts by their `num_associated_contacts` (a company
    larger than that alone; a missing count counts as one). The count is HubSpot's calculated
    property (docs/crm-api-facts.md, HubSpot › Companies); a stale one only moves a group's edge."""
    group: list[Mapping] = []
    size = 0
    for obj in objects:
        count = max(1, _whole((obj.get("properties") or {}).get("num_associated_contacts")) or 1)
        if group and (len(group) >= reader.ASSOCIATION_BATCH or size + count > ASSOCIATIONS_PER_CALL):
            yield group
            group, size = [], 0
        group.append(obj)
        size += count
    if group:
        yield group
