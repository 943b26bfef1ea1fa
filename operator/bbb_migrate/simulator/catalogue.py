"""The recordings a simulator serves: read from a published folder and/or generated.

Playback URLs are kept relative (``/playback/presentation/2.3/ID``); the API prefixes the
simulator's own address when it answers, so the links work whatever port it listens on.
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as SafeET

from ..models import Playback, PreviewImage, Recording

log = logging.getLogger(__name__)

ORIGIN_SERVERS = (  # several Moodle front ends share one BBB server, unevenly
    ("moodle.univ-exemple.fr", 0.6),
    ("cours.univ-exemple.fr", 0.25),
    ("elearning.iut-exemple.fr", 0.1),
    ("moodle-archive.univ-exemple.fr", 0.05),
)
COURSES = (
    ("Mathématiques générales L1", "MATH-L1"),
    ("Droit « civil » et procédure", "DROIT-CIV"),
    ('Physique "quantique" avancée', "PHYS-Q"),
    ("L'anglais pour débutants 🇬🇧", "ANG-101"),
    ("Chimie & biologie <TP>", "CHIM-BIO"),
    ("Histoire de l'art — Renaissance", "HART-R"),
    ("Économie internationale", "ECO-INT"),
    ("Informatique: algorithmique 🐍", "INFO-ALGO"),
    ("Séminaire doctoral ]]> CDATA", "SEM-DOC"),
    ("Ελληνικά και 日本語", "LANG-MIX"),
)
ACTIVITIES = ("Cours magistral", "TD groupe", "Permanence", "Réunion d'équipe", "Soutenance")
FIRST_START = datetime(2020, 3, 16, 8, 0, tzinfo=UTC)
SPAN_SECONDS = 4 * 365 * 24 * 3600


def _pick_server(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for name, weight in ORIGIN_SERVERS:
        total += weight
        if roll < total:
            return name
    return ORIGIN_SERVERS[0][0]


def record_id_for(meeting_id: str, start: datetime) -> str:
    """BBB's recordID: sha1(meetingID) + '-' + start time in epoch milliseconds."""
    digest = hashlib.sha1(meeting_id.encode(), usedforsecurity=False).hexdigest()
    return f"{digest}-{round(start.timestamp() * 1000)}"


def generate(count: int, seed: int = 2024) -> list[Recording]:
    """``count`` realistic Moodle recordings, the same for the same seed, in a shuffled order."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not security)
    out = []
    for number in range(count):
        course_index = rng.randrange(len(COURSES))
        course, short = COURSES[course_index]
        course_id = 100 + course_index
        activity = rng.choice(ACTIVITIES)
        bbb_id = rng.randrange(1, 400)
        group = rng.choice((0, 0, 0, rng.randrange(1, 30)))
        meeting_id = (hashlib.sha1(f"{seed}-{bbb_id}".encode(), usedforsecurity=False)
                      .hexdigest() + f"-{course_id}-{bbb_id}[{group}]")
        start = FIRST_START + timedelta(seconds=rng.randrange(SPAN_SECONDS), milliseconds=number)
        minutes = rng.randrange(5, 180)
        end = start + timedelta(minutes=minutes, seconds=rng.randrange(60))
        record_id = record_id_for(meeting_id, start)
        name = f"{activity} — {course}" + (f" (Groupe {group})" if group else "")
        server = _pick_server(rng)
        metadata = {
            "bbb-origin": "Moodle",
            "bbb-origin-version": "4.1.5 (Build: 20230814)",
            "bbb-origin-server-name": server,
            "bbb-origin-server-common-name": "",
            "bbb-origin-tag": "moodle-mod_bigbluebuttonbn (2022112800)",
            "bbb-context": course,
            "bbb-context-id": str(course_id),
            "bbb-context-name": course,
            "bbb-context-label": short,
            "bbb-recording-name": name[:64],
            "bbb-recording-description": f"Séance {number % 24 + 1} de {short}"[:64],
            "bbb-recording-tags": "",
            "isBreakout": "false",
            "meetingId": meeting_id,
            "meetingName": name,
        }
        roll = rng.random()
        state = ("published" if roll < 0.85 else "unpublished" if roll < 0.95
                 else "processing" if roll < 0.98 else "deleted")
        playbacks = () if state == "processing" else _formats(rng, record_id, minutes)
        out.append(Recording(
            record_id=record_id, meeting_id=meeting_id, name=name, start_time=start,
            end_time=end, internal_meeting_id=record_id, state=state,
            published=state == "published", participants=rng.randrange(1, 300),
            raw_size=rng.randrange(10**6, 10**9), metadata=metadata, playbacks=playbacks,
        ))
    rng.shuffle(out)  # bbb-web lists folders in no useful order: the client must sort
    return out


def _formats(rng: random.Random, record_id: str, minutes: int) -> tuple[Playback, ...]:
    roll = rng.random()
    common = {"length_minutes": minutes, "processing_time_ms": rng.randrange(10**4, 10**7)}
    previews = tuple(
        PreviewImage(url=f"/presentation/{record_id}/presentation/d{n}/thumbnails/thumb-{n}.png",
                     alt=f"Diapositive {n}", width=176, height=136)
        for n in range(1, 4)
    ) if rng.random() < 0.5 else ()
    pres23 = Playback("presentation", f"/playback/presentation/2.3/{record_id}",
                      size=rng.randrange(10**5, 10**8), previews=previews, **common)
    pres20 = Playback("presentation",
                      f"/playback/presentation/2.0/playback.html?meetingId={record_id}",
                      previews=previews, **common)
    video = Playback("video", f"/playback/video/{record_id}/", size=rng.randrange(10**6, 10**9),
                     **common)
    if roll < 0.55:
        return (pres23,)
    if roll < 0.70:
        return (pres20,)
    if roll < 0.85:
        return (pres23, video)
    if roll < 0.90:
        return (video,)
    if roll < 0.95:
        return (pres23, Playback("podcast", f"/podcast/{record_id}/audio.ogg", **common))
    return (Playback("notes", f"/notes/{record_id}/notes.html", **common),)


# -- published folder ---------------------------------------------------------------------------

def load_published(published_dir: Path, video_dir: Path | None = None) -> list[Recording]:
    """One Recording per ``<record ID>/metadata.xml`` (folders without one are ignored)."""
    out = []
    for folder in sorted(p for p in published_dir.iterdir() if p.is_dir()):
        meta_path = folder / "metadata.xml"
        if not meta_path.is_file():
            continue
        try:
            recording = recording_from_metadata(meta_path)
        except (ValueError, OverflowError, OSError, SafeET.ParseError) as exc:
            # one unreadable or absurd folder (a time beyond datetime's range) must not stop
            # the simulator from serving the others
            log.warning("simulator: %s ignored: %s", meta_path, exc)
            continue
        if video_dir is not None and (video_dir / recording.record_id).is_dir():
            presentation = recording.playback("presentation")
            recording = _with_video(recording, presentation.length_minutes if presentation
                                    else None)
        out.append(recording)
    return out


def _with_video(recording: Recording, minutes: int | None) -> Recording:
    video = Playback("video", f"/playback/video/{recording.record_id}/", length_minutes=minutes)
    return replace(recording, playbacks=(*recording.playbacks, video))


def _child_text(elem: Element, path: str) -> str:
    child = elem.find(path)
    return (child.text or "").strip() if child is not None else ""


def _relative(url: str, record_id: str) -> str:
    """Keep a published link's path (and query) so it points at the simulator."""
    if not url:
        return f"/playback/presentation/2.3/{record_id}"
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def recording_from_metadata(path: Path) -> Recording:
    """A Recording from a published ``metadata.xml`` as BBB's recording scripts write it."""
    root = SafeET.parse(path, forbid_dtd=True).getroot()
    if root.tag != "recording":
        raise ValueError(f"root element is <{root.tag}>, not <recording>")
    record_id = _child_text(root, "id") or path.parent.name
    meeting = root.find("meeting")
    meta_elem = root.find("meta")
    metadata = {c.tag: (c.text or "").strip() for c in meta_elem} if meta_elem is not None else {}
    meeting_id = (meeting.get("externalId") if meeting is not None else None) \
        or metadata.get("meetingId", "")
    name = (meeting.get("name") if meeting is not None else None) \
        or metadata.get("meetingName", "")
    try:
        start = datetime.fromtimestamp(int(_child_text(root, "start_time")) / 1000, tz=UTC)
    except ValueError:
        raise ValueError("start_time is not epoch milliseconds") from None
    end_text = _child_text(root, "end_time")
    end = datetime.fromtimestamp(int(end_text) / 1000, tz=UTC) if end_text.isdigit() else None
    playbacks = []
    for pb in root.findall("playback"):
        duration = _child_text(pb, "duration")
        previews = tuple(
            PreviewImage(url=_relative((img.text or "").strip(), record_id),
                         alt=img.get("alt", ""),
                         width=int(img.get("width")) if img.get("width", "").isdigit() else None,
                         height=int(img.get("height")) if img.get("height", "").isdigit()
                         else None)
            for img in pb.findall("extensions/preview/images/image")
        )
        size = _child_text(pb, "size")
        processing = _child_text(pb, "processing_time")
        playbacks.append(Playback(
            type=_child_text(pb, "format") or "presentation",
            url=_relative(_child_text(pb, "link"), record_id),
            length_minutes=int(duration) // 60000 if duration.isdigit() else None,
            size=int(size) if size.isdigit() else None,
            processing_time_ms=int(processing) if processing.isdigit() else None,
            previews=previews,
        ))
    participants = _child_text(root, "participants")
    raw_size = _child_text(root, "raw_size") or _child_text(root, "rawSize")
    state = _child_text(root, "state") or "published"
    return Recording(
        record_id=record_id, meeting_id=meeting_id or record_id, name=name, start_time=start,
        end_time=end, internal_meeting_id=record_id, state=state,
        published=_child_text(root, "published").lower() != "false",
        participants=int(participants) if participants.isdigit() else None,
        raw_size=int(raw_size) if raw_size.isdigit() else None,
        is_breakout=(meeting.get("breakout", "false") == "true") if meeting is not None else False,
        metadata=metadata, playbacks=tuple(playbacks),
    )
