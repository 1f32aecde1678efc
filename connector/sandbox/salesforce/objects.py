"""The sObjects the Salesforce sandbox serves, their fields as describe reports them.

Field names, types and relationships follow the Salesforce Object Reference
(docs/crm-api-facts.md, Salesforce › Objects leadscore reads and writes). Types are describe's: id,
reference, string, email, phone, picklist, textarea, int, double, currency, boolean, date,
datetime. Task.WhoId and Event.WhoId are polymorphic (a Lead or a Contact): their relationship
`Who` reads the fields of the `Name` object (docs/crm-api-facts.md, Salesforce › Polymorphic Who).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connector.sandbox.seed import INDUSTRIES as SEED_INDUSTRIES

KEY_PREFIXES = {"Lead": "00Q", "Contact": "003", "Account": "001", "Task": "00T", "Event": "00U",
                "Campaign": "701", "CampaignMember": "00v", "User": "005", "CustomField": "00N",
                "Group": "00G", "LeadHistory": "017"}


@dataclass
class FieldDef:
    name: str
    type: str
    updateable: bool = True
    length: int = 0
    custom: bool = False
    label: str = ""
    reference_to: str | None = None
    relationship: str | None = None
    picklist: tuple[str, ...] = ()
    polymorphic: tuple[str, ...] = ()  # the objects a polymorphic reference may point to

    def describe(self) -> dict:
        targets = list(self.polymorphic) or ([self.reference_to] if self.reference_to else [])
        return {
            "name": self.name, "label": self.label or self.name, "type": self.type,
            "updateable": self.updateable, "createable": self.updateable, "custom": self.custom,
            "nillable": self.name != "Id", "length": self.length,
            "picklistValues": [{"value": v, "label": v, "active": True, "defaultValue": False} for v in self.picklist],
            "referenceTo": targets, "relationshipName": self.relationship,
            "polymorphicForeignKey": bool(self.polymorphic), "namePointing": bool(self.polymorphic),
        }


def _f(name: str, kind: str, **kw: object) -> FieldDef:
    if kind in ("string", "email") and "length" not in kw:
        kw["length"] = 255
    return FieldDef(name, kind, **kw)  # type: ignore[arg-type]


# Standard picklist values of a new org (docs/crm-api-facts.md, Salesforce › Objects leadscore reads
# and writes). Industry keeps the values this org's admins set up (the generator's industry names,
# as an org synced from a marketing tool holds them), so the shared model's industry rule applies.
INDUSTRIES = tuple(name for name, _ in SEED_INDUSTRIES)
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted")
RATINGS = ("Hot", "Warm", "Cold")
WHO = ("Contact", "Lead")

SYSTEM = [
    _f("Id", "id", updateable=False, length=18),
    _f("IsDeleted", "boolean", updateable=False),
    _f("CreatedDate", "datetime", updateable=False),
    _f("LastModifiedDate", "datetime", updateable=False),
    _f("LastModifiedById", "reference", updateable=False, reference_to="User", relationship="LastModifiedBy"),
    _f("SystemModstamp", "datetime", updateable=False),
]
OWNER = _f("OwnerId", "reference", reference_to="User", relationship="Owner")
PERSON = [
    OWNER,
    _f("FirstName", "string", length=40), _f("LastName", "string", length=80), _f("Email", "email"),
    _f("Phone", "phone", length=40), _f("Title", "string", length=128),
    _f("LeadSource", "picklist", picklist=LEAD_SOURCES),
    _f("HasOptedOutOfEmail", "boolean"),
]

OBJECTS: dict[str, list[FieldDef]] = {
    "Account": SYSTEM + [
        _f("Name", "string"), _f("Industry", "picklist", picklist=INDUSTRIES), _f("NumberOfEmployees", "int"),
        _f("AnnualRevenue", "currency"), _f("BillingCountry", "string", length=80),
    ],
    "Lead": SYSTEM + PERSON + [
        _f("Company", "string"), _f("Industry", "picklist", picklist=INDUSTRIES), _f("NumberOfEmployees", "int"),
        _f("AnnualRevenue", "currency"), _f("Country", "string", length=80), _f("City", "string", length=40),
        _f("Status", "picklist", picklist=LEAD_STATUSES), _f("Rating", "picklist", picklist=RATINGS),
        _f("IsConverted", "boolean", updateable=False),
        _f("ConvertedContactId", "reference", updateable=False, reference_to="Contact", relationship="ConvertedContact"),
        _f("ConvertedAccountId", "reference", updateable=False, reference_to="Account", relationship="ConvertedAccount"),
        _f("ConvertedDate", "date", updateable=False),
    ],
    "Contact": SYSTEM + PERSON + [
        _f("AccountId", "reference", reference_to="Account", relationship="Account"),
        _f("Department", "string", length=80), _f("MailingCountry", "string", length=80),
    ],
    "Task": SYSTEM + [
        _f("WhoId", "reference", relationship="Who", polymorphic=WHO),
        _f("TaskSubtype", "picklist", updateable=False), _f("Subject", "string"), _f("Status", "picklist"),
        _f("IsClosed", "boolean", updateable=False), _f("ActivityDate", "date"), OWNER,
        _f("Description", "textarea", length=32000), _f("Priority", "picklist", picklist=("High", "Normal", "Low")),
        _f("CallDisposition", "string"), _f("CallDurationInSeconds", "int"),
    ],
    "Event": SYSTEM + [
        _f("WhoId", "reference", relationship="Who", polymorphic=WHO),
        _f("EventSubtype", "picklist", updateable=False), _f("Subject", "string"),
        _f("StartDateTime", "datetime"), _f("EndDateTime", "datetime"),
    ],
    "Campaign": SYSTEM + [_f("Name", "string", length=80), _f("Type", "picklist")],
    # Field history of the Lead fields the org tracks (docs/crm-api-facts.md, Salesforce › Field
    # history): one row per change, never updated; OldValue/NewValue are anyType (read as text).
    "LeadHistory": [
        _f("Id", "id", updateable=False, length=18), _f("IsDeleted", "boolean", updateable=False),
        _f("CreatedDate", "datetime", updateable=False),
        _f("CreatedById", "reference", updateable=False, reference_to="User", relationship="CreatedBy"),
        _f("LeadId", "reference", updateable=False, reference_to="Lead", relationship="Lead"),
        _f("Field", "picklist", updateable=False), _f("OldValue", "anyType", updateable=False),
        _f("NewValue", "anyType", updateable=False),
    ],
    "CampaignMember": SYSTEM + [
        _f("CampaignId", "reference", reference_to="Campaign", relationship="Campaign"),
        _f("LeadId", "reference", reference_to="Lead", relationship="Lead"),
        _f("ContactId", "reference", reference_to="Contact", relationship="Contact"),
        _f("Status", "picklist"), _f("HasResponded", "boolean", updateable=False),
        _f("FirstRespondedDate", "date", updateable=False),
    ],
}


# The `Name` object a polymorphic relationship reads (Id, Type and the person fields Leads and
# Contacts share); the store serves it as the view "_Name" over both tables.
NAME_FIELDS = {f.name.lower(): f for f in (
    _f("Id", "id", updateable=False, length=18), _f("Type", "string", updateable=False, length=40),
    _f("Name", "string", updateable=False, length=121), _f("FirstName", "string", length=40),
    _f("LastName", "string", length=80), _f("Email", "email"), _f("Phone", "phone", length=40),
    _f("Title", "string", length=128),
)}


@dataclass
class Catalog:
    """The fields of each object now: the standard ones plus the custom fields created since."""

    fields: dict[str, dict[str, FieldDef]] = field(default_factory=lambda: {
        obj: {f.name: FieldDef(**vars(f)) for f in defs} for obj, defs in OBJECTS.items()})

    def get(self, sobject: str, name: str) -> FieldDef | None:
        table = self.fields.get(sobject, {})
        if name in table:
            return table[name]
        lowered = {k.lower(): v for k, v in table.items()}  # SOQL names are case-insensitive
        return lowered.get(name.lower())

    def object_name(self, name: str) -> str | None:
        """The object's API name for a name in any case (SOQL names are case-insensitive)."""
        return next((o for o in self.fields if o.lower() == name.lower()), None)

    def relationship(self, sobject: str, name: str) -> FieldDef | None:
        for f in self.fields.get(sobject, {}).values():
            if f.relationship and f.relationship.lower() == name.lower():
                return f
        return None


def with_checksum(fifteen: str) -> str:
    """A 15-character id with Salesforce's 3-character case-safe suffix (18-character id)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    suffix = ""
    for chunk in range(3):
        bits = 0
        for i, char in enumerate(fifteen[chunk * 5:chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix += alphabet[bits]
    return fifteen + suffix


def canonical_id(text: str) -> str | None:
    """An Id as the org stores it (18 characters) from a 15-character Id or an 18-character one in
    any case (the suffix says which of the first 15 are upper case); None if it is not an Id."""
    if not re.fullmatch(r"[A-Za-z0-9]{15}|[A-Za-z0-9]{18}", text):
        return None
    if len(text) == 15:
        return with_checksum(text)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    chars = list(text[:15])
    for chunk, code in enumerate(text[15:].upper()):
        bits = alphabet.index(code)
        for i in range(5):
            char = chars[chunk * 5 + i]
            chars[chunk * 5 + i] = char.upper() if bits >> i & 1 else char.lower()
    fifteen = "".join(chars)
    full = with_checksum(fifteen)
    return full if full[15:] == text[15:].upper() else None


def make_id(sobject: str, number: int) -> str:
    return with_checksum(f"{KEY_PREFIXES[sobject]}5e{number:010d}")
