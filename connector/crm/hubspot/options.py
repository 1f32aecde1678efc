"""The HubSpot adapter's options, read from `Settings` here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from connector.crm.hubspot.client import ClientOptions
from connector.errors import UserError
from connector.settings import Settings


@dataclass(frozen=True)
class HubSpotOptions:
    token: str = field(repr=False)
    url: str
    client: ClientOptions
    prefix: str
    group: str
    overlap: timedelta
    web_events: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> HubSpotOptions:
        return cls(
            token=_token(settings),
            url=settings.hubspot_url,
            client=ClientOptions(
                rate_limit_per_10s=settings.hubspot_rate_limit_per_10s,
                search_per_second=settings.hubspot_search_per_second,
                attempts=settings.retry_attempts,
                max_wait=settings.retry_max_wait_seconds,
                timeout=settings.http_timeout_seconds,
            ),
            prefix=settings.property_prefix,
            group=settings.property_group,
            overlap=timedelta(seconds=settings.sync_overlap_seconds),
            web_events=settings.hubspot_web_events,
        )


def _token(settings: Settings) -> str:
    token = settings.hubspot_token.get_secret_value() if settings.hubspot_token else ""
    if not token.strip():
        raise UserError(
            "LEADSCORE_HUBSPOT_TOKEN is not set. Fix: create a private app in HubSpot (Settings → "
            "Integrations → Private Apps) with the scopes listed in the README, and put its access "
            "token in LEADSCORE_HUBSPOT_TOKEN (in the environment or the env file)."
        )
    return token.strip()
