"""The CRM registry: one place that knows the CRMs, options from settings, clear errors."""

import pytest

from connector.crm.hubspot.options import HubSpotOptions
from connector.crm.registry import CRMS, options_for, open_adapter
from connector.crm.salesforce.options import SalesforceOptions
from connector.errors import UserError
from connector.scoring import load_model
from connector.settings import Settings
from tests.sync.fakes import FakeCrm
from tests.sync.hubspot_helpers import MODEL


def test_each_crm_gets_its_own_typed_options_from_the_settings():
    hubspot = options_for(Settings(_env_file=None, crm="hubspot", hubspot_token="pat-na1-0000",
                                   hubspot_rate_limit_per_10s=100))
    assert isinstance(hubspot.options, HubSpotOptions) and hubspot.options.client.rate_limit_per_10s == 100
    salesforce = options_for(Settings(_env_file=None, crm="salesforce", salesforce_api_share=0.5))
    assert isinstance(salesforce.options, SalesforceOptions) and salesforce.options.api_share == 0.5


def test_a_hubspot_token_never_shows_in_its_options():
    options = options_for(Settings(_env_file=None, crm="hubspot", hubspot_token="pat-na1-secret-1234")).options
    assert "pat-na1-secret-1234" not in repr(options)


def test_a_missing_hubspot_token_is_named_with_the_fix():
    with pytest.raises(UserError, match="LEADSCORE_HUBSPOT_TOKEN is not set.*Private Apps"):
        options_for(Settings(_env_file=None, crm="hubspot"))


def test_an_unknown_crm_names_the_ones_there_are(monkeypatch):
    settings = Settings(_env_file=None).model_copy(update={"crm": "pipedrive"})
    with pytest.raises(UserError, match="LEADSCORE_CRM=pipedrive.*fix: use hubspot or salesforce"):
        open_adapter(settings, load_model(MODEL))
    assert list(CRMS) == ["hubspot", "salesforce"]


def test_a_capability_an_adapter_lacks_is_a_user_error_naming_the_crm():
    with pytest.raises(UserError, match=r"^Fake: leadscore's Fake adapter cannot read property values as of a moment"):
        FakeCrm().property_history()
    with pytest.raises(UserError, match=r"^Fake: .*cannot check or create its fields.*fix: "):
        FakeCrm().field_setup(object())
