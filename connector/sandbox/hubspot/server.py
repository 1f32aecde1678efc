"""The socket layer: a threading HTTP/1.1 server (keep-alive, as urllib3 expects) that hands each
request to the portal pipeline and writes its response, or drops the connection mid-response when
a fault asks for it. Loopback only.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from connector.sandbox.hubspot.portal import Portal

HOST = "127.0.0.1"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxHTTPServer

    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._handle()

    def do_POST(self) -> None:  # noqa: N802
        self._handle()

    def do_PATCH(self) -> None:  # noqa: N802
        self._handle()

    def do_PUT(self) -> None:  # noqa: N802
        self._handle()

    def do_DELETE(self) -> None:  # noqa: N802
        self._handle()

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        response = self.server.portal.handle(self.command, parts.path, query, raw, headers)
        if response.reset:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.delay:
            time.sleep(response.delay)
        if isinstance(response.body, bytes):
            payload = response.body
        else:
            payload = b"" if response.body is None else json.dumps(response.body, ensure_ascii=False).encode("utf-8")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in response.headers.items():
            self.send_header(name, value)
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


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, portal: Portal, port: int = 0) -> None:
        super().__init__((HOST, port), _Handler)
        self.portal = portal
        portal.base_url = f"http://{HOST}:{self.server_address[1]}"
        self._thread: threading.Thread | None = None
        self.connections = 0  # accepted TCP connections (keep-alive shows as few)

    def get_request(self):  # type: ignore[no-untyped-def]
        request = super().get_request()
        self.connections += 1
        return request

    @property
    def url(self) -> str:
        return self.portal.base_url

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (a timeout, a dropped connection) is not the server's error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def start_background(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="hubspot-sandbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
