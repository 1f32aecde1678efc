"""Every setting leadscore reads, declared once.

Values come from environment variables prefixed `LEADSCORE_` and from an env file
(`.env` in the working directory, or the file named by `--env-file` / `LEADSCORE_ENV_FILE`).
`config/example.env` documents each one. Nothing else in the code reads `os.environ`:
commands load a `Settings` once and pass it (or the parts they need) down.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
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

    # The HubSpot sync.
    property_prefix: str = Field(
        "leadscore_",
        pattern=r"^[a-z][a-z0-9_]*$",
        description="Prefix of the contact properties leadscore writes (leadscore_fit, ...).",
    )
    property_group: str = Field(
        "leadscore", description="HubSpot property group that holds leadscore's properties."
    )
    sync_overlap_seconds: int = Field(
        60, ge=0,
        description="Incremental reads start this long before the last checkpoint, because "
        "newly changed records take a few seconds to reach HubSpot's search.",
    )
    full_rescore_hours: float = Field(
        24, ge=0,
        description="An incremental sync rescoring every contact when the last full one is older "
        "than this (engagement decays even when nothing happens); 0: only with --full.",
    )
    hubspot_rate_limit_per_10s: int = Field(
        190, ge=1,
        description="Calls per rolling 10 s until the portal's rate-limit headers say otherwise: "
        "100 Free/Starter, 190 Professional/Enterprise, 250 with the API limit increase.",
    )
    hubspot_web_events: bool = Field(
        False,
        description="Read each contact's page views and form submissions from HubSpot's events "
        "API (Marketing Hub Enterprise) so rules on page URLs apply; one call per active contact.",
    )
    hubspot_search_per_second: float = Field(
        5, gt=0, description="Search API calls per second (HubSpot's own search limit)."
    )
    retry_attempts: int = Field(
        6, ge=1, description="Attempts per CRM call on 429, 5xx, timeouts and dropped connections."
    )
    retry_max_wait_seconds: float = Field(
        60, gt=0, description="Longest backoff between two attempts (a server's wait hint wins)."
    )
    http_timeout_seconds: float = Field(30, gt=0, description="Timeout of one CRM request.")
    as_of: datetime | None = Field(
        None,
        description="Score as of this time (ISO 8601 with a zone) instead of the clock: for "
        "reproducible runs and tests. Which records changed is still judged by the clock.",
    )

    # The HubSpot sandbox (`leadscore sandbox ...`): a local HubSpot-compatible portal.
    sandbox_port: int = Field(8765, ge=0, le=65535, description="Port the sandbox serves on (127.0.0.1); 0 picks a free one.")
    sandbox_token: SecretStr | None = Field(
        None, description="The one token the sandbox accepts; generated (and kept in its data dir) when unset."
    )
    sandbox_seed: int = Field(7, description="Seed of the sandbox's generated portal.")
    sandbox_contacts: int = Field(5000, ge=1, description="How many contacts the sandbox generates.")
    sandbox_data_dir: Path | None = Field(
        None, description="Where the sandbox keeps its SQLite portal; default <data_dir>/sandbox."
    )
    sandbox_faults: str | None = Field(
        None, description="Sandbox fault profile: flaky, rate-limited, unstable, slow, partial, or key=value pairs."
    )
    sandbox_rate_limit_per_10s: int = Field(190, ge=1, description="Sandbox requests per rolling 10 s, per token.")
    sandbox_daily_limit: int = Field(625_000, ge=1, description="Sandbox requests per day, per token.")
    sandbox_search_per_second: int = Field(5, ge=1, description="Sandbox search requests per second, per token.")

    @field_validator("sandbox_token", "sandbox_data_dir", "sandbox_faults", mode="before")
    @classmethod
    def _blank_sandbox_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # Where the worker keeps its state.
    data_dir: Path = Field(Path("data"), description="Directory for the state file and outputs.")
    state_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the state store; default a SQLite file "
        "(leadscore.sqlite) in the data directory; postgresql://... for several replicas.",
    )
    portal: str = Field(
        "default",
        description="Name of this CRM connection in the state store (checkpoints, runs, failures).",
    )

    # Logging.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level."
    )
    log_format: Literal["auto", "json", "text"] = Field(
        "auto", description="json (one object per line), text, or auto (text on a terminal)."
    )

    @field_validator("as_of", "state_url", mode="before")
    @classmethod
    def _blank_sync_setting_is_unset(cls, value: object) -> object:
        """`LEADSCORE_AS_OF=` (as in example.env) means: not set."""
        return None if isinstance(value, str) and not value.strip() else value


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
