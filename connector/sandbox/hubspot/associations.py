"""Associations v4 batch read (crm-api-facts.md, "Associations v4"): at most 1,000 inputs; an
input with no associations is a 207 error item rather than an empty list; a record with many
associations pages inside its own result (`paging.next.after`, sent back as the input's `after`).
"""

from __future__ import annotations

from typing import Any

from connector.sandbox.hubspot import catalog, errors
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import iso

MAX_INPUTS = 1000
ASSOCIATIONS_PAGE = 500  # associations per input per call (unconfirmed page size)
# Object type names and ids HubSpot accepts in paths (developers.hubspot.com, "Object type IDs").
ALIASES = {"contact": "contacts", "0-1": "contacts", "email": "emails", "0-49": "emails", "meeting": "meetings",
           "0-47": "meetings", "call": "calls", "0-48": "calls", "note": "notes", "0-46": "notes",
           "company": "companies", "0-2": "companies"}
SINGULAR = {"contacts": "contact", "emails": "email", "meetings": "meeting", "calls": "call", "notes": "note",
            "companies": "company"}


def object_type(name: str) -> str:
    resolved = ALIASES.get(name.lower(), name.lower())
    if resolved not in catalog.OBJECT_TYPES:
        raise errors.validation(f"Unknown object type {name!r}.")
    return resolved


def batch_read(store: Store, from_name: str, to_name: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    from_type, to_type = object_type(from_name), object_type(to_name)
    if (from_type == "contacts") == (to_type == "contacts"):
        raise errors.validation(f"The sandbox associates contacts with engagements and companies, not {from_type} with "
                                f"{to_type}.")
    inputs = body.get("inputs") or []
    if len(inputs) > MAX_INPUTS:
        raise errors.validation(f"Too many inputs: {len(inputs)}; a batch takes at most {MAX_INPUTS}.")
    started = iso(store.now_ms())
    type_id = catalog.ASSOCIATION_TYPE_IDS[to_type if from_type == "contacts" else from_type][
        0 if from_type == "contacts" else 1]
    results, empty = [], []
    for item in inputs:
        key = str(item.get("id", ""))
        after = int(item["after"]) if str(item.get("after") or "").isdigit() else 0
        ids = [i for i in store.associated(from_type, to_type, int(key)) if i > after] if key.isdigit() else []
        if not ids:
            empty.append(key)
            continue
        page = ids[:ASSOCIATIONS_PAGE]
        result: dict[str, Any] = {
            "from": {"id": key},
            "to": [{"toObjectId": i, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]}
                   for i in page],
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
