"""Streaming, safe, bounded parser of ``getRecordings`` replies.

The reply of a large server is tens of MB, and a hostile or broken one can be anything. Its
bytes go, as they arrive, through :class:`~bbb_migrate.source.sanitize.ReplyBytes` (invalid
UTF-8 and XML-illegal characters become U+FFFD, remembered by position; the reply's size is
capped; defusedxml's parser checks the prolog, so a DTD, and with it any entity declaration,
"billion laughs" or XXE, is refused before anything is expanded) into ElementTree's C
``iterparse``. Each ``<recording>`` becomes a :class:`~bbb_migrate.models.Recording` at its end
tag and its XML is dropped at once; everything else is dropped as soon as it ends. Memory holds
the Recording values and one recording's XML, never the document.

Limits (``limits``): one element's text, one recording's size, the reply's size, the nesting
depth and the listing's memory. Over any of them (only a hostile or broken server gets there)
the reply is refused, naming the limit and the recording it was in. A recording that cannot be
understood is skipped with a line in :attr:`Reply.skipped` naming it; a repaired one is kept
with a line in :attr:`Reply.repaired`. Neither stops the listing.

Every reply shape seen in the wild parses: the four "no recordings" variants (with or without a
``<recordings>`` element, messageKey before or after it), optional elements missing, CDATA with
surrounding whitespace, formats other than presentation/video.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from ..models import Playback, PreviewImage, Recording
from .errors import BBBError
from .limits import (
    MAX_DEPTH,
    MAX_RECORDING_BYTES,
    MAX_RECORDING_ELEMENTS,
    MAX_REPLY_BYTES,
    MAX_TEXT_BYTES,
    Budget,
    SharedStrings,
    recording_cost,
    size_text,
)
from .sanitize import ReplyBytes, TooBroken

CHUNK = 64 * 1024
_TOP_LEVEL = frozenset({"returncode", "messageKey", "message", "totalElements"})


@dataclass
class Reply:
    """What one getRecordings reply said."""

    returncode: str = ""
    message_key: str = ""
    message: str = ""
    total_elements: int | None = None  # present only on paging (2.6+) servers
    has_recordings_element: bool = False  # False = bbb-web's "fetch all refused" shape
    recordings: list[Recording] = field(default_factory=list)
    count: int = 0  # <recording> elements seen, kept or not (how full the page was)
    skipped: list[str] = field(default_factory=list)  # one line per recording left out
    repaired: list[str] = field(default_factory=list)  # one line per recording repaired


class _Parse:
    """One reply being parsed: the event loop and the limits that depend on it."""

    def __init__(self, server: str, budget: Budget | None, chunks: Iterable[bytes],
                 max_bytes: int):
        self.server = server
        self.budget = budget
        self.reply = Reply()
        self.cost = 0  # estimated bytes of the recordings kept from this reply
        self.shared = budget.shared if budget is not None else SharedStrings()
        self.bytes = ReplyBytes(chunks, max_bytes, self.error, self.check)
        self.at_event = 0  # bytes handed to the parser when the last event came
        self.rec_start = -1  # bytes handed out when the current <recording> started (-1: none)
        self.rec_elements = 0
        self.repairs_seen = 0

    def error(self, key: str, message: str) -> BBBError:
        return BBBError(self.server, key, message)

    def where(self) -> str:
        if self.rec_start >= 0:
            return f" in recording #{self.reply.count + 1}"
        return ""

    def check(self) -> None:
        """Before each read: a text that grows with no element starting or ending is refused."""
        if self.bytes.out - self.at_event > MAX_TEXT_BYTES:
            raise self.error("replyTooLarge", f"an element's text is longer than "
                             f"{size_text(MAX_TEXT_BYTES)} (MAX_TEXT_BYTES){self.where()}")

    def run(self) -> Reply:
        reply, stack = self.reply, []
        current: Element | None = None
        # S314: the C parser reads only what ReplyBytes let through, whose prolog defusedxml
        # checked (no DTD, hence no entity declaration can follow).
        for event, elem in iterparse(self.bytes, events=("start", "end")):  # noqa: S314
            self.at_event = self.bytes.out
            if event == "start":
                stack.append(elem)
                depth = len(stack)
                if current is not None:
                    self.rec_elements += 1
                    if (self.rec_elements > MAX_RECORDING_ELEMENTS
                            or self.at_event - self.rec_start > MAX_RECORDING_BYTES):
                        raise self.error("recordingTooLarge", (
                            f"recording #{reply.count + 1} ({_id_hint(current)}) is larger than "
                            f"{size_text(MAX_RECORDING_BYTES)} or "
                            f"{MAX_RECORDING_ELEMENTS:,} elements (MAX_RECORDING_BYTES): reply "
                            "refused"))
                elif depth == 1 and elem.tag != "response":
                    raise self.error("invalidXML", f"reply is <{str(elem.tag)[:40]}>, not a "
                                     "getRecordings <response>")
                elif depth == 2 and elem.tag == "recordings":
                    reply.has_recordings_element = True
                elif depth == 3 and elem.tag == "recording" and stack[1].tag == "recordings":
                    current = elem
                    self.rec_start, self.rec_elements = self.at_event, 0
                if depth > MAX_DEPTH:
                    raise self.error("replyTooLarge", f"elements nested deeper than {MAX_DEPTH} "
                                     f"(MAX_DEPTH){self.where()}")
                continue
            stack.pop()
            if elem is current:
                self.finish(elem)
                current, self.rec_start = None, -1
                stack[-1].clear()  # drop the recording from <recordings>
            elif current is None and stack:
                if len(stack) == 1 and elem.tag in _TOP_LEVEL:
                    self.top_level(elem.tag, (elem.text or "").strip())
                stack[-1].clear()  # outside recordings nothing is kept once it ended
        if self.budget is not None:
            self.budget.commit(self.cost)
        outside = len(self.bytes.repairer.positions) - self.repairs_seen
        if outside > 0:
            reply.repaired.append(f"{outside} invalid byte(s) or character(s) outside "
                                  "any recording replaced by U+FFFD")
        return reply

    def top_level(self, tag: str, text: str) -> None:
        """returncode, messageKey, message or totalElements, directly under <response>."""
        reply = self.reply
        if tag == "returncode":
            reply.returncode = text[:100]
        elif tag == "messageKey":
            reply.message_key = text[:100]
        elif tag == "message":
            reply.message = text[:1000]
        else:
            try:
                reply.total_elements = int(text)
            except ValueError:
                reply.total_elements = None

    def finish(self, elem: Element) -> None:
        """One ``</recording>``: keep it, or say why not."""
        reply = self.reply
        reply.count += 1
        positions = self.bytes.repairer.positions
        repairs = bisect.bisect_right(positions, self.bytes.out) - self.repairs_seen
        self.repairs_seen += repairs
        try:
            recording, cost, shared = recording_from_element(elem)
        except ValueError as exc:
            reply.skipped.append(f"recording #{reply.count} ({_id_hint(elem)}): {exc}")
            return
        if repairs > 0:
            if "\ufffd" in recording.record_id:
                reply.skipped.append(f"recording #{reply.count} ({_id_hint(elem)}): its "
                                     "recordID holds invalid UTF-8 or an XML-illegal character")
                return
            reply.repaired.append(f"recording {recording.record_id}: {repairs} invalid "
                                  "byte(s) or character(s) replaced by U+FFFD")
        self.cost += cost + self.shared.cost(shared)
        if self.budget is not None:
            self.budget.check(self.cost, len(reply.recordings) + 1)
        reply.recordings.append(recording)


def parse_chunks(chunks: Iterable[bytes], server: str, budget: Budget | None = None, *,
                 max_bytes: int = MAX_REPLY_BYTES) -> Reply:
    """Parse a reply from its (decompressed) chunks; raise :class:`BBBError` if unusable.

    A FAILED reply is returned as is (``returncode == "FAILED"``); the caller decides.
    Errors: ``unsafeXML`` (DTD, entities), ``invalidXML`` (malformed: the same bytes would come
    again, so ``retryable`` only when the reply merely stopped early), ``replyTooLarge``,
    ``listingTooLarge``, ``invalidUTF8`` (not retryable).
    """
    parse = _Parse(server, budget, chunks, max_bytes)
    try:
        return parse.run()
    except ParseError as exc:
        if parse.bytes.ended:  # an element or token still open at the end: it stopped early
            raise BBBError(server, "invalidXML", f"reply cut short ({exc})",
                           retryable=True) from None
        raise BBBError(server, "invalidXML", f"reply is not well-formed XML ({exc})"
                       ) from None
    except TooBroken as exc:
        raise BBBError(server, "invalidUTF8", str(exc)) from None


def parse_reply(stream: IO[bytes], server: str, budget: Budget | None = None) -> Reply:
    """Parse a whole reply from a binary stream (a file, a cache); see :func:`parse_chunks`."""
    return parse_chunks(iter(lambda: stream.read(CHUNK), b""), server, budget)


def _id_hint(elem: Element) -> str:
    for tag in ("recordID", "internalMeetingID"):
        child = elem.find(tag)
        if child is not None and (child.text or "").strip():
            return f"recordID {(child.text or '').strip()[:200]}"
    return "no recordID"


def _int(text: str | None) -> int | None:
    """An optional number; BBB writes integers, Scalelite sometimes floats."""
    if not text:
        return None
    try:
        return int(float(text))
    except (ValueError, OverflowError):  # "nan", "inf": unknown, like a missing value
        return None


def _time(text: str, what: str) -> datetime:
    try:
        millis = int(text)
    except ValueError:
        raise ValueError(f"{what} {text[:40]!r} is not epoch milliseconds") from None
    if millis < 0:
        raise ValueError(f"{what} {text[:40]!r} is before 1970")
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # out of datetime's range: one bad recording
        raise ValueError(f"{what} {text[:40]!r} is out of range") from None


def recording_from_element(elem: Element) -> tuple[Recording, int, list[str]]:
    """One ``<recording>`` → (Recording, its cost in bytes, its shared strings); ValueError why.

    Shared strings (metadata keys and short values, interned) are stored once however many
    recordings use them: the listing counts each once (:meth:`Budget.shared_cost`).

    The cost (:func:`~bbb_migrate.source.limits.recording_cost`) is what the listing's memory
    budget counts. One pass over the children: this runs for every recording of a listing.
    """
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    playback: Element | None = None
    breakout = False
    for child in elem:
        tag = child.tag
        if tag == "metadata":
            for item in child:
                value = (item.text or "").strip()
                # Moodle metadata repeats (origin, version, server, course): share the strings.
                metadata[item.tag] = sys.intern(value) if len(value) < 128 else value
        elif tag == "playback":
            playback = child
        elif tag == "breakout":
            breakout = True
        else:
            fields[tag] = child.text or ""
    text = fields.get
    record_id = (text("recordID") or text("internalMeetingID") or "").strip()
    if not record_id:
        raise ValueError("no recordID")
    meeting_id = (text("meetingID") or "").strip() or metadata.get("meetingId", "")
    if not meeting_id:
        raise ValueError("no meetingID")
    start_text = (text("startTime") or "").strip()
    if not start_text:
        raise ValueError("no startTime")
    start = _time(start_text, "startTime")
    end_text = (text("endTime") or "").strip()
    end = _time(end_text, "endTime") if end_text else None
    name = (text("name") or "").strip() or metadata.get("meetingName", "")
    published_text = (text("published") or "").strip().lower()
    state = (text("state") or "").strip() or ("published" if published_text == "true" else "")
    breakout = breakout or (text("isBreakout") or "").strip().lower() == "true"
    playbacks, strings = _playbacks(playback)
    internal = (text("internalMeetingID") or "").strip() or record_id
    strings += [record_id, meeting_id, name, internal]
    strings += [v for v in metadata.values() if len(v) >= 128]
    shared = [*metadata.keys(), *(v for v in metadata.values() if len(v) < 128)]
    recording = Recording(
        record_id=record_id,
        meeting_id=meeting_id,
        name=name,
        start_time=start,
        end_time=end,
        internal_meeting_id=internal,
        state=sys.intern(state),
        published=published_text == "true" if published_text else state == "published",
        participants=_int(text("participants")),
        raw_size=_int(text("rawSize")),
        is_breakout=breakout,
        metadata=metadata,
        playbacks=playbacks,
    )
    objects = sum(1 + len(p.previews) for p in playbacks)
    return recording, recording_cost(strings, objects, len(metadata)), shared


def _playbacks(playback: Element | None) -> tuple[tuple[Playback, ...], list[str]]:
    playbacks: list[Playback] = []
    strings: list[str] = []
    if playback is None:
        return (), strings
    for fmt in playback:
        if fmt.tag != "format":
            continue
        values: dict[str, str] = {}
        previews: list[PreviewImage] = []
        for child in fmt:
            if child.tag == "preview":
                previews += _previews(child)
            else:
                values[child.tag] = child.text or ""
        kind, url = values.get("type", "").strip(), values.get("url", "").strip()
        if not kind or not url:
            continue  # a <format> without type or url cannot be used
        strings.append(url)
        strings += [p.url for p in previews]
        playbacks.append(Playback(
            type=sys.intern(kind), url=url, length_minutes=_int(values.get("length")),
            size=_int(values.get("size")), processing_time_ms=_int(values.get("processingTime")),
            previews=tuple(previews),
        ))
    return tuple(playbacks), strings


def _previews(preview: Element) -> list[PreviewImage]:
    out = []
    for images in preview:
        for img in images:
            url = (img.text or "").strip()
            if img.tag == "image" and url:
                attrib = img.attrib
                out.append(PreviewImage(url=url, alt=sys.intern(attrib.get("alt", "")),
                                        width=_int(attrib.get("width")),
                                        height=_int(attrib.get("height"))))
    return out
