"""leadscore's custom fields on Lead and Contact: check them through describe, create the missing.

Describe (`GET /sobjects/{Object}/describe`) lists the fields the integration user can see, each
with `type` and `updateable` (docs/crm-api-facts.md, "Schema"). A field that is missing, of the wrong
type or not updateable (field-level security) is a clear error naming it and the fix, raised
before anything is written. Creation uses the Tooling API (`POST tooling/sobjects/CustomField`
with `FullName` and `Metadata`, the CustomField metadata type; Salesforce Tooling API guide,
"CustomField"): the same metadata the Metadata API deploys, over REST.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from connector.crm.base import score_field
from connector.crm.salesforce.client import SalesforceClient
from connector.crm.salesforce.mapping import MappingConfig
from connector.errors import UserError


@dataclass(frozen=True)
class FieldSpec:
    neutral: str
    name: str
    label: str
    accepts: frozenset[str]  # describe `type` values that can hold it
    metadata: dict


def _spec(neutral: str, name: str, label: str, accepts: Sequence[str], **metadata: object) -> FieldSpec:
    return FieldSpec(neutral, name, label, frozenset(accepts), {"label": label, **metadata})


def field_specs(config: MappingConfig) -> list[FieldSpec]:
    """Every model's fields (`Leadscore_Fit__c` ..., `Leadscore_Enterprise_Fit__c` ... for the
    model keyed `enterprise`), then the stage field."""
    names = config.score_fields()
    specs = [spec for key in config.keys for spec in _model_specs(names, key, key in config.calibrated)]
    return [*specs, _spec("stage", names["stage"], "Leadscore Stage", _TEXT, type="Text", length=80)]


def account_config(config: MappingConfig) -> MappingConfig:
    """The mapping of leadscore's fields on Account: the plain names (`Leadscore_Fit__c` ...)
    whatever the key of the model whose [account] section scores Accounts (one section per
    portal: connector.scoring.modelset), no Rating and no probability (contacts' only)."""
    return replace(config, keys=(None,), rating_key=None, calibrated=())


def account_specs(config: MappingConfig) -> list[FieldSpec]:
    """leadscore's fields on Account: a model's fields under the plain names, no stage."""
    return [spec for spec in field_specs(account_config(config)) if spec.neutral != "stage"]


_TEXT = ("string", "picklist", "textarea")


def _model_specs(names: dict[str, str], key: str | None, calibrated: bool) -> list[FieldSpec]:
    title = "Leadscore " + (" ".join(w.capitalize() for w in key.split("_")) + " " if key else "")

    def spec(field: str, label: str, accepts: Sequence[str], **metadata: object) -> FieldSpec:
        neutral = score_field(key, field)
        return _spec(neutral, names[neutral], title + label, accepts, **metadata)

    return [
        spec("fit", "Fit", ("double", "int"), type="Number", precision=6, scale=0),
        spec("engagement", "Engagement", ("double", "int"), type="Number", precision=6, scale=0),
        spec("label", "Label", _TEXT, type="Text", length=40),
        spec("grade", "Grade", _TEXT, type="Text", length=10),
        spec("reasons", "Reasons", ("textarea",), type="LongTextArea", length=32768, visibleLines=10),
        spec("model", "Model", _TEXT, type="Text", length=255),
        spec("scored_at", "Scored At", ("datetime",), type="DateTime"),
        # A percent with one decimal, only with a calibrated model (docs/crm-api-facts.md, Salesforce › Schema).
        *([spec("probability", "Probability", ("double", "percent"), type="Number", precision=4, scale=1)]
          if calibrated else []),
    ]


@dataclass(frozen=True)
class Problem:
    sobject: str
    field: str
    what: str  # "missing", "type", "readonly", "input"
    detail: str = ""

    def message(self) -> str:
        where = f"{self.sobject}.{self.field}"
        if self.what == "missing":
            return (f"{where} does not exist (or the integration user cannot see it); fix: run "
                    "`leadscore setup salesforce --create`, or create it in Setup > Object Manager "
                    "and give the integration user's permission set Read and Edit on it.")
        if self.what == "type":
            return (f"{where} exists as type {self.detail}, which cannot hold leadscore's value; "
                    "fix: delete it or point leadscore elsewhere (LEADSCORE_SALESFORCE_STAGE_FIELD for "
                    "the stage); leadscore never changes an existing field.")
        if self.what == "readonly":
            return (f"{where} is not updateable by the integration user (field-level security); fix: "
                    "in the integration user's permission set, Field Permissions, tick Edit on it.")
        return (f"{where} (mapped to the model's '{self.detail}') does not exist or is not readable; "
                "fix: correct LEADSCORE_SALESFORCE_LEAD_FIELDS / _CONTACT_FIELDS or grant Read on it.")


class FieldCheck:
    def __init__(self, client: SalesforceClient, config: MappingConfig, objects: Sequence[str],
                 accounts: bool = False) -> None:
        self.client = client
        self.config = config
        self.objects = list(objects)
        self.accounts = accounts  # the model scores accounts: leadscore's fields on Account too

    def _fields(self, sobject: str) -> dict[str, dict]:
        return {f["name"]: f for f in self.client.describe(sobject)["fields"]}

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        related: dict[str, dict[str, dict]] = {}
        for sobject in self.objects:
            fields = self._fields(sobject)
            for spec in field_specs(self.config):
                found.extend(check_field(sobject, spec.name, spec.accepts, fields))
            if sobject == "Lead" and self.config.rating_enabled:
                found.extend(check_field(sobject, "Rating", frozenset({"picklist"}), fields))
            for neutral, path in self.config.property_fields(sobject).items():
                head, _, tail = path.partition(".")
                if not tail:
                    if head not in fields:
                        found.append(Problem(sobject, head, "input", neutral))
                    continue
                reference = _relation_target(fields, head)
                if reference is None:
                    found.append(Problem(sobject, path, "input", neutral))
                    continue
                if reference not in related:
                    related[reference] = self._fields(reference)
                if tail not in related[reference]:
                    found.append(Problem(sobject, path, "input", neutral))
        if self.accounts:
            fields = self._fields("Account")
            for spec in account_specs(self.config):
                found.extend(check_field("Account", spec.name, spec.accepts, fields))
        return found

    def require(self) -> None:
        problems = self.problems()
        if problems:
            raise UserError("Salesforce fields are not ready:\n  " + "\n  ".join(p.message() for p in problems))

    def create_missing(self) -> list[str]:
        """Create leadscore's missing fields through the Tooling API; returns their full names."""
        created = []
        for problem in self.problems():
            specs = account_specs(self.config) if problem.sobject == "Account" else field_specs(self.config)
            spec = next((s for s in specs if s.name == problem.field), None)
            if problem.what != "missing" or spec is None:
                continue
            full_name = f"{problem.sobject}.{spec.name}"
            self.client.create_custom_field({"FullName": full_name, "Metadata": spec.metadata})
            created.append(full_name)
        return created


def check_field(sobject: str, name: str, accepts: frozenset[str], fields: dict[str, dict]) -> list[Problem]:
    described = fields.get(name)
    if described is None:
        return [Problem(sobject, name, "missing")]
    if described.get("type") not in accepts:
        return [Problem(sobject, name, "type", str(described.get("type")))]
    if not described.get("updateable", False):
        return [Problem(sobject, name, "readonly")]
    return []


def _relation_target(fields: dict[str, dict], relationship: str) -> str | None:
    """`Account` on Contact -> the object `AccountId` points at (describe `relationshipName`)."""
    for described in fields.values():
        if described.get("relationshipName") == relationship and described.get("referenceTo"):
            return described["referenceTo"][0]
    return None
