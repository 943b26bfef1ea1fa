"""Where each part of the picture goes, per layout, at any output size.

- ``presentation``: the presentation area fills the frame (slides letterboxed on white, as the
  players draw them).
- ``presentation+webcam`` (the default): the same, with the webcams video in the bottom-right
  corner, a quarter of the frame's width.
- ``player``: what the capture engine films of bbb-playback 2.3 (research note bbb-players.md
  §4, measured at 1280x720, scaled for other sizes): webcams 0,0,320,240, chat below, title bar
  320,0,960,60, presentation 320,60,960,560 (the player's 530 plus the 30 px the capture
  reclaims by hiding the control bar and its padding), thumbnails 320,620,960,80, bottom bar
  320,700,960,20. Without chat the column keeps its place (empty), so the boxes stay.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYOUTS = ("presentation", "presentation+webcam", "player")
Rect = tuple[int, int, int, int]  # x, y, w, h


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


@dataclass(frozen=True)
class Geometry:
    width: int
    height: int
    area: Rect  # the presentation area (slides, screen share, cursor)
    webcam: Rect | None  # the box the webcams video is fitted into (None: not shown)
    webcam_corner: bool  # fitted to the box's width and put in its bottom-right corner
    player_chrome: bool  # title bar, chat column, thumbnails (layout "player")


def geometry(layout: str, width: int, height: int) -> Geometry:
    if layout == "presentation":
        return Geometry(width, height, (0, 0, width, height), None, False, False)
    if layout == "presentation+webcam":
        box_w = _even(width / 4)
        box_h = _even(box_w * 3 / 4)
        return Geometry(width, height, (0, 0, width, height),
                        (width - box_w, height - box_h, box_w, box_h), True, False)
    if layout == "player":
        sx, sy = width / 1280, height / 720
        area = (_even(320 * sx), _even(60 * sy), _even(960 * sx), _even(560 * sy))
        return Geometry(width, height, area, (0, 0, _even(320 * sx), _even(240 * sy)), False,
                        True)
    raise ValueError(f"unknown layout {layout!r} (one of {', '.join(LAYOUTS)})")


def fit(box: tuple[float, float, float, float], area_w: int, area_h: int
        ) -> tuple[float, float, float]:
    """SVG ``xMidYMid meet``: the scale and offset that fit a viewBox into the area."""
    bx, by, bw, bh = box
    scale = min(area_w / bw, area_h / bh)
    return scale, (area_w - bw * scale) / 2 - bx * scale, (area_h - bh * scale) / 2 - by * scale


def webcam_box(geometry: Geometry, source: tuple[int, int]) -> Rect:
    """Where the webcams picture goes (x, y, w, h, all even): the corner layout fits the box's
    width and sits in the frame's bottom-right corner, the others fit and centre in the box.
    ``source`` is the video's size (0, 0: unknown, the box's)."""
    bx, by, bw, bh = geometry.webcam or (0, 0, 2, 2)
    iw, ih = source if source[0] > 0 and source[1] > 0 else (bw, bh)
    if geometry.webcam_corner:
        w, h = bw, _even(bw * ih / iw)
        if h > geometry.height:
            w, h = _even(geometry.height * iw / ih), _even(geometry.height)
        return geometry.width - w, geometry.height - h, w, h
    scale = min(bw / iw, bh / ih)
    w, h = min(bw, _even(iw * scale)), min(bh, _even(ih * scale))
    return bx + (bw - w) // 2 // 2 * 2, by + (bh - h) // 2 // 2 * 2, w, h


def tiles(width: int, height: int, hole: Rect) -> list[Rect]:
    """The rectangles of the frame around ``hole`` (x, y, w, h): above, left, right, below."""
    x, y, w, h = hole
    boxes = [(0, 0, width, y), (0, y, x, h), (x + w, y, width - x - w, h),
             (0, y + h, width, height - y - h)]
    return [box for box in boxes if box[2] > 0 and box[3] > 0]
