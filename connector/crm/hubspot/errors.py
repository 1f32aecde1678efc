"""How HubSpot failures are classified for the one retry policy (connector.crm.retry).

Error bodies and headers follow docs/crm-api-facts.md ("Auth and errors", "Rate limits"): 401
`INVALID_AUTHENTICATION`; 403 `MISSING_SCOPES` with `errors[].context.requiredScopes`; 429 with
`policyName` (TEN_SECONDLY_ROLLING, SECONDLY for search, DAILY) and, on the 10-second policy,
`X-HubSpot-RateLimit-Interval-Milliseconds` to wait; 5xx and dropped connections are transient.
Messages never include request headers, so the token cannot leak through them.
"""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Mapping

import urllib3

from connector.crm.errors import CrmAuthError, CrmRequestError, CrmScopeError, CrmUnavailable
from connector.crm.retry import Verdict

TRANSIENT_STATUS = {500, 502, 503, 504}
SCOPES_HELP = (
    "in HubSpot, open Settings → Integrations → Private Apps → your app → Scopes, add them, "
    "and save (the token stays the same)"
)


def api_status(exc: BaseException) -> int | None:
    """The HTTP status of a hubspot-api-client ApiException (each API package has its own
    class, so this goes by shape), or None for anything else."""
    status = getattr(exc, "status", None)
    if isinstance(status, int) and hasattr(exc, "body") and hasattr(exc, "headers"):
        return status
    return None


def error_body(exc: BaseException) -> dict:
    raw = getattr(exc, "body", None)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        return {"message": str(raw)[:300]}
    return body if isinstance(body, dict) else {}


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _seconds(value: str | None, scale: float = 1.0) -> float | None:
    try:
        return float(value) * scale if value is not None else None
    except ValueError:
        return None


def rate_limit_wait(headers: Mapping[str, str] | None, body: dict) -> float:
    """How long a 429 asks us to wait: Retry-After when sent, else one second for the search
    API's per-second policy, else the rolling window's length (10 s by default)."""
    retry_after = _seconds(header(headers, "Retry-After"))
    if retry_after is not None:
        return retry_after
    if body.get("policyName") == "SECONDLY":
        return 1.0
    interval = _seconds(header(headers, "X-HubSpot-RateLimit-Interval-Milliseconds"), 0.001)
    return interval if interval is not None else 10.0


def _describe(status: int, body: dict) -> str:
    parts = [str(status)]
    for key in ("category", "policyName"):
        if body.get(key):
            parts.append(str(body[key]))
    if body.get("message"):
        parts.append(str(body["message"])[:200])
    return " ".join(parts)


def missing_scopes(body: dict) -> list[str]:
    scopes: list[str] = []
    for err in body.get("errors") or []:
        context = err.get("context") or {} if isinstance(err, dict) else {}
        scopes += [s for s in context.get("requiredScopes") or [] if s not in scopes]
    return scopes


NOT_SENT = (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError,
            urllib3.exceptions.NameResolutionError, ConnectionRefusedError)


def _cause(exc: BaseException) -> BaseException:
    """The failure under urllib3's MaxRetryError (raised, with retries off, for every failure)."""
    reason = getattr(exc, "reason", None)
    return reason if isinstance(exc, urllib3.exceptions.MaxRetryError) and reason else exc


def _where(exc: BaseException) -> str:
    pool = getattr(exc, "pool", None)
    if pool is None:
        return "HubSpot"
    return f"{pool.scheme}://{pool.host}:{pool.port}"


def connection_verdict(exc: BaseException) -> Verdict:
    """A failed connection: never sent (HubSpot unreachable: name the address and the setting)
    or lost after sending (ambiguous: a write may have been applied; docs/crm-api-facts.md,
    HubSpot › Writing)."""
    cause = _cause(exc)
    if isinstance(cause, NOT_SENT):
        return Verdict(retry=True, reason=(
            f"cannot connect to {_where(exc)} ({type(cause).__name__}); check "
            "LEADSCORE_HUBSPOT_URL and that this machine can reach it"))
    return Verdict(retry=True, ambiguous=True,
                   reason=f"connection lost ({type(cause).__name__})")


def classify(exc: BaseException) -> Verdict:
    """The retry policy's classifier for HubSpot calls."""
    if isinstance(exc, (urllib3.exceptions.HTTPError, http.client.HTTPException,
                        ConnectionError, socket.timeout, TimeoutError)):
        return connection_verdict(exc)
    status = api_status(exc)
    if status is None:
        return Verdict()
    body = error_body(exc)
    if status == 429:
        if body.get("policyName") == "DAILY":
            return Verdict(fatal=CrmUnavailable(
                "HubSpot: the portal's daily API limit is used up (429 DAILY); the sync resumes "
                "from its checkpoint when the limit resets at midnight in the portal's time zone."
            ), rate_limited=True, reason="429 DAILY")
        return Verdict(retry=True, rate_limited=True, reason=_describe(status, body),
                       wait=rate_limit_wait(getattr(exc, "headers", None), body))
    if status in TRANSIENT_STATUS or 500 <= status <= 599:
        return Verdict(retry=True, reason=_describe(status, body))
    if status == 401:
        return Verdict(reason="401", fatal=CrmAuthError(
            "HubSpot rejected the access token (401 INVALID_AUTHENTICATION). Check that "
            "LEADSCORE_HUBSPOT_TOKEN holds the private app's current access token (pat-...) and "
            f"that the app is still installed. correlationId={body.get('correlationId', '?')}"
        ))
    if status == 403:
        scopes = missing_scopes(body)
        named = ", ".join(scopes) if scopes else "(HubSpot did not name them)"
        return Verdict(reason="403", fatal=CrmScopeError(
            f"HubSpot refused the call: the private app lacks the scope(s) {named}. "
            f"Fix: {SCOPES_HELP}."
        ))
    return Verdict(reason=_describe(status, body))


def request_error(exc: BaseException, what: str) -> CrmRequestError:
    """A refused request (4xx) as a CrmRequestError the adapter can act on."""
    status = api_status(exc) or 0
    body = error_body(exc)
    return CrmRequestError(
        f"HubSpot refused {what}: {_describe(status, body)}",
        status=status, category=body.get("category"), body=body,
    )
