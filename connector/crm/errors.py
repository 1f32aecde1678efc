"""Errors a CRM call ends with, once the retry policy has had its say.

Every message is safe to print and log: it never holds a token, and it says what to do.
"""

from __future__ import annotations

from connector.errors import UserError


class CrmError(UserError):
    """A CRM call failed for good; the run stops cleanly with its checkpoint intact.

    A UserError so that every caller (the CLI, the worker) shows its message, which says what
    happened and what to do, as one line without a traceback."""


class CrmAuthError(CrmError):
    """The CRM rejected the credentials (HubSpot 401): stop at once, never retry."""


class CrmScopeError(CrmError):
    """The credentials lack a permission (HubSpot 403 MISSING_SCOPES): the message names it."""


class CrmUnavailable(CrmError):
    """The CRM kept failing (5xx, 429, dropped connections) past the retry budget, or a daily
    quota is used up: try again later."""


class CrmRequestError(CrmError):
    """The CRM refused a request as invalid (a 4xx other than 401/403/429): not retried.

    `status`, `category` and `body` (the parsed error body) let an adapter act on specific
    refusals (a 409 on a property that exists, a 400 on a batch)."""

    def __init__(self, message: str, *, status: int, category: str | None = None,
                 body: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.category = category
        self.body = body or {}


class CallsStopped(CrmError):
    """The calls were stopped from outside (the worker's shutdown time ran out): the run ends
    where it is, its checkpoint saved as far as its writes got."""
