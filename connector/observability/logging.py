"""Logging for the worker and the commands: one JSON object per line for a container, plain
text on a terminal, and a redaction filter between every record and the output.

A line carries the time, level, logger and message, the run id, portal and phase of the run it
belongs to (from `connector.observability.context`), and whatever the caller passed as `extra`
(counts, durations). Secrets are removed from the message, its arguments, the extras and the
exception text at every level. That matters most at DEBUG: urllib3 logs each request line
(`"POST /crm/v3/objects/contacts/search?... HTTP/1.1" 200 ...`, urllib3 `connectionpool.py`)
and hubspot-api-client logs every response body (`logger.debug("response body: %s", r.data)`,
its generated `rest.py`), and a library's exception may quote a request's headers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import traceback
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import IO, Any

from connector.observability.context import current

REDACTED = "[REDACTED]"
# A configured secret shorter than this is not searched for verbatim: it would blank out
# ordinary words. Real tokens are far longer (pat-na1-<uuid>, Salesforce 00D...!...).
MIN_SECRET_LENGTH = 6

# Shapes of secrets, whoever configured them.
_PATTERNS = [
    # An Authorization header as text, a dict repr or JSON: keep the name, drop the value.
    re.compile(r"""(?i)(authorization['"]?\s*[:=]\s*['"]?)(?:bearer\s+|basic\s+)?[^\s'",}]+"""),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # HubSpot private app tokens: pat-<region>-<uuid> (developers.hubspot.com/docs/api/private-apps).
    re.compile(r"()\bpat-[A-Za-z0-9]+-[A-Za-z0-9-]{6,}"),
    # Salesforce session ids / access tokens: the 15- or 18-char org id (00D...), "!", the rest.
    re.compile(r"()\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._=+/-]+"),
    # Credentials passed as key=value or "key": "value" (OAuth bodies, SOAP logins, URLs).
    re.compile(
        r"""(?i)((?:access_token|refresh_token|client_secret|password|security_token|sessionId|hapikey)"""
        r"""['"]?\s*[:=]\s*['"]?)[^\s'"&,;<}]+"""
    ),
    re.compile(r"(?i)(<sessionId>)[^<]+"),
]

_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("x", logging.INFO, "x", 0, "x", None, None)).keys()
) | {"message", "asctime", "taskName"}


class Redactor:
    """Removes known secret values and secret-shaped strings from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str | None]) -> None:
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                self._secrets.add(secret)

    def text(self, text: str) -> str:
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
        return text

    def value(self, value: Any) -> Any:
        """A log field's value with secrets removed; numbers and booleans pass untouched."""
        if isinstance(value, (bool, int, float)) or value is None:
            return value
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple, set)):
            return [self.value(v) for v in value]
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        return self.text(str(value))


REDACTOR = Redactor()


class RedactingFilter(logging.Filter):
    """Rewrites a record so that no handler after it can see a secret: the message is
    formatted with its arguments and redacted, the exception and stack are rendered to
    redacted text, and every extra field is redacted."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line (or leak its args)
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = self.redactor.text(message), None
        if record.exc_info:
            text = record.exc_text or "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = self.redactor.text(text.rstrip("\n"))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redactor.text(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.text(record.stack_info)
        for key in _extra_keys(record):
            setattr(record, key, self.redactor.value(getattr(record, key)))
        return True


def _extra_keys(record: logging.LogRecord) -> list[str]:
    return [k for k in vars(record) if k not in _STANDARD_ATTRS and not k.startswith("_")]


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """Context (run id, portal, phase) overlaid by the record's own extras."""
    fields: dict[str, Any] = dict(current())
    for key in _extra_keys(record):
        fields[key] = getattr(record, key)
    return fields


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, context and extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return json.dumps(line, default=str, ensure_ascii=False)


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at the time of the record, not when logging was set up
    (a test runner, or the CLI's test client, swaps it per call)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        """StreamHandler assigns its stream; the one used is always the current stderr."""


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [portal run] message key=value ...` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        fields = _fields(record)
        tag = " ".join(str(fields.pop(k)) for k in ("portal", "run_id") if k in fields)
        parts = [_timestamp(record), f"{record.levelname:<7}", record.name]
        if tag:
            parts.append(f"[{tag}]")
        parts.append(record.getMessage())
        parts.extend(f"{k}={v}" for k, v in fields.items())
        text = " ".join(parts)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        return text


# Libraries that log every request, job or migration step; quiet below DEBUG so a run's own
# lines stand out (alembic says "Context impl SQLiteImpl." at INFO on every start).
_CHATTY = ("apscheduler.executors", "urllib3", "hubspot", "simple_salesforce", "alembic")


def set_library_levels(level: str) -> None:
    """At DEBUG let the chatty libraries through, else keep them to warnings.

    hubspot-api-client's `Configuration()` sets its package logger and urllib3's to WARNING
    whenever a client is made (its `debug` setter); the HubSpot client layer builds its API
    objects keeping the levels set here (connector/crm/hubspot/client.py).
    """
    names = [n for n in list(logging.root.manager.loggerDict) if n.split(".")[0] in _CHATTY_ROOTS]
    for name in {*_CHATTY, *names}:
        quiet = level != "DEBUG" and name.startswith(_CHATTY)
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)


_CHATTY_ROOTS = {name.split(".")[0] for name in _CHATTY}


def configure_logging(
    level: str = "INFO",
    fmt: str = "auto",
    *,
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Send all logging to `stream` (stderr by default) in `fmt` (json, text, or auto: text on a
    terminal), redacting `secrets` and secret-shaped strings; Python's warnings go the same way.
    Calling it again replaces the handler it installed before. Returns the handler."""
    handler = _StderrHandler() if stream is None else logging.StreamHandler(stream)
    if fmt == "auto":
        fmt = "text" if getattr(handler.stream, "isatty", lambda: False)() else "json"
    REDACTOR.add(secrets)
    handler.addFilter(RedactingFilter(REDACTOR))
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler._leadscore = True  # type: ignore[attr-defined]
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_leadscore", False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    set_library_levels(level)
    logging.captureWarnings(True)
    return handler


def add_secrets(secrets: Iterable[str | None]) -> None:
    """Register more values to redact (a portal's token loaded after logging was set up)."""
    REDACTOR.add(secrets)
