"""leadscore's contact properties in HubSpot: their definitions and `ensure_properties`.

Types follow docs/crm-api-facts.md (Properties): numbers for the scores (and the probability, a
percent, when the model is calibrated), enumerations (select) for the
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
_KIND = {"contacts": "contact", "companies": "company"}


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
        *_probability_spec(model, title, which),
    ]


def _probability_spec(model: ScoringModel, title: str, which: str) -> list[PropertySpec]:
    """The probability's property, only for a model with a [calibration] table."""
    calibration = getattr(model, "calibration", None)
    if calibration is None:
        return []
    return [PropertySpec(score_field(model.key, "probability"), f"{title} probability", "number", "number",
                         f"Percent of leads scored like this that converted within {calibration.horizon_days} "
                         f"days (leadscore's calibration{which}).")]


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


def _existing(client: HubSpotClient, object_type: str = "contacts") -> dict[str, dict]:
    listing = client.call(f"GET /crm/v3/properties/{object_type}", client.properties.get_all_with_http_info,
                          object_type)
    return {p["name"]: p for p in listing.body.get("results", [])}


def ensure_properties(
    client: HubSpotClient, model: ScoringModel | ModelSet, names: Mapping[str, str], group: str,
    *, create: bool, object_type: str = "contacts",
) -> list[str]:
    """Check (and, when `create`, create) the properties of `object_type` (contacts, or
    companies with the model's [account] section as `model`); return the problems a dry run
    would fix (missing properties or options). Raises UserError for a property of the wrong type."""
    existing = _existing(client, object_type)
    kind = _KIND[object_type]
    todo: list[str] = []
    missing: list[tuple[str, PropertySpec]] = []
    for spec in property_specs(model):
        name = names[spec.field]
        found = existing.get(name)
        if found is None:
            missing.append((name, spec))
            todo.append(f"create {'' if object_type == 'contacts' else kind + ' '}property {name}")
            continue
        if found.get("type") != spec.type:
            raise UserError(
                f"HubSpot {kind} property {name!r} exists with type {found.get('type')!r}, but "
                f"leadscore writes {spec.field} as {spec.type!r}. leadscore never changes an "
                "existing property's type. Fix: delete or rename that property in HubSpot "
                "(Settings → Properties), or choose another prefix with LEADSCORE_PROPERTY_PREFIX."
            )
        have = {o.get("value") for o in found.get("options") or []}
        lacking = [v for v in spec.options if v not in have]
        if lacking:
            todo.append(f"add options {', '.join(lacking)} to {'' if object_type == 'contacts' else kind + ' '}{name}")
            if create:
                _add_options(client, name, found, lacking, object_type)
    if missing and create:
        _ensure_group(client, group, object_type)
        for name, spec in missing:
            _create(client, name, spec, group, object_type)
    elif todo:
        log.info("dry run: a sync would first %s", "; ".join(todo))
    return todo


def _ensure_group(client: HubSpotClient, group: str, object_type: str = "contacts") -> None:
    body = {"name": group, "label": "Lead scoring (leadscore)", "displayOrder": -1}
    try:
        client.call(f"POST /crm/v3/properties/{object_type}/groups", client.groups.create_with_http_info,
                    object_type, body)
        log.info("created the %s property group %s", _KIND[object_type], group)
    except CrmRequestError as err:
        if err.status != 409:
            raise


def _create(client: HubSpotClient, name: str, spec: PropertySpec, group: str,
            object_type: str = "contacts") -> None:
    try:
        client.call(f"POST /crm/v3/properties/{object_type}", client.properties.create_with_http_info,
                    object_type, _create_body(name, spec, group))
        log.info("created the %s property %s (%s)", _KIND[object_type], name, spec.type)
    except CrmRequestError as err:
        if err.status != 409:
            raise
        # Created meanwhile (another worker): check what exists instead.
        found = client.call(f"GET /crm/v3/properties/{object_type}/{name}",
                            client.properties.get_by_name_with_http_info, object_type, name).body
        if found.get("type") != spec.type:
            raise UserError(
                f"HubSpot {_KIND[object_type]} property {name!r} was created with type {found.get('type')!r} "
                f"while leadscore expects {spec.type!r}. Fix: delete it in HubSpot or set "
                "LEADSCORE_PROPERTY_PREFIX."
            ) from None


def _add_options(client: HubSpotClient, name: str, found: dict, lacking: list[str],
                 object_type: str = "contacts") -> None:
    current = [o.get("value") for o in found.get("options") or []]
    body = {"options": _options([*current, *lacking])}
    client.call(f"PATCH /crm/v3/properties/{object_type}/{name}", client.properties.update_with_http_info,
                object_type, name, body)
    log.info("added options %s to %s", ", ".join(lacking), name)


def targets(models: ScoringModel | ModelSet) -> list[tuple[str, ScoringModel | ModelSet]]:
    """The objects leadscore writes to, each with the models their properties and options come
    from: contacts (every model's), and companies when a model has an [account] section (its
    section's, with leadscore's plain names whatever the model's key)."""
    models = ModelSet.of(models)
    found: list[tuple[str, ScoringModel | ModelSet]] = [("contacts", models)]
    account = models.account_model
    if account is not None and account.account is not None:
        found.append(("companies", account.account.fit))
    return found


class HubSpotFields:
    """`leadscore setup hubspot`: leadscore's contact (and company) properties checked, and
    created (with their group and options) on request."""

    def __init__(self, client: HubSpotClient, model: ModelSet, names: Mapping[str, str],
                 group: str) -> None:
        self.client, self.model, self.names, self.group = client, model, names, group

    def problems(self) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for object_type, model in targets(self.model):
            found += self._problems(object_type, model)
        return found

    def _problems(self, object_type: str, model: ScoringModel | ModelSet) -> list[FieldProblem]:
        existing = _existing(self.client, object_type)
        kind = _KIND[object_type]
        found: list[FieldProblem] = []
        for spec in property_specs(model):
            name = self.names[spec.field]
            prop = existing.get(name)
            where = name if object_type == "contacts" else f"{kind} {name}"
            if prop is None:
                found.append(FieldProblem(where, "missing", (
                    f"{kind} property {name} does not exist; fix: run `leadscore setup hubspot "
                    "--create` (a sync also creates it)")))
            elif prop.get("type") != spec.type:
                found.append(FieldProblem(where, "type", (
                    f"{kind} property {name} has type {prop.get('type')!r}, leadscore writes "
                    f"{spec.type!r}; fix: delete or rename it in HubSpot, or set LEADSCORE_PROPERTY_PREFIX")))
            else:
                have = {o.get("value") for o in prop.get("options") or []}
                lacking = [v for v in spec.options if v not in have]
                if lacking:
                    found.append(FieldProblem(where, "options", (
                        f"{kind} property {name} lacks the options {', '.join(lacking)}; fix: run "
                        "`leadscore setup hubspot --create`")))
        return found

    def create_missing(self) -> list[str]:
        done: list[str] = []
        for object_type, model in targets(self.model):
            done += ensure_properties(self.client, model, self.names, self.group, create=True,
                                      object_type=object_type)
        return [f"done: {item}" for item in done]

    def ready(self) -> str:
        objects = " and company" if self.model.account_model is not None else ""
        return (f"HubSpot is ready: leadscore's contact{objects} properties exist (group {self.group}) "
                "with the model's options.")
