"""The socket layer: a threading HTTP/1.1 server (keep-alive, as urllib3 expects) that hands each
request to the portal pipeline and writes its response, or drops the connection mid-response when
a fault asks for it. Loopback only.
"""

from __future__ import annotations

import json
import socket
import time
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.hubspot import errors
from connector.sandbox.hubspot.portal import Portal, Response
from connector.sandbox.serving import HOST, LoopbackServer



class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def __getattr__(self, name: str) -> Any:
        """Every method reaches the portal (`do_TRACE`, `do_OPTIONS`, ... included), which answers
        405 with `Allow` for a method a path does not take, never the stdlib's HTML 501."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        raw = self._body()
        if raw is None:
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        method = "GET" if self.command == "HEAD" else self.command
        response = self.server.portal.handle(method, parts.path, query, raw, headers, self.path)
        if response.reset:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.delay:
            time.sleep(response.delay)
        self._send(response)

    def _body(self) -> bytes | None:
        """The request body, or None after answering a 400 for a Content-Length that is not a
        non-negative whole number (the connection is closed: the rest of the stream is unknown)."""
        length = (self.headers.get("Content-Length") or "0").strip()
        if not length.isascii() or not length.isdigit():
            body = errors.error_body(f"Invalid Content-Length {length!r}.", "VALIDATION_ERROR")
            self.close_connection = True
            self._send(Response(400, body, {"Connection": "close"}))
            return None
        return self.rfile.read(int(length)) if int(length) else b""

    def _send(self, response: Response) -> None:
        if isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
        if self.command == "HEAD":
            self.end_headers()
            return
        if response.drop_after is not None:
            self.end_headers()
            self.wfile.write(payload[: response.drop_after])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the portal keeps its own request log (and never a token)."""


class SandboxHTTPServer(LoopbackServer):
    thread_name = "hubspot-sandbox"

    def __init__(self, portal: Portal, port: int = 0) -> None:
        super().__init__(port, _Handler)
        self.portal = portal
        portal.base_url = f"http://{HOST}:{self.server_address[1]}"
        self.connections = 0  # accepted TCP connections (keep-alive shows as few)

    def get_request(self):  # type: ignore[no-untyped-def]
        request = super().get_request()
        self.connections += 1
        return request

    @property
    def url(self) -> str:
        return self.portal.base_url
