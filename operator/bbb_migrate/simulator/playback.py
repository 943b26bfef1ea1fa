"""Playback side of the BBB simulator: published files, the two player pages, video playbacks.

BBB's nginx serves a recording's files under ``/presentation/<id>/`` and answers every
``/playback/presentation/2.3/<anything>`` with the bbb-playback app, and the legacy player at
``/playback/presentation/2.0/playback.html?meetingId=<id>``. The simulator copies that layout so
the recorder drives the same URLs, elements and events as in production (see docs/recorder.md).
"""

from __future__ import annotations

import contextlib
import mimetypes
import re
import select
import socket
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

STATIC_DIR = Path(__file__).with_name("static")

_CHUNK = 64 * 1024
_RECORD_ID = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
_TYPES = {
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".png": "image/png",
    ".json": "application/json",
    ".js": "text/javascript",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
    ".vtt": "text/vtt",
}


def handle(handler: Any) -> bool:
    """Serve one GET/HEAD request of the playback side; False when the path is not ours (→ 404)."""
    url = urlsplit(handler.path)
    path = unquote(url.path)
    config = handler.server.config
    faults = getattr(config, "faults", None)

    if path.startswith("/presentation/"):
        record_id, _, rel = path[len("/presentation/"):].partition("/")
        published = getattr(config, "published_dir", None)
        if not published or not _RECORD_ID.match(record_id):
            return False
        target = safe_join(Path(published) / record_id, rel)
        if target is None or not target.is_file():
            return False
        is_media = rel.startswith(("video/", "deskshare/", "audio/"))
        stall_after = _fault(faults, "stall_media_after_seconds", record_id) if is_media else None
        throttle = getattr(faults, "throttle_media_factor", None) if is_media else None
        if stall_after is not None and not throttle:
            throttle = 1.5  # a stall needs a paced link, or everything arrives at once
        rate = None
        if throttle:
            duration = _metadata_duration(Path(published) / record_id)
            if duration:
                rate = target.stat().st_size / duration * float(throttle)
        send_file(handler, target, stall_after_seconds=stall_after, bytes_per_second=rate)
        return True

    if path.startswith("/playback/presentation/2.3/"):
        rest = path[len("/playback/presentation/2.3/"):]
        real = _real_player(config, "2.3")
        if real is not None:
            # bbb-playback's nginx rule: the file if it exists, else the app's index.html
            target = safe_join(real, rest)
            if target is not None and target.is_file():
                send_file(handler, target)
                return True
        elif rest.startswith("static/"):
            return _send_static(handler, rest[len("static/"):])
        record_id = rest.strip("/")
        if record_id and _fault(faults, "playback_404_ids", record_id):
            _send_text(handler, HTTPStatus.NOT_FOUND, "404 Not Found\n")
            return True
        if real is not None:
            send_file(handler, real / "index.html")
            return True
        return _send_static(handler, "player23.html")

    if path.startswith("/playback/presentation/2.0/"):
        rest = path[len("/playback/presentation/2.0/"):]
        real = _real_player(config, "2.0")
        if rest == "playback.html":
            record_id = parse_qs(url.query).get("meetingId", [""])[0]
            if record_id and _fault(faults, "playback_404_ids", record_id):
                _send_text(handler, HTTPStatus.NOT_FOUND, "404 Not Found\n")
                return True
            if real is None:
                return _send_static(handler, "player20.html")
        if real is not None:
            target = safe_join(real, rest)
            if target is None or not target.is_file():
                return False
            send_file(handler, target)
            return True
        return _send_static(handler, rest)

    for prefix in ("/playback/video/", "/video/"):
        if path.startswith(prefix):
            return _serve_video(handler, config, faults, path[len(prefix):])
    if path.startswith("/recording/") and path.endswith("/video"):
        # Scalelite/ESR style token URL: /recording/<id>/video?token=... → the index page.
        record_id = path[len("/recording/"):-len("/video")].strip("/")
        token = parse_qs(url.query).get("token", [""])[0]
        if not token:
            _send_text(handler, HTTPStatus.FORBIDDEN, "token required\n")
            return True
        handler.send_response(HTTPStatus.FOUND)
        handler.send_header("Location", f"/playback/video/{record_id}/")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return True
    return False


def _real_player(config: Any, form: str) -> Path | None:
    """The folder of BBB's real player ``form`` ("2.3": a bbb-playback build, "2.0": the legacy
    player's files) when the configuration names one that holds it, else None (own pages).

    The real players are not part of this repository; whoever has them can run the recorder
    tests against them (docs/recorder.md, "The simulator's players").
    """
    if not config.real_players:
        return None
    folder = Path(config.real_players) / form
    entry = "index.html" if form == "2.3" else "playback.html"
    return folder if (folder / entry).is_file() else None


def _serve_video(handler: Any, config: Any, faults: Any, rest: str) -> bool:
    """``/playback/video/<id>/`` (index page, as BBB's video format) and its files."""
    record_id, _, rel = rest.partition("/")
    video_dir = getattr(config, "video_dir", None)
    if not video_dir or not _RECORD_ID.match(record_id):
        return False
    if _fault(faults, "playback_404_ids", record_id):
        _send_text(handler, HTTPStatus.NOT_FOUND, "404 Not Found\n")
        return True
    base = Path(video_dir) / record_id
    if rel in ("", "index.html"):
        index = base / "index.html"
        if index.is_file():
            send_file(handler, index)
            return True
        media = sorted(base.glob("video-*.m4v")) or sorted(base.glob("video-*.mp4"))
        if not media:
            return False
        sources = "\n".join(
            f'      <source src="{m.name}" type="video/mp4">' for m in media
        )
        body = (
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Recording</title>"
            "</head>\n<body>\n  <video id=\"video\" controls>\n"
            f"{sources}\n  </video>\n</body></html>\n"
        )
        _send_text(handler, HTTPStatus.OK, body, "text/html; charset=utf-8")
        return True
    target = safe_join(base, rel)
    if target is None or not target.is_file():
        return False
    cut = None
    if target.suffix in (".m4v", ".mp4", ".webm"):
        lock = getattr(handler.server, "fault_lock", None)
        if lock is not None:
            with lock:
                cut = _take_download_cut(faults)
        else:
            cut = _take_download_cut(faults)
    send_file(handler, target, cut_after_bytes=cut)
    return True


def safe_join(base: Path, rel: str) -> Path | None:
    """``base/rel`` only when it stays inside ``base`` (no ``..``, no absolute path, no NUL)."""
    if not rel or "\x00" in rel or rel.startswith("/") or "\\" in rel:
        return None
    parts = [p for p in rel.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    target = base.joinpath(*parts)
    try:
        target.resolve().relative_to(base.resolve())
    except (ValueError, OSError):
        return None
    return target


def _fault(faults: Any, name: str, record_id: str) -> Any:
    """A per-recording fault value: a mapping by id, a set of ids, or one value for all."""
    value = getattr(faults, name, None) if faults is not None else None
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(record_id, value.get("*"))
    if isinstance(value, (set, frozenset, list, tuple)):
        return record_id in value or "*" in value
    return value


def _take_download_cut(faults: Any) -> int | None:
    """Bytes after which this download connection is cut, consuming one of the allowed cuts."""
    if faults is None:
        return None
    after = getattr(faults, "cut_download_after_bytes", None)
    if after is None:
        return None
    remaining = getattr(faults, "cut_download_times", 1)
    if remaining is not None:
        if remaining <= 0:
            return None
        faults.cut_download_times = remaining - 1
    return int(after)


def _metadata_duration(record_dir: Path) -> float | None:
    """Duration in seconds from ``metadata.xml`` (to pace media at a multiple of real time)."""
    from defusedxml import ElementTree

    try:
        root = ElementTree.parse(record_dir / "metadata.xml").getroot()
        return int(root.findtext("playback/duration") or 0) / 1000 or None
    except (OSError, ValueError, ElementTree.ParseError):
        return None


def _content_type(path: Path) -> str:
    return _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream"
    )


def _send_static(handler: Any, rel: str) -> bool:
    target = safe_join(STATIC_DIR, rel)
    if target is None or not target.is_file():
        return False
    send_file(handler, target)
    return True


def _send_text(handler: Any, status: int, body: str, ctype: str = "text/plain; charset=utf-8"):
    data = body.encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", ctype)
    handler.send_header("Content-Length", str(len(data)))
    handler.send_header("Cache-Control", "no-store")
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def send_file(
    handler: Any,
    path: Path,
    *,
    stall_after_seconds: float | None = None,
    cut_after_bytes: int | None = None,
    bytes_per_second: float | None = None,
) -> None:
    """Send a file with HEAD and single-range ``Range`` support, as nginx does.

    ``stall_after_seconds``: after sending for that long, stop delivering and hold the
    connection open (a media server that hangs mid-stream). ``cut_after_bytes``: close the
    connection after sending that many body bytes of this response (a dropped download).
    ``bytes_per_second``: pace the body (a slow link), so that a player has not buffered
    everything when the server dies.
    """
    size = path.stat().st_size
    start, end = 0, size - 1
    status = HTTPStatus.OK
    header = handler.headers.get("Range")
    if header:
        match = _RANGE.match(header.strip())
        if match and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
            else:
                start = max(0, size - int(match.group(2)))
            if start > end or start >= size:
                handler.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                handler.send_header("Content-Range", f"bytes */{size}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            status = HTTPStatus.PARTIAL_CONTENT
    length = end - start + 1
    handler.send_response(status)
    handler.send_header("Content-Type", _content_type(path))
    handler.send_header("Content-Length", str(length))
    handler.send_header("Accept-Ranges", "bytes")
    handler.send_header("Last-Modified", handler.date_time_string(int(path.stat().st_mtime)))
    handler.send_header("ETag", f'"{int(path.stat().st_mtime)}-{size}"')
    if status == HTTPStatus.PARTIAL_CONTENT:
        handler.send_header("Content-Range", f"bytes {start}-{end}/{size}")
    if cut_after_bytes is not None:
        handler.send_header("Connection", "close")
    handler.end_headers()
    if handler.command == "HEAD":
        return
    sent = 0
    began = time.monotonic()
    with path.open("rb") as source:
        source.seek(start)
        position = start
        while position <= end:
            want = min(_CHUNK, end - position + 1)
            if stall_after_seconds is not None and (
                time.monotonic() - began >= float(stall_after_seconds)
            ):
                _hang(handler)
                return
            if cut_after_bytes is not None:
                want = min(want, cut_after_bytes - sent)
                if want <= 0:
                    handler.close_connection = True
                    handler.wfile.flush()
                    handler.connection.shutdown(2)
                    return
            if bytes_per_second:
                want = min(want, max(1024, int(bytes_per_second / 10)))
                ahead = began + sent / bytes_per_second - time.monotonic()
                if ahead > 0:
                    time.sleep(ahead)
                if _server_stopped(handler):
                    _abort(handler)
                    return
            chunk = source.read(want)
            if not chunk:
                return
            handler.wfile.write(chunk)
            sent += len(chunk)
            position += len(chunk)


def _server_stopped(handler: Any) -> bool:
    """True once the simulator closed its listening socket (a test "killing" the server)."""
    sock = getattr(handler.server, "socket", None)
    return sock is None or sock.fileno() == -1


def _abort(handler: Any) -> None:
    """Drop the connection as a dying server would."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.shutdown(2)


def _hang(handler: Any) -> None:
    """Hold the connection without sending, until the client gives up or the server stops."""
    handler.close_connection = True
    handler.wfile.flush()
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline and not _server_stopped(handler):
        readable, _, _ = select.select([handler.connection], [], [], 0.5)
        if readable:
            try:
                if not handler.connection.recv(1024, socket.MSG_PEEK):
                    return  # the client closed its side
            except OSError:
                return
            time.sleep(0.5)
    _abort(handler)
