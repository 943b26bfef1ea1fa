"""Streaming, safe parser of ``getRecordings`` replies.

The reply of a large server is tens of MB. It is read in chunks straight from the socket by
:func:`defusedxml.ElementTree.iterparse` (which refuses DTDs, entity declarations and external
references, so "billion laughs" and XXE payloads fail before any expansion), each
``<recording>`` becomes a :class:`~bbb_migrate.models.Recording` as soon as its end tag is read,
and its XML is dropped at once. Only the small values are kept, never the document.

Every reply shape seen in the wild parses: the four "no recordings" variants (with or without a
``<recordings>`` element, messageKey before or after it), optional elements missing, CDATA with
surrounding whitespace, formats other than presentation/video. A recording that cannot be
understood is reported in :attr:`Reply.skipped` and never stops the listing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..models import Playback, PreviewImage, Recording
from .errors import BBBError

log = logging.getLogger(__name__)


@dataclass
class Reply:
    """What one getRecordings reply said."""

    returncode: str = ""
    message_key: str = ""
    message: str = ""
    total_elements: int | None = None  # present only on paging (2.6+) servers
    has_recordings_element: bool = False  # False = bbb-web's "fetch all refused" shape
    recordings: list[Recording] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one line per malformed recording


def parse_reply(stream: IO[bytes], server: str,
                on_recording: Callable[[Recording], None] | None = None) -> Reply:
    """Parse a reply from a binary stream; raise :class:`BBBError` for unsafe or broken XML.

    A FAILED reply is returned as is (``returncode == "FAILED"``); the caller decides.
    Only "end" events are asked for (half the events of start+end, and defusedxml's parser is
    the pure-Python one): a ``<recording>`` with child elements is converted when it ends, then
    emptied, so only an empty shell per recording stays attached to the tree.
    """
    reply = Reply()
    position = 0
    try:
        events = SafeET.iterparse(stream, events=("end",), forbid_dtd=True)
        for _event, elem in events:
            if elem.tag != "recording" or len(elem) == 0:
                continue  # a metadata key named "recording" has no children
            position += 1
            try:
                recording = recording_from_element(elem)
            except ValueError as exc:
                reply.skipped.append(f"recording #{position} ({_id_hint(elem)}): {exc}")
            else:
                reply.recordings.append(recording)
                if on_recording is not None:
                    on_recording(recording)
            elem.clear()  # drop its XML: memory stays flat
        root = events.root
    except DefusedXmlException as exc:
        raise BBBError(server, "unsafeXML",
                       f"reply refused: {type(exc).__name__} (DTD/entities are never expanded)"
                       ) from None
    except ParseError as exc:
        raise BBBError(server, "invalidXML", f"reply is not complete XML ({exc})",
                       retryable=True) from None
    if root is None or root.tag != "response":
        tag = "nothing" if root is None else f"<{root.tag}>"
        raise BBBError(server, "invalidXML", f"reply is {tag}, not a getRecordings <response>")
    for child in root:
        _top_level(reply, child)
    reply.has_recordings_element = root.find("recordings") is not None
    return reply


def _top_level(reply: Reply, elem: Element) -> None:
    text = (elem.text or "").strip()
    if elem.tag == "returncode":
        reply.returncode = text
    elif elem.tag == "messageKey":
        reply.message_key = text
    elif elem.tag == "message":
        reply.message = text
    elif elem.tag == "totalElements":
        try:
            reply.total_elements = int(text)
        except ValueError:
            reply.total_elements = None


def _id_hint(elem: Element) -> str:
    rid = _text(elem, "recordID") or _text(elem, "internalMeetingID")
    return f"recordID {rid}" if rid else "no recordID"


def _text(elem: Element, tag: str) -> str:
    child = elem.find(tag)
    if child is None or child.text is None:
        return ""
    return child.text.strip()


def _int(text: str) -> int | None:
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
        raise ValueError(f"{what} {text!r} is not epoch milliseconds") from None
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):  # out of datetime's range: one bad recording
        raise ValueError(f"{what} {text!r} is out of range") from None


def recording_from_element(elem: Element) -> Recording:
    """One ``<recording>`` element → Recording; ValueError names what is wrong."""
    children = {child.tag: child for child in elem}  # one pass instead of a find() per field

    def text(tag: str) -> str:
        child = children.get(tag)
        return child.text.strip() if child is not None and child.text else ""

    record_id = text("recordID") or text("internalMeetingID")
    if not record_id:
        raise ValueError("no recordID")
    metadata: dict[str, str] = {}
    meta_elem = children.get("metadata")
    if meta_elem is not None:
        for child in meta_elem:
            value = (child.text or "").strip()
            # Moodle metadata repeats (origin, version, server, course): share the strings.
            metadata[child.tag] = sys.intern(value) if len(value) < 128 else value
    meeting_id = text("meetingID") or metadata.get("meetingId", "")
    if not meeting_id:
        raise ValueError("no meetingID")
    start_text = text("startTime")
    if not start_text:
        raise ValueError("no startTime")
    start = _time(start_text, "startTime")
    end_text = text("endTime")
    end = _time(end_text, "endTime") if end_text else None
    name = text("name") or metadata.get("meetingName", "")
    published_text = text("published").lower()
    state = text("state") or ("published" if published_text == "true" else "")
    breakout = text("isBreakout").lower() == "true" or "breakout" in children
    return Recording(
        record_id=record_id,
        meeting_id=meeting_id,
        name=name,
        start_time=start,
        end_time=end,
        internal_meeting_id=text("internalMeetingID") or record_id,
        state=state,
        published=published_text == "true" if published_text else state == "published",
        participants=_int(text("participants")),
        raw_size=_int(text("rawSize")),
        is_breakout=breakout,
        metadata=metadata,
        playbacks=tuple(_playbacks(children.get("playback"))),
    )


def _playbacks(playback_elem: Element | None) -> list[Playback]:
    playbacks: list[Playback] = []
    if playback_elem is None:
        return playbacks
    for fmt in playback_elem.findall("format"):
        kind, url = _text(fmt, "type"), _text(fmt, "url")
        if not kind or not url:
            log.warning("a <format> without type or url was ignored (type=%r)", kind)
            continue
        previews = tuple(
            PreviewImage(url=(img.text or "").strip(), alt=img.get("alt", ""),
                         width=_int(img.get("width", "")), height=_int(img.get("height", "")))
            for img in fmt.findall("preview/images/image")
            if (img.text or "").strip()
        )
        playbacks.append(Playback(
            type=kind, url=url, length_minutes=_int(_text(fmt, "length")),
            size=_int(_text(fmt, "size")), processing_time_ms=_int(_text(fmt, "processingTime")),
            previews=previews,
        ))
    return playbacks
