"""The worker's HTTP endpoint: `/healthz` (the process and its scheduler are alive), `/readyz`
(every portal's last sync succeeded recently enough, so its CRM answered) and `/metrics`
(Prometheus text format). Standard library server on its own daemon threads; it never blocks
the sync."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from connector.observability.health import RunTracker
from connector.observability.metrics import REGISTRY

log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tracker: RunTracker
    alive: Callable[[], bool]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, *, send_body: bool) -> None:
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        if path == "/healthz":
            alive = self.server.alive()
            status, ctype = (200 if alive else 503), "application/json"
            body = json.dumps({"alive": alive}).encode()
        elif path == "/readyz":
            ready, portals = self.server.tracker.readiness()
            status, ctype = (200 if ready else 503), "application/json"
            body = json.dumps({"ready": ready, "portals": portals}).encode()
        elif path == "/metrics":
            status, ctype, body = 200, CONTENT_TYPE_LATEST, generate_latest(REGISTRY)
        else:
            status, ctype, body = 404, "text/plain; charset=utf-8", b"not found\n"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("http %s", format % args)


class HealthServer:
    """Serve the endpoint on `host:port` (port 0: any free port; see `.port`)."""

    def __init__(
        self,
        host: str,
        port: int,
        tracker: RunTracker,
        alive: Callable[[], bool] = lambda: True,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.tracker, self._server.alive = tracker, alive
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.1,), name="leadscore-http", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = self._server.server_address[0]
        return f"http://{host}:{self.port}"

    def start(self) -> HealthServer:
        self._thread.start()
        log.info("health and metrics endpoint listening", extra={"url": self.url})
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
