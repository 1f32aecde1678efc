"""The Salesforce CRM adapter (issue 7): `connect(settings)` gives a ready `SalesforceAdapter`.

Modules: `auth` (access token or OAuth flows), `client` (every call: retries, session refresh,
the allocation guard, call counts), `reader` (changed leads and their activity by page),
`mapping` (records <-> the core's neutral leads and events), `schema` (describe checks, field
creation), `adapter` (the `CrmAdapter` the sync loop drives).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import requests

from connector.crm.salesforce.adapter import SalesforceAdapter
from connector.crm.salesforce.auth import token_source
from connector.crm.salesforce.client import SalesforceClient
from connector.crm.salesforce.mapping import MappingConfig

__all__ = ["SalesforceAdapter", "SalesforceClient", "connect", "make_client"]


class _Session(requests.Session):
    """A session whose own CA bundle wins: plain requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE
    in the environment override `Session.verify` (psf/requests issue 3829)."""

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: ANN001, ANN201
        merged = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None and isinstance(self.verify, str):
            merged["verify"] = self.verify
        return merged


def make_client(settings, **kwargs: object) -> SalesforceClient:  # noqa: ANN001 (Settings)
    session = _Session()
    if settings.salesforce_ca_bundle is not None:
        session.verify = str(settings.salesforce_ca_bundle)
    return SalesforceClient(
        token_source(settings, session),
        session,
        api_version=settings.salesforce_api_version,
        share=settings.salesforce_api_share,
        query_batch_size=settings.salesforce_query_batch_size,
        **kwargs,  # type: ignore[arg-type]
    )


def connect(settings, *, clock: Callable[[], datetime] | None = None, **client_kwargs: object) -> SalesforceAdapter:  # noqa: ANN001
    """The adapter for the org the settings name (no call is made until the sync asks)."""
    client = make_client(settings, **client_kwargs)
    extra = {"clock": clock} if clock is not None else {}
    return SalesforceAdapter(
        client,
        MappingConfig.from_settings(settings),
        include_contacts=settings.salesforce_include_contacts,
        overlap_seconds=settings.salesforce_overlap_seconds,
        bulk_threshold=settings.salesforce_bulk_threshold,
        **extra,  # type: ignore[arg-type]
    )
