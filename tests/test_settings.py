from pathlib import Path

import pytest

from connector.settings import SettingsError, load_settings


def test_settings_read_prefixed_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_CRM", "salesforce")
    assert load_settings().crm == "salesforce"


def test_settings_read_env_file(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    env = tmp_path / "worker.env"
    env.write_text("LEADSCORE_MODEL_PATH=models/b2b.toml\n")
    assert load_settings(env).model_path == Path("models/b2b.toml")


def test_bad_setting_names_the_variable_and_the_fix(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_CRM", "pipedrive")
    with pytest.raises(SettingsError) as err:
        load_settings()
    message = str(err.value)
    assert "LEADSCORE_CRM" in message
    assert "'pipedrive'" in message
    assert "fix: use one of the allowed values" in message


def test_missing_env_file_is_a_clear_error(tmp_path):
    with pytest.raises(SettingsError, match="env file .*nope.env not found"):
        load_settings(tmp_path / "nope.env")


def test_token_value_never_appears_in_settings_errors(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_HUBSPOT_TOKEN", "pat-na1-secret-value")
    monkeypatch.setenv("LEADSCORE_LOG_LEVEL", "LOUD")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "pat-na1-secret-value" not in str(err.value)
    assert "LEADSCORE_LOG_LEVEL" in str(err.value)


def test_secret_values_lists_every_configured_token(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_HUBSPOT_TOKEN", "pat-na1-secret-value")
    assert "pat-na1-secret-value" in load_settings().secret_values()


def test_worker_schedule_defaults_to_five_minutes_and_nightly(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.sync_interval_seconds == 300
    assert settings.full_rescore_cron == "0 3 * * *"


def test_bad_cron_expression_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_FULL_RESCORE_CRON", "every night")
    with pytest.raises(SettingsError, match="LEADSCORE_FULL_RESCORE_CRON.*cron expression"):
        load_settings()


def test_without_portals_there_is_one_default_portal(monkeypatch, tmp_path):
    from connector.settings import load_portals

    monkeypatch.chdir(tmp_path)
    assert list(load_portals(load_settings())) == ["default"]


def test_each_portal_takes_its_own_token_over_the_shared_settings(monkeypatch, tmp_path):
    from connector.settings import load_portals

    monkeypatch.chdir(tmp_path)
    env = tmp_path / "worker.env"
    env.write_text(
        "LEADSCORE_PORTALS=acme,globex\n"
        "LEADSCORE_HUBSPOT_URL=http://127.0.0.1:9000\n"
        "LEADSCORE_PORTAL_ACME_HUBSPOT_TOKEN=pat-na1-acme-token\n"
        "LEADSCORE_PORTAL_GLOBEX_HUBSPOT_TOKEN=pat-eu1-globex-token\n"
        "LEADSCORE_PORTAL_GLOBEX_MODEL_PATH=models/globex.toml\n"
    )
    portals = load_portals(load_settings(env), env)
    assert portals["acme"].hubspot_token.get_secret_value() == "pat-na1-acme-token"
    assert portals["globex"].hubspot_token.get_secret_value() == "pat-eu1-globex-token"
    assert portals["globex"].model_path == Path("models/globex.toml")
    assert portals["acme"].model_path is None  # the shared default: the model shipped with leadscore
    assert portals["acme"].hubspot_url == portals["globex"].hubspot_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("LEADSCORE_PORTAL_ACME_HUBSPOT_TOKN", "pat-na1-acme", "HUBSPOT_TOKN is not a setting"),
        ("LEADSCORE_PORTAL_GLOBEX_HUBSPOT_TOKEN", "pat-na1-globex", "names no portal"),
        ("LEADSCORE_PORTAL_ACME_HTTP_PORT", "9090", "whole worker.*LEADSCORE_HTTP_PORT"),
        ("LEADSCORE_PORTAL_ACME_CRM", "pipedrive", "LEADSCORE_PORTAL_ACME_CRM.*allowed values"),
    ],
    ids=["misspelt-setting", "unlisted-portal", "worker-wide-setting", "bad-value"],
)
def test_a_wrong_portal_variable_is_a_clear_error_not_a_silent_fallback(
    monkeypatch, tmp_path, variable, value, message
):
    from connector.settings import load_portals

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_PORTALS", "acme")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=message):
        load_portals(load_settings())
