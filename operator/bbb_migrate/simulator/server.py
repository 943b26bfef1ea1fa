"""The simulator's HTTP server: the API here, everything else handed to ``playback.handle``.

A stdlib :class:`~http.server.ThreadingHTTPServer` is enough: the simulator serves tests, the
benchmark and the README demo, one client at a time or a few. HTTP/1.0 replies without a
Content-Length let a getRecordings reply be streamed as it is generated (the end of the body is
the end of the connection), exactly what a truncated-reply fault needs too.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..models import Recording
from . import api, playback
from .catalogue import generate, load_published
from .config import SimulatorConfig

log = logging.getLogger(__name__)


def load_recordings(config: SimulatorConfig) -> list[Recording]:
    """The published folder's recordings first, then the generated catalogue."""
    recordings: list[Recording] = []
    if config.published_dir is not None:
        recordings += load_published(config.published_dir, config.video_dir)
    if config.catalogue_size:
        recordings += generate(config.catalogue_size, config.seed)
    return recordings


class SimulatorServer(ThreadingHTTPServer):
    """Holds the configuration, the recordings and the lock guarding the fault counters."""

    daemon_threads = True

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self.recordings = load_recordings(config)
        self.index = api.Index(self.recordings)
        self.fault_lock = threading.Lock()
        self.api_requests = 0
        super().__init__((config.host, config.port), SimulatorHandler)

    def take_fault(self, name: str) -> bool:
        """Consume one unit of a counted fault; True when this request must suffer it."""
        with self.fault_lock:
            left = getattr(self.config.faults, name)
            if left > 0:
                setattr(self.config.faults, name, left - 1)
                return True
            return False

    def reload(self) -> None:
        """Read the published folder again (after a test adds a recording)."""
        self.recordings = load_recordings(self.config)
        self.index = api.Index(self.recordings)


class SimulatorHandler(BaseHTTPRequestHandler):
    """One request: ``/bigbluebutton/api/…`` here, any other GET/HEAD to ``playback.handle``."""

    server: SimulatorServer
    server_version = "bbb-migrate-simulator"

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        if path == "/bigbluebutton/api" or path.startswith("/bigbluebutton/api/"):
            self._api(path, query)
        elif not playback.handle(self):
            self.send_error(404, "Not found")

    def do_HEAD(self) -> None:
        path = self.path.partition("?")[0]
        if path.startswith("/bigbluebutton/api") or not playback.handle(self):
            self.send_error(404, "Not found")

    def _api(self, path: str, query: str) -> None:
        server = self.server
        with server.fault_lock:
            server.api_requests += 1
        host = self.headers.get("Host") or f"{server.server_address[0]}:{server.server_port}"
        result = api.answer(server.config, server.take_fault, server.index, path, query,
                            f"http://{host}")
        api.sleep_then(result.delay)
        try:
            self.send_response(result.status)
            self.send_header("Content-Type", result.content_type)
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in result.chunks:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away during the reply")
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        if self.server.config.verbose:
            super().log_message(format, *args)
