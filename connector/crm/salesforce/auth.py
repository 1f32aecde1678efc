"""How leadscore gets a Salesforce session: a given access token, or an OAuth flow of a connected app.

simple-salesforce's own login builds `https://{domain}.salesforce.com/...` URLs, which cannot point
at a My Domain URL with a path or at the loopback sandbox, so leadscore asks the token endpoint
itself and hands simple-salesforce the session id and instance URL ("direct" auth). Flows, per
Salesforce Help, "OAuth 2.0 Client Credentials Flow for Server-to-Server Integration" and
"OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration":

- client credentials: POST {login_url}/services/oauth2/token, form `grant_type=client_credentials`,
  `client_id`, `client_secret` (login_url must be the org's My Domain URL);
- JWT bearer: the same endpoint, `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer` and an
  RS256 `assertion` with `iss` = consumer key, `sub` = username, `aud` = the login URL, `exp` within
  3 minutes.
Both answer `{"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}`, or a
400 `{"error", "error_description"}`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
import requests

from connector.errors import UserError

if TYPE_CHECKING:
    from connector.crm.salesforce.options import SalesforceAuth

TOKEN_PATH = "/services/oauth2/token"


@dataclass(frozen=True)
class SessionToken:
    access_token: str
    instance_url: str
    user_id: str | None = None  # the last part of the identity URL `id`, when the flow gave one

    def __repr__(self) -> str:  # never show the token
        return f"SessionToken(instance_url={self.instance_url!r})"


class TokenSource(ABC):
    """Gives a session token; `refreshable` says whether asking again yields a new one."""

    refreshable = False

    @abstractmethod
    def fetch(self) -> SessionToken:
        """A session token for the org (a new one each call when `refreshable`)."""


class StaticToken(TokenSource):
    """An access token and instance URL given in settings: it cannot be renewed by leadscore."""

    def __init__(self, access_token: str, instance_url: str) -> None:
        if not access_token or not instance_url:
            raise UserError(
                "Salesforce token auth needs LEADSCORE_SALESFORCE_ACCESS_TOKEN and "
                "LEADSCORE_SALESFORCE_INSTANCE_URL; fix: set both, or use "
                "LEADSCORE_SALESFORCE_AUTH=client_credentials or jwt."
            )
        self._token = SessionToken(access_token, instance_url.rstrip("/"))

    def fetch(self) -> SessionToken:
        return self._token


class OAuthToken(TokenSource):
    """Client-credentials or JWT-bearer flow against `login_url`; asked again on refresh."""

    refreshable = True

    def __init__(
        self,
        session: requests.Session,
        login_url: str,
        client_id: str | None,
        *,
        client_secret: str | None = None,
        username: str | None = None,
        private_key: str | None = None,
    ) -> None:
        self._session = session
        self._login_url = login_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._username = username
        self._private_key = private_key

    def _form(self) -> dict[str, str]:
        if self._private_key is not None:
            claims = {
                "iss": self._client_id,
                "sub": self._username,
                "aud": self._login_url,
                "exp": int(time.time()) + 180,
            }
            assertion = jwt.encode(claims, self._private_key, algorithm="RS256")
            return {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        return {
            "grant_type": "client_credentials",
            "client_id": self._client_id or "",
            "client_secret": self._client_secret or "",
        }

    def fetch(self) -> SessionToken:
        url = self._login_url + TOKEN_PATH
        try:
            response = self._session.post(url, data=self._form(), timeout=60)
        except requests.RequestException as exc:
            raise UserError(
                f"could not reach the Salesforce token endpoint {url}: {type(exc).__name__}; "
                "fix: check LEADSCORE_SALESFORCE_LOGIN_URL and the network."
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or "access_token" not in body:
            error = body.get("error", f"HTTP {response.status_code}")
            detail = body.get("error_description", "")
            raise UserError(
                f"Salesforce refused the OAuth token request at {url}: {error} {detail}".rstrip()
                + "; fix: check LEADSCORE_SALESFORCE_CLIENT_ID and its secret or key, that the "
                "connected app allows this flow, and its run-as/pre-authorized user."
            )
        identity = str(body.get("id") or "")
        user_id = identity.rstrip("/").rsplit("/", 1)[-1] if "/id/" in identity else None
        return SessionToken(body["access_token"], body["instance_url"].rstrip("/"), user_id)


def token_source(auth: SalesforceAuth, session: requests.Session) -> TokenSource:
    """The token source the options ask for; a missing setting is a UserError naming it."""
    if auth.method == "token":
        return StaticToken(auth.access_token, auth.instance_url or "")
    if not auth.client_id:
        raise UserError(
            f"Salesforce {auth.method} auth needs LEADSCORE_SALESFORCE_CLIENT_ID; "
            "fix: set it to the connected app's consumer key."
        )
    if auth.method == "client_credentials":
        if auth.client_secret is None:
            raise UserError(
                "Salesforce client_credentials auth needs LEADSCORE_SALESFORCE_CLIENT_SECRET; "
                "fix: set it to the connected app's consumer secret."
            )
        return OAuthToken(session, auth.login_url, auth.client_id, client_secret=auth.client_secret)
    key_file = auth.private_key_file
    if not auth.username or key_file is None or not Path(key_file).is_file():
        raise UserError(
            "Salesforce jwt auth needs LEADSCORE_SALESFORCE_USERNAME and "
            "LEADSCORE_SALESFORCE_PRIVATE_KEY_FILE (an existing PEM file); fix: set both."
        )
    return OAuthToken(
        session,
        auth.login_url,
        auth.client_id,
        username=auth.username,
        private_key=Path(key_file).read_text(),
    )
