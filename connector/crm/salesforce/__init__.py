"""The Salesforce CRM adapter (issue 7): `connect(options, model)` gives a ready `SalesforceAdapter`.

Modules: `options` (what the adapter takes from Settings), `auth` (access token or OAuth flows),
`client` (every call: retries, session refresh, the allocation guard, call counts), `reader`
(changed leads and their activity by page), `mapping` (records <-> the core's neutral leads and
events), `schema` (describe checks, field creation), `adapter` (the `CrmAdapter` the sync loop
drives). The registry (`connector.crm.registry`) reaches it through `options` and `connect`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from connector.crm.salesforce.adapter import SalesforceAdapter
from connector.crm.salesforce.auth import token_source
from connector.crm.salesforce.client import HttpSession, SalesforceClient
from connector.crm.salesforce.options import SalesforceOptions
from connector.scoring.modelset import ModelSet
from connector.settings import Settings

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel

__all__ = ["SalesforceAdapter", "SalesforceClient", "SalesforceOptions", "connect", "make_client", "options"]


def options(settings: Settings) -> SalesforceOptions:
    return SalesforceOptions.from_settings(settings)


def make_client(options: SalesforceOptions, **kwargs: object) -> SalesforceClient:
    ca_bundle = options.ca_bundle
    session = HttpSession(options.timeout, str(ca_bundle) if ca_bundle else None)
    return SalesforceClient(
        token_source(options.auth, session),
        session,
        api_version=options.api_version,
        share=options.api_share,
        attempts=options.attempts,
        max_wait=options.max_wait,
        query_batch_size=options.query_batch_size,
        **kwargs,  # type: ignore[arg-type]
    )


def connect(options: SalesforceOptions, model: ScoringModel | ModelSet | None = None,
            **client_kwargs: object) -> SalesforceAdapter:
    """The adapter for the org the options name. The models say which of leadscore's fields it
    reads and writes (one set per model key; their inputs come from the field mapping); the
    [account] section of the model that moves the stage makes Accounts scored too. The OAuth
    flows ask for a session here; token auth makes no call until asked."""
    mapping = options.mapping
    if model is not None:
        models = ModelSet.of(model)
        mapping = replace(mapping, keys=models.keys, rating_key=models.stage_model.key,
                          calibrated=tuple(m.key for m in models if m.calibration is not None))
    return SalesforceAdapter(
        make_client(options, **client_kwargs),
        mapping,
        include_contacts=options.include_contacts,
        overlap_seconds=options.overlap_seconds,
        bulk_threshold=options.bulk_threshold,
        model=model,
    )
