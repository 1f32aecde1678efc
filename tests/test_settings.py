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


def test_a_misspelt_variable_is_named_with_the_nearest_real_setting():
    from connector.settings import unknown_variables

    [message] = unknown_variables(["LEADSCORE_HUBSPOT_RATE_LIMT_PER_10S", "LEADSCORE_CRM"], [])
    assert message.startswith("LEADSCORE_HUBSPOT_RATE_LIMT_PER_10S is not a setting")
    assert "did you mean LEADSCORE_HUBSPOT_RATE_LIMIT_PER_10S?" in message


def test_a_variable_like_no_setting_points_at_example_env():
    from connector.settings import unknown_variables

    [message] = unknown_variables(["LEADSCORE_COLOUR_SCHEME"], [])
    assert "LEADSCORE_COLOUR_SCHEME is not a setting; see config/example.env" in message


def test_a_misspelt_portal_setting_is_named_with_the_nearest_one_of_that_portal():
    from connector.settings import unknown_variables

    [message] = unknown_variables(["LEADSCORE_PORTAL_ACME_HUBSPOT_TOKN"], ["acme", "globex"])
    assert "HUBSPOT_TOKN is not a setting; did you mean LEADSCORE_PORTAL_ACME_HUBSPOT_TOKEN?" in message


def test_a_misspelt_portal_name_is_named_with_the_nearest_listed_portal():
    from connector.settings import unknown_variables

    [message] = unknown_variables(["LEADSCORE_PORTAL_ACMEE_HUBSPOT_TOKEN"], ["acme", "globex"])
    assert "names no portal in LEADSCORE_PORTALS (acme, globex)" in message
    assert "did you mean LEADSCORE_PORTAL_ACME_HUBSPOT_TOKEN?" in message


def test_the_env_file_variable_and_real_settings_are_not_unknown():
    from connector.settings import unknown_variables

    assert unknown_variables(["LEADSCORE_ENV_FILE", "LEADSCORE_PORTALS", "LEADSCORE_PORTAL",
                              "LEADSCORE_PORTAL_ACME_CRM"], ["acme"]) == []


def test_variables_come_from_the_env_file_and_the_environment_over_it(monkeypatch, tmp_path):
    from connector.settings import environment_variables

    env = tmp_path / "worker.env"
    env.write_text("LEADSCORE_CRM=salesforce\nleadscore_portal=acme\nOTHER=1\n")
    monkeypatch.setenv("LEADSCORE_CRM", "hubspot")
    found = environment_variables(env)
    assert found["LEADSCORE_CRM"] == "hubspot" and found["LEADSCORE_PORTAL"] == "acme"
    assert "OTHER" not in found


def test_a_secret_loses_the_line_break_around_it(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_HUBSPOT_TOKEN", "pat-na1-secret-value\n")
    assert load_settings().hubspot_token.get_secret_value() == "pat-na1-secret-value"


def test_a_secret_with_a_line_break_inside_is_refused_naming_the_variable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_SALESFORCE_CLIENT_SECRET", "first-half\nsecond-half")
    with pytest.raises(SettingsError) as err:
        load_settings()
    assert "LEADSCORE_SALESFORCE_CLIENT_SECRET: a secret cannot contain a space or line break" in str(err.value)
    assert "first-half" not in str(err.value) and "second-half" not in str(err.value)


def test_every_secret_variable_set_is_found_for_redaction_even_per_portal_and_unvalidated():
    from connector.settings import secrets_in

    found = secrets_in({"LEADSCORE_PORTAL_ACME_HUBSPOT_TOKEN": "acme-token-1",
                        "LEADSCORE_SALESFORCE_CLIENT_SECRET": "two halves\n",
                        "LEADSCORE_SALESFORCE_ACCESS_TOKEN": "00Dabc!xyz",
                        "LEADSCORE_CRM": "hubspot"})
    assert {"acme-token-1", "two halves", "two", "halves", "00Dabc!xyz"} <= set(found)
    assert "hubspot" not in found
