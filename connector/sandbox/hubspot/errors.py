"""HubSpot's error bodies, built in one place (docs/crm-api-facts.md, HubSpot › Auth and errors).

`ApiError` carries the HTTP status, the body and any extra headers; the server turns it into the
response. Every body has a fresh `correlationId`, also sent as `X-HubSpot-Correlation-Id`.
"""

from __future__ import annotations

import json
import uuid
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(message: str, category: str, *, errors: list[dict[str, Any]] | None = None,
               context: dict[str, list[str]] | None = None, links: dict[str, str] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status": "error", "message": message, "correlationId": correlation_id(), "category": category}
    if errors is not None:
        body["errors"] = errors
    if context is not None:
        body["context"] = context
    if links is not None:
        body["links"] = links
    return body


def validation(message: str, **kwargs: Any) -> ApiError:
    return ApiError(400, error_body(message, "VALIDATION_ERROR", **kwargs))


def not_found(message: str = "resource not found") -> ApiError:
    return ApiError(404, error_body(message, "OBJECT_NOT_FOUND"))


def unauthorized() -> ApiError:
    # The real message continues with a hint about OAuth/private apps (hubspot-api-python issue 129).
    message = ("Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find "
               "more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
    return ApiError(401, error_body(message, "INVALID_AUTHENTICATION"),
                    {"X-HubSpot-Auth-Failure": "401 Unauthorized"})


def missing_scopes(required: list[str]) -> ApiError:
    message = ("This app hasn't been granted all required scopes to make this call. Read more about required "
               "scopes here: https://developers.hubspot.com/scopes.")
    errors = [{"message": "One or more of the following scopes are required.", "context": {"requiredScopes": required}}]
    return ApiError(403, error_body(message, "MISSING_SCOPES", errors=errors,
                                    links={"scopes": "https://developers.hubspot.com/scopes"}))


def property_errors(problems: list[dict[str, str]]) -> ApiError:
    """The 400 for writes HubSpot refuses as a whole batch: unknown property, invalid value.

    Each problem: {"name", "error" (PROPERTY_DOESNT_EXIST, INVALID_OPTION, ...), "message"}. The
    message embeds the list as JSON, as HubSpot's does ("Property values were not valid: [...]").
    """
    detail = [{"isValid": False, "message": p["message"], "error": p["error"], "name": p["name"],
               "localizedErrorMessage": p["message"]} for p in problems]
    errors = [{"message": p["message"], "code": p["error"], "context": {"propertyName": [p["name"]]}} for p in problems]
    return validation("Property values were not valid: " + json.dumps(detail, separators=(",", ":")), errors=errors)


def rate_limited(policy: str, headers: dict[str, str]) -> ApiError:
    """The 429 body: `errorType` and `policyName`, no `category` (docs/crm-api-facts.md, HubSpot › Rate limits)."""
    messages = {
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "DAILY": "You have reached your daily limit.",
        "SECONDLY": "You have reached your secondly limit.",
    }
    body = {"status": "error", "message": messages[policy], "errorType": "RATE_LIMIT",
            "correlationId": correlation_id(), "policyName": policy, "requestId": str(uuid.uuid4())}
    return ApiError(429, body, headers)
