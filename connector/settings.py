"""Every setting leadscore reads, declared once.

Values come from environment variables prefixed `LEADSCORE_` and from an env file
(`.env` in the working directory, or the file named by `--env-file` / `LEADSCORE_ENV_FILE`).
`config/example.env` documents each one. Nothing else in the code reads `os.environ`:
commands load a `Settings` once and pass it (or the parts they need) down.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "LEADSCORE_"


class SettingsError(Exception):
    """A setting is missing or invalid; the message names the variable and the fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    # Which CRM to sync and with which scoring model.
    crm: Literal["hubspot", "salesforce"] = Field(
        "hubspot", description="The CRM to sync: hubspot or salesforce."
    )
    model_path: Path = Field(
        Path("config/scoring.toml"), description="The scoring model file (TOML)."
    )

    # HubSpot.
    hubspot_token: SecretStr | None = Field(
        None, description="HubSpot private app access token (pat-...)."
    )
    hubspot_url: str = Field(
        "https://api.hubapi.com",
        description="HubSpot API base URL; the sandbox's URL (http://127.0.0.1:PORT) for a try-out.",
    )

    # Where the worker keeps its state.
    data_dir: Path = Field(Path("data"), description="Directory for the state file and outputs.")

    # Logging.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto", description="json (one object per line), text, or auto (text on a terminal)."
    )

    def secret_values(self) -> list[str]:
        """The values of every secret setting that is set, for the log redactor."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


_FIXES = {
    "literal_error": "use one of the allowed values",
    "missing": "set it in the environment or the env file",
    "int_parsing": "use a whole number",
    "float_parsing": "use a number",
    "bool_parsing": "use true or false",
    "url_parsing": "use a full URL such as https://host",
}


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
        got = err.get("input")
        fix = _FIXES.get(err["type"], "see config/example.env")
        shown = "" if got is None or "token" in name.lower() or "secret" in name.lower() else f" (got {got!r})"
        lines.append(f"{name}: {err['msg']}{shown}; fix: {fix}.")
    return "invalid settings:\n  " + "\n  ".join(lines)


def load_settings(env_file: Path | str | None = None, **overrides: object) -> Settings:
    """Load settings from the environment and the env file, or raise SettingsError.

    `env_file` defaults to LEADSCORE_ENV_FILE when set, else `.env` in the working directory.
    """
    if env_file is None:
        env_file = os.environ.get(ENV_PREFIX + "ENV_FILE") or ".env"
    if env_file != ".env" and not Path(env_file).is_file():
        raise SettingsError(f"env file {env_file} not found; fix: pass an existing file or unset it.")
    try:
        return Settings(_env_file=env_file, **overrides)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None
