"""A hostile getRecordings server on loopback, and a child process that lists it.

The server answers every request with what the test's ``answer(query)`` returns: a status,
headers and an iterator of byte chunks, sent as they come (with pauses when a chunk is a float:
seconds to wait). It never checks checksums: it plays a broken or malicious server, not BBB.
Memory is measured in a child process (its peak RSS, VmHWM), so the test process's
own memory never blurs the figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

Answer = tuple[int, dict[str, str], Iterable[bytes | float]]
OPERATOR = str(Path(__file__).resolve().parents[2] / "operator")
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<response><returncode>SUCCESS</returncode>'


def recording(rid: str, name: str = "Cours", *, start: str = "1700000000000",
              url: str | None = None, extra: str = "") -> bytes:
    """One plain ``<recording>`` (presentation playback on the hostile server's host)."""
    link = url or f"http://127.0.0.1/playback/presentation/2.3/{rid}"
    return (f"<recording><recordID>{rid}</recordID><meetingID>m-{rid}</meetingID>"
            f"<name><![CDATA[{name}]]></name><published>true</published><state>published"
            f"</state><startTime>{start}</startTime><endTime>1700000600000</endTime>"
            f"<metadata><bbb-origin>Moodle</bbb-origin>{extra}</metadata><playback><format>"
            f"<type>presentation</type><url>{link}</url><length>10</length></format>"
            "</playback></recording>").encode()


def reply(records: Iterable[bytes], total: int | None = None) -> bytes:
    body = HEAD + b"<recordings>" + b"".join(records) + b"</recordings>"
    if total is not None:
        body += f"<totalElements>{total}</totalElements>".encode()
    return body + b"</response>"


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, answer: Callable[[dict[str, str]], Answer]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = answer
        self.requests: list[dict[str, str]] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/bigbluebutton/"

    def __enter__(self) -> HostileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # the end of the connection is the end of the body

    def do_GET(self) -> None:
        server: HostileServer = self.server  # type: ignore[assignment]
        query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
        server.requests.append(query)
        status, headers, chunks = server.answer(query)
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            for chunk in chunks:
                if server.stopping.is_set():
                    return
                if isinstance(chunk, float):
                    time.sleep(chunk)
                    continue
                self.wfile.write(chunk)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up: that is what most tests want

    def log_message(self, *args: object) -> None:
        """Quiet."""


def ok(body: bytes | Iterable[bytes | float], **headers: str) -> Answer:
    chunks = [body] if isinstance(body, bytes) else body
    return 200, {"Content-Type": "text/xml", **headers}, chunks


def endless(head: bytes, unit: bytes, total: int, tail: bytes = b"") -> Iterator[bytes]:
    """``head``, then ``unit`` repeated up to ``total`` bytes (in ~1 MB chunks), then ``tail``."""
    yield head
    block = unit * max(1, (1 << 20) // len(unit))
    sent = 0
    while sent < total:
        yield block
        sent += len(block)
    yield tail


# The child's own peak RSS. Not ``ru_maxrss``: Linux keeps it across execve, so a child forked
# from a large pytest process would report its parent's size. VmHWM belongs to the new address
# space that execve makes.
PEAK_LINE = ('out["peak_mb"] = next(int(line.split()[1]) for line in open("/proc/self/status")'
             ' if line.startswith("VmHWM:")) / 1024\n')


def list_in_child(url: str, *, paging: str = "off", timeout: float = 10,
                  request_timeout: float = 120, code: str | None = None) -> dict:
    """List ``url`` in a fresh Python process; its outcome and peak RSS (MB) as a dict."""
    script = code or f"""
import json
from bbb_migrate.source import BBBClient, BBBError
c = BBBClient({url!r}, "s", paging={paging!r}, retries=0, timeout={timeout},
              request_timeout={request_timeout})
out = {{}}
try:
    out["listed"] = len(c.list_recordings())
except BBBError as e:
    out["key"], out["error"] = e.message_key, str(e)
out["warnings"] = c.warnings[:5]
{PEAK_LINE}print(json.dumps(out))
"""
    env = {**os.environ, "PYTHONPATH": OPERATOR}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
