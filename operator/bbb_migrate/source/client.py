"""The getRecordings client: signing, one request with its deadline, retries, the formats pass.

Every request has a total deadline, body included (``request_timeout``,
``source.requestTimeoutSeconds``): the body is read with one socket read at a time, each
allowed only what is left of the deadline (and at most ``timeout`` without a byte), so a server
that trickles one byte every few seconds ends in ``timeout`` like one that never answers. The
body is decompressed by bounded steps (urllib3 ≥ 2.6 ``read1``) and parsed as it arrives
(``xmlparse``), so a gzip bomb or an endless reply stops at the reply limit.

Retries (exponential backoff) are for what may change on the next try: connection errors,
timeouts, HTTP 5xx, replies that stopped early, ``unexpectedError``. A reply that arrived whole
but is malformed, unsafe, too large or not UTF-8 would come back the same, so it fails at once.

How pages are walked is in ``paging``; a page is parsed completely before any of its
recordings is handed on, so a retried page never yields a recording twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import replace
from urllib.parse import urlencode

import requests
import urllib3.exceptions

from ..models import Recording
from .checksum import ALGORITHMS, sign
from .errors import BBBError, connection_cause
from .limits import DEFAULT_REQUEST_TIMEOUT, Budget
from .paging import FORMAT_BATCH, Pager, Progress
from .urls import api_base, server_name
from .xmlparse import CHUNK, Reply, parse_chunks

log = logging.getLogger(__name__)

__all__ = ["BBBClient", "Progress", "api_base", "merge_formats"]

Relevant = Callable[[list[Recording]], Collection[str]]
"""Given the listing, the record IDs whose formats matter (:meth:`BBBClient.list_recordings`)."""


class BBBClient(Pager):
    """A client of one BBB or Scalelite server's getRecordings call."""

    def __init__(self, url: str, secret: str, *, checksum: str = "sha256", timeout: float = 60,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT, retries: int = 4,
                 paging: str = "auto", page_size: int = 100, verify_tls: bool = True,
                 session: requests.Session | None = None, backoff_seconds: float = 1.0,
                 concurrency: int = 2):
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
        if not timeout > 0 or not request_timeout > 0:
            raise ValueError("timeouts must be positive")
        self.api_url = api_base(url)
        self.server = server_name(self.api_url)  # host only: never the user or password
        self._secret = secret
        self.checksum = checksum
        self.timeout = timeout
        self.request_timeout = request_timeout
        self.retries = retries
        self.paging = paging
        self.page_size = page_size
        self.verify_tls = verify_tls
        self.backoff_seconds = backoff_seconds
        self.session = session or requests.Session()
        self.warnings: list[str] = []  # skipped or repaired recordings, wrong counts …
        self.concurrency = concurrency
        self.requests_made = 0
        self._count_lock = threading.Lock()
        self.paged = False  # True once a server answered with totalElements (BBB 2.6+)
        self.sharded = False  # True when that listing was read by recordID prefixes (shards)

    def __repr__(self) -> str:  # never shows the secret
        return f"BBBClient({self.server!r}, checksum={self.checksum!r}, paging={self.paging!r})"

    # -- requests -----------------------------------------------------------------------------

    def _signed_url(self, params: Mapping[str, str]) -> str:
        # Commas (recordID=a,b,…) stay as they are, as BBB's own examples write them: a query
        # without "%" takes urllib3's fast path instead of a Python loop over each character.
        query = urlencode(list(params.items()), safe=",")
        checksum = sign("getRecordings", query, self._secret, self.checksum)
        return f"{self.api_url}getRecordings?{query}{'&' if query else ''}checksum={checksum}"

    def _call(self, params: Mapping[str, str], budget: Budget | None = None, *,
              failed_ok: bool = False) -> Reply:
        """One getRecordings request, parsed, with retries; raises BBBError on FAILED.

        ``failed_ok``: a FAILED reply (other than a retried ``unexpectedError``) is returned.
        """
        attempt = 0
        while True:
            try:
                reply = self._call_once(params, budget)
                if reply.returncode != "SUCCESS" and not (
                        failed_ok and reply.message_key != "unexpectedError"):
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
                self._warn(f"recording skipped: {line}")
            for line in reply.repaired:
                self._warn(f"repaired: {line}")
            return reply

    def _call_once(self, params: Mapping[str, str], budget: Budget | None) -> Reply:
        url = self._signed_url(params)
        with self._count_lock:
            self.requests_made += 1
        deadline = time.monotonic() + self.request_timeout
        wait = min(self.timeout, self.request_timeout)
        try:
            resp = self.session.get(url, timeout=(wait, wait), stream=True,
                                    verify=self.verify_tls, headers={"Accept": "application/xml"})
        except requests.Timeout:
            raise BBBError(self.server, "timeout", f"no answer within {wait:g} s",
                           retryable=True) from None
        except requests.RequestException as exc:
            raise BBBError(self.server, "connectionError", connection_cause(exc),
                           retryable=True) from None
        with resp:
            if resp.status_code >= 400:
                raise BBBError(self.server, f"http{resp.status_code}",
                               f"HTTP {resp.status_code} {resp.reason or ''}".strip()
                               + _HTTP_HINTS.get(resp.status_code, ""),
                               retryable=resp.status_code >= 500)
            return parse_chunks(self._body(resp, deadline), self.server, budget)

    def _body(self, resp: requests.Response, deadline: float) -> Iterator[bytes]:
        """The decompressed body, one socket read at a time, within the deadline."""
        received = 0
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BBBError(self.server, "timeout", self._late(received), retryable=True)
                _read_timeout(resp, min(self.timeout, left))
                data = resp.raw.read1(CHUNK, decode_content=True)
                if not data:
                    return
                received += len(data)
                yield data
        except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
            if time.monotonic() >= deadline - 0.05:
                raise BBBError(self.server, "timeout", self._late(received), retryable=True
                               ) from None
            raise BBBError(self.server, "timeout", f"reply stalled for {self.timeout:g} s",
                           retryable=True) from None
        except urllib3.exceptions.DecodeError as exc:
            raise BBBError(self.server, "invalidEncoding",
                           f"the compressed reply is corrupt ({_describe(exc)})") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise BBBError(self.server, "invalidXML", f"reply cut short ({_describe(exc)})",
                           retryable=True) from None

    def _late(self, received: int) -> str:
        return (f"reply not complete after {self.request_timeout:g} s "
                f"(source.requestTimeoutSeconds; {received:,} bytes received)")

    # -- listings -----------------------------------------------------------------------------

    def list_recordings(self, *, states: Iterable[str] = ("published", "unpublished"),
                        meta: Mapping[str, str] | None = None, meeting_ids: Iterable[str] = (),
                        record_ids: Iterable[str] = (), progress: Progress | None = None,
                        relevant: Relevant | None = None) -> list[Recording]:
        """Every matching recording once, formats merged by recordID.

        BBB 2.6+ drops duplicate recordIDs *before* merging formats when paging, so a paged
        listing may show one format of a recording that has several. Such a server is read by
        record ID prefixes (``shards``: formats complete, nothing to re-read) when it can be.
        After a listing walked page by page instead, the formats that can have been hidden are
        re-read with unpaged ``recordID`` queries (100 IDs per request): those of the
        recordings ``relevant`` names (the plan's selection; default all), and among them only
        the ones without a ``video`` shown (the plan prefers the video, so a hidden format
        cannot change their action). Nothing is re-read when some page already showed a
        recording with several formats: such a server merges first.
        """
        states = list(states)
        merged = merge_formats(self.iter_recordings(
            states=states, meta=meta, meeting_ids=meeting_ids, record_ids=record_ids,
            progress=progress))
        if (self.paged and not self.sharded and merged
                and not any(len(r.playbacks) > 1 for r in merged)):
            wanted = set(relevant(merged)) if relevant is not None else None
            todo = [n for n, r in enumerate(merged)
                    if (wanted is None or r.record_id in wanted)
                    and not any(p.type == "video" for p in r.playbacks)]
            if todo:
                self._complete_formats(merged, todo, states, progress)
        return merged

    def _complete_formats(self, out: list[Recording], todo: list[int], states: list[str],
                          progress: Progress | None = None) -> None:
        """Re-read the formats of ``out[i] for i in todo``, batch by batch, in place."""
        log.info("%s: re-reading the formats of %d of %d recordings (BBB 2.6+ pages may hide "
                 "some)", self.server, len(todo), len(out))
        batches = [todo[n:n + FORMAT_BATCH] for n in range(0, len(todo), FORMAT_BATCH)]
        replies = self._in_order(
            lambda batch: self._call(self._filters(
                states or ["any"], None, (), [out[i].record_id for i in batch])), batches)
        done = 0
        for batch, reply in zip(batches, replies, strict=True):
            full = {r.record_id: r for r in merge_formats(reply.recordings)}
            for index in batch:
                other = full.get(out[index].record_id)
                if other is not None:
                    out[index] = _merge(out[index], other)
            done += len(batch)
            if progress:
                progress(done, len(todo))

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


def _read_timeout(resp: requests.Response, seconds: float) -> None:
    """Allow the next socket read only ``seconds`` (what is left of the deadline)."""
    connection = getattr(resp.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(0.01, seconds))


def _describe(exc: BaseException) -> str:
    """An exception's type and message, without any URL (URLs carry the checksum)."""
    text = str(exc)
    if "checksum=" in text or "http" in text or "@" in text:
        return type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
