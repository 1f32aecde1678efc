"""The Salesforce adapter's options, read from `Settings` here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from connector.crm.salesforce.mapping import MappingConfig
from connector.settings import Settings


@dataclass(frozen=True)
class SalesforceAuth:
    """How to get a session: `method` is token, client_credentials or jwt (secrets never shown)."""

    method: str
    login_url: str
    instance_url: str | None = None
    access_token: str = field(default="", repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    username: str | None = None
    private_key_file: Path | None = None


@dataclass(frozen=True)
class SalesforceOptions:
    auth: SalesforceAuth
    mapping: MappingConfig
    api_version: str
    api_share: float
    attempts: int
    max_wait: float
    timeout: float
    query_batch_size: int
    include_contacts: bool
    overlap_seconds: int
    bulk_threshold: int
    ca_bundle: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SalesforceOptions:
        token, secret = settings.salesforce_access_token, settings.salesforce_client_secret
        auth = SalesforceAuth(
            method=settings.salesforce_auth,
            login_url=settings.salesforce_login_url,
            instance_url=settings.salesforce_instance_url,
            access_token=token.get_secret_value() if token else "",
            client_id=settings.salesforce_client_id,
            client_secret=secret.get_secret_value() if secret is not None else None,
            username=settings.salesforce_username,
            private_key_file=settings.salesforce_private_key_file,
        )
        return cls(
            auth=auth,
            mapping=MappingConfig.from_settings(settings),
            api_version=settings.salesforce_api_version,
            api_share=settings.salesforce_api_share,
            attempts=settings.retry_attempts,
            max_wait=settings.retry_max_wait_seconds,
            timeout=settings.http_timeout_seconds,
            query_batch_size=settings.salesforce_query_batch_size,
            include_contacts=settings.salesforce_include_contacts,
            overlap_seconds=settings.sync_overlap_seconds,
            bulk_threshold=settings.salesforce_bulk_threshold,
            ca_bundle=settings.salesforce_ca_bundle,
        )
