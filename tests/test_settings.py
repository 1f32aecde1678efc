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
