"""Properties API v3: list, read, create and update properties, and property groups, of an object
type (docs/crm-api-facts.md, HubSpot › Properties). A created property accepts writes at once; an existing name is a
409 `OBJECT_ALREADY_EXISTS`. An update (`PATCH /crm/v3/properties/{objectType}/{propertyName}`, the
client's `crm.properties.core_api.update` with a `PropertyUpdate` body: label, type, fieldType,
groupName, description, options, displayOrder, hidden, formField) changes the given fields only.
"""

from __future__ import annotations

import re
from typing import Any

from connector.sandbox.hubspot import catalog, errors, inputs
from connector.sandbox.hubspot.catalog import PropertyDef
from connector.sandbox.hubspot.errors import ApiError, error_body
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import iso

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def property_json(store: Store, object_type: str, prop: PropertyDef) -> dict[str, Any]:
    stamps = store.property_row(object_type, prop.name) or {"created": 0, "updated": 0}
    return {
        "name": prop.name, "label": prop.label, "type": prop.type, "fieldType": prop.field_type,
        "description": prop.description, "groupName": prop.group,
        "options": [{"label": label, "value": value, "displayOrder": i, "hidden": False}
                    for i, (value, label) in enumerate(zip(prop.options, prop.option_labels))],
        "displayOrder": prop.display_order, "calculated": prop.name in catalog.CALCULATED.get(object_type, ()), "externalOptions": False, "hasUniqueValue": False,
        "hidden": False, "hubspotDefined": prop.hubspot_defined, "formField": not prop.hubspot_defined,
        "modificationMetadata": {"archivable": not prop.hubspot_defined, "readOnlyDefinition": prop.hubspot_defined,
                                 "readOnlyValue": prop.name in catalog.READ_ONLY},
        "createdAt": iso(stamps["created"]), "updatedAt": iso(stamps["updated"]), "archived": False,
    }


def list_properties(store: Store, object_type: str) -> dict[str, Any]:
    return {"results": [property_json(store, object_type, p) for p in store.properties(object_type).values()]}


def get_property(store: Store, object_type: str, name: str) -> dict[str, Any]:
    prop = store.properties(object_type).get(name)
    if prop is None:
        raise errors.not_found(f"Unable to find property {name} for object type {object_type}.")
    return property_json(store, object_type, prop)


def create_property(store: Store, object_type: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    prop = _parse_property(store, object_type, body)
    if not store.create_property(object_type, prop):
        # Category from the error-handling page; the exact message is unconfirmed.
        raise ApiError(409, error_body(f"A property named '{prop.name}' already exists.", "OBJECT_ALREADY_EXISTS",
                                       context={"name": [prop.name]}))
    return 201, property_json(store, object_type, store.properties(object_type)[prop.name])


def update_property(store: Store, object_type: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    prop = store.properties(object_type).get(name)
    if prop is None:
        raise errors.not_found(f"Unable to find property {name} for object type {object_type}.")
    if prop.hubspot_defined:
        # modificationMetadata.readOnlyDefinition is true for HubSpot's own properties.
        raise errors.validation(f"Property {name} is defined by HubSpot; its definition is read-only.")
    current = property_json(store, object_type, prop)
    merged = {key: current[key] for key in ("label", "type", "fieldType", "groupName", "description",
                                            "options", "displayOrder")}
    merged.update({key: value for key, value in body.items() if key in merged and value is not None})
    updated = _parse_property(store, object_type, {**merged, "name": name})
    store.update_property(object_type, updated)
    return property_json(store, object_type, store.properties(object_type)[name])


def _parse_property(store: Store, object_type: str, body: dict[str, Any]) -> PropertyDef:
    fields = {k: inputs.text(body.get(k), k) for k in ("name", "label", "type", "fieldType", "groupName", "description")}
    missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not fields[k]]
    if missing:
        raise errors.validation(f"Missing required fields: {', '.join(missing)}.")
    name, type_, field_type, group = fields["name"] or "", fields["type"] or "", fields["fieldType"] or "", fields["groupName"]
    if not NAME.fullmatch(name):
        raise errors.validation(f"Property name {name!r} must start with a lowercase letter and hold only lowercase "
                                "letters, digits and underscores.")
    if type_ not in catalog.FIELD_TYPES:
        raise errors.validation(f"Unknown property type {type_!r}; use one of {', '.join(catalog.FIELD_TYPES)}.")
    if field_type not in catalog.FIELD_TYPES[type_]:
        raise errors.validation(f"fieldType {field_type!r} is not valid for type {type_!r}; use one of "
                                f"{', '.join(sorted(catalog.FIELD_TYPES[type_]))}.")
    if group not in {g[0] for g in store.groups(object_type)}:
        raise errors.validation(f"Property group {group!r} does not exist.")
    options = [_option(o, f"options[{i}]") for i, o in enumerate(inputs.objects(body, "options"))]
    if type_ == "enumeration" and field_type != "booleancheckbox" and not options:
        raise errors.validation("Enumeration properties need at least one option.")
    if type_ == "enumeration" and field_type == "booleancheckbox" and not options:
        options = [{"value": "true", "label": "Yes"}, {"value": "false", "label": "No"}]
    return PropertyDef(
        name=name, label=fields["label"] or "", type=type_, field_type=field_type, group=group or "",
        options=tuple(o["value"] for o in options), option_labels=tuple(o["label"] for o in options),
        description=fields["description"] or "", hubspot_defined=False,
        display_order=inputs.whole(body.get("displayOrder"), "displayOrder", -1, low=-1, high=2**31 - 1),
    )


def _option(option: dict[str, Any], where: str) -> dict[str, str]:
    """An enumeration option: `value` required, `label` defaulting to it."""
    value = inputs.text(option.get("value"), f"{where}.value")
    if not value:
        raise errors.validation(f"Missing required field: {where}.value.")
    return {"value": value, "label": inputs.text(option.get("label"), f"{where}.label") or value}


def group_json(name: str, label: str, order: int) -> dict[str, Any]:
    return {"name": name, "label": label, "displayOrder": order, "archived": False}


def list_groups(store: Store, object_type: str) -> dict[str, Any]:
    return {"results": [group_json(*g) for g in store.groups(object_type)]}


def get_group(store: Store, object_type: str, name: str) -> dict[str, Any]:
    for group in store.groups(object_type):
        if group[0] == name:
            return group_json(*group)
    raise errors.not_found(f"Unable to find property group {name} for object type {object_type}.")


def update_group(store: Store, object_type: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
    """`PATCH .../groups/{name}`: a new label and/or display order."""
    current = get_group(store, object_type, name)
    label = inputs.text(body.get("label"), "label") or current["label"]
    order = inputs.whole(body.get("displayOrder"), "displayOrder", current["displayOrder"], low=-1, high=2**31 - 1)
    store.update_group(object_type, name, label, order)
    return group_json(name, label, order)


def delete_group(store: Store, object_type: str, name: str) -> tuple[int, None]:
    """`DELETE .../groups/{name}`: archives the group (204, no body)."""
    get_group(store, object_type, name)
    store.delete_group(object_type, name)
    return 204, None


def create_group(store: Store, object_type: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    name, label = inputs.text(body.get("name"), "name"), inputs.text(body.get("label"), "label")
    if not name or not label:
        raise errors.validation("Missing required fields: name, label.")
    if not NAME.fullmatch(name):
        raise errors.validation(f"Group name {name!r} must hold only lowercase letters, digits and underscores.")
    order = inputs.whole(body.get("displayOrder"), "displayOrder", -1, low=-1, high=2**31 - 1)
    if not store.create_group(object_type, name, label, order):
        raise ApiError(409, error_body(f"A property group named '{name}' already exists.", "OBJECT_ALREADY_EXISTS",
                                       context={"name": [name]}))
    return 201, group_json(name, label, order)
