"""Answers checked against HubSpot's published shapes: a 2xx body deserialized through the official
hubspot-api-client models with client-side validation on (required fields present, enums in
range), and no null anywhere the published schemas do not allow one; a 4xx/5xx body in HubSpot's
error shape (`status`, `message`, `correlationId`, `category`)."""

from __future__ import annotations

import importlib
import re
from typing import Any

# Route (method, path pattern) → (client package, model of a 200/201 answer, of a 207 answer).
_OBJ = "(contacts|emails|meetings|calls|notes|tasks|companies)"
MODELS: list[tuple[str, re.Pattern[str], str, str, str | None]] = [
    (m, re.compile("^" + p + "/?$"), pkg, ok, partial) for m, p, pkg, ok, partial in (
        ("GET", "/crm/v3/objects/contacts", "crm.contacts",
         "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging", None),
        ("GET", f"/crm/v3/objects/{_OBJ}", "crm.objects",
         "CollectionResponseSimplePublicObjectWithAssociationsForwardPaging", None),
        ("POST", f"/crm/v3/objects/{_OBJ}/batch/(read|update)", "crm.objects", "BatchResponseSimplePublicObject",
         "BatchResponseSimplePublicObjectWithErrors"),
        ("POST", f"/crm/v3/objects/{_OBJ}/search", "crm.objects",
         "CollectionResponseWithTotalSimplePublicObjectForwardPaging", None),
        ("POST", f"/crm/v3/objects/{_OBJ}", "crm.objects", "SimplePublicObject", None),
        ("GET", f"/crm/v3/objects/{_OBJ}/[^/]+", "crm.objects", "SimplePublicObjectWithAssociations", None),
        ("PATCH", f"/crm/v3/objects/{_OBJ}/[^/]+", "crm.objects", "SimplePublicObject", None),
        ("GET", f"/crm/v3/properties/{_OBJ}/groups", "crm.properties", "CollectionResponsePropertyGroupNoPaging", None),
        ("POST", f"/crm/v3/properties/{_OBJ}/groups", "crm.properties", "PropertyGroup", None),
        ("GET", f"/crm/v3/properties/{_OBJ}/groups/[^/]+", "crm.properties", "PropertyGroup", None),
        ("PATCH", f"/crm/v3/properties/{_OBJ}/groups/[^/]+", "crm.properties", "PropertyGroup", None),
        ("GET", f"/crm/v3/properties/{_OBJ}", "crm.properties", "CollectionResponsePropertyNoPaging", None),
        ("POST", f"/crm/v3/properties/{_OBJ}", "crm.properties", "ModelProperty", None),
        ("GET", f"/crm/v3/properties/{_OBJ}/[^/]+", "crm.properties", "ModelProperty", None),
        ("PATCH", f"/crm/v3/properties/{_OBJ}/[^/]+", "crm.properties", "ModelProperty", None),
        ("GET", "/crm/v4/objects/[^/]+/[^/]+/associations/[^/]+", "crm.associations.v4",
         "CollectionResponseMultiAssociatedObjectWithLabelForwardPaging", None),
        ("POST", "/crm/v4/associations/[^/]+/[^/]+/batch/read", "crm.associations.v4",
         "BatchResponsePublicAssociationMultiWithLabel", "BatchResponsePublicAssociationMultiWithLabelWithErrors"),
        ("GET", "/events/v3/events", "events", "CollectionResponseExternalUnifiedEvent", None),
        ("GET", "/crm/v3/owners", "crm.owners", "CollectionResponsePublicOwnerForwardPaging", None),
        ("GET", "/crm/v3/owners/[^/]+", "crm.owners", "PublicOwner", None),
    )
]
ERROR_PACKAGE = "crm.contacts"


def _client(package: str) -> Any:
    module = importlib.import_module(f"hubspot.{package}")
    config = module.Configuration()
    config.client_side_validation = True
    return module.ApiClient(config)


_CLIENTS: dict[str, Any] = {}


def deserialize(package: str, model: str, body: Any) -> Any:
    """`body` through the official model `model` of `hubspot.<package>`, validation on; raises
    (ValueError, TypeError, ...) when the body breaks the model."""
    client = _CLIENTS.setdefault(package, _client(package))
    return client._ApiClient__deserialize(body, model)  # the deserializer the client's calls use


def model_for(method: str, path: str, status: int) -> tuple[str, str] | None:
    for m, pattern, package, ok, partial in MODELS:
        if m == method and pattern.match(path):
            return (package, partial) if status == 207 and partial else (package, ok)
    return None


def nulls(body: Any, where: str = "") -> list[str]:
    """Where the body holds a null outside an object's `properties` (whose values are null when a
    property has no value; the published schemas mark no other field nullable)."""
    if isinstance(body, dict):
        out = []
        for key, value in body.items():
            if key == "properties" and isinstance(value, dict):
                continue
            if value is None:
                out.append(f"{where}.{key}")
            else:
                out += nulls(value, f"{where}.{key}")
        return out
    if isinstance(body, list):
        return [n for item in body for n in nulls(item, f"{where}[]")]
    return []


def check_answer(method: str, path: str, status: int, body: Any, headers: dict[str, str]) -> None:
    """Assert the answer is one HubSpot could give: no 5xx, an error body in HubSpot's shape, a
    2xx body the official client reads with validation on."""
    assert status < 500, (method, path, status, body)
    if status == 405:
        assert headers.get("Allow"), (method, path, headers)
    if method == "HEAD":  # headers only
        return
    if status >= 400:
        assert isinstance(body, dict), (method, path, status, body)
        for key in ("status", "message", "correlationId", "category"):
            assert isinstance(body.get(key), str), (key, method, path, status, body)
        assert isinstance(body.get("errors", []), list), body
        deserialize(ERROR_PACKAGE, "Error", body)
        return
    if status == 204:
        return
    found = model_for(method, path, status)
    assert found is not None, f"no model known for {method} {path} {status}"
    deserialize(*found, body)
    assert nulls(body) == [], (method, path, nulls(body))
