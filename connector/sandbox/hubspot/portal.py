"""The request pipeline of the sandbox portal, independent of the socket layer:
route → auth (401) → scopes (403) → faults → rate limits (429) → endpoint → headers → request log.

`Portal.handle` returns a `Response`; the HTTP server (connector.sandbox.hubspot.server) writes it,
or drops the connection when a fault says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connector.sandbox.hubspot import associations, errors, events, objects, schema
from connector.sandbox.hubspot.catalog import OBJECT_TYPES
from connector.sandbox.hubspot.errors import ApiError
from connector.sandbox.hubspot.store import Store

READ = "crm.objects.contacts.read"
WRITE = "crm.objects.contacts.write"
SCHEMA_READ = "crm.schemas.contacts.read"
SCHEMA_WRITE = "crm.schemas.contacts.write"
ALL_SCOPES = frozenset({READ, WRITE, SCHEMA_READ, SCHEMA_WRITE})


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw: bytes
    headers: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        if not self.raw:
            return {}
        try:
            body = json.loads(self.raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise errors.validation(f"Invalid input JSON: {exc}") from None
        if not isinstance(body, dict):
            raise errors.validation("Invalid input JSON: expected an object.")
        return body


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    drop_after: int | None = None  # a fault: send this many bytes of the body, then close the socket
    delay: float = 0.0  # a fault: seconds to wait before answering


Handler = Callable[["Portal", Request], Any]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    scope: str
    search: bool = False


_OBJ = "(?P<type>" + "|".join(OBJECT_TYPES) + ")"


def _routes() -> list[Route]:
    def r(method: str, path: str, handler: Handler, scope: str, search: bool = False) -> Route:
        return Route(method, re.compile("^" + path + "/?$"), handler, scope, search)

    return [
        r("GET", f"/crm/v3/objects/{_OBJ}", lambda p, q: objects.list_objects(p.store, q.params["type"], q.query, p.base_url), READ),
        r("POST", f"/crm/v3/objects/{_OBJ}/batch/read", lambda p, q: objects.batch_read(p.store, q.params["type"], q.json()), READ),
        r("POST", f"/crm/v3/objects/{_OBJ}/batch/update", lambda p, q: objects.batch_update(p.store, q.params["type"], q.json()), WRITE),
        r("POST", f"/crm/v3/objects/{_OBJ}/search",
          lambda p, q: objects.search_objects(p.store, q.params["type"], q.json(), len(q.raw.decode("utf-8", "replace"))), READ,
          search=True),
        r("GET", f"/crm/v3/objects/{_OBJ}/(?P<id>[^/]+)", lambda p, q: objects.get_object(p.store, q.params["type"], q.params["id"], q.query), READ),
        r("GET", f"/crm/v3/properties/{_OBJ}/groups", lambda p, q: schema.list_groups(p.store, q.params["type"]), SCHEMA_READ),
        r("POST", f"/crm/v3/properties/{_OBJ}/groups", lambda p, q: schema.create_group(p.store, q.params["type"], q.json()), SCHEMA_WRITE),
        r("GET", f"/crm/v3/properties/{_OBJ}/groups/(?P<name>[^/]+)", lambda p, q: schema.get_group(p.store, q.params["type"], q.params["name"]), SCHEMA_READ),
        r("GET", f"/crm/v3/properties/{_OBJ}", lambda p, q: schema.list_properties(p.store, q.params["type"]), SCHEMA_READ),
        r("POST", f"/crm/v3/properties/{_OBJ}", lambda p, q: schema.create_property(p.store, q.params["type"], q.json()), SCHEMA_WRITE),
        r("GET", f"/crm/v3/properties/{_OBJ}/(?P<name>[^/]+)", lambda p, q: schema.get_property(p.store, q.params["type"], q.params["name"]), SCHEMA_READ),
        r("POST", "/crm/v4/associations/(?P<from>[^/]+)/(?P<to>[^/]+)/batch/read",
          lambda p, q: associations.batch_read(p.store, q.params["from"], q.params["to"], q.json()), READ),
        # Reading web analytics events; the scope HubSpot asks for here is unconfirmed, the sandbox
        # asks for the contacts read scope.
        r("GET", "/events/v3/events", lambda p, q: events.list_events(p.store, q.query, p.base_url), READ),
    ]


class Portal:
    """One sandbox portal: its store, the tokens it accepts with their scopes, and the pipeline."""

    def __init__(self, store: Store, tokens: dict[str, frozenset[str]]) -> None:
        self.store = store
        self.tokens = dict(tokens)
        self.base_url = "http://127.0.0.1"
        self.routes = _routes()

    def handle(self, method: str, path: str, query: dict[str, list[str]], raw: bytes, headers: dict[str, str]) -> Response:
        request = Request(method, path, query, raw, headers)
        try:
            response = self._dispatch(request)
        except ApiError as exc:
            response = Response(exc.status, exc.body, dict(exc.headers))
        if isinstance(response.body, dict) and "correlationId" in response.body:
            response.headers.setdefault("X-HubSpot-Correlation-Id", response.body["correlationId"])
        self.store.log_request(method, path, response.status)
        return response

    def _dispatch(self, request: Request) -> Response:
        route = self._match(request)
        token = _bearer(request.headers)
        if token is None or token not in self.tokens:
            raise errors.unauthorized()
        if route.scope not in self.tokens[token]:
            raise errors.missing_scopes([route.scope])
        result = route.handler(self, request)
        status, body = result if isinstance(result, tuple) else (200, result)
        return Response(status, body)

    def _match(self, request: Request) -> Route:
        allowed = False
        for route in self.routes:
            m = route.pattern.match(request.path)
            if m:
                if route.method == request.method:
                    request.params = m.groupdict()
                    return route
                allowed = True
        if allowed:
            raise ApiError(405, errors.error_body(f"HTTP method {request.method} is not supported by this URL.",
                                                  "VALIDATION_ERROR"))
        raise ApiError(404, errors.error_body(f"No route for {request.method} {request.path}.", "OBJECT_NOT_FOUND"))


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    if value.lower().startswith("bearer "):
        return value[7:].strip()
    return None
