"""HubSpot: the client layer (limiter, retry, counting), the adapter, and the property setup.
The registry (`connector.crm.registry`) reaches it through `options` and `connect`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from connector.crm.hubspot.adapter import HubSpotAdapter
from connector.crm.hubspot.client import HubSpotClient
from connector.crm.hubspot.options import HubSpotOptions
from connector.settings import Settings

if TYPE_CHECKING:
    from connector.scoring.model import ScoringModel

__all__ = ["HubSpotAdapter", "HubSpotClient", "HubSpotOptions", "connect", "options"]


def options(settings: Settings) -> HubSpotOptions:
    return HubSpotOptions.from_settings(settings)


def connect(options: HubSpotOptions, model: ScoringModel) -> HubSpotAdapter:
    """The adapter for the portal the options name; it reads the properties `model` uses."""
    client = HubSpotClient(options.token, options.url, options.client)
    return HubSpotAdapter(client, model, prefix=options.prefix, group=options.group,
                          overlap=options.overlap, web_events=options.web_events)
