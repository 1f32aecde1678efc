"""The request pipeline of the sandbox portal, independent of the socket layer:
route → auth (401, or an expired token) → scopes (403) → faults → rate limits (429) → endpoint →
rate-limit headers → request log. Paths under `/_sandbox/` are the admin/inspection endpoints
(loopback, no token, not logged): `GET /_sandbox/requests`, `GET /_sandbox/writes/{type}/{id}`,
`GET|PUT /_sandbox/faults`.

`Portal.handle` returns a `Response`; the HTTP server (connector.sandbox.hubspot.server) writes it,
or drops the connection when a fault says so.
"""

from __future__ import annotations

import json
import logging
import re
import time
from urllib.parse import unquote
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connector.errors import UserError
from connector.sandbox.hubspot import associations, errors, events, inputs, objects, owners, schema
from connector.sandbox.hubspot.catalog import OBJECT_TYPES
from connector.sandbox.hubspot.errors import ApiError
from connector.sandbox.hubspot.faults import FaultInjector, FaultProfile
from connector.sandbox.hubspot.limits import RateLimiter, RateLimits
from connector.sandbox.hubspot.store import Store
from connector.sandbox.hubspot.values import iso

log = logging.getLogger(__name__)

READ = "crm.objects.contacts.read"
WRITE = "crm.objects.contacts.write"
SCHEMA_READ = "crm.schemas.contacts.read"
SCHEMA_WRITE = "crm.schemas.contacts.write"
OWNERS_READ = "crm.objects.owners.read"
# Companies ask for their own scopes (docs/crm-api-facts.md, HubSpot › Companies): the same
# names with "companies" in place of "contacts"; reading contact↔company associations too.
ALL_SCOPES = frozenset({scope.replace(".contacts.", kind)
                        for scope in (READ, WRITE, SCHEMA_READ, SCHEMA_WRITE) for kind in (".contacts.", ".companies.")}
                       | {OWNERS_READ})
# URLs longer than about 8 KB are refused with a 414 (docs/crm-api-facts.md, HubSpot › Request validation).
MAX_URL = 8192


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    raw: bytes
    headers: dict[str, str]
    target: str = ""  # the request line's target as sent (path and query)
    params: dict[str, str] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        """The body, a JSON object; an empty body is refused as HubSpot refuses it (a search with
        no body is a 400, not every record: docs/crm-api-facts.md, HubSpot › Request validation)."""
        if not self.raw.strip():
            raise errors.validation("Invalid input JSON: No content to map due to end-of-input.")
        return inputs.obj(inputs.parse_json(self.raw), "the request body")


@dataclass
class Response:
    status: int
    body: Any  # JSON-able, or bytes sent as they are with `content_type`
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=utf-8"
    drop_after: int | None = None  # a fault: send this many bytes of the body, then close the socket
    reset: bool = False  # a fault: close the socket without answering
    delay: float = 0.0  # a fault: seconds to wait before answering


Handler = Callable[["Portal", Request], Any]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    scope: str
    search: bool = False

    @property
    def batch(self) -> bool:
        return self.method == "POST" and self.pattern.pattern.endswith(("batch/read/?$", "batch/update/?$"))


_OBJ = "(?P<type>" + "|".join(OBJECT_TYPES) + ")"


def _routes() -> list[Route]:
    def r(method: str, path: str, handler: Handler, scope: str, search: bool = False) -> Route:
        return Route(method, re.compile("^" + path + "/?$"), handler, scope, search)

    objs, props = f"/crm/v3/objects/{_OBJ}", f"/crm/v3/properties/{_OBJ}"
    return [
        r("GET", objs, lambda p, q: objects.list_objects(p.store, q.params["type"], q.query, p.base_url), READ),
        r("POST", objs + "/batch/read", lambda p, q: objects.batch_read(p.store, q.params["type"], q.json()), READ),
        r("POST", objs + "/batch/update", lambda p, q: objects.batch_update(p.store, q.params["type"], q.json()), WRITE),
        r("POST", objs + "/search", _search, READ, search=True),
        r("POST", objs, lambda p, q: objects.create_object(p.store, q.params["type"], q.json()), WRITE),
        r("GET", objs + "/(?P<id>[^/]+)",
          lambda p, q: objects.get_object(p.store, q.params["type"], q.params["id"], q.query), READ),
        r("PATCH", objs + "/(?P<id>[^/]+)",
          lambda p, q: objects.update_object(p.store, q.params["type"], q.params["id"], q.query, q.json()), WRITE),
        r("GET", props + "/groups", lambda p, q: schema.list_groups(p.store, q.params["type"]), SCHEMA_READ),
        r("POST", props + "/groups", lambda p, q: schema.create_group(p.store, q.params["type"], q.json()), SCHEMA_WRITE),
        r("GET", props + "/groups/(?P<name>[^/]+)",
          lambda p, q: schema.get_group(p.store, q.params["type"], q.params["name"]), SCHEMA_READ),
        r("PATCH", props + "/groups/(?P<name>[^/]+)",
          lambda p, q: schema.update_group(p.store, q.params["type"], q.params["name"], q.json()), SCHEMA_WRITE),
        r("DELETE", props + "/groups/(?P<name>[^/]+)",
          lambda p, q: schema.delete_group(p.store, q.params["type"], q.params["name"]), SCHEMA_WRITE),
        r("GET", props, lambda p, q: schema.list_properties(p.store, q.params["type"]), SCHEMA_READ),
        r("POST", props, lambda p, q: schema.create_property(p.store, q.params["type"], q.json()), SCHEMA_WRITE),
        r("GET", props + "/(?P<name>[^/]+)",
          lambda p, q: schema.get_property(p.store, q.params["type"], q.params["name"]), SCHEMA_READ),
        r("PATCH", props + "/(?P<name>[^/]+)",
          lambda p, q: schema.update_property(p.store, q.params["type"], q.params["name"], q.json()), SCHEMA_WRITE),
        r("GET", "/crm/v4/objects/(?P<from>[^/]+)/(?P<id>[^/]+)/associations/(?P<to>[^/]+)",
          lambda p, q: associations.list_for_object(p.store, q.params["from"], q.params["id"], q.params["to"], q.query,
                                                    p.base_url), READ),
        r("POST", "/crm/v4/associations/(?P<from>[^/]+)/(?P<to>[^/]+)/batch/read",
          lambda p, q: associations.batch_read(p.store, q.params["from"], q.params["to"], q.json()), READ),
        # Reading web analytics events; the scope HubSpot asks for here is unconfirmed, the sandbox
        # asks for the contacts read scope.
        r("GET", "/crm/v3/owners", lambda p, q: owners.list_owners(q.query, p.base_url), OWNERS_READ),
        r("GET", "/crm/v3/owners/(?P<id>[^/]+)", lambda p, q: owners.get_owner(q.params["id"], q.query), OWNERS_READ),
        r("GET", "/events/v3/events", lambda p, q: events.list_events(p.store, q.query, p.base_url), READ),
    ]


def _scope(route: Route, request: Request) -> str:
    """The scope a request needs: the route's, or its companies variant for a company path."""
    named = {request.params.get(k, "").lower() for k in ("type", "from", "to")}
    if named & {"companies", "company", "0-2"}:
        return route.scope.replace(".contacts.", ".companies.")
    return route.scope


def _search(portal: Portal, request: Request) -> Any:
    length = len(request.raw.decode("utf-8", "replace"))  # the 3,000 limit counts characters
    return objects.search_objects(portal.store, request.params["type"], request.json(), length)


class Portal:
    """One sandbox portal: its store, the tokens it accepts with their scopes, its limits and faults."""

    def __init__(self, store: Store, tokens: dict[str, frozenset[str]], limits: RateLimits | None = None,
                 faults: FaultProfile | None = None, rate_clock: Callable[[], float] | None = None,
                 search_lag_seconds: float = 0.0) -> None:
        self.store = store
        self.search_lag_seconds = search_lag_seconds
        store.search_lag_ms = int(search_lag_seconds * 1000)
        self.tokens = dict(tokens)
        self.base_url = "http://127.0.0.1"
        self.routes = _routes()
        # The limiter runs on real time unless told otherwise: a test that moves the store's clock
        # (to age records) must not freeze the rolling window.
        self.limiter = RateLimiter(limits or RateLimits(), rate_clock or time.time)
        self.faults = FaultInjector(faults or FaultProfile())

    def search_lag(self) -> float:
        """Seconds a write takes to reach the search index: a fault profile's override, else the
        portal's own."""
        override = self.faults.profile.search_lag_seconds
        return self.search_lag_seconds if override is None else override

    def handle(self, method: str, path: str, query: dict[str, list[str]], raw: bytes, headers: dict[str, str],
               target: str = "") -> Response:
        request = Request(method, path, query, raw, headers, target or path)
        if path.startswith("/_sandbox/"):
            return self._admin(request)
        try:
            response = self._dispatch(request)
        except ApiError as exc:
            response = Response(exc.status, exc.body, dict(exc.headers))
        except Exception:  # a sandbox bug answers 500 (and says where), never a hung connection
            log.exception("sandbox error on %s %s", method, path)
            response = Response(500, errors.error_body("internal error", "INTERNAL_ERROR"))
        if isinstance(response.body, dict) and "correlationId" in response.body:
            response.headers.setdefault("X-HubSpot-Correlation-Id", response.body["correlationId"])
        self.store.log_request(method, path, response.status)
        return response

    def _dispatch(self, request: Request) -> Response:
        if len(request.target) > MAX_URL:
            raise ApiError(414, errors.error_body(f"The request URL is {len(request.target)} characters long; at most "
                                                  f"{MAX_URL} are accepted.", "VALIDATION_ERROR"))
        route = self._match(request)
        if request.raw and not _is_json(request.headers.get("content-type", "")):
            raise ApiError(415, errors.error_body(
                f"Unsupported Media Type {request.headers.get('content-type', '')!r}; send application/json.",
                "VALIDATION_ERROR"))
        token = _bearer(request.headers)
        if token is None or token not in self.tokens or self.faults.token_expired():
            raise errors.unauthorized()
        scope = _scope(route, request)
        if scope not in self.tokens[token]:
            raise errors.missing_scopes([scope])
        faults = {f.kind: f for f in self.faults.draw(route.batch)}
        if "reset" in faults:
            return Response(0, None, reset=True)
        if "429" in faults:
            extra = {} if self.faults.profile.retry_after is None else {"Retry-After": f"{self.faults.profile.retry_after:g}"}
            raise errors.rate_limited("TEN_SECONDLY_ROLLING", {**({} if route.search else self.limiter.headers(token)), **extra})
        if "5xx" in faults:
            return _server_error(faults["5xx"].status)
        limit_headers = self.limiter.admit(token, route.search)
        self.store.search_lag_ms = int(self.search_lag() * 1000)
        try:
            if "partial" in faults:
                response = self._partial(route, request)
            else:
                result = route.handler(self, request)
                status, body = result if isinstance(result, tuple) else (200, result)
                response = Response(status, body)
        except ApiError as exc:
            response = Response(exc.status, exc.body, dict(exc.headers))
        response.headers.update(limit_headers)
        if "slow" in faults:
            response.delay = self.faults.profile.slow_seconds
        if "drop" in faults:
            response.drop_after = 0 if response.body is None else max(1, len(json.dumps(response.body)) // 2)
        return response

    def _partial(self, route: Route, request: Request) -> Response:
        """A 207 where some inputs failed (and were not applied) while the rest went through."""
        body = request.json()
        items = inputs.objects(body, "inputs")
        ids = [str(i.get("id", "")) for i in items]
        failed = self.faults.partial_split(ids)
        body["inputs"] = [i for i in items if str(i.get("id", "")) not in failed]
        request.raw = json.dumps(body).encode()
        result = route.handler(self, request)
        _status, out = result if isinstance(result, tuple) else (200, result)
        label = objects.OBJECT_LABEL.get(request.params.get("type", ""), "OBJECT")
        out.setdefault("errors", []).append({
            "status": "error", "category": "CONFLICT", "links": {}, "errors": [],
            "message": f"Could not process some {label} objects right now; retry them.",
            "context": {"ids": sorted(failed, key=lambda i: ids.index(i))}})
        out["numErrors"] = len(out["errors"])
        return Response(207, out)

    def _match(self, request: Request) -> Route:
        allowed: set[str] = set()
        for route in self.routes:
            m = route.pattern.match(request.path)
            if m:
                if route.method == request.method:
                    # Path segments arrive percent-encoded (an email as an id: a%40b.com).
                    request.params = {k: unquote(v) for k, v in m.groupdict().items()}
                    return route
                allowed.add(route.method)
        if allowed:
            # A 405 names the methods the path takes (RFC 9110 §15.5.6: Allow is required on a 405).
            raise ApiError(405, errors.error_body(f"HTTP method {request.method} is not supported by this URL.",
                                                  "VALIDATION_ERROR"), {"Allow": ", ".join(sorted(allowed))})
        raise ApiError(404, errors.error_body(f"No route for {request.method} {request.path}.", "OBJECT_NOT_FOUND"))

    # -- admin / inspection -------------------------------------------------------------------

    def _admin(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")[1:]
        try:
            if parts == ["requests"] and request.method == "GET":
                rows = self.store.request_counts()
                return Response(200, {"requests": [{"method": m, "path": p, "status": s, "count": n} for m, p, s, n in rows]})
            if len(parts) == 3 and parts[0] == "writes" and request.method == "GET" and parts[2].isdigit():
                writes = self.store.writes(parts[1], int(parts[2]), None)
                return Response(200, {"writes": [{"at": iso(at), "source": src, "properties": props}
                                                 for at, src, props in writes]})
            if parts == ["faults"] and request.method == "GET":
                return Response(200, self.faults.profile.as_dict())
            if parts == ["faults"] and request.method in ("PUT", "POST"):
                body = request.json()
                spec = body["profile"] if "profile" in body else body
                if not isinstance(spec, (str, dict)):
                    raise UserError("a fault profile is a name, key=value pairs or an object")
                profile = FaultProfile.parse(spec)
                self.faults.set(profile)
                return Response(200, profile.as_dict())
        except (UserError, KeyError) as exc:
            return Response(400, {"status": "error", "message": str(exc)})
        except ApiError as exc:
            return Response(exc.status, exc.body)
        return Response(404, {"status": "error", "message": f"no admin endpoint {request.method} {request.path}"})


def _server_error(status: int) -> Response:
    if status == 500:
        return Response(500, errors.error_body("internal error", "INTERNAL_ERROR"))
    reason = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
    html = f"<html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1></body></html>"
    return Response(status, html.encode(), content_type="text/html")


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in ("application/json", "application/*+json")


def _bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization") or ""
    if value.lower().startswith("bearer "):
        return value[7:].strip()
    return None
