"""The recorder's deadline bounds every wait: a trickling or silent server on loopback.

A server that sends a few bytes a second is never idle long enough for a read timeout; one
that sends headers and then nothing holds a read for the whole request timeout. Either must
fail at the deadline with the contract's ``DEADLINE`` (retryable), not when the file ends.
"""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bbb_migrate.contract import ExitCode
from bbb_migrate.recorder.download import download
from bbb_migrate.recorder.errors import RecorderError
from bbb_migrate.recorder.log import EventLog

SIZE = 1_000_000  # at 20 bytes a second: 14 hours


class _Slow(BaseHTTPRequestHandler):
    mode = "trickle"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(SIZE))
        self.end_headers()
        try:
            for _ in range(SIZE):
                if self.mode == "trickle":
                    self.wfile.write(b"x")
                    self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            return  # the client gave up

    def log_message(self, *args):
        pass


@pytest.fixture
def slow_server():
    servers = []

    def start(mode: str) -> str:
        handler = type("Handler", (_Slow,), {"mode": mode})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/video-0.m4v"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["trickle", "silent"])
def test_a_slow_server_fails_at_the_deadline(mode, slow_server, tmp_path):
    url = slow_server(mode)
    part = tmp_path / ".v.mp4.part"
    outcome: dict[str, object] = {}

    def run():
        try:
            # The request timeout (60 s) is far longer than the deadline (1.5 s): the deadline
            # must win, during the body, whatever the server does.
            outcome["result"] = download(url, part, EventLog("r", stream=io.StringIO()),
                                         timeout=60.0, deadline=time.monotonic() + 1.5)
        except RecorderError as error:
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)
    assert not worker.is_alive(), "download still running long after its deadline"
    error = outcome.get("error")
    assert isinstance(error, RecorderError), outcome
    assert error.code is ExitCode.DEADLINE
    assert "deadline passed while downloading" in error.message
    if mode == "trickle":
        assert 0 < part.stat().st_size < SIZE  # bytes were coming, the deadline still won


@pytest.fixture
def hung_page(tmp_path):
    """A real Chromium on a private Xvfb whose page is stuck in a busy loop."""
    from playwright.sync_api import sync_playwright

    from bbb_migrate.recorder.browser import start_chromium
    from bbb_migrate.recorder.display import start_xvfb

    children = []
    try:
        xvfb, display = start_xvfb(640, 480, lambda *_: None)
        children.append(xvfb)
        chromium, endpoint = start_chromium(640, 480, tmp_path / "profile", display, "",
                                            lambda *_: None)
        children.append(chromium)
        with sync_playwright() as playwright:
            browser = playwright.chromium.connect_over_cdp(endpoint, timeout=60_000)
            context = browser.contexts[0]
            page = context.pages[0] if context.pages else context.new_page()
            yield page, chromium
    finally:
        for child in reversed(children):
            child.stop()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", ["timeout", "deadline"])
def test_page_evaluate_is_bounded(case, hung_page):
    from bbb_migrate.recorder.watchdog import GuardedPage, Watchdog

    page, chromium = hung_page
    deadline = time.monotonic() + (1.5 if case == "deadline" else 600)
    watchdog = Watchdog(chromium.stop, deadline)
    guarded = GuardedPage(page, watchdog, timeout=1.5 if case == "timeout" else 60)
    try:
        # Without the watchdog this call never returns (the test's timeout fails it).
        with pytest.raises(RecorderError) as raised:
            guarded.evaluate("() => { for (;;) {} }")
    finally:
        watchdog.stop()
    error = raised.value
    if case == "deadline":
        assert error.code is ExitCode.DEADLINE
        assert "deadline passed during page.evaluate" in error.message
    else:
        assert error.code is ExitCode.CRASH  # retryable: a browser that stopped answering
        assert "did not answer page.evaluate within 1.5 s" in error.message
