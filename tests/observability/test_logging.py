import io
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connector.observability.context import run_context
from connector.observability.logging import REDACTED, configure_logging

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"


@pytest.fixture
def json_log():
    """Logging to a buffer as JSON at DEBUG with TOKEN configured; yields a reader of lines."""
    stream = io.StringIO()
    handler = configure_logging("DEBUG", "json", secrets=[TOKEN], stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


def test_each_line_is_a_json_object_with_run_context_and_counts(json_log):
    with run_context(portal="acme", run_id="r1", phase="write"):
        logging.getLogger("connector.sync").info("batch written", extra={"counts": {"written": 100}})
    [line] = json_log()
    assert line["message"] == "batch written"
    assert line["level"] == "INFO"
    assert line["logger"] == "connector.sync"
    assert (line["portal"], line["run_id"], line["phase"]) == ("acme", "r1", "write")
    assert line["counts"] == {"written": 100}
    assert line["time"].endswith("Z")


def test_configured_token_is_removed_from_message_args_and_extras(json_log):
    log = logging.getLogger("connector.test")
    log.debug("token is %s", TOKEN, extra={"request": {"headers": {"x": TOKEN}}})
    [line] = json_log()
    assert TOKEN not in json.dumps(line)
    assert line["message"] == f"token is {REDACTED}"


def test_exception_text_is_redacted(json_log):
    try:
        raise RuntimeError(f"call failed with headers {{'Authorization': 'Bearer {TOKEN}'}}")
    except RuntimeError:
        logging.getLogger("connector.test").exception("sync failed")
    [line] = json_log()
    assert "RuntimeError" in line["exception"]
    assert TOKEN not in line["exception"]
    assert "Authorization': '[REDACTED]" in line["exception"]


@pytest.mark.parametrize(
    "secret",
    [
        "pat-eu1-0f0e0d0c-aaaa-bbbb-cccc-000000000000",  # a HubSpot token nobody configured
        "00D5g000004XyZq!AQ4AQLmjHxT7.ugq2qQ6k_OTpZ3cYyrXbGkD0sOWdVZ5gqKlL",  # Salesforce session
    ],
)
def test_secret_shaped_strings_are_redacted_even_when_not_configured(json_log, secret):
    logging.getLogger("simple_salesforce").debug("login answered %s", secret)
    [line] = json_log()
    assert secret not in line["message"]
    assert REDACTED in line["message"]


def test_authorization_header_is_redacted_in_any_form(json_log):
    log = logging.getLogger("connector.test")
    log.debug("Authorization: Bearer abcdefghijklmnop")
    log.debug('{"authorization": "Basic dXNlcjpwYXNz"}')
    lines = [line["message"] for line in json_log()]
    assert "abcdefghijklmnop" not in lines[0]
    assert "dXNlcjpwYXNz" not in lines[1]


def test_counts_and_numbers_survive_redaction(json_log):
    logging.getLogger("connector.test").info("done", extra={"duration_s": 1.5, "failed": 0})
    [line] = json_log()
    assert line["duration_s"] == 1.5 and line["failed"] == 0


def test_auto_format_is_text_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    handler = configure_logging("INFO", "auto", stream=stream)
    try:
        with run_context(portal="acme", run_id="r9"):
            logging.getLogger("connector.worker").info("sync finished", extra={"written": 3})
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert not text.startswith("{")
    assert "[acme r9] sync finished written=3" in text


def test_auto_format_is_json_when_not_a_terminal():
    stream = io.StringIO()
    handler = configure_logging("INFO", "auto", stream=stream)
    try:
        logging.getLogger("connector.worker").info("hello")
    finally:
        logging.getLogger().removeHandler(handler)
    assert json.loads(stream.getvalue())["message"] == "hello"


class _EchoingAuthServer(BaseHTTPRequestHandler):
    """Answers 401 and echoes the request's Authorization header, as a misbehaving proxy might."""

    def do_GET(self):
        body = json.dumps({"status": "error", "message": f"bad {self.headers['Authorization']}",
                           "category": "INVALID_AUTHENTICATION"}).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_hubspot_client_debug_output_and_errors_carry_no_token(json_log):
    from hubspot import HubSpot

    from connector.observability.logging import set_library_levels

    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingAuthServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = HubSpot(access_token=TOKEN, host=f"http://127.0.0.1:{server.server_port}")
        api = client.crm.contacts.basic_api  # its Configuration() quiets the library loggers
        set_library_levels("DEBUG")
        try:
            api.get_page(limit=1)
        except Exception:
            logging.getLogger("connector.sync").exception("contacts page failed")
    finally:
        server.shutdown()
        server.server_close()
    lines = json_log()
    assert any(line["logger"].startswith("urllib3") for line in lines)  # DEBUG really was on
    assert any("exception" in line for line in lines)
    assert TOKEN not in json.dumps(lines)
