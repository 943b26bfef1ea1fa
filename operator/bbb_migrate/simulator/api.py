"""The simulated ``/bigbluebutton/api/`` endpoint: getRecordings as bbb-web or Scalelite answer it.

Implemented from the behaviour read in bbb-web (``ParamsProcessorUtil``, ``MeetingService``,
``RecordingServiceFileImpl``) and Scalelite (``bigbluebutton_api_controller.rb``): checksum by
length with an allowed set, ``state``/``meetingID``/``recordID`` (prefix)/``meta_*`` filters,
2.6+ ``offset``/``limit`` with ``totalElements``, ``allowFetchAllRecordings``, and Scalelite's
differences (no paging, no sha384, newest first, internal metadata stripped, its own texts).
Replies are generated and sent in chunks, so 50,000 recordings never form one string.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from ..models import Recording
from ..source.checksum import strip_checksum, verify
from ..source.xmlwrite import XML_DECLARATION, recording_xml
from .config import SimulatorConfig

CHUNK_BYTES = 64 * 1024
DEFAULT_STATES = ("published", "unpublished")


def failed(key: str, message: str) -> str:
    """A FAILED reply."""
    return (f"{XML_DECLARATION}<response><returncode>FAILED</returncode>"
            f"<messageKey>{escape(key)}</messageKey><message>{escape(message)}</message>"
            "</response>")


def empty_reply(shape: str, total: int | None = None) -> str:
    """The four "no recordings" shapes: A bbb-web, B fetch-all refused, C Scalelite, D api-php."""
    head = f"{XML_DECLARATION}<response><returncode>SUCCESS</returncode>"
    total_xml = f"<totalElements>{total}</totalElements>" if total is not None else ""
    if shape == "A":
        return (head + "<recordings></recordings><messageKey>noRecordings</messageKey>"
                "<message>There are no recordings for the meeting(s).</message>"
                + total_xml + "</response>")
    if shape == "B":
        return (head + "<messageKey>noRecordings</messageKey><message>No recordings found. "
                "This may occur if you attempt to retrieve all recordings.</message></response>")
    if shape == "C":
        return (head + "<recordings/><messageKey>noRecordings</messageKey>"
                "<message>There are not recordings for the meetings</message></response>")
    if shape == "D":
        return (head + "<messageKey>noRecordings</messageKey><message>No recordings found"
                "</message><recordings/></response>")
    raise ValueError(f"unknown empty shape {shape!r}")


MALFORMED_RECORDING = (
    "<recording><recordID>broken-0000000000000</recordID><meetingID>broken</meetingID>"
    "<name><![CDATA[  Broken  ]]></name>"
    "<published>true</published><state>published</state><startTime>yesterday</startTime>"
    "<metadata/><playback/></recording>"
)


class Answer:
    """What the handler sends: a status, a content type and body chunks."""

    def __init__(self, status: int, chunks: Iterator[bytes] | Sequence[bytes],
                 content_type: str = "text/xml;charset=utf-8", delay: float = 0.0):
        self.status = status
        self.chunks = chunks
        self.content_type = content_type
        self.delay = delay


def _one(status: int, text: str, content_type: str = "text/xml;charset=utf-8",
         delay: float = 0.0) -> Answer:
    return Answer(status, [text.encode("utf-8")], content_type, delay)


def answer(config: SimulatorConfig, take_fault: Callable[[str], bool], index: Index, path: str,
           raw_query: str, base_url: str) -> Answer:
    """Answer one API GET. ``take_fault(name)`` atomically consumes one fault counter."""
    call = path[len("/bigbluebutton/api"):].strip("/")
    faults = config.faults
    delay = faults.delay_seconds
    if call == "":
        return _one(200, f"{XML_DECLARATION}<response><returncode>SUCCESS</returncode>"
                    "<version>2.0</version><apiVersion>2.0</apiVersion>"
                    f"<bbbVersion>{'' if config.scalelite else '2.7.0'}</bbbVersion></response>",
                    delay=delay)
    if take_fault("http_500"):
        return _one(500, "<html><body><h1>500 Internal Server Error</h1></body></html>",
                    "text/html", delay)
    query, checksum = strip_checksum(raw_query)
    if take_fault("checksum_error") or checksum is None or not verify(
            call, query, checksum, config.secret, config.allowed_checksums()):
        message = ("You did not pass the checksum security check" if config.scalelite
                   else "Checksums do not match")
        return _one(200, failed("checksumError", message), delay=delay)
    if call != "getRecordings":
        return _one(200, failed("unsupportedRequest", "This API call is not simulated"),
                    delay=delay)
    params = dict(parse_qsl(query, keep_blank_values=True))
    meta = [(k[5:], v) for k, v in parse_qsl(query) if k.startswith("meta_")]
    truncate = take_fault("truncate")
    if faults.raw_reply is not None:
        return _one(200, faults.raw_reply, delay=delay)
    if faults.empty_shape:
        return _one(200, empty_reply(config.faults.empty_shape), delay=delay)

    record_ids = [r for r in params.get("recordID", "").split(",") if r]
    meeting_ids = [] if record_ids else [m for m in params.get("meetingID", "").split(",") if m]
    limit, offset = _paging(config, params)
    if (not config.scalelite and not config.allow_fetch_all and not record_ids
            and not meeting_ids and limit is None):
        return _one(200, empty_reply("B"), delay=delay)

    states = [s for s in params.get("state", "").split(",") if s] or list(DEFAULT_STATES)
    selected = index.select(config, states, record_ids, meeting_ids, meta)
    total = len(selected) if config.total_elements else None
    if limit is not None:
        selected = selected[offset:offset + limit]
        if config.paging_drops_formats:
            selected = [replace(r, playbacks=r.playbacks[:1]) for r in selected]
    if not selected and not faults.malformed_recording:
        shape = "C" if config.scalelite else "A"
        return _one(200, empty_reply(shape, total if limit is not None else None), delay=delay)
    chunks = _stream(config, selected, base_url, total if limit is not None else None,
                     malformed=faults.malformed_recording and offset == 0 and not record_ids,
                     truncate=truncate)
    return Answer(200, chunks, delay=delay)


class Index:
    """The served recordings with a record ID index and a cache of recent selections.

    Walking 500 pages of 50,000 recordings must not filter 50,000 recordings 500 times, or the
    benchmark would measure the simulator instead of the client.
    """

    def __init__(self, recordings: Sequence[Recording]):
        self.recordings = list(recordings)
        self._by_id = sorted(self.recordings, key=lambda r: r.record_id)
        self._ids = [r.record_id for r in self._by_id]
        self._position = {id(r): n for n, r in enumerate(self.recordings)}
        self._cache: dict[tuple, list[Recording]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.recordings)

    def _with_prefix(self, prefix: str) -> list[Recording]:
        start = bisect.bisect_left(self._ids, prefix)
        end = start
        while end < len(self._ids) and self._ids[end].startswith(prefix):
            end += 1
        return self._by_id[start:end]

    def select(self, config: SimulatorConfig, states: list[str], record_ids: list[str],
               meeting_ids: list[str], meta: list[tuple[str, str]]) -> list[Recording]:
        """The matching recordings in the server's order (Scalelite: newest first)."""
        key = (config.scalelite, tuple(states), tuple(record_ids), tuple(meeting_ids),
               tuple(meta))
        with self._lock:
            cached = self._cache.get(key)
        if cached is not None:
            return cached
        if record_ids:
            found = {id(r): r for p in record_ids for r in self._with_prefix(p)
                     if config.record_id_prefix or r.record_id == p}
            candidates = sorted(found.values(), key=lambda r: self._position[id(r)])
        else:
            candidates = self.recordings
        selected = [r for r in candidates
                    if _matches(config, r, states, record_ids, meeting_ids, meta)]
        if config.scalelite:
            selected.sort(key=lambda r: r.start_time, reverse=True)
        with self._lock:
            if len(self._cache) >= 8:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = selected
        return selected


def _paging(config: SimulatorConfig, params: dict[str, str]) -> tuple[int | None, int]:
    """bbb-web 2.6+: limit clamped to 1..100 (unparsable: no paging), offset < 0 → 0."""
    if config.scalelite or not config.paging or "limit" not in params:
        return None, 0
    try:
        limit = min(100, max(1, int(params["limit"])))
    except ValueError:
        return None, 0
    try:
        offset = max(0, int(params.get("offset", "0")))
    except ValueError:
        offset = 0
    return limit, offset


def _meta_value_matches(pattern: str, value: str) -> bool:
    """bbb-web: exact, or ``%`` wildcards at the start, the end or both."""
    if len(pattern) >= 2 and pattern.startswith("%") and pattern.endswith("%"):
        return pattern[1:-1] in value
    if pattern.startswith("%"):
        return value.endswith(pattern[1:])
    if pattern.endswith("%"):
        return value.startswith(pattern[:-1])
    return value == pattern


def _matches(config: SimulatorConfig, rec: Recording, states: list[str], record_ids: list[str],
             meeting_ids: list[str], meta: list[tuple[str, str]]) -> bool:
    if "any" not in states and rec.state not in states:
        return False
    if record_ids and not any(rec.record_id.startswith(r) if config.record_id_prefix
                              else rec.record_id == r for r in record_ids):
        return False
    if meeting_ids and rec.meeting_id not in meeting_ids:
        return False
    if not meta:
        return True
    lowered = {k.lower(): v for k, v in rec.metadata.items()}
    if config.scalelite:  # OR across meta_ params, each an IN list, no wildcards
        return any(lowered.get(k.lower()) in v.split(",") for k, v in meta)
    return all(k.lower() in lowered and _meta_value_matches(v, lowered[k.lower()])
               for k, v in meta)


def _stream(config: SimulatorConfig, recordings: Sequence[Recording], base_url: str,
            total: int | None, *, malformed: bool, truncate: bool) -> Iterator[bytes]:
    """The reply in ~64 KB chunks; ``truncate`` stops half-way through, inside an element."""
    buffer = [XML_DECLARATION, "<response><returncode>SUCCESS</returncode><recordings>"]
    size = 0
    if malformed:
        buffer.append(MALFORMED_RECORDING)
    cut_at = max(1, len(recordings) // 2) if truncate else None
    for index, rec in enumerate(recordings):
        if cut_at is not None and index == cut_at:
            buffer.append("<recording><recordID>cut-")
            yield "".join(buffer).encode("utf-8")
            return
        if config.merge_formats or len(rec.playbacks) <= 1:
            text = recording_xml(rec, url_prefix=base_url, scalelite=config.scalelite)
        else:  # one <recording> per format, as unmerged bbb-web listings do
            text = "".join(recording_xml(replace(rec, playbacks=(pb,)), url_prefix=base_url,
                                         scalelite=config.scalelite) for pb in rec.playbacks)
        buffer.append(text)
        size += len(text)
        if size >= CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if cut_at is not None:
        buffer.append("<recording><recordID>cut-")
        yield "".join(buffer).encode("utf-8")
        return
    buffer.append("</recordings>")
    if total is not None:
        buffer.append(f"<totalElements>{total}</totalElements>")
    buffer.append("</response>")
    yield "".join(buffer).encode("utf-8")


def sleep_then(delay: float) -> None:
    """Slow-server fault: wait before the first byte."""
    if delay > 0:
        time.sleep(delay)
