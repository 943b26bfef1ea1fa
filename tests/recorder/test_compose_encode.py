"""The compose encode's timing pieces, checked against ffmpeg itself: every event frame is
where the timeline says, at any frame rate, and the webcams box leaves no gap or overlap."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from bbb_migrate.recorder.compose.encode import (
    Plan,
    event_frames,
    tick_picture,
    write_concat,
)
from bbb_migrate.recorder.compose.layout import LAYOUTS, geometry, tiles, webcam_box


def grid_frames(concat: Path, fps: int) -> list[Fraction]:
    """The frames ffmpeg gives an ffconcat list, as frame numbers of the ``fps`` grid."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(concat),
         "-show_entries", "stream=time_base:frame=pts", "-of", "json"],
        capture_output=True, text=True, check=True)
    info = json.loads(out.stdout)
    base = Fraction(info["streams"][0]["time_base"])
    return [frame["pts"] * base * fps for frame in info["frames"]]


def test_ticks_land_on_their_frames(tmp_path):
    """Durations summed by the concat demuxer: events at 30 fps (1/30 s is no whole number of
    microseconds) start exactly on their frames, one after the other or far apart."""
    fps = 30
    frames = [0, 1, 7, *range(10, 3000, 7), 2999, 108000]
    write_concat(tmp_path / "t.ffconcat", [(tick_picture(tmp_path / "t.y4m", fps), f)
                                           for f in frames], fps, images=False)
    assert grid_frames(tmp_path / "t.ffconcat", fps) == frames


def test_stills_start_on_their_frames_at_30_fps(tmp_path):
    """PNG stills are timed at the output's rate (ffmpeg's image reader counts 1/25 s)."""
    stills = []
    for number in range(3):
        stills.append(tmp_path / f"s{number}.png")
        Image.new("RGB", (16, 16), (number * 80, 0, 0)).save(stills[-1])
    starts = [0, 301, 302]  # 10.0333 s and 10.0667 s: off the 1/25 s grid
    write_concat(tmp_path / "s.ffconcat", list(zip(stills, starts, strict=True)), 30,
                 images=True)
    assert grid_frames(tmp_path / "s.ffconcat", 30)[:3] == starts


def test_event_frames():
    plan = Plan(segments=[(Path("a"), 40), (Path("b"), 37), (Path("a"), 100)],
                shares=[(60, 90)], cursor=[(0, -10000, -10000), (33, 5, 5), (34, 6, 5)])
    assert event_frames(plan, 177, 50) == [0, 33, 34, 40, 50, 60, 77, 90, 100, 150, 176]


@pytest.mark.parametrize("layout", [name for name in LAYOUTS if name != "presentation"])
@pytest.mark.parametrize("source", [(640, 480), (1280, 720), (480, 854), (0, 0), (333, 251)])
@pytest.mark.parametrize("size", [(1280, 720), (854, 480)])
def test_webcams_and_tiles_fill_the_frame_once(layout, source, size):
    geo = geometry(layout, *size)
    box = webcam_box(geo, source)
    x, y, w, h = box
    assert all(v % 2 == 0 for v in box)
    assert min(x, y) >= 0 and x + w <= size[0] and y + h <= size[1]
    bx, by, bw, bh = geo.webcam
    if geo.webcam_corner:  # the box's width, in the frame's bottom-right corner
        assert (w, x + w, y + h) == (bw, *size)
    else:  # inside the box
        assert bx <= x and by <= y and x + w <= bx + bw and y + h <= by + bh
    if source[0]:  # the aspect ratio kept to the pixel pair
        assert abs(w / h - source[0] / source[1]) < 2.5 / h
    covered = [[0] * size[0] for _ in range(size[1])]
    for tx, ty, tw, th in [*tiles(*size, box), box]:
        for row in range(ty, ty + th):
            covered[row][tx:tx + tw] = [c + 1 for c in covered[row][tx:tx + tw]]
    assert {c for row in covered for c in row} == {1}
