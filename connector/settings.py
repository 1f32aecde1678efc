"""Every setting leadscore reads, declared once.

Values come from environment variables prefixed `LEADSCORE_` and from an env file
(`.env` in the working directory, or the file named by `--env-file` / `LEADSCORE_ENV_FILE`).
`config/example.env` documents each one. Nothing else in the code reads `os.environ`:
commands load a `Settings` once and pass it (or the parts they need) down.
"""

from __future__ import annotations

import difflib
import os
import re
import typing
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict
from pydantic_settings import SettingsError as SourceError

ENV_PREFIX = "LEADSCORE_"

# Salesforce field mapping defaults: the model's property names (HubSpot's, see config/scoring.toml)
# fed by Salesforce's standard fields, so one model file serves both CRMs.
DEFAULT_LEAD_FIELDS = {
    "email": "Email", "firstname": "FirstName", "lastname": "LastName", "jobtitle": "Title",
    "company": "Company", "industry": "Industry", "numemployees": "NumberOfEmployees",
    "annualrevenue": "AnnualRevenue", "country": "Country", "leadsource": "LeadSource",
    "hs_lead_status": "Status",
}
DEFAULT_CONTACT_FIELDS = {
    "email": "Email", "firstname": "FirstName", "lastname": "LastName", "jobtitle": "Title",
    "company": "Account.Name", "industry": "Account.Industry",
    "numemployees": "Account.NumberOfEmployees", "annualrevenue": "Account.AnnualRevenue",
    "country": "MailingCountry", "leadsource": "LeadSource",
}
DEFAULT_EVENT_MAP = {
    "Task:Email": "email_delivered", "Task:ListEmail": "email_delivered", "Task:Call": "call",
    "Event:Event": "meeting_booked",
    "CampaignMember:Responded": "form_submission", "CampaignMember:Registered": "webinar_registered",
    "CampaignMember:Attended": "webinar_attended", "CampaignMember:Opened": "email_open",
    "CampaignMember:Clicked": "email_click", "CampaignMember:Downloaded": "content_download",
    "CampaignMember:Sent": "email_delivered", "CampaignMember:Bounced": "email_bounce",
    "CampaignMember:Unsubscribed": "unsubscribe",
}


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
    model_path: Path | None = Field(
        None,
        description="The scoring model file (TOML), relative to the current directory or "
        "absolute, or several separated by commas (one score each, named by each file's "
        "[model] key); unset: the default model shipped with leadscore (config/scoring.toml).",
    )

    # HubSpot.
    hubspot_token: SecretStr | None = Field(
        None, description="HubSpot private app access token (pat-...)."
    )
    hubspot_url: str = Field(
        "https://api.hubapi.com",
        description="HubSpot API base URL; the sandbox's URL (http://127.0.0.1:PORT) for a try-out.",
    )

    # Salesforce (issue 7). Auth: an access token + instance URL, or an OAuth flow that gets one.
    salesforce_auth: Literal["token", "client_credentials", "jwt"] = Field(
        "token",
        description="How to authenticate to Salesforce: token (access token + instance URL), "
        "client_credentials or jwt (OAuth flows of a connected app).",
    )
    salesforce_instance_url: str = Field(
        "", description="The org's URL, e.g. https://yourorg.my.salesforce.com (token and jwt auth)."
    )
    salesforce_access_token: SecretStr | None = Field(
        None, description="Salesforce access token (session id), with salesforce_auth=token."
    )
    salesforce_login_url: str = Field(
        "https://login.salesforce.com",
        description="Where OAuth tokens are requested: the org's My Domain URL for client "
        "credentials; login.salesforce.com (test.salesforce.com for a sandbox org) for JWT.",
    )
    salesforce_client_id: str | None = Field(
        None, description="The connected app's consumer key (client_credentials and jwt)."
    )
    salesforce_client_secret: SecretStr | None = Field(
        None, description="The connected app's consumer secret (client_credentials)."
    )
    salesforce_username: str | None = Field(
        None, description="The integration user's username, the JWT subject (jwt)."
    )
    salesforce_private_key_file: Path | None = Field(
        None, description="PEM private key whose certificate is on the connected app (jwt)."
    )
    salesforce_api_version: str = Field("65.0", description="Salesforce REST API version.")
    salesforce_ca_bundle: Path | None = Field(
        None,
        description="CA bundle (PEM) to trust for Salesforce HTTPS, e.g. the sandbox's; "
        "unset: the system's trusted CAs.",
    )
    salesforce_include_contacts: bool = Field(
        False, description="Score Contacts as well as unconverted Leads."
    )
    salesforce_lead_fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_LEAD_FIELDS),
        description="JSON: model property name -> Lead field feeding it.",
    )
    salesforce_contact_fields: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CONTACT_FIELDS),
        description="JSON: model property name -> Contact field (Account.X through the relationship).",
    )
    salesforce_event_map: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_EVENT_MAP),
        description="JSON: Task:<TaskSubtype>, Event:<EventSubtype>, CampaignMember:<Status> -> "
        "the model's event type.",
    )
    salesforce_connected_dispositions: list[str] = Field(
        default_factory=lambda: ["Connected", "Completed", "Meeting booked", "Interested"],
        description="JSON list: CallDisposition values that count as a connected call.",
    )
    salesforce_reply_prefixes: list[str] = Field(
        default_factory=lambda: ["RE:", "AW:", "SV:"],
        description="JSON list: Subject prefixes of an Email task that mark a reply from the lead.",
    )
    salesforce_rating_enabled: bool = Field(
        False, description="Also write the label to a Lead's standard Rating picklist."
    )
    salesforce_rating_values: dict[str, str] = Field(
        default_factory=lambda: {"hot": "Hot", "warm": "Warm", "cold": "Cold"},
        description="JSON: model label -> Rating picklist value.",
    )
    salesforce_stage_field: str = Field(
        "Leadscore_Stage__c", description="The field the lifecycle stage is written to (forward only)."
    )
    salesforce_stage_values: dict[str, str] = Field(
        default_factory=dict,
        description="JSON: model stage -> value written to the stage field (default: the same name).",
    )
    salesforce_query_batch_size: int = Field(
        2000, ge=200, le=2000, description="Records per query page (Sforce-Query-Options batchSize)."
    )
    salesforce_bulk_threshold: int = Field(
        2000,
        ge=200,
        description="A write of more records than this uses Bulk API 2.0; fewer: sObject Collections.",
    )
    salesforce_api_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description="Stop cleanly before the org's daily API usage passes this share of its allocation.",
    )

    # Telling the owner.
    owner_tasks: Literal["off", "hot", "mql"] = Field(
        "off", description="A task for the lead's owner when it first turns hot (hot) or first "
        "enters MQL (mql); off: none.",
    )
    owner_task_due_days: int = Field(
        1, ge=0, le=90, description="Days after the scoring moment an owner task is due.",
    )
    webhook_url: str | None = Field(
        None, pattern=r"^https?://\S+$",
        description="POST each transition (LEADSCORE_OWNER_TASKS's, else hot) as JSON to this URL, "
        "signed with LEADSCORE_WEBHOOK_SECRET; unset: no webhook.",
    )
    webhook_secret: SecretStr | None = Field(
        None, description="Key of the webhook's HMAC-SHA256 signature (X-Leadscore-Signature).",
    )
    webhook_attempts: int = Field(5, ge=1, le=20, description="Tries per webhook event, with backoff.")

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
    full_reread_days: float = Field(
        7, ge=0,
        description="A full rescore scores from the scoring inputs kept in the state store (an "
        "incremental pass, then no reads) while the last full read of the CRM is younger than "
        "this; older, or 0, it reads every lead again (what an incremental pass cannot see, "
        "such as a deleted engagement, is caught then).",
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

    @field_validator(
        "model_path", "hubspot_token", "as_of", "state_url", "webhook_url", "webhook_secret",
        "sandbox_token", "sandbox_data_dir", "sandbox_faults", "salesforce_access_token",
        "salesforce_client_id", "salesforce_client_secret", "salesforce_username",
        "salesforce_private_key_file", "salesforce_ca_bundle", mode="before",
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty value (`LEADSCORE_HUBSPOT_TOKEN=`, as in example.env) means unset,
        not the path '.' or an empty secret."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("*", mode="before")
    @classmethod
    def _secret_on_one_line(cls, value: object, info: ValidationInfo) -> object:
        """A secret is one word: surrounding whitespace (a pasted line break) goes; whitespace
        inside (two lines pasted, a token cut in half) is refused, without showing the value."""
        if info.field_name not in SECRET_FIELDS or not isinstance(value, str):
            return value
        value = value.strip()
        if any(ch.isspace() for ch in value):
            raise PydanticCustomError(
                "secret_whitespace", "a secret cannot contain a space or line break (the value is not shown)"
            )
        return value

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

    # The worker (`leadscore run`): schedule, shutdown, health endpoint, portals.
    sync_interval_seconds: int = Field(
        300, ge=10, description="Seconds between the worker's incremental syncs."
    )
    full_rescore_cron: str = Field(
        "0 3 * * *",
        description="When the worker rescores every lead (engagement decays with time): a cron "
        "expression, minute hour day-of-month month day-of-week, in schedule_timezone.",
    )
    schedule_timezone: str = Field("UTC", description="Time zone of full_rescore_cron (IANA name).")
    misfire_grace_seconds: int = Field(
        600,
        ge=1,
        description="A run that could not start on time (the worker was busy or paused) still "
        "starts if it is at most this late; missed runs are merged into one.",
    )
    shutdown_timeout_seconds: float = Field(
        25,
        gt=0,
        description="On SIGTERM/SIGINT, how long the worker waits for the batch in flight to be "
        "written and checkpointed before it exits anyway. Keep below the orchestrator's grace "
        "period (Kubernetes 30 s, docker stop 10 s unless --time / stop_grace_period).",
    )
    http_host: str = Field(
        "0.0.0.0",
        description="Address the health/metrics endpoint binds (127.0.0.1 to keep it local).",
    )
    http_port: int = Field(
        8080, ge=0, le=65535, description="Port of /healthz, /readyz and /metrics (0: any free port)."
    )
    readiness_max_age_seconds: int = Field(
        900,
        ge=1,
        description="/readyz fails when a portal's last successful sync is older than this.",
    )
    lock_wait_seconds: float = Field(
        0,
        ge=0,
        description="A second worker started against the same state store waits this long for "
        "the first to release its lock, then exits with a message (0: exit at once).",
    )
    lock_stale_seconds: float = Field(
        120,
        gt=0,
        description="A worker lock whose holder has not renewed it for this long is taken over "
        "(the holder crashed). The holder renews it every third of this.",
    )
    portals: str = Field(
        "",
        description="Comma-separated names of the portals (or Salesforce orgs) one worker serves, "
        "e.g. acme,globex. Each takes any setting as LEADSCORE_PORTAL_<NAME>_<SETTING> over the "
        "shared value. Empty: one portal named 'default' from the plain settings.",
    )

    @field_validator("full_rescore_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(value)
        except ValueError:  # its message quotes the value
            raise ValueError("not a cron expression (minute hour day month weekday), "
                             "e.g. 0 3 * * *") from None
        return value

    @field_validator("schedule_timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA time zone such as UTC or Europe/Berlin") from None
        return value

    @field_validator("portals")
    @classmethod
    def _valid_portal_names(cls, value: str) -> str:
        names = [n.strip().lower() for n in value.split(",") if n.strip()]
        bad = [i for i, n in enumerate(names, 1) if not n.replace("_", "").isalnum() or not n[0].isalpha()]
        if bad:  # the names are not shown: a value pasted into the wrong variable may be a token
            raise ValueError(f"portal names are letters, digits and _, starting with a letter; name "
                             f"{', '.join(map(str, bad))} of the list is not")
        if len(set(names)) != len(names):
            raise ValueError("a portal is named twice")
        return ",".join(names)

    def secret_values(self) -> list[str]:
        """The values of every secret setting that is set, for the log redactor."""
        values = (getattr(self, name) for name in type(self).model_fields)
        return [v.get_secret_value() for v in values if isinstance(v, SecretStr)]


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or SecretStr in typing.get_args(annotation)


SECRET_FIELDS = frozenset(name for name, f in Settings.model_fields.items() if _is_secret(f.annotation))
_CHOICE_FIELDS = frozenset(
    name for name, f in Settings.model_fields.items() if typing.get_origin(f.annotation) is Literal
)
# A bad value is quoted back only for a choice setting (LEADSCORE_CRM=pipedrive) and only when it is
# this short: real tokens and secrets are far longer, and a value pasted into the wrong variable is
# never quoted otherwise.
MAX_QUOTED = 20

_FIXES = {
    "literal_error": "use one of the allowed values",
    "missing": "set it in the environment or the env file",
    "int_parsing": "use a whole number",
    "float_parsing": "use a number",
    "bool_parsing": "use true or false",
    "url_parsing": "use a full URL such as https://host",
    "secret_whitespace": "paste the value again on one line, with nothing around or inside it",
}


def _explain(exc: ValidationError, prefix: str = ENV_PREFIX) -> str:
    """One line per bad setting, naming the variable and the fix, never a secret's value.

    pydantic's own text holds no input (`str(exc)` would: its `input_value`), so only `msg` is
    used, and the value only for a short choice (see MAX_QUOTED)."""
    lines = []
    for err in exc.errors(include_url=False, include_input=False):
        field = str(err["loc"][0]) if err["loc"] else ""
        name = prefix + "_".join(str(p) for p in err["loc"]).upper()
        fix = _FIXES.get(err["type"], "see config/example.env")
        lines.append(f"{name}: {err['msg']}{_quoted(exc, err, field)}; fix: {fix}.")
    return "invalid settings:\n  " + "\n  ".join(lines)


def _quoted(exc: ValidationError, err: dict, field: str) -> str:
    if field not in _CHOICE_FIELDS or field in SECRET_FIELDS:
        return ""
    got = next((e.get("input") for e in exc.errors() if e["loc"] == err["loc"]), None)
    if isinstance(got, str) and len(got) <= MAX_QUOTED and got.isprintable():
        return f" (got {got!r})"
    return ""


def _source_problem(exc: SourceError, prefix: str = ENV_PREFIX) -> str:
    """pydantic-settings' own error: a JSON setting that is not JSON."""
    found = re.search(r'field "(\w+)"', str(exc))
    name = prefix + (found[1].upper() if found else "...")
    return (f"invalid settings:\n  {name}: not valid JSON; fix: write a JSON object or list on one "
            "line, as in config/example.env.")


def _construct(env_file: Path | str, prefix: str = ENV_PREFIX, **values: object) -> Settings:
    try:
        return Settings(_env_file=env_file, _env_prefix=prefix, **values)  # type: ignore[call-arg]
    except ValidationError as exc:
        raise SettingsError(_explain(exc, prefix)) from None
    except SourceError as exc:
        raise SettingsError(_source_problem(exc, prefix)) from None


def load_settings(env_file: Path | str | None = None, **overrides: object) -> Settings:
    """Load settings from the environment and the env file, or raise SettingsError.

    `env_file` defaults to LEADSCORE_ENV_FILE when set, else `.env` in the working directory.
    """
    return _construct(_env_file(env_file), **overrides)


def _env_file(env_file: Path | str | None) -> Path | str:
    if env_file is None:
        env_file = os.environ.get(ENV_PREFIX + "ENV_FILE") or ".env"
    if env_file != ".env" and not Path(env_file).is_file():
        raise SettingsError(f"env file {env_file} not found; fix: pass an existing file or unset it.")
    return env_file


# Several portals. One worker can serve several portals (and Salesforce orgs): LEADSCORE_PORTALS
# names them, and LEADSCORE_PORTAL_<NAME>_<SETTING> sets any setting for one of them over the
# shared value (its token, URL, model, limits...). Settings of the worker process itself cannot
# differ by portal.
DEFAULT_PORTAL = "default"
WORKER_WIDE = frozenset(
    {
        "portals",
        "data_dir",
        "state_url",
        "log_level",
        "log_format",
        "sync_interval_seconds",
        "full_rescore_cron",
        "schedule_timezone",
        "misfire_grace_seconds",
        "shutdown_timeout_seconds",
        "http_host",
        "http_port",
        "readiness_max_age_seconds",
        "lock_wait_seconds",
        "lock_stale_seconds",
    }
)


def portal_env_prefix(name: str) -> str:
    return f"{ENV_PREFIX}PORTAL_{name.upper()}_"


def portal_names(settings: Settings) -> list[str]:
    return [n for n in settings.portals.split(",") if n] or [DEFAULT_PORTAL]


def load_portals(base: Settings, env_file: Path | str | None = None) -> dict[str, Settings]:
    """Each portal's settings: the shared ones with its own LEADSCORE_PORTAL_<NAME>_* on top.

    Without LEADSCORE_PORTALS there is one portal, "default", with the shared settings.
    Raises SettingsError for an invalid portal value, a worker-wide setting given per portal,
    or a LEADSCORE_PORTAL_* variable that names no listed portal or no setting (a typo that
    would otherwise leave a portal silently on the shared token).
    """
    if not base.portals:
        return {DEFAULT_PORTAL: base}
    env_file = _env_file(env_file)
    names = portal_names(base)
    _check_portal_variables(names, env_file)
    portals = {}
    for name in names:
        prefix = portal_env_prefix(name)
        own = _construct(env_file, prefix)
        wide = sorted(own.model_fields_set & WORKER_WIDE)
        if wide:
            shown = ", ".join(prefix + w.upper() for w in wide)
            raise SettingsError(
                f"{shown}: applies to the whole worker, not one portal; "
                f"fix: set {ENV_PREFIX}{wide[0].upper()} instead."
            )
        portals[name] = base.model_copy(update={k: getattr(own, k) for k in own.model_fields_set})
    return portals


# LEADSCORE_ENV_FILE names the env file itself; it is read before the settings are.
_META_VARIABLES = frozenset({"ENV_FILE"})


def environment_variables(env_file: Path | str | None = None) -> dict[str, str]:
    """Every LEADSCORE_ variable set, by upper-case name: the env file's, then the environment's
    over them (the order pydantic-settings reads them in)."""
    from dotenv import dotenv_values

    env_file = env_file or os.environ.get(ENV_PREFIX + "ENV_FILE") or ".env"
    found: dict[str, str] = {}
    if Path(env_file).is_file():
        found.update({k.upper(): v or "" for k, v in dotenv_values(env_file).items()})
    found.update({k.upper(): v for k, v in os.environ.items()})
    return {k: v for k, v in found.items() if k.startswith(ENV_PREFIX)}


def secrets_in(variables: dict[str, str]) -> list[str]:
    """The values of every secret variable set, shared or per portal, read before validation (a
    value the settings refuse is still redacted), with each of its whitespace-separated parts."""
    found = []
    for key, value in variables.items():
        if any(key.endswith(field.upper()) for field in SECRET_FIELDS) and value.strip():
            found.append(value.strip())
            found.extend(value.split())
    return found


def unknown_variables(variables: dict[str, str] | list[str], portals: list[str]) -> list[str]:
    """A message for each LEADSCORE_ variable that names no setting, or no portal of `portals`
    (LEADSCORE_PORTAL_<NAME>_<SETTING>), with the nearest real name when there is one."""
    fields = [f.upper() for f in Settings.model_fields]
    prefixes = sorted((portal_env_prefix(n) for n in portals), key=len, reverse=True)
    messages = []
    for key in sorted(variables):
        rest = key[len(ENV_PREFIX):]
        if rest in fields or rest in _META_VARIABLES:
            continue
        if not key.startswith(ENV_PREFIX + "PORTAL_"):
            messages.append(f"{key} is not a setting{_nearest(key, [ENV_PREFIX + f for f in fields])}")
            continue
        prefix = next((p for p in prefixes if key.startswith(p)), None)
        if prefix is None:
            listed = ", ".join(portals) or "none listed"
            nearest = _nearest(key, [p + f for p in prefixes for f in fields])
            messages.append(f"{key} names no portal in {ENV_PREFIX}PORTALS ({listed}){nearest}")
        elif key[len(prefix):] not in fields:
            nearest = _nearest(key, [prefix + f for f in fields])
            messages.append(f"{key}: {key[len(prefix):]} is not a setting{nearest}")
    return messages


def _nearest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
    return f"; did you mean {close[0]}?" if close else "; see config/example.env for every setting"


def _check_portal_variables(names: list[str], env_file: Path | str) -> None:
    problems = unknown_variables(
        [k for k in environment_variables(env_file) if k.startswith(ENV_PREFIX + "PORTAL_")], names
    )
    if problems:
        raise SettingsError(
            "\n".join(problems) + "\nfix: correct the name (a portal's setting is "
            f"{ENV_PREFIX}PORTAL_<NAME>_<SETTING>, NAME listed in {ENV_PREFIX}PORTALS) or remove it."
        )
