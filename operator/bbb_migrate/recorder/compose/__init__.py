"""The ``compose`` engine: the MP4 drawn from the recording's published files, no playback.

Reading order: ``files`` (fetch over HTTP into a private folder), ``timeline`` (the events of
shapes.svg, panzooms.xml, cursor.xml, deskshare.xml, slides_new.xml), ``tldraw`` (BBB 2.6+
whiteboards), ``layout`` (boxes per layout), ``svgstate`` + ``draw`` (each distinct still
picture rasterised once), ``encode`` (one ffmpeg run). ``plan_render`` decides what to draw;
``support`` says whether every feature the recording uses is drawn faithfully (``auto`` falls
back to the capture engine otherwise). See docs/recorder.md.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from defusedxml import ElementTree

from ...contract import ExitCode
from ..capture import VideoSettings
from ..errors import RecorderError
from ..log import EventLog
from ..procs import Child, TreeMeter
from ..source import USER_AGENT, Target, http_failure
from .draw import Stills
from .encode import HIDDEN, Plan, command, frames_for, media_info
from .files import Published, fetch_links, fetch_published
from .layout import LAYOUTS, Geometry, fit, geometry
from .svgstate import rasterise, state_svg
from .timeline import Timeline, frame_of, frame_time

__all__ = ["LAYOUTS", "Recording", "compose", "open_recording", "support"]

SUPPORTED_ELEMENTS = {"line", "path", "rect", "ellipse", "circle", "polygon", "polyline", "g",
                      "image", "switch", "foreignObject", "p", "br", "span", "div", "text",
                      "tspan", "title", "desc", "b", "i", "u", "strong", "em"}


class Recording:
    """One recording's files and timeline, fetched once (the engine choice reads it too)."""

    def __init__(self, published: Published, timeline: Timeline, work: Path):
        self.published = published
        self.timeline = timeline
        self.work = work

    def close(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def presentation_base(target: Target) -> str:
    parts = urlsplit(target.url)
    return f"{parts.scheme}://{parts.netloc}/presentation/{target.record_id}/"


def check_page(url: str, timeout: float) -> None:
    """The playback page answers as it does for the capture engine (a recording withdrawn
    from the server is not-found there, whatever files remain), so both engines exit alike."""
    try:
        with requests.get(url, stream=True, timeout=timeout,
                          headers={"User-Agent": USER_AGENT}) as response:
            status = response.status_code
    except requests.RequestException as error:
        raise http_failure(error, None, "playback page") from error
    if status >= 400:
        raise http_failure(None, status, "playback page")


def open_recording(target: Target, *, timeout: float = 60.0) -> Recording:
    """Fetch the published files of ``target`` into a new work folder and read the timeline."""
    check_page(target.url, timeout)
    work = Path(tempfile.mkdtemp(prefix="bbb-compose-"))
    try:
        published = fetch_published(presentation_base(target), work / "files", timeout=timeout)
        timeline = Timeline.read(published.texts)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return Recording(published, timeline, work)


def support(recording: Recording) -> str | None:
    """None when compose draws everything this recording uses; else what it cannot draw."""
    texts = recording.published.texts
    external = (texts.get("external_videos.json") or "").strip()
    if external not in ("", "[]", "{}"):
        return "the recording shares external videos (external_videos.json)"
    unknown = recording.timeline.shape_kinds - SUPPORTED_ELEMENTS
    if unknown:
        return f"annotations use SVG elements compose does not draw: {', '.join(sorted(unknown))}"
    timeline = recording.timeline
    if timeline.board is not None or timeline.tldraw_flag:
        reason = timeline.board.unsupported() if timeline.board else None
        if reason:
            return reason
        # tldraw recordings keep the cursor and the pan origin in tldraw's page space (the
        # camera), which compose does not reproduce: only unpanned zooms and no cursor.
        if any(x or y for _, (x, y, _w, _h) in timeline.panzooms):
            return "tldraw whiteboard with a panned view (tldraw camera)"
        if any(x >= 0 and y >= 0 for _, x, y in timeline.cursor):
            return "tldraw whiteboard with a cursor (tldraw page coordinates)"
    return None


def _cursor_plan(timeline: Timeline, geo: Geometry, fps: int, total: int
                 ) -> tuple[list[tuple[int, int, int]], int]:
    ax, ay, aw, ah = geo.area
    moves: list[tuple[int, int, int]] = []
    radii: list[float] = []
    frames = sorted({min(frame_of(t, fps), total - 1) for t in timeline.cursor_changes()})
    positions: list[tuple[int, float, float]] = []
    for frame in frames:
        t = frame_time(frame, fps)
        slide = timeline.slide_at(t)
        box = timeline.box_at(t, slide)
        point = timeline.cursor_at(t)
        if point is None or box is None or timeline.sharing_at(t):
            moves.append((frame, HIDDEN, HIDDEN))
            continue
        scale, dx, dy = fit(box, aw, ah)
        bx, by, bw, bh = box
        cx = ax + dx + (bx + point[0] * bw) * scale
        cy = ay + dy + (by + point[1] * bh) * scale
        radii.append(max(bw, bh) / 120 * scale)  # as the players draw it (see common.js)
        positions.append((frame, cx, cy))
        moves.append((frame, 0, 0))
    radius = max(2, round(sorted(radii)[len(radii) // 2])) if radii else 6
    centres = {frame: (cx, cy) for frame, cx, cy in positions}
    plan: list[tuple[int, int, int]] = []
    for frame, x, y in moves:
        if frame in centres:
            cx, cy = centres[frame]
            x, y = round(cx - radius - 1), round(cy - radius - 1)
        if not plan or plan[-1][1:] != (x, y):
            plan.append((frame, x, y))
    if plan and plan[0][0] > 0:
        plan.insert(0, (0, HIDDEN, HIDDEN))
    return plan, radius


def plan_render(recording: Recording, geo: Geometry, settings: VideoSettings, duration: float,
                *, chat: bool, title: str, start_ms: int) -> Plan:
    """Every still once, the segments in frames, the share intervals and the cursor moves."""
    timeline = recording.timeline
    fps = settings.fps
    total = frames_for(duration, fps)
    links = {slide.href for slide in timeline.slides}
    for draft in timeline.drafts:
        links.update(el.get("{http://www.w3.org/1999/xlink}href") or el.get("href") or ""
                     for el in draft.element.iter() if el.tag.endswith("image"))
    fetch_links(recording.published, links)
    chat_lines = [(line.name, line.message) for line in timeline.chat] if chat else None
    stills = Stills(recording.work / "stills", geo, title=title, start_ms=start_ms,
                    chat=chat_lines)
    with_chat = chat and geo.player_chrome
    cuts = sorted({0} | {frame_of(t, fps) for t in timeline.content_changes(with_chat)
                         if frame_of(t, fps) < total})
    segments: list[tuple[Path, int]] = []
    for index, first in enumerate(cuts):
        end = cuts[index + 1] if index + 1 < len(cuts) else total
        t = frame_time(first, fps)
        slide = timeline.slide_at(t)
        sharing = timeline.sharing_at(t)
        box = timeline.box_at(t, slide)
        drafts = () if sharing else timeline.drafts_at(t, slide)
        board = (timeline.board.shapes_at(t, slide.id) if timeline.board and slide and
                 not sharing else ())
        key = ("share",) if sharing else (slide.id if slide else None, box,
                                          tuple(d.id for d in drafts),
                                          tuple(id(shape) for shape in board))

        def area(size: tuple[int, int], slide=slide, box=box, drafts=drafts, board=board,
                 sharing=sharing) -> bytes | None:
            if sharing or slide is None:
                return None
            return rasterise(state_svg(recording.published, slide, box, drafts, size, board),
                             recording.published.folder)

        path = stills.still(key, area, timeline.chat_count_at(t) if with_chat else 0)
        if segments and segments[-1][0] == path:
            segments[-1] = (path, segments[-1][1] + end - first)
        else:
            segments.append((path, end - first))
    shares = [(frame_of(start, fps), min(frame_of(stop, fps), total))
              for start, stop in timeline.shares if frame_of(start, fps) < total]
    cursor, radius = _cursor_plan(timeline, geo, fps, total)
    return Plan(segments=segments, shares=[s for s in shares if s[1] > s[0]], cursor=cursor,
                cursor_radius=radius)


def _title_and_start(metadata: str | None) -> tuple[str, int]:
    """The meeting's name and start (epoch ms) from metadata.xml, for the player's title bar."""
    if not metadata:
        return "", 0
    try:
        root = ElementTree.fromstring(metadata.encode("utf-8"))
    except ElementTree.ParseError:
        return "", 0
    meeting = root.find("meeting")
    name = (meeting.get("name") if meeting is not None else None) or root.findtext(
        "meta/meetingName") or ""
    try:
        start = int((root.findtext("start_time") or "0").strip())
    except ValueError:
        start = 0
    return name, start


def compose(recording: Recording, output: Path, duration: float, settings: VideoSettings, *,
            layout: str, chat: bool, log: EventLog, deadline: float,
            meter: TreeMeter) -> dict[str, Any]:
    """Draw and encode ``recording`` into ``output``; facts for the result's ``extra``."""
    started = time.monotonic()
    title, start_ms = _title_and_start(recording.published.texts.get("metadata.xml"))
    geo = geometry(layout, settings.width, settings.height)
    plan = plan_render(recording, geo, settings, duration, chat=chat, title=title,
                       start_ms=start_ms)
    drawn = time.monotonic()
    log.info("stills", count=len({p for p, _ in plan.segments}), segments=len(plan.segments),
             seconds=round(drawn - started, 2))
    published = recording.published
    assert published.media is not None
    info = media_info(published.media)
    argv = command(plan, recording.work, geo, settings, media=published.media, media_info=info,
                   deskshare=published.deskshare, duration=duration, output=output)
    last: list[str] = []
    progress: dict[str, str] = {}

    def line(name: str, text: str) -> None:
        if "=" in text and " " not in text.strip():
            key, _, value = text.strip().partition("=")
            progress[key] = value
            return
        last[:] = [*last[-19:], text]
        log.debug("child-output", child=name, line=text[:500])

    child = Child("ffmpeg", argv, on_line=line)
    try:
        while child.alive():
            if time.monotonic() > deadline:
                raise RecorderError(ExitCode.DEADLINE, "deadline passed while encoding")
            meter.sample()
            time.sleep(0.2)
    finally:
        child.stop()
    status = child.proc.returncode
    if status != 0:
        raise RecorderError(ExitCode.CRASH, f"ffmpeg exited with {status}: "
                            + " | ".join(last[-3:]))
    return {
        "layout": layout, "stills": len({p for p, _ in plan.segments}),
        "segments": len(plan.segments), "shares": len(plan.shares),
        "cursor_moves": len(plan.cursor), "draw_seconds": round(drawn - started, 3),
        "encode_seconds": round(time.monotonic() - drawn, 3),
        "fetched_bytes": published.fetched_bytes, "audio_only": published.audio_only,
        "ffmpeg_progress": {k: v for k, v in progress.items()
                            if k in ("frame", "dup_frames", "drop_frames", "speed")},
    }
