"""Download a BBB ``video`` playback: streamed to disk, resumed with HTTP Range after a cut.

Accepts what Pod accepts: the playback's index page (``/playback/video/<id>/``, whose
``<source src>`` names ``video-0.m4v``), a token URL that answers with that page or redirects
to it (ESR/Scalelite ``/recording/<id>/video?token=…``), or the media file itself. The part file
and a small state file survive the process, so a later attempt resumes instead of restarting
(``If-Range`` makes the server send the whole file again if it changed meanwhile).

The deadline bounds every wait, not only the gaps between requests: each request's timeouts
are cut to the time left, the body is read one network read at a time (``read1``) with the
socket's timeout cut to the time left, and the deadline is checked after each read. A server
that trickles a few bytes a second (never idle long enough for a read timeout) fails at the
deadline with ``DEADLINE``, not hours later.
"""

from __future__ import annotations

import json
import math
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
import urllib3

from ..contract import ExitCode
from .errors import RecorderError
from .log import EventLog
from .source import USER_AGENT, http_failure

CHUNK = 1 << 16  # what a cut connection can lose (urllib3 drops a partly read chunk)
MAX_ATTEMPTS = 6


class _SourceFinder(HTMLParser):
    """The first ``<source src>`` (or ``<video src>``) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.src: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.src is None and tag in ("source", "video"):
            src = dict(attrs).get("src")
            if src:
                self.src = src


def _time_left(deadline: float, stage: str) -> float:
    """Seconds until the deadline, or the contract's DEADLINE failure once it has passed."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise RecorderError(ExitCode.DEADLINE, f"deadline passed while {stage}")
    return left


def resolve_media_url(session: requests.Session, url: str, timeout: float,
                      deadline: float = math.inf) -> str:
    """Follow an index page or token URL to the media file's URL."""
    timeout = min(timeout, _time_left(deadline, "resolving the video URL"))
    try:
        response = session.get(url, stream=True, timeout=timeout, allow_redirects=True)
    except requests.RequestException as error:
        raise http_failure(error, None, "video playback") from error
    with response:
        if response.status_code != 200:
            raise http_failure(None, response.status_code, "video playback")
        ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not ctype.startswith("text/html"):
            return response.url  # the media itself
        page = response.content[: 2 << 20].decode(response.encoding or "utf-8", "replace")
    finder = _SourceFinder()
    finder.feed(page)
    if not finder.src:
        raise RecorderError(ExitCode.UNSUPPORTED, "video playback page has no <source src>")
    return urljoin(response.url, finder.src)


def download(url: str, part: Path, log: EventLog, *, timeout: float, deadline: float,
             session: requests.Session | None = None) -> dict[str, Any]:
    """Fetch ``url`` into ``part`` (resuming it if it exists); return facts for the result."""
    session = session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    media_url = resolve_media_url(session, url, timeout, deadline)
    log.info("download-start", media_url=media_url)
    state_file = part.with_name(part.name + ".json")
    state = _load_state(state_file, media_url)
    if not state:
        part.unlink(missing_ok=True)
    resumed_from = part.stat().st_size if part.exists() else 0
    resumes = 0
    failures = 0  # consecutive failures without progress
    progress_mark = -1
    total: int | None = state.get("total")
    restarted = False  # restarted from zero after a 416 (at most once)
    while True:
        left = _time_left(deadline, "downloading")
        have = part.stat().st_size if part.exists() else 0
        if total is not None and have == total:
            break
        headers = {}
        if have:
            headers["Range"] = f"bytes={have}-"
            if state.get("validator"):
                headers["If-Range"] = state["validator"]
        try:
            with session.get(media_url, headers=headers, stream=True,
                             timeout=min(timeout, left)) as response:
                if response.status_code == 416:
                    if total is not None and have >= total:
                        break
                    if not restarted:
                        # The part file is longer than the server's file (it changed and sent
                        # no validator): it cannot be resumed, so start again from zero once.
                        log.warning("download-restart", reason="range not satisfiable",
                                    have=have)
                        part.unlink(missing_ok=True)
                        restarted, total = True, None
                        continue
                if response.status_code not in (200, 206):
                    raise http_failure(None, response.status_code, "video file")
                if response.status_code == 200 and have:
                    log.warning("download-restart", reason="server ignored the range")
                    have = 0
                total = _total_size(response, have)
                validator = response.headers.get("ETag") or response.headers.get("Last-Modified")
                state = {"url": media_url, "total": total, "validator": validator}
                _save_state(state_file, state)
                with part.open("r+b" if have else "wb") as handle:
                    handle.seek(have)
                    handle.truncate()
                    _copy_body(response, handle, timeout, deadline)
            have = part.stat().st_size
            if total is None or have >= total:
                break
            raise requests.ConnectionError(f"connection closed at {have} of {total} bytes")
        except (requests.ConnectionError, requests.Timeout,
                requests.exceptions.ChunkedEncodingError) as error:
            have = part.stat().st_size if part.exists() else 0
            failures = 1 if have > progress_mark else failures + 1
            progress_mark = max(progress_mark, have)
            if failures >= MAX_ATTEMPTS:
                raise RecorderError(
                    ExitCode.NETWORK, f"download failed {failures} times in a row at {have} "
                    f"bytes: {error}") from error
            resumes += 1
            log.warning("download-interrupted", have=have, total=total, failures=failures,
                        error=str(error)[:200])
            pause = min(30.0, 0.5 * 2 ** (failures - 1))
            time.sleep(min(pause, _time_left(deadline, "downloading")))
    have = part.stat().st_size
    if total is not None and have != total:
        raise RecorderError(ExitCode.NETWORK, f"size {have} differs from Content-Length {total}")
    state_file.unlink(missing_ok=True)
    log.info("download-done", size=have, resumes=resumes)
    return {"media_url": media_url, "resumes": resumes, "resumed_from_bytes": resumed_from,
            "content_length": total}


def _copy_body(response: requests.Response, handle: Any, timeout: float,
               deadline: float) -> None:
    """Write the body to ``handle`` one network read at a time, never past the deadline.

    ``read1`` returns what one read of the socket gave (at most ``CHUNK``), so the deadline is
    checked however slowly the bytes come; before each read the socket's timeout is cut to the
    time left, so a server that stops sending cannot hold the read past the deadline either.
    """
    raw = response.raw
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    while True:
        left = _time_left(deadline, "downloading")
        if sock is not None:
            sock.settimeout(max(0.05, min(timeout, left)))
        try:
            chunk = raw.read1(CHUNK, decode_content=True)
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError) as error:
            _time_left(deadline, "downloading")  # the deadline, if that is what ran out
            raise requests.Timeout(f"no data for {timeout:g} s") from error
        except (urllib3.exceptions.ProtocolError, OSError) as error:
            raise requests.ConnectionError(str(error)) from error
        if not chunk:
            return
        handle.write(chunk)


def _total_size(response: requests.Response, have: int) -> int | None:
    """The full size from Content-Range (206) or Content-Length (200)."""
    if response.status_code == 206:
        content_range = response.headers.get("Content-Range", "")
        try:
            return int(content_range.rsplit("/", 1)[1])
        except (IndexError, ValueError):
            length = response.headers.get("Content-Length")
            return have + int(length) if length else None
    length = response.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _load_state(path: Path, media_url: str) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return state if state.get("url") == media_url else {}


def _save_state(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state), "utf-8")
    tmp.replace(path)
