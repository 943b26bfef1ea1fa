"""The recording as a timeline of events, read from the published files (defusedxml).

What the presentation area shows at media time ``t`` follows BBB's players (research note
bbb-players.md §3, and the simulator's ``common.js`` which copies them):

- the slide is the ``image.slide`` with ``in <= t < out`` (the last one after the end);
- on that slide's canvas, each annotation key (the ``shape`` attribute: successive drafts of
  one stroke share it) shows its latest draft with ``timestamp <= t`` and not undone
  (``undo < 0 or t < undo``);
- the viewBox is the last ``panzooms.xml`` event at or before ``t`` (else the slide's size);
- the cursor is the last ``cursor.xml`` position (``-1 -1`` = hidden), relative to the viewBox;
- a screen share from ``deskshare.xml`` replaces the presentation between start and stop.

Times are quantised to the output frame grid: a change at ``c`` is first shown in frame
``ceil(c * fps)``, the first frame whose time is not before it, as a perfect player would.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from ...contract import ExitCode
from ..errors import RecorderError
from .tldraw import Board

SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Slide:
    id: str
    start: float
    end: float
    href: str
    width: float
    height: float


@dataclass
class Draft:
    """One version of one annotation (a ``g.shape``)."""

    id: str
    key: str
    image: str  # the slide image id its canvas belongs to
    start: float
    undo: float  # < 0: never undone
    element: Element = field(repr=False)


@dataclass(frozen=True)
class ChatLine:
    t: float
    name: str
    message: str


def _float(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value not in (None, "") else default
    except ValueError:
        return default


def _parse(text: str, name: str) -> Element:
    try:
        return ElementTree.fromstring(text.encode("utf-8"))
    except ElementTree.ParseError as error:
        raise RecorderError(ExitCode.UNSUPPORTED, f"{name} unreadable: {error}") from error


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class Timeline:
    """Everything time-dependent in the presentation area, sorted by time."""

    slides: list[Slide] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    panzooms: list[tuple[float, Box]] = field(default_factory=list)
    cursor: list[tuple[float, float, float]] = field(default_factory=list)
    shares: list[tuple[float, float]] = field(default_factory=list)
    chat: list[ChatLine] = field(default_factory=list)
    tldraw_flag: bool = False  # panzooms.xml / cursor.xml say tldraw="true"
    board: Board | None = None  # tldraw.json (BBB 2.6+ whiteboard)
    shape_kinds: set[str] = field(default_factory=set)  # element names used by annotations
    _pan_times: list[float] = field(default_factory=list, repr=False)
    _cursor_times: list[float] = field(default_factory=list, repr=False)
    _chat_times: list[float] = field(default_factory=list, repr=False)

    # ---- reading -------------------------------------------------------------------------
    @classmethod
    def read(cls, texts: dict[str, str | None]) -> Timeline:
        timeline = cls()
        shapes = texts.get("shapes.svg")
        if not shapes:
            raise RecorderError(ExitCode.NOT_FOUND, "shapes.svg missing")
        timeline._read_shapes(_parse(shapes, "shapes.svg"))
        timeline.board = Board.read(texts.get("tldraw.json"))
        for t, values in timeline._events(texts, "panzooms.xml", "viewBox", 4):
            box = (values[0], values[1], values[2], values[3])
            if box[2] > 0 and box[3] > 0:
                timeline.panzooms.append((t, box))
        for t, values in timeline._events(texts, "cursor.xml", "cursor", 2):
            timeline.cursor.append((t, values[0], values[1]))
        if texts.get("deskshare.xml"):
            root = _parse(texts["deskshare.xml"] or "", "deskshare.xml")
            for event in root.iter("event"):
                start, stop = _float(event.get("start_timestamp")), _float(
                    event.get("stop_timestamp"))
                if stop > start:
                    timeline.shares.append((start, stop))
        if texts.get("slides_new.xml"):
            root = _parse(texts["slides_new.xml"] or "", "slides_new.xml")
            for line in root.iter("chattimeline"):
                timeline.chat.append(ChatLine(_float(line.get("in")), line.get("name") or "",
                                              line.get("message") or ""))
        for series in (timeline.panzooms, timeline.cursor, timeline.shares):
            series.sort(key=lambda item: item[0])
        timeline.chat.sort(key=lambda line: line.t)
        timeline.slides.sort(key=lambda s: s.start)
        timeline._pan_times = [t for t, _ in timeline.panzooms]
        timeline._cursor_times = [t for t, _, _ in timeline.cursor]
        timeline._chat_times = [line.t for line in timeline.chat]
        return timeline

    def _events(self, texts: dict[str, str | None], name: str, tag: str, count: int
                ) -> list[tuple[float, list[float]]]:
        """``(timestamp, numbers)`` of each ``<event>`` of panzooms.xml or cursor.xml (both
        may say ``tldraw="true"`` on their root: a BBB 2.6+ whiteboard)."""
        if not texts.get(name):
            return []
        root = _parse(texts[name] or "", name)
        self.tldraw_flag |= root.get("tldraw") == "true"
        found = []
        for event in root.iter("event"):
            values = (event.findtext(tag) or "").split()
            if len(values) == count:
                found.append((_float(event.get("timestamp")), [_float(v, -1) for v in values]))
        return found

    def _read_shapes(self, root: Element) -> None:
        for image in root.iter(f"{SVG}image"):
            if "slide" not in (image.get("class") or "").split():
                continue
            self.slides.append(Slide(
                id=image.get("id") or "", start=_float(image.get("in")),
                end=_float(image.get("out"), math.inf),
                href=image.get(XLINK_HREF) or image.get("href") or "",
                width=_float(image.get("width"), 1), height=_float(image.get("height"), 1)))
        for canvas in root.iter(f"{SVG}g"):
            if "canvas" not in (canvas.get("class") or "").split():
                continue
            image_id = canvas.get("image") or ""
            for shape in canvas.iter(f"{SVG}g"):
                if "shape" not in (shape.get("class") or "").split():
                    continue
                self.drafts.append(Draft(
                    id=shape.get("id") or "", key=shape.get("shape") or shape.get("id") or "",
                    image=image_id, start=_float(shape.get("timestamp")),
                    undo=_float(shape.get("undo"), -1), element=shape))
                self.shape_kinds.update(_local(child.tag) for child in shape.iter()
                                        if child is not shape)

    # ---- what is shown at t --------------------------------------------------------------
    def slide_at(self, t: float) -> Slide | None:
        current = None
        for slide in self.slides:
            if slide.start <= t < slide.end:
                current = slide
        if current is None and self.slides and t >= self.slides[-1].start:
            current = max(self.slides, key=lambda s: s.end)  # after the last "out"
        return current

    def box_at(self, t: float, slide: Slide | None) -> Box | None:
        index = bisect_right(self._pan_times, t) - 1
        if index >= 0:
            return self.panzooms[index][1]
        return (0.0, 0.0, slide.width, slide.height) if slide else None

    def drafts_at(self, t: float, slide: Slide | None) -> tuple[Draft, ...]:
        if slide is None:
            return ()
        shown: dict[str, Draft] = {}
        for draft in self.drafts:
            if draft.image != slide.id:
                continue
            if draft.start <= t and (draft.undo < 0 or t < draft.undo):
                latest = shown.get(draft.key)
                if latest is None or draft.start >= latest.start:
                    shown[draft.key] = draft
        return tuple(sorted(shown.values(), key=lambda d: d.start))

    def sharing_at(self, t: float) -> bool:
        return any(start <= t < stop for start, stop in self.shares)

    def cursor_at(self, t: float) -> tuple[float, float] | None:
        index = bisect_right(self._cursor_times, t) - 1
        if index < 0:
            return None
        _, x, y = self.cursor[index]
        return (x, y) if x >= 0 and y >= 0 else None

    def chat_count_at(self, t: float) -> int:
        return bisect_right(self._chat_times, t)

    # ---- change instants -----------------------------------------------------------------
    def content_changes(self, with_chat: bool) -> set[float]:
        """Instants where the still picture (not the cursor) may change."""
        times: set[float] = {0.0}
        for slide in self.slides:
            times.update((slide.start, slide.end))
        for draft in self.drafts:
            times.add(draft.start)
            if draft.undo >= 0:
                times.add(draft.undo)
        times.update(t for t, _ in self.panzooms)
        for start, stop in self.shares:
            times.update((start, stop))
        if with_chat:
            times.update(line.t for line in self.chat)
        if self.board is not None:
            times.update(self.board.changes())
        return {t for t in times if math.isfinite(t) and t >= 0}

    def cursor_changes(self) -> set[float]:
        times = {t for t, _, _ in self.cursor}
        times.update(t for t, _ in self.panzooms)
        for start, stop in self.shares:
            times.update((start, stop))
        return times


def frame_of(t: float, fps: int) -> int:
    """The first frame (index) whose time is not before ``t``."""
    return max(0, math.ceil(round(t * fps, 6)))


def frame_time(frame: int, fps: int) -> float:
    """The instant a frame shows, nudged past float noise so ``in <= t`` holds at a change."""
    return frame / fps + 1e-6
