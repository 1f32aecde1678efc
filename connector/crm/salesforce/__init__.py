"""The Salesforce CRM adapter (issue 7): `connect(settings)` gives a ready `SalesforceAdapter`.

Modules: `auth` (access token or OAuth flows), `client` (every call: retries, session refresh,
the allocation guard, call counts), `reader` (changed leads and their activity by page),
`mapping` (records <-> the core's neutral leads and events), `schema` (describe checks, field
creation), `adapter` (the `CrmAdapter` the sync loop drives).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from connector.crm.salesforce.adapter import SalesforceAdapter
from connector.crm.salesforce.auth import token_source
from connector.crm.salesforce.client import HttpSession, SalesforceClient
from connector.crm.salesforce.mapping import MappingConfig

__all__ = ["SalesforceAdapter", "SalesforceClient", "connect", "make_client"]


def make_client(settings, **kwargs: object) -> SalesforceClient:  # noqa: ANN001 (Settings)
    ca_bundle = settings.salesforce_ca_bundle
    session = HttpSession(settings.http_timeout_seconds, str(ca_bundle) if ca_bundle else None)
    return SalesforceClient(
        token_source(settings, session),
        session,
        api_version=settings.salesforce_api_version,
        share=settings.salesforce_api_share,
        attempts=settings.retry_attempts,
        max_wait=settings.retry_max_wait_seconds,
        query_batch_size=settings.salesforce_query_batch_size,
        **kwargs,  # type: ignore[arg-type]
    )


def connect(settings, *, clock: Callable[[], datetime] | None = None, **client_kwargs: object) -> SalesforceAdapter:  # noqa: ANN001
    """The adapter for the org the settings name. The OAuth flows ask for a session here; token
    auth makes no call until the sync asks."""
    client = make_client(settings, **client_kwargs)
    extra = {"clock": clock} if clock is not None else {}
    return SalesforceAdapter(
        client,
        MappingConfig.from_settings(settings),
        include_contacts=settings.salesforce_include_contacts,
        overlap_seconds=settings.sync_overlap_seconds,
        bulk_threshold=settings.salesforce_bulk_threshold,
        **extra,  # type: ignore[arg-type]
    )
