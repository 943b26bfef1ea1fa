"""The compose encode's timing pieces, checked against ffmpeg itself: every event frame is
where the timeline says, at any frame rate, the step expressions (cursor, shares) as ffmpeg
evaluates them, shares and cursor on their frames, and the webcams box leaves no gap or
overlap."""

from __future__ import annotations

import json
import random
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bbb_migrate.recorder.capture import VideoSettings
from bbb_migrate.recorder.compose.encode import (
    HIDDEN,
    Plan,
    command,
    event_frames,
    media_info,
    tick_picture,
    write_concat,
)
from bbb_migrate.recorder.compose.layout import LAYOUTS, geometry, tiles, webcam_box
from bbb_migrate.recorder.compose.steps import step_expression


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


def test_step_expressions_as_ffmpeg_reads_them():
    """A long step function (1000 steps, values repeated and not), read by ffmpeg's own
    expression evaluator at every frame: the frames it keeps are the steps' ones exactly."""
    rng = random.Random(13)
    frames = sorted(rng.sample(range(1, 3000), 1000))
    steps = [(frame, rng.choice((0, 1, 1))) for frame in frames]
    kept = [n for n in range(3000)
            if ([value for frame, value in steps if frame <= n] or [0])[-1] == 1]
    expression = step_expression(steps, "n", lambda frame: f"{frame - 0.5}")
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-f", "lavfi", "-i",
         f"nullsrc=s=16x16:r=25:d=120,select='{expression}'",
         "-show_entries", "frame=pts", "-of", "json"],
        capture_output=True, text=True, check=True)
    assert [frame["pts"] for frame in json.loads(out.stdout)["frames"]] == kept


def test_shares_and_cursor_on_their_frames(tmp_path):
    """Three screen shares from one video (the second one's seek decodes frames from before
    its start, the third one starts on a keyframe), the cursor shown, moved and hidden around
    them, webcams (an event at each of their frames): each on its frames, the slide between
    the shares and after them (the overlay must not keep the last share's picture)."""
    fps, size = 25, (320, 180)

    def make(name: str, *args: str) -> Path:
        subprocess.run(["ffmpeg", "-v", "error", "-y", *args, str(tmp_path / name)],
                       check=True)
        return tmp_path / name

    still = tmp_path / "still.png"
    Image.new("RGB", size, (128, 128, 128)).save(still)
    share = make("deskshare.mp4", "-f", "lavfi", "-i", "color=c=0x2060c0:s=320x180:r=10:d=16",
                 "-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-keyint_min", "50",
                 "-pix_fmt", "yuv420p")
    media = make("webcams.mp4", "-f", "lavfi", "-i", "testsrc=s=160x120:r=15", "-f", "lavfi",
                 "-i", "anullsrc=r=48000:cl=mono", "-t", "16", "-c:v", "libx264", "-preset",
                 "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac")
    hidden = (HIDDEN, HIDDEN)
    plan = Plan(segments=[(still, 400)], shares=[(50, 100), (150, 200), (250, 300)],
                cursor=[(0, *hidden), (20, 40, 40), (30, 100, 40), (45, *hidden),
                        (110, 60, 60), (140, *hidden)], cursor_radius=6)
    output = tmp_path / "out.mp4"
    argv = command(plan, tmp_path, geometry("presentation+webcam", *size),
                   VideoSettings(width=size[0], height=size[1], fps=fps),
                   media=media, media_info=media_info(media), deskshare=share, duration=16.0,
                   output=output)
    subprocess.run(argv, capture_output=True, check=True)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(output), "-vf", f"fps={fps}",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
                         capture_output=True, check=True).stdout
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, size[1], size[0], 3).astype(int)
    assert len(frames) == 400
    blue = [n for n in range(400) if frames[n, 100, 200, 2] > 150 > frames[n, 100, 200, 0]]
    assert blue == [*range(50, 100), *range(150, 200), *range(250, 300)]
    red = lambda n, x, y: frames[n, y + 7, x + 7, 0] > 200 > frames[n, y + 7, x + 7, 2]  # noqa: E731
    assert [n for n in range(400) if red(n, 40, 40)] == list(range(20, 30))
    assert [n for n in range(400) if red(n, 100, 40)] == list(range(30, 45))
    assert [n for n in range(400) if red(n, 60, 60)] == list(range(110, 140))
