"""How leadscore reads Salesforce's errors: which to retry, which stop the run, which a person fixes.

Salesforce answers errors as a JSON array `[{"message", "errorCode", "fields"}]` and
simple-salesforce raises one exception class per status (crm-api-facts, Salesforce: "Auth,
versions, errors"). It retries nothing but a 401 itself, so the classification lives here, in one
function the retry policy calls.
"""

from __future__ import annotations

from enum import Enum

import requests
from simple_salesforce.exceptions import SalesforceError

from connector.errors import UserError


class Verdict(Enum):
    RETRY = "retry"  # transient: back off and try again
    FAIL = "fail"  # not transient: raise to the caller


class AllocationStop(Exception):
    """The run stops cleanly: the org's daily API allocation (or leadscore's share of it) is used.

    Nothing is lost: the checkpoint stays where the last fully written page left it."""


class SessionError(UserError):
    """The Salesforce session is expired or invalid, and could not be renewed."""


# 503 SERVER_UNAVAILABLE and the 5xx of a busy org are transient (REST API guide, status codes);
# Airbyte's connector also retries 406, 420 and 429 from Salesforce's edge (rate_limiting.py).
RETRY_STATUSES = frozenset({406, 420, 429, 500, 502, 503, 504})
# Per-record or top-level codes worth another try (crm-api-facts, "Writing"; QUERY_TIMEOUT: singer's tap).
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


def classify(exc: BaseException) -> Verdict:
    """Retry transient faults; everything else goes to the caller.

    The daily quota (TotalRequests) is not transient within a run: it is FAIL, and the client
    turns it into AllocationStop. Too many long requests at once (ConcurrentPerOrgLongTxn, the
    same 403 code) clears within seconds: RETRY.
    """
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return Verdict.RETRY
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return Verdict.RETRY
    if isinstance(exc, SalesforceError):
        if exc.status in RETRY_STATUSES or error_code(exc) in RETRY_CODES:
            return Verdict.RETRY
        if exc.status == 403 and error_code(exc) == "REQUEST_LIMIT_EXCEEDED":
            return Verdict.FAIL if is_allocation_exhausted(exc) else Verdict.RETRY
    return Verdict.FAIL
