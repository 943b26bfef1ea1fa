"""Write getRecordings replies, in bbb-web's or Scalelite's element order.

Used by the simulator (which streams a reply one recording at a time) and by the listing cache
(which saves what was listed as a getRecordings reply, so a cache file and a raw reply saved
from a real server, such as Pod's ``getRecordings.xml``, are read by the same parser).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import IO
from xml.sax.saxutils import escape, quoteattr

from ..models import Recording

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# Scalelite removes these keys from the metadata it returns (Recording::INTERNAL_METADATA).
SCALELITE_INTERNAL_METADATA = frozenset({"isBreakout", "meetingId", "meetingName"})


def cdata(text: str) -> str:
    """A CDATA section holding ``text`` (a ``]]>`` inside is split across two sections)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _el(tag: str, value: object) -> str:
    return f"<{tag}>{escape(str(value))}</{tag}>"


def _millis(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def recording_xml(rec: Recording, *, url_prefix: str = "", scalelite: bool = False) -> str:
    """One ``<recording>`` element. Relative playback URLs get ``url_prefix`` in front."""
    parts = ["<recording>", _el("recordID", rec.record_id), _el("meetingID", rec.meeting_id)]
    if not scalelite:
        parts.append(_el("internalMeetingID", rec.internal_meeting_id or rec.record_id))
    parts.append(f"<name>{cdata(rec.name)}</name>")
    if not scalelite:
        parts.append(_el("isBreakout", str(rec.is_breakout).lower()))
    parts += [_el("published", str(rec.published).lower()), _el("state", rec.state),
              _el("startTime", _millis(rec.start_time))]
    if rec.end_time is not None:
        parts.append(_el("endTime", _millis(rec.end_time)))
    if rec.participants is not None:
        parts.append(_el("participants", rec.participants))
    if rec.raw_size is not None and not scalelite:
        parts.append(_el("rawSize", rec.raw_size))
    parts.append("<metadata>")
    for key, value in rec.metadata.items():
        if scalelite and key in SCALELITE_INTERNAL_METADATA:
            continue
        parts.append(f"<{key}>{cdata(value)}</{key}>")
    parts.append("</metadata><playback>")
    for pb in rec.playbacks:
        url = url_prefix + pb.url if pb.url.startswith("/") else pb.url
        parts += ["<format>", _el("type", pb.type), _el("url", url)]
        timing = []
        if pb.processing_time_ms is not None:
            timing.append(_el("processingTime", pb.processing_time_ms))
        if pb.length_minutes is not None:
            timing.append(_el("length", pb.length_minutes))
        parts += reversed(timing) if scalelite else timing  # Scalelite: length first
        if pb.size is not None and not scalelite:
            parts.append(_el("size", pb.size))
        if pb.previews:
            parts.append("<preview><images>")
            for img in pb.previews:
                attrs = f" alt={quoteattr(img.alt)}"
                if img.height is not None:
                    attrs += f' height="{img.height}"'
                if img.width is not None:
                    attrs += f' width="{img.width}"'
                img_url = url_prefix + img.url if img.url.startswith("/") else img.url
                parts.append(f"<image{attrs}>{escape(img_url)}</image>")
            parts.append("</images></preview>")
        parts.append("</format>")
    parts.append("</playback></recording>")
    return "".join(parts)


def write_reply(recordings: Iterable[Recording], out: IO[str]) -> int:
    """Write a SUCCESS reply holding ``recordings``; returns how many were written."""
    count = 0
    out.write(XML_DECLARATION + "<response><returncode>SUCCESS</returncode><recordings>")
    for rec in recordings:
        out.write(recording_xml(rec))
        count += 1
    out.write("</recordings>")
    if count == 0:
        out.write("<messageKey>noRecordings</messageKey>"
                  "<message>There are no recordings for the meeting(s).</message>")
    out.write("</response>\n")
    return count
