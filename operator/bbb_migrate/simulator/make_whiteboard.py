"""The 20 s sample with a BBB 3.0 whiteboard instead of SVG annotations: ``tldraw.json`` in the
format bbb-playback v5.1 reads (``bbb_version`` 3.0.0, one entry per slide keyed by the number
of its ``<image id="imageN">``, tldraw v2 shape records with ``timestamp`` and ``undo``), and
``tldraw="true"`` on ``panzooms.xml`` and ``cursor.xml`` as BBB writes them.

Slide 1 (0-6 s, 1600x900, shown at tldraw scale 0.9: page 1440x810 at (1, 1)) gets, in page
coordinates, one shape of each kind at a known time (``WHITEBOARD``); the rectangle is undone
at 5.5 s. Slide 2 (6-11 s) gets an ellipse at 7 s. The cursor stays hidden.

``python -m bbb_migrate.simulator.make_whiteboard DIR``; needs ffmpeg.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path

from .make_sample import make_sample

WHITEBOARD_ID = hashlib.sha1(b"bbb-migrate whiteboard sample").hexdigest() + "-1700000000000"  # noqa: S324


def _shape(sid: str, kind: str, x: float, y: float, props: dict) -> dict:
    return {"id": f"shape:{sid}", "type": kind, "x": x, "y": y, "rotation": 0, "opacity": 1,
            "isLocked": False, "isModerator": True, "parentId": "page:1", "index": "a1",
            "typeName": "shape", "meta": {}, "props": props}


# (timestamp, undo, shape) on slide 1, page coordinates
WHITEBOARD: tuple[tuple[float, float, dict], ...] = (
    (2.0, -1, _shape("draw1", "draw", 100, 450, {
        "color": "black", "size": "l", "fill": "none", "dash": "draw", "isClosed": False,
        "isComplete": True, "isPen": False, "segments": [{"type": "free", "points": [
            {"x": 0, "y": 0, "z": 0.5}, {"x": 60, "y": -40, "z": 0.5},
            {"x": 120, "y": 0, "z": 0.5}, {"x": 180, "y": -40, "z": 0.5},
            {"x": 240, "y": 0, "z": 0.5}]}]})),
    (3.0, 5.5, _shape("rect1", "geo", 900, 480, {
        "geo": "rectangle", "w": 270, "h": 180, "color": "black", "fill": "none",
        "dash": "draw", "size": "xl", "text": "", "font": "draw", "align": "middle",
        "verticalAlign": "middle", "labelColor": "black", "growY": 0, "url": ""})),
    (3.5, -1, _shape("ellipse1", "geo", 600, 100, {
        "geo": "ellipse", "w": 200, "h": 120, "color": "blue", "fill": "solid", "dash": "draw",
        "size": "m", "text": "", "font": "draw", "align": "middle",
        "verticalAlign": "middle", "labelColor": "black", "growY": 0, "url": ""})),
    (4.0, -1, _shape("arrow1", "arrow", 100, 100, {
        "color": "red", "fill": "none", "dash": "draw", "size": "l", "arrowheadStart": "none",
        "arrowheadEnd": "arrow", "font": "draw", "bend": 0, "text": "", "labelColor": "black",
        "start": {"type": "point", "x": 0, "y": 0}, "end": {"type": "point", "x": 300, "y": 150}})),
    (4.5, -1, _shape("line1", "line", 100, 700, {
        "color": "green", "dash": "draw", "size": "l", "spline": "line", "points": {
            "a1": {"id": "a1", "index": "a1", "x": 0, "y": 0},
            "a2": {"id": "a2", "index": "a2", "x": 400, "y": 60}}})),
    (5.0, -1, _shape("text1", "text", 500, 300, {
        "color": "violet", "size": "xl", "font": "draw", "align": "middle", "w": 300,
        "text": "Whiteboard", "scale": 1, "autoSize": True})),
    (5.2, -1, _shape("note1", "note", 1150, 60, {
        "color": "yellow", "size": "m", "font": "draw", "align": "middle",
        "verticalAlign": "middle", "growY": 0, "url": "", "text": "Note"})),
    (5.4, -1, _shape("highlight1", "highlight", 120, 250, {
        "color": "yellow", "size": "l", "isComplete": True, "isPen": False, "segments": [
            {"type": "free", "points": [{"x": 0, "y": 0, "z": 0.5}, {"x": 300, "y": 0,
                                                                       "z": 0.5}]}]})),
)
SLIDE2 = (7.0, -1, _shape("ellipse2", "geo", 300, 300, {
    "geo": "ellipse", "w": 300, "h": 300, "color": "red", "fill": "none", "dash": "draw",
    "size": "xl", "text": "", "font": "draw", "align": "middle", "verticalAlign": "middle",
    "labelColor": "black", "growY": 0, "url": ""}))


def make_whiteboard(target: Path, record_id: str = WHITEBOARD_ID) -> Path:
    out = make_sample(target, record_id=record_id)
    shapes = (out / "shapes.svg").read_text("utf-8")
    shapes = re.sub(r'\s*<g class="canvas".*?\n  </g>', "", shapes, flags=re.S)
    (out / "shapes.svg").write_text(shapes, "utf-8")
    for name in ("panzooms.xml", "cursor.xml"):
        text = (out / name).read_text("utf-8")
        (out / name).write_text(text.replace('<recording id="', '<recording tldraw="true" id="'),
                                "utf-8")
    cursor = out / "cursor.xml"
    cursor.write_text(re.sub(r"<cursor>[^<]*</cursor>", "<cursor>-1.0 -1.0</cursor>",
                             cursor.read_text("utf-8")), "utf-8")

    def entry(timestamp: float, shapes: list) -> dict:
        return {"timestamp": timestamp, "shapes": [
            {"id": shape["id"], "timestamp": t, "undo": undo, "shape_data": shape}
            for t, undo, shape in shapes]}

    board = {"bbb_version": "3.0.0", "1": entry(0.0, list(WHITEBOARD)),
             "2": entry(6.0, [SLIDE2])}
    (out / "tldraw.json").write_text(json.dumps(board, indent=1) + "\n", "utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    print(make_whiteboard(parser.parse_args().target))


if __name__ == "__main__":
    main()
