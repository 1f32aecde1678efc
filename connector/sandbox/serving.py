"""What every sandbox server shares: a threaded HTTP server on loopback, run in the background,
and the SQLite file a sandbox keeps its data in."""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HOST = "127.0.0.1"


class LoopbackServer(ThreadingHTTPServer):
    """A sandbox's server on 127.0.0.1 (port 0: a free one), served from a background thread."""

    daemon_threads = True
    allow_reuse_address = True
    thread_name = "sandbox"

    def __init__(self, port: int, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__((HOST, port), handler)
        self._thread: threading.Thread | None = None

    def get_request(self):  # type: ignore[no-untyped-def]
        """Answers go out at once (TCP_NODELAY). The handler writes the headers and the body in two
        sends; with Nagle on, the body waited for the client's delayed ACK, about 40 ms a call."""
        request, address = super().get_request()
        request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return request, address

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (a timeout, a dropped connection) is not the server's error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def start_background(self) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)


def database_file(data_dir: Path | str, name: str, *, reset: bool = False) -> Path:
    """`data_dir/name`, its directory made; with `reset`, the file (and its WAL) deleted first."""
    path = Path(data_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if reset:
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    return path
