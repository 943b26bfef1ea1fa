"""BBB 3.0 whiteboards (``tldraw.json``, tldraw v2 records) drawn as SVG.

The format, as bbb-playback v5.1 reads it (``src/utils/builder.js`` ``buildTldraw``,
``src/components/tldraw_v2``, ``src/utils/tldraw.js``): a top-level ``bbb_version``, then per
key (the slide's number, as in ``<image id="imageN">``) ``{"timestamp", "shapes": [{"id",
"timestamp", "undo", "shape_data"}]}``. The entry with the latest timestamp at or before ``t``
is current, and is drawn only when its key is the current slide's; in it a shape shows while
``timestamp <= t`` and it is not undone (``undo != -1 and undo <= t``); shapes are keyed by
``shape_data.id`` (a later one replaces an earlier one). The slide is the background image at
page point (1, 1), scaled by ``min(1440 / width, 1080 / height)``; shapes are in that page space.

Drawn: ``draw``, ``highlight``, ``geo`` (rectangle, ellipse, triangle, diamond, and others as
their box), ``arrow``, ``line``, ``text``, ``note``, with tldraw's colours, stroke sizes and
font sizes (its hand-drawn "draw" style is drawn with plain strokes). Anything else, and
tldraw v1 whiteboards (``bbb_version`` below 3.0, BBB 2.6-2.7), is reported by ``unsupported``
so that ``auto`` captures the player instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement

SVG = "{http://www.w3.org/2000/svg}"

MAX_W, MAX_H = 1440, 1080
KINDS = {"draw", "highlight", "geo", "arrow", "line", "text", "note"}
COLOURS = {"black": "#1d1d1d", "grey": "#9fa8b2", "light-violet": "#e085f4",
           "violet": "#ae3ec9", "blue": "#4465e9", "light-blue": "#4ba1f1",
           "yellow": "#ffff00", "orange": "#e16919", "green": "#099268",
           "light-green": "#4cb05e", "light-red": "#f87777", "red": "#e03131",
           "white": "#ffffff"}
NOTE_FILLS = {"black": "#fcfcfc", "grey": "#eceef0", "light-violet": "#f5eafa",
              "violet": "#ecdcf2", "blue": "#dce1f8", "light-blue": "#ddedfa",
              "yellow": "#f9f0e6", "orange": "#f8e2d4", "green": "#d3e9e3",
              "light-green": "#dbf0e0", "light-red": "#f4dadb", "red": "#f4dadb",
              "white": "#ffffff"}
STROKES = {"s": 2.0, "m": 3.5, "l": 5.0, "xl": 10.0}
FONTS = {"s": 18.0, "m": 24.0, "l": 36.0, "xl": 44.0}


@dataclass
class Entry:
    key: str
    timestamp: float
    shapes: list[tuple[float, float, dict]] = field(default_factory=list)  # ts, undo, data


@dataclass
class Board:
    version: str
    entries: list[Entry]

    @classmethod
    def read(cls, text: str | None) -> Board | None:
        if not text or not text.strip():
            return None
        try:
            data = json.loads(text)
        except ValueError:
            return Board("unreadable", [])
        if not isinstance(data, dict):
            return Board("unreadable", [])
        version = str(data.pop("bbb_version", "") or "")
        entries = []
        for key, value in data.items():
            if not isinstance(value, dict):
                continue
            entry = Entry(str(key), float(value.get("timestamp") or 0))
            for shape in value.get("shapes") or []:
                if isinstance(shape, dict) and isinstance(shape.get("shape_data"), dict):
                    entry.shapes.append((float(shape.get("timestamp") or 0),
                                         float(shape.get("undo", -1) if shape.get("undo")
                                               is not None else -1),
                                         shape["shape_data"]))
            entries.append(entry)
        entries.sort(key=lambda e: e.timestamp)
        return cls(version, entries) if entries else None

    def unsupported(self) -> str | None:
        major = self.version.split(".")[0]
        if not major.isdigit() or int(major) < 3:
            return f"tldraw v1 whiteboard (bbb_version {self.version or 'absent'}, BBB 2.6-2.7)"
        kinds = {str(s.get("type")) for e in self.entries for _, _, s in e.shapes} - KINDS
        return f"tldraw shapes compose does not draw: {', '.join(sorted(kinds))}" if kinds else None

    def changes(self) -> set[float]:
        times = {e.timestamp for e in self.entries}
        for entry in self.entries:
            for stamp, undo, _ in entry.shapes:
                times.add(stamp)
                if undo >= 0:
                    times.add(undo)
        return times

    def shapes_at(self, t: float, slide_id: str) -> tuple[dict, ...]:
        """The visible shapes (in drawing order) at ``t`` on the slide ``imageN``."""
        current = None
        for entry in self.entries:
            if entry.timestamp <= t:
                current = entry
        if current is None or f"image{current.key}" != slide_id:
            return ()
        shown: dict[str, dict] = {}
        for stamp, undo, data in current.shapes:
            if stamp <= t and not (undo >= 0 and undo <= t):
                shown[str(data.get("id"))] = data
        return tuple(shown.values())


def scale_ratio(width: float, height: float) -> float:
    return min(MAX_W / width, MAX_H / height)


def _colour(props: dict) -> str:
    return COLOURS.get(str(props.get("color", "black")), "#1d1d1d")


def _stroke(props: dict) -> float:
    return STROKES.get(str(props.get("size", "m")), 3.5)


def _points_path(points: list[dict], closed: bool) -> str:
    if not points:
        return ""
    head = f"M{points[0].get('x', 0):.2f},{points[0].get('y', 0):.2f}"
    rest = "".join(f" L{p.get('x', 0):.2f},{p.get('y', 0):.2f}" for p in points[1:])
    if len(points) == 1:
        rest = f" L{points[0].get('x', 0) + 0.01:.2f},{points[0].get('y', 0):.2f}"
    return head + rest + (" Z" if closed else "")


def _text(group: Element, text: str, x: float, y: float, size: float, colour: str,
          anchor: str = "start") -> None:
    node = SubElement(group, f"{SVG}text", {"font-family": "DejaVu Sans, sans-serif",
                                            "font-size": f"{size:g}", "fill": colour,
                                            "text-anchor": anchor, "stroke": "none"})
    for index, line in enumerate(str(text).split("\n")):
        span = SubElement(node, f"{SVG}tspan", {"x": f"{x:.2f}",
                                                "y": f"{y + size * (0.9 + 1.35 * index):.2f}"})
        span.text = line or " "


def _geo(group: Element, props: dict, colour: str, stroke: float) -> None:
    w, h = float(props.get("w", 1)), float(props.get("h", 1))
    kind = str(props.get("geo", "rectangle"))
    fill = {"none": "none", "semi": "#f5f5f5", "solid": NOTE_FILLS.get(
        str(props.get("color")), "#eeeeee"), "pattern": NOTE_FILLS.get(
        str(props.get("color")), "#eeeeee")}.get(str(props.get("fill", "none")), "none")
    style = {"stroke": colour, "stroke-width": f"{stroke:g}", "fill": fill,
             "stroke-linejoin": "round"}
    if kind == "ellipse":
        SubElement(group, f"{SVG}ellipse", {"cx": f"{w / 2:g}", "cy": f"{h / 2:g}",
                                            "rx": f"{w / 2:g}", "ry": f"{h / 2:g}", **style})
    elif kind == "triangle":
        SubElement(group, f"{SVG}path", {"d": f"M{w / 2:g},0 L{w:g},{h:g} L0,{h:g} Z", **style})
    elif kind == "diamond":
        SubElement(group, f"{SVG}path", {
            "d": f"M{w / 2:g},0 L{w:g},{h / 2:g} L{w / 2:g},{h:g} L0,{h / 2:g} Z", **style})
    else:
        SubElement(group, f"{SVG}rect", {"x": "0", "y": "0", "width": f"{w:g}",
                                         "height": f"{h:g}", **style})
    if props.get("text"):
        size = FONTS.get(str(props.get("size", "m")), 24.0)
        _text(group, props["text"], w / 2, h / 2 - size * 0.7, size, colour, "middle")


def shape_element(data: dict) -> Element | None:
    """One tldraw v2 shape as an SVG group in page coordinates (None: nothing to draw)."""
    kind = data.get("type")
    props = data.get("props") or {}
    x, y = float(data.get("x", 0)), float(data.get("y", 0))
    rotation = math.degrees(float(data.get("rotation", 0) or 0))
    group = Element(f"{SVG}g", {"transform": f"translate({x:.2f},{y:.2f}) rotate({rotation:.3f})",
                                "opacity": f"{float(data.get('opacity', 1) or 1):g}"})
    colour, stroke = _colour(props), _stroke(props)
    line_style = {"fill": "none", "stroke": colour, "stroke-width": f"{stroke:g}",
                  "stroke-linecap": "round", "stroke-linejoin": "round"}
    if kind in ("draw", "highlight"):
        if kind == "highlight":
            line_style.update(stroke=COLOURS.get(str(props.get("color")), "#ffff00"),
                              **{"stroke-width": f"{stroke * 4 + 8:g}", "stroke-opacity": "0.6"})
        closed = bool(props.get("isClosed"))
        for segment in props.get("segments") or []:
            d = _points_path(segment.get("points") or [], closed)
            if d:
                SubElement(group, f"{SVG}path", {"d": d, **line_style})
    elif kind == "geo":
        _geo(group, props, colour, stroke)
    elif kind == "line":
        points = props.get("points") or props.get("handles") or {}
        ordered = sorted(points.values(), key=lambda p: str(p.get("index", "")))
        d = _points_path(ordered, False)
        if d:
            SubElement(group, f"{SVG}path", {"d": d, **line_style})
    elif kind == "arrow":
        start, end = props.get("start") or {}, props.get("end") or {}
        sx, sy = float(start.get("x", 0)), float(start.get("y", 0))
        ex, ey = float(end.get("x", 0)), float(end.get("y", 0))
        SubElement(group, f"{SVG}path", {"d": f"M{sx:.2f},{sy:.2f} L{ex:.2f},{ey:.2f}",
                                         **line_style})
        if props.get("arrowheadEnd", "arrow") != "none":
            angle = math.atan2(ey - sy, ex - sx)
            size = stroke * 3 + 8
            wings = [(ex - size * math.cos(angle + a), ey - size * math.sin(angle + a))
                     for a in (0.5, -0.5)]
            SubElement(group, f"{SVG}path", {
                "d": f"M{wings[0][0]:.2f},{wings[0][1]:.2f} L{ex:.2f},{ey:.2f} "
                     f"L{wings[1][0]:.2f},{wings[1][1]:.2f}", **line_style})
    elif kind == "text":
        size = FONTS.get(str(props.get("size", "m")), 24.0) * float(props.get("scale", 1) or 1)
        _text(group, props.get("text", ""), 0, 0, size, colour)
    elif kind == "note":
        SubElement(group, f"{SVG}rect", {"x": "0", "y": "0", "width": "200",
                                         "height": f"{200 + float(props.get('growY', 0) or 0):g}",
                                         "fill": NOTE_FILLS.get(str(props.get("color")),
                                                                "#fcfcfc"),
                                         "stroke": "#00000022"})
        size = FONTS.get(str(props.get("size", "m")), 24.0)
        _text(group, props.get("text", ""), 100, 16, size, "#1d1d1d", "middle")
    else:
        return None
    return group
