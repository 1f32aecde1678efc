"""What the demo needs of one CRM's sandbox (`DemoOrg`), shared by the HubSpot and Salesforce
orgs and the demo run, so that neither imports the other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console

from connector.settings import Settings


@dataclass(frozen=True)
class DemoOrg:
    """One CRM's sandbox as the demo uses it: settings pointed at it, what it calls its leads,
    a way to show one record as a rep sees it."""

    crm: str  # as people write it: HubSpot, Salesforce
    noun: str  # what it calls its leads: contacts, leads
    settings: Settings
    show: Callable[[Console, str], None]  # one record, by id
