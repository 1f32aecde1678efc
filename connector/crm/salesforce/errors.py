"""How leadscore reads Salesforce's errors: which to retry, which stop the run, which a person fixes.

Salesforce answers errors as a JSON array `[{"message", "errorCode", "fields"}]` and
simple-salesforce raises one exception class per status (docs/crm-api-facts.md, Salesforce: "Auth,
versions, errors"). It retries nothing but a 401 itself, so the classification lives here, in one
function the retry policy calls.
"""

from __future__ import annotations

import requests
import urllib3
from simple_salesforce.exceptions import SalesforceError

from connector.crm.errors import CrmAuthError, CrmUnavailable
from connector.crm.retry import Verdict


class AllocationStop(CrmUnavailable):
    """The run stops cleanly: the org's daily API allocation (or leadscore's share of it) is used.

    Nothing is lost: the checkpoint stays where the last fully written page left it."""


class SessionError(CrmAuthError):
    """The Salesforce session is expired or invalid, and could not be renewed."""


EXHAUSTED = (
    "Salesforce refused the call: the org's daily API allocation is used up (REQUEST_LIMIT_EXCEEDED, "
    "TotalRequests). The checkpoint is kept; run again once the rolling 24-hour usage has dropped."
)


# 503 SERVER_UNAVAILABLE and the 5xx of a busy org are transient (REST API guide, status codes);
# Airbyte's connector also retries 406, 420 and 429 from Salesforce's edge (rate_limiting.py).
RETRY_STATUSES = frozenset({406, 420, 429, 500, 502, 503, 504})
# Per-record or top-level codes worth another try (docs/crm-api-facts.md, "Writing"; QUERY_TIMEOUT: singer's tap).
RETRY_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"})


def error_items(exc: SalesforceError) -> list[dict]:
    """The `[{"message", "errorCode", ...}]` body of a Salesforce error, or [] when it had none."""
    content = exc.content
    if isinstance(content, list):
        return [item for item in content if isinstance(item, dict)]
    if isinstance(content, dict):
        return [content]
    return []


def error_code(exc: SalesforceError) -> str:
    items = error_items(exc)
    return str(items[0].get("errorCode", "")) if items else ""


def error_message(exc: SalesforceError) -> str:
    items = error_items(exc)
    if not items:
        return f"HTTP {exc.status}"
    return "; ".join(f"{i.get('errorCode', '')}: {i.get('message', '')}" for i in items)


def is_allocation_exhausted(exc: BaseException) -> bool:
    """403 REQUEST_LIMIT_EXCEEDED "TotalRequests Limit exceeded.": the org's rolling 24 h quota."""
    return (
        isinstance(exc, SalesforceError)
        and exc.status == 403
        and error_code(exc) == "REQUEST_LIMIT_EXCEEDED"
        and "TotalRequests" in error_message(exc)
    )


def _not_sent(exc: BaseException) -> bool:
    """The request never left: a connect timeout, or no connection made (refused, no such host)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    cause = exc.args[0] if exc.args else None
    cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError holds the failure
    return isinstance(cause, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError))


def connection_verdict(exc: BaseException) -> Verdict:
    """A failed connection: never sent (the org unreachable: name the address and the settings)
    or lost after sending (ambiguous: a write may have been applied; docs/crm-api-facts.md,
    Salesforce › Writing)."""
    if _not_sent(exc):
        request = getattr(exc, "request", None)
        url = request.url.split("?", 1)[0] if request is not None and request.url else "Salesforce"
        return Verdict(retry=True, reason=(
            f"cannot connect to {url} ({type(exc).__name__}); check "
            "LEADSCORE_SALESFORCE_INSTANCE_URL / LEADSCORE_SALESFORCE_LOGIN_URL and that this "
            "machine can reach it"))
    return Verdict(retry=True, ambiguous=True, reason=f"connection lost ({type(exc).__name__})")


def classify(exc: BaseException) -> Verdict:
    """Salesforce's side of the one retry policy (connector.crm.retry): retry transient faults,
    stop at once on the daily quota, let everything else through to the caller.

    The daily quota (TotalRequests) does not clear within a run: fatal, AllocationStop. Too many
    long requests at once (ConcurrentPerOrgLongTxn, the same 403 code) clears within seconds:
    retried and counted as rate limited, like a 429 or 420 from Salesforce's edge. Core REST sends
    no Retry-After (docs/crm-api-facts.md), so the wait is the policy's backoff.
    """
    if isinstance(exc, (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)):
        return connection_verdict(exc)
    if not isinstance(exc, SalesforceError):
        return Verdict()
    reason = f"HTTP {exc.status} {error_message(exc)}"
    if is_allocation_exhausted(exc):
        return Verdict(fatal=AllocationStop(EXHAUSTED), reason=reason)
    if exc.status == 403 and error_code(exc) == "REQUEST_LIMIT_EXCEEDED":
        return Verdict(retry=True, rate_limited=True, reason=reason)
    if exc.status in RETRY_STATUSES or error_code(exc) in RETRY_CODES:
        return Verdict(retry=True, rate_limited=exc.status in (420, 429), reason=reason)
    return Verdict(reason=reason)
