"""A real HTTP BBB server for tests, benchmarks and the README demo.

``config``     :class:`SimulatorConfig` and its run-time mutable :class:`Faults`
``catalogue``  recordings from a published folder (``metadata.xml``) or generated (seeded)
``api``        ``/bigbluebutton/api/getRecordings`` as bbb-web 2.2-3.0 or Scalelite answer it
``server``     the threaded HTTP server; non-API requests go to ``playback.handle``
``playback``   published presentation files, the playback pages and video files (recorder side)

Usage::

    with Simulator(SimulatorConfig(secret="s", catalogue_size=100)) as sim:
        client = BBBClient(sim.api_url, "s")
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from ..models import Recording
from .config import EMPTY_SHAPES, Faults, SimulatorConfig
from .server import SimulatorServer

__all__ = ["EMPTY_SHAPES", "Faults", "Simulator", "SimulatorConfig", "SimulatorServer",
           "serve_forever"]


class Simulator:
    """Runs a :class:`SimulatorServer` in a background thread for the ``with`` block."""

    def __init__(self, config: SimulatorConfig | None = None):
        self.config = config or SimulatorConfig()
        self.server: SimulatorServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Simulator:
        """Bind (port 0 = a free port) and serve in a daemon thread."""
        self.server = SimulatorServer(self.config)
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        kwargs={"poll_interval": 0.1},
                                        name="bbb-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``"""
        assert self.server is not None, "the simulator is not running"
        host = self.server.server_address[0]
        return f"http://{host}:{self.server.server_port}"

    @property
    def api_url(self) -> str:
        """``http://127.0.0.1:PORT/bigbluebutton/`` (what ``bbb-conf --secret`` prints)."""
        return self.base_url + "/bigbluebutton/"

    @property
    def recordings(self) -> list[Recording]:
        """The recordings served (published folder first, then the catalogue)."""
        assert self.server is not None, "the simulator is not running"
        return self.server.recordings

    def reload(self) -> None:
        """Re-read the published folder."""
        assert self.server is not None
        self.server.reload()


def serve_forever(config: SimulatorConfig,
                  ready: Callable[[SimulatorServer], None] | None = None) -> None:
    """Serve in the foreground until interrupted (the ``simulate`` command).

    ``ready`` is called once the socket is bound (to print the chosen port).
    """
    server = SimulatorServer(config)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
