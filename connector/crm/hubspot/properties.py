"""leadscore's contact properties in HubSpot: their definitions and `ensure_properties`.

Types follow crm-api-facts.md (Properties): numbers for the scores, enumerations (select) for the
label and the grade with options from the model, multi-line text for the reasons, a datetime for
when it was scored, text for the model. A property that exists with another type is never
overwritten: it is a UserError saying how to fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connector.crm.base import FieldProblem, score_field
from connector.crm.errors import CrmRequestError
from connector.errors import UserError
from connector.scoring.modelset import ModelSet

if TYPE_CHECKING:
    from connector.crm.hubspot.client import HubSpotClient
    from connector.scoring.model import ScoringModel

log = logging.getLogger(__name__)
STAGE_PROPERTY = "lifecyclestage"


@dataclass(frozen=True)
class PropertySpec:
    field: str  # neutral name (connector.crm.base.SCORE_FIELDS)
    label: str
    type: str
    field_type: str
    description: str
    options: tuple[str, ...] = ()


def property_specs(models: ScoringModel | ModelSet) -> list[PropertySpec]:
    """Every model's properties: `leadscore_fit` ... for the model without a key,
    `leadscore_enterprise_fit` ... (labelled "Leadscore enterprise fit") for the one keyed
    `enterprise`; each label and grade property offers its own model's options."""
    return [spec for model in ModelSet.of(models) for spec in _model_specs(model)]


def _model_specs(model: ScoringModel) -> list[PropertySpec]:
    key = model.key
    title = f"Leadscore {key.replace('_', ' ')}" if key else "Leadscore"
    which = f" ({key} model)" if key else ""
    return [
        PropertySpec(score_field(key, "fit"), f"{title} fit", "number", "number",
                     f"Fit score: how well the contact matches the ideal customer (leadscore{which})."),
        PropertySpec(score_field(key, "engagement"), f"{title} engagement", "number", "number",
                     f"Engagement score from recent activity, with decay (leadscore{which})."),
        PropertySpec(score_field(key, "label"), f"{title} label", "enumeration", "select",
                     f"hot / warm / cold, from the fit and engagement thresholds (leadscore{which}).",
                     tuple(model.label_names)),
        PropertySpec(score_field(key, "grade"), f"{title} grade", "enumeration", "select",
                     f"Fit band (A best) and engagement band (1 best) (leadscore{which}).",
                     tuple(model.grades)),
        PropertySpec(score_field(key, "reasons"), f"{title} reasons", "string", "textarea",
                     f"Why the contact has these scores, one reason a line (leadscore{which})."),
        PropertySpec(score_field(key, "model"), f"{title} model", "string", "text",
                     "Name and version of the scoring model that scored the contact."),
        PropertySpec(score_field(key, "scored_at"), f"{title} scored at", "datetime", "date",
                     f"When leadscore last changed this contact's scores{which}."),
    ]


def _create_body(name: str, spec: PropertySpec, group: str) -> dict:
    body = {
        "name": name, "label": spec.label, "type": spec.type, "fieldType": spec.field_type,
        "groupName": group, "description": spec.description,
    }
    if spec.options:
        body["options"] = _options(spec.options)
    return body


def _options(values: Sequence[str]) -> list[dict]:
    return [{"label": v, "value": v, "displayOrder": i, "hidden": False} for i, v in enumerate(values)]


def _existing(client: HubSpotClient) -> dict[str, dict]:
    listing = client.call("GET /crm/v3/properties/contacts", client.properties.get_all_with_http_info,
                          "contacts")
    return {p["name"]: p for p in listing.body.get("results", [])}


def ensure_properties(
    client: HubSpotClient, model: ScoringModel | ModelSet, names: Mapping[str, str], group: str,
    *, create: bool,
) -> list[str]:
    """Check (and, when `create`, create) the properties; return the problems a dry run would
    fix (missing properties or options). Raises UserError for a property of the wrong type."""
    existing = _existing(client)
    todo: list[str] = []
    missing: list[tuple[str, PropertySpec]] = []
    for spec in property_specs(model):
        name = names[spec.field]
        found = existing.get(name)
        if found is None:
            missing.append((name, spec))
            todo.append(f"create property {name}")
            continue
        if found.get("type") != spec.type:
            raise UserError(
                f"HubSpot contact property {name!r} exists with type {found.get('type')!r}, but "
                f"leadscore writes {spec.field} as {spec.type!r}. leadscore never changes an "
                "existing property's type. Fix: delete or rename that property in HubSpot "
                "(Settings → Properties), or choose another prefix with LEADSCORE_PROPERTY_PREFIX."
            )
        have = {o.get("value") for o in found.get("options") or []}
        lacking = [v for v in spec.options if v not in have]
        if lacking:
            todo.append(f"add options {', '.join(lacking)} to {name}")
            if create:
                _add_options(client, name, found, lacking)
    if missing and create:
        _ensure_group(client, group)
        for name, spec in missing:
            _create(client, name, spec, group)
    elif todo:
        log.info("dry run: a sync would first %s", "; ".join(todo))
    return todo


def _ensure_group(client: HubSpotClient, group: str) -> None:
    body = {"name": group, "label": "Lead scoring (leadscore)", "displayOrder": -1}
    try:
        client.call("POST /crm/v3/properties/contacts/groups", client.groups.create_with_http_info,
                    "contacts", body)
        log.info("created the contact property group %s", group)
    except CrmRequestError as err:
        if err.status != 409:
            raise


def _create(client: HubSpotClient, name: str, spec: PropertySpec, group: str) -> None:
    try:
        client.call("POST /crm/v3/properties/contacts", client.properties.create_with_http_info,
                    "contacts", _create_body(name, spec, group))
        log.info("created the contact property %s (%s)", name, spec.type)
    except CrmRequestError as err:
        if err.status != 409:
            raise
        # Created meanwhile (another worker): check what exists instead.
        found = client.call(f"GET /crm/v3/properties/contacts/{name}",
                            client.properties.get_by_name_with_http_info, "contacts", name).body
        if found.get("type") != spec.type:
            raise UserError(
                f"HubSpot contact property {name!r} was created with type {found.get('type')!r} "
                f"while leadscore expects {spec.type!r}. Fix: delete it in HubSpot or set "
                "LEADSCORE_PROPERTY_PREFIX."
            ) from None


def _add_options(client: HubSpotClient, name: str, found: dict, lacking: list[str]) -> None:
    current = [o.get("value") for o in found.get("options") or []]
    body = {"options": _options([*current, *lacking])}
    client.call(f"PATCH /crm/v3/properties/contacts/{name}", client.properties.update_with_http_info,
                "contacts", name, body)
    log.info("added options %s to %s", ", ".join(lacking), name)


class HubSpotFields:
    """`leadscore setup hubspot`: leadscore's contact properties checked, and created (with their
    group and options) on request."""

    def __init__(self, client: HubSpotClient, model: ModelSet, names: Mapping[str, str],
                 group: str) -> None:
        self.client, self.model, self.names, self.group = client, model, names, group

    def problems(self) -> list[FieldProblem]:
        existing = _existing(self.client)
        found: list[FieldProblem] = []
        for spec in property_specs(self.model):
            name = self.names[spec.field]
            prop = existing.get(name)
            if prop is None:
                found.append(FieldProblem(name, "missing", (
                    f"contact property {name} does not exist; fix: run `leadscore setup hubspot "
                    "--create` (a sync also creates it)")))
            elif prop.get("type") != spec.type:
                found.append(FieldProblem(name, "type", (
                    f"contact property {name} has type {prop.get('type')!r}, leadscore writes "
                    f"{spec.type!r}; fix: delete or rename it in HubSpot, or set LEADSCORE_PROPERTY_PREFIX")))
            else:
                have = {o.get("value") for o in prop.get("options") or []}
                lacking = [v for v in spec.options if v not in have]
                if lacking:
                    found.append(FieldProblem(name, "options", (
                        f"contact property {name} lacks the options {', '.join(lacking)}; fix: run "
                        "`leadscore setup hubspot --create`")))
        return found

    def create_missing(self) -> list[str]:
        done = ensure_properties(self.client, self.model, self.names, self.group, create=True)
        return [f"done: {item}" for item in done]

    def ready(self) -> str:
        return (f"HubSpot is ready: leadscore's contact properties exist (group {self.group}) with "
                "the model's options.")
