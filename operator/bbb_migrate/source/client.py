"""The getRecordings client: signing, paging, retries and timeouts around the streaming parser.

Paging (``paging="auto"``, the default) sends ``offset``/``limit`` on the first request. A BBB
2.6+ server answers with ``totalElements`` and the client walks the pages; older BBB servers and
Scalelite ignore both parameters and return everything in that one reply, which is then the
whole listing. Always sending ``limit`` also gets past bbb-web's ``allowFetchAllRecordings=false``.

Every request is retried with exponential backoff on connection errors, timeouts, HTTP 5xx and
truncated replies. A page is parsed completely before any of its recordings is handed on, so a
retried page never yields a recording twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar
from urllib.parse import urlencode, urlsplit

import requests
import urllib3.exceptions

from ..models import Recording
from .checksum import ALGORITHMS, sign
from .errors import BBBError, connection_cause
from .xmlparse import Reply, parse_reply

log = logging.getLogger(__name__)
T = TypeVar("T")

Progress = Callable[[int, int | None], None]
"""Called after each page with (recordings listed so far, total announced by the server).

After a paged listing whose formats must be re-read, a second pass reports again from 0
(recordings re-read so far, recordings listed), so a progress bar never sits full while work
goes on.
"""

# recordIDs per "complete the formats" request: the URL stays under 6 KB, below the 8 KB
# request-line limits of nginx and Tomcat defaults.
FORMAT_BATCH = 100


def api_base(url: str) -> str:
    """The ``…/bigbluebutton/api/`` URL from what ``bbb-conf --secret`` prints or a server root."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"BBB URL must start with http:// or https:// (got {url!r})")
    base = url.split("?", 1)[0].rstrip("/")
    if base.endswith("/bigbluebutton/api"):
        return base + "/"
    if base.endswith("/bigbluebutton"):
        return base + "/api/"
    return base + "/bigbluebutton/api/"


class BBBClient:
    """A client of one BBB or Scalelite server's getRecordings call."""

    def __init__(self, url: str, secret: str, *, checksum: str = "sha256", timeout: float = 60,
                 retries: int = 4, paging: str = "auto", page_size: int = 100,
                 verify_tls: bool = True, session: requests.Session | None = None,
                 backoff_seconds: float = 1.0, concurrency: int = 2):
        if checksum not in ALGORITHMS:
            raise ValueError(f"checksum must be one of {list(ALGORITHMS)}, not {checksum!r}")
        if paging not in ("auto", "on", "off"):
            raise ValueError(f"paging must be auto, on or off, not {paging!r}")
        if not 1 <= page_size <= 100:
            raise ValueError("page_size must be between 1 and 100 (BBB clamps limit to 100)")
        if not secret:
            raise ValueError("the BBB shared secret is empty")
        if not 1 <= concurrency <= 8:
            raise ValueError("concurrency must be between 1 and 8")
        self.api_url = api_base(url)
        self.server = urlsplit(self.api_url).netloc
        self._secret = secret
        self.checksum = checksum
        self.timeout = timeout
        self.retries = retries
        self.paging = paging
        self.page_size = page_size
        self.verify_tls = verify_tls
        self.backoff_seconds = backoff_seconds
        self.session = session or requests.Session()
        self.warnings: list[str] = []  # malformed recordings and other things a user should see
        self.concurrency = concurrency
        self.requests_made = 0
        self._count_lock = threading.Lock()
        self.paged = False  # True once a server answered with totalElements (BBB 2.6+)

    def __repr__(self) -> str:  # never shows the secret
        return f"BBBClient({self.api_url!r}, checksum={self.checksum!r}, paging={self.paging!r})"

    # -- requests -----------------------------------------------------------------------------

    def _signed_url(self, params: Mapping[str, str]) -> str:
        query = urlencode(list(params.items()))
        checksum = sign("getRecordings", query, self._secret, self.checksum)
        return f"{self.api_url}getRecordings?{query}{'&' if query else ''}checksum={checksum}"

    def _call(self, params: Mapping[str, str]) -> Reply:
        """One getRecordings request, parsed, with retries; raises BBBError on FAILED."""
        attempt = 0
        while True:
            try:
                reply = self._call_once(params)
                if reply.returncode != "SUCCESS":
                    key = reply.message_key or "noReturnCode"
                    message = reply.message or f"returncode {reply.returncode or '(missing)'}"
                    # unexpectedError: bbb-web failed to build a page; worth another try
                    raise BBBError(self.server, key, message, retryable=key == "unexpectedError")
            except BBBError as exc:
                if not exc.retryable or attempt >= self.retries:
                    raise
                delay = self.backoff_seconds * 2 ** attempt
                log.warning("%s (attempt %d of %d); retrying in %.1f s", exc, attempt + 1,
                            self.retries + 1, delay)
                time.sleep(delay)
                attempt += 1
                continue
            for line in reply.skipped:
                message = f"{self.server}: malformed recording skipped: {line}"
                log.warning("%s", message)
                self.warnings.append(message)
            return reply

    def _call_once(self, params: Mapping[str, str]) -> Reply:
        url = self._signed_url(params)
        with self._count_lock:
            self.requests_made += 1
        try:
            resp = self.session.get(url, timeout=self.timeout, stream=True,
                                    verify=self.verify_tls, headers={"Accept": "application/xml"})
        except requests.Timeout:
            raise BBBError(self.server, "timeout",
                           f"no answer within {self.timeout:g} s", retryable=True) from None
        except requests.RequestException as exc:
            raise BBBError(self.server, "connectionError", connection_cause(exc),
                           retryable=True) from None
        with resp:
            if resp.status_code >= 400:
                raise BBBError(self.server, f"http{resp.status_code}",
                               f"HTTP {resp.status_code} {resp.reason or ''}".strip()
                               + _HTTP_HINTS.get(resp.status_code, ""),
                               retryable=resp.status_code >= 500)
            resp.raw.decode_content = True
            try:
                return parse_reply(resp.raw, self.server)
            except requests.RequestException as exc:
                raise BBBError(self.server, "connectionError", _describe(exc), retryable=True
                               ) from None
            except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
                raise BBBError(self.server, "timeout", f"reply stalled for {self.timeout:g} s",
                               retryable=True) from None
            except (urllib3.exceptions.HTTPError, OSError) as exc:  # connection cut mid-reply
                raise BBBError(self.server, "invalidXML", f"reply cut short ({_describe(exc)})",
                               retryable=True) from None

    # -- listings -----------------------------------------------------------------------------

    def _filters(self, states: Iterable[str], meta: Mapping[str, str] | None,
                 meeting_ids: Iterable[str], record_ids: Iterable[str]) -> dict[str, str]:
        params: dict[str, str] = {}
        meeting_ids, record_ids = list(meeting_ids), list(record_ids)
        if meeting_ids:
            params["meetingID"] = ",".join(meeting_ids)
        if record_ids:
            params["recordID"] = ",".join(record_ids)
        states = list(states)
        if states:
            params["state"] = ",".join(states)
        for key, value in (meta or {}).items():
            params[f"meta_{key}"] = value
        return params

    def iter_recordings(self, *, states: Iterable[str] = ("published", "unpublished"),
                        meta: Mapping[str, str] | None = None, meeting_ids: Iterable[str] = (),
                        record_ids: Iterable[str] = (),
                        progress: Progress | None = None) -> Iterator[Recording]:
        """Yield every matching recording, page by page, in the server's order.

        A server that does not merge formats may list one recordID several times (one entry per
        format); :meth:`list_recordings` merges them.
        """
        params = self._filters(states, meta, meeting_ids, record_ids)
        if self.paging == "off":
            reply = self._call(params)
            if not reply.has_recordings_element and reply.message_key == "noRecordings":
                self._warn("the server refused to list all recordings at once "
                           "(bbb-web allowFetchAllRecordings=false?); use paging auto or on")
            if progress:
                progress(len(reply.recordings), len(reply.recordings))
            yield from reply.recordings
            return
        first = self._call({**params, "offset": "0", "limit": str(self.page_size)})
        if first.total_elements is None:
            if self.paging == "on":
                raise BBBError(self.server, "pagingUnsupported",
                               "the server ignored offset/limit (BBB before 2.6 or "
                               "Scalelite); use paging auto or off")
            if progress:
                progress(len(first.recordings), len(first.recordings))
            yield from first.recordings  # not a paging server: this was everything
            return
        self.paged = True
        total, listed = first.total_elements, len(first.recordings)
        if progress:
            progress(listed, total)
        yield from first.recordings
        if not first.recordings:
            return
        offsets = range(self.page_size, total, self.page_size)
        pages = self._in_order(
            lambda offset: self._call({**params, "offset": str(offset),
                                       "limit": str(self.page_size)}), offsets)
        latest_total = total
        for reply in pages:
            listed += len(reply.recordings)
            latest_total = reply.total_elements or latest_total
            if progress:
                progress(listed, latest_total)
            yield from reply.recordings
        # Recordings published while listing push the total up: read the extra pages too.
        offset = offsets[-1] + self.page_size if offsets else self.page_size
        while offset < latest_total:
            reply = self._call({**params, "offset": str(offset), "limit": str(self.page_size)})
            latest_total = reply.total_elements or latest_total
            listed += len(reply.recordings)
            if progress:
                progress(listed, latest_total)
            yield from reply.recordings
            offset += self.page_size
            if not reply.recordings:
                break

    def _in_order(self, call: Callable[[T], Reply], items: Iterable[T]) -> Iterator[Reply]:
        """``call`` on each item, at most ``concurrency`` at once, results in order.

        With two requests in flight, the server prepares the next reply while this process
        parses the current one; a larger window only loads the server more.
        """
        if self.concurrency == 1:
            for item in items:
                yield call(item)
            return
        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="bbb-list") as pool:
            pending: deque[Future[Reply]] = deque()
            try:
                for item in items:
                    pending.append(pool.submit(call, item))
                    if len(pending) >= self.concurrency:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()

    def list_recordings(self, *, states: Iterable[str] = ("published", "unpublished"),
                        meta: Mapping[str, str] | None = None, meeting_ids: Iterable[str] = (),
                        record_ids: Iterable[str] = (),
                        progress: Progress | None = None) -> list[Recording]:
        """Every matching recording once, formats merged by recordID.

        BBB 2.6+ drops duplicate recordIDs *before* merging formats when paging, so a paged
        listing may show one format of a recording that has several. After a paged listing the
        formats are therefore re-read with unpaged ``recordID`` queries (100 IDs per request),
        unless some page already showed a recording with several formats.
        """
        states = list(states)
        merged = merge_formats(self.iter_recordings(
            states=states, meta=meta, meeting_ids=meeting_ids, record_ids=record_ids,
            progress=progress))
        # A server that shows several formats of one recording in its pages merges before
        # paging: nothing to complete.
        if self.paged and merged and not any(len(r.playbacks) > 1 for r in merged):
            merged = self._complete_formats(merged, states, progress)
        return merged

    def _complete_formats(self, recordings: list[Recording], states: list[str],
                          progress: Progress | None = None) -> list[Recording]:
        """Re-read formats batch by batch, replacing in place (one copy in memory at a time)."""
        out = list(recordings)
        log.info("%s: re-reading the formats of %d recordings (BBB 2.6+ pages may hide some)",
                 self.server, len(out))
        starts = range(0, len(out), FORMAT_BATCH)
        replies = self._in_order(
            lambda start: self._call(self._filters(
                states or ["any"], None, (),
                [r.record_id for r in out[start:start + FORMAT_BATCH]])), starts)
        for start, reply in zip(starts, replies, strict=True):
            full = {r.record_id: r for r in merge_formats(reply.recordings)}
            for offset, rec in enumerate(out[start:start + FORMAT_BATCH]):
                other = full.get(rec.record_id)
                if other is not None:
                    out[start + offset] = _merge(rec, other)
            if progress:
                progress(min(start + FORMAT_BATCH, len(out)), len(out))
        return out

    def get_recording(self, record_id: str) -> Recording | None:
        """One recording by its full ID (the server matches a prefix; the ID is checked)."""
        reply = self._call({"recordID": record_id, "state": "any"})
        found = [r for r in merge_formats(reply.recordings) if r.record_id == record_id]
        return found[0] if found else None

    def _warn(self, message: str) -> None:
        message = f"{self.server}: {message}"
        log.warning("%s", message)
        self.warnings.append(message)


def merge_formats(recordings: Iterable[Recording]) -> list[Recording]:
    """One Recording per recordID, first-seen order, formats of duplicates appended."""
    by_id: dict[str, Recording] = {}
    for rec in recordings:
        seen = by_id.get(rec.record_id)
        by_id[rec.record_id] = rec if seen is None else _merge(seen, rec)
    return list(by_id.values())


def _merge(first: Recording, other: Recording) -> Recording:
    known = {(p.type, p.url) for p in first.playbacks}
    extra = tuple(p for p in other.playbacks if (p.type, p.url) not in known)
    if not extra:
        return first
    metadata = {**other.metadata, **first.metadata}
    return replace(first, playbacks=first.playbacks + extra, metadata=metadata)


_HTTP_HINTS = {
    404: " (wrong URL path? give the API URL as `bbb-conf --secret` prints it, e.g. "
         "https://bbb.example.org/bigbluebutton/; less often, a proxy timing out a long "
         "listing)",
    502: " (a proxy timeout? raise it for long listings)",
    504: " (a proxy timeout? raise it for long listings)",
}


def _describe(exc: BaseException) -> str:
    """An exception's type and message, without any URL (URLs carry the checksum)."""
    text = str(exc)
    if "checksum=" in text or "http" in text:
        return type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
