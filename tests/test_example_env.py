"""config/example.env documents every setting with its default: revops configure from it."""

import json
import re
from pathlib import Path

import pytest

from connector.settings import ENV_PREFIX, Settings

EXAMPLE = Path(__file__).resolve().parents[1] / "config" / "example.env"


def documented():
    """Each LEADSCORE_ variable set on a line of its own (not in a commented example)."""
    found = {}
    for line in EXAMPLE.read_text().splitlines():
        match = re.match(rf"({ENV_PREFIX}[A-Z0-9_]+)=(.*)$", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


def shown(default):
    if default is None:
        return ""
    if isinstance(default, bool):
        return str(default).lower()
    if isinstance(default, float) and default.is_integer():
        return str(int(default))
    if isinstance(default, (list, dict)):  # pydantic-settings reads complex values as JSON
        return json.dumps(default, ensure_ascii=False)
    return str(default)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_in_example_env_with_its_default(name):
    variable = ENV_PREFIX + name.upper()
    lines = documented()
    assert variable in lines, f"{variable} is missing from config/example.env"
    assert lines[variable] == shown(Settings.model_fields[name].get_default(call_default_factory=True))


def test_example_env_loaded_as_is_gives_the_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    from connector.settings import load_settings

    assert load_settings(EXAMPLE) == Settings(_env_file=None)
