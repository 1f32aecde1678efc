"""Associations v4 batch read (docs/crm-api-facts.md, HubSpot › Associations v4): at most 1,000 inputs; an
input with no associations is a 207 error item rather than an empty list; a record with many
associations pages inside its own result (`paging.next.after`, sent back as the input's `after`).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.hubspot import catalog, errors, inputs
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import iso

MAX_INPUTS = 1000
ASSOCIATIONS_PAGE = 500  # associations a page holds (the per-object read's default limit; the batch's is unconfirmed)
# Object type names and ids HubSpot accepts in paths (developers.hubspot.com, "Object type IDs").
ALIASES = {"contact": "contacts", "0-1": "contacts", "email": "emails", "0-49": "emails", "meeting": "meetings",
           "0-47": "meetings", "call": "calls", "0-48": "calls", "note": "notes", "0-46": "notes",
           "task": "tasks", "0-27": "tasks", "company": "companies", "0-2": "companies"}
SINGULAR = {"contacts": "contact", "emails": "email", "meetings": "meeting", "calls": "call", "notes": "note",
            "tasks": "task", "companies": "company"}


def to_item(target: int, type_id: int) -> dict[str, Any]:
    """One associated object as v4 answers it: `toObjectId` a string and an unlabelled type with no
    `label` key, as the published schema types them (MultiAssociatedObjectWithLabel,
    AssociationSpecWithLabel; docs/crm-api-facts.md, HubSpot › Associations v4)."""
    return {"toObjectId": str(target), "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id}]}


def object_type(name: str) -> str:
    resolved = ALIASES.get(name.lower(), name.lower())
    if resolved not in catalog.OBJECT_TYPES:
        raise errors.validation(f"Unknown object type {name!r}.")
    return resolved


def _pair(from_name: str, to_name: str) -> tuple[str, str]:
    from_type, to_type = object_type(from_name), object_type(to_name)
    if (from_type == "contacts") == (to_type == "contacts"):
        raise errors.validation(f"The sandbox associates contacts with engagements and companies, not {from_type} with "
                                f"{to_type}.")
    return from_type, to_type


def _type_id(from_type: str, to_type: str) -> int:
    ids = catalog.ASSOCIATION_TYPE_IDS[to_type if from_type == "contacts" else from_type]
    return ids[0] if from_type == "contacts" else ids[1]


def list_for_object(store: Store, from_name: str, object_id: str, to_name: str, query: dict[str, list[str]],
                    base_url: str) -> dict[str, Any]:
    """`GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}`: one object's
    associations, `limit` (default and most 500) a page, `after` the cursor from the previous page
    or from a batch answer's `paging.next.after` (docs/crm-api-facts.md, HubSpot › Associations v4)."""
    from_type, to_type = _pair(from_name, to_name)
    limit = inputs.whole((query.get("limit") or [None])[0], "limit", ASSOCIATIONS_PAGE, low=1, high=ASSOCIATIONS_PAGE)
    cursor = (query.get("after") or [""])[0]
    after = inputs.object_id(cursor) if cursor not in ("", "0") else 0
    if after is None:
        raise errors.validation(f"Invalid paging cursor after={cursor!r}.")
    number = inputs.object_id(object_id)
    ids = [i for i in store.associated(from_type, to_type, number) if i > after] if number else []
    page = ids[:limit]
    body: dict[str, Any] = {"results": [to_item(i, _type_id(from_type, to_type)) for i in page]}
    if len(ids) > limit:
        link = f"{base_url}/crm/v4/objects/{from_name}/{object_id}/associations/{to_name}?limit={limit}&after={page[-1]}"
        body["paging"] = {"next": {"after": str(page[-1]), "link": link}}
    return body


def batch_read(store: Store, from_name: str, to_name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from_type, to_type = _pair(from_name, to_name)
    items = inputs.objects(body, "inputs")
    if len(items) > MAX_INPUTS:
        raise errors.validation(f"Too many inputs: {len(items)}; a batch takes at most {MAX_INPUTS}.")
    started = iso(store.now_ms())
    type_id = _type_id(from_type, to_type)
    results, empty = [], []
    for n, item in enumerate(items):
        key = inputs.text(item.get("id"), f"inputs[{n}].id") or ""
        after = inputs.object_id(inputs.text(item.get("after"), f"inputs[{n}].after") or "0") or 0
        number = inputs.object_id(key)
        ids = [i for i in store.associated(from_type, to_type, number) if i > after] if number else []
        if not ids:
            empty.append(key)
            continue
        page = ids[:ASSOCIATIONS_PAGE]
        result: dict[str, Any] = {
            "from": {"id": key},
            "to": [to_item(i, type_id) for i in page],
        }
        if len(ids) > ASSOCIATIONS_PAGE:
            result["paging"] = {"next": {"after": str(page[-1])}}
        results.append(result)
    body_out: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started,
                                "completedAt": iso(store.now_ms())}
    if not empty:
        return 200, body_out
    body_out["numErrors"] = len(empty)
    body_out["errors"] = [{
        "status": "error", "category": "OBJECT_NOT_FOUND", "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
        "message": f"No {SINGULAR[to_type]} is associated with {SINGULAR[from_type]} {key}.",
        "context": {"fromObjectId": [key]}, "links": {}, "errors": []} for key in empty]
    return 207, body_out
