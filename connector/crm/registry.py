"""The one place that knows which CRMs exist: `connect(crm, options)` and `options_for(settings)`.

Each CRM is a package under `connector.crm` exposing `options(settings)` (its typed options, the
only place that reads its settings) and `connect(options, model)` (a ready `CrmAdapter`). A new
CRM is its package plus one line in `CRMS`. A package is imported only when its CRM is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING

from connector.errors import UserError
from connector.settings import Settings

if TYPE_CHECKING:
    from connector.crm.base import CrmAdapter
    from connector.scoring.model import ScoringModel

CRMS = {
    "hubspot": "connector.crm.hubspot",
    "salesforce": "connector.crm.salesforce",
}


@dataclass(frozen=True)
class CrmOptions:
    """Which CRM, and its package's own typed options."""

    crm: str
    options: object


def _package(crm: str) -> ModuleType:
    if crm not in CRMS:
        raise UserError(f"LEADSCORE_CRM={crm}: leadscore has no adapter for this CRM; fix: use "
                        f"{' or '.join(CRMS)}.")
    return import_module(CRMS[crm])


def options_for(settings: Settings) -> CrmOptions:
    """The options of the CRM the settings name; a missing or bad setting is a UserError."""
    return CrmOptions(settings.crm, _package(settings.crm).options(settings))


def connect(crm: CrmOptions, model: ScoringModel) -> CrmAdapter:
    """A ready adapter for the CRM; `model` says which properties its leads carry."""
    return _package(crm.crm).connect(crm.options, model)


def open_adapter(settings: Settings, model: ScoringModel) -> CrmAdapter:
    """The adapter for the CRM the settings name."""
    return connect(options_for(settings), model)
