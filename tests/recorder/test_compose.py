"""The compose engine on the 20 s sample: every event at its metadata time within one frame,
beep and slide change in the same frame, duration, audio, layouts, engine choice, and a frame
by frame comparison with the capture engine (slow: the capture runs in real time)."""

from __future__ import annotations

import itertools
import json
import math
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from rec_analysis import audio_onsets, frame_at
from rechelpers import (
    Run,
    run_recorder,
    skip_if_starved,
    url_20,
    url_23,
)

from bbb_migrate.simulator.make_sample import BEEPS, DURATION, SEGMENTS

FPS = 25
FRAME = (0, 0, 1280, 720)


def grid_colours(path: Path, box: tuple[int, int, int, int], fps: int = FPS) -> np.ndarray:
    """Mean RGB of ``box`` at every instant of the frame grid (the file's frames are placed
    on the grid as a player shows them: each until the next)."""
    x, y, w, h = box
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-an", "-vf",
         f"fps={fps},crop={w}:{h}:{x}:{y},scale=4:4:flags=area", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "pipe:1"], capture_output=True, check=True)
    return np.frombuffer(out.stdout, dtype=np.uint8).reshape(-1, 16, 3).astype(float).mean(1)


def first_frame(values: np.ndarray, test, after: int = 0) -> int | None:
    for index in range(after, len(values)):
        if test(values[index]):
            return index
    return None


def probe(path: Path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of",
                          "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def composed(simulator, tmp_path_factory) -> dict[str, Run]:
    """The sample composed in two layouts: ``player`` through auto (the default engine) on
    the 2.3 URL, ``presentation+webcam`` forced on the 2.0 URL (same files)."""
    out = tmp_path_factory.mktemp("composed")
    runs = {
        "player": run_recorder(url_23(simulator), out / "player.mp4", "--engine", "auto",
                               "--layout", "player"),
        "presentation+webcam": run_recorder(url_20(simulator), out / "corner.mp4",
                                            "--engine", "compose"),
    }
    for name, run in runs.items():
        assert run.code == 0, f"{name}: {run.stdout[-3000:]}"
    return runs


def test_auto_chooses_compose_and_says_why(composed):
    extra = composed["player"].result.extra
    assert extra["engine"] == "compose"
    assert extra["engine_reason"].startswith("auto:")
    assert composed["presentation+webcam"].result.extra["engine"] == "compose"
    assert composed["player"].result.chromium_version is None


@pytest.mark.parametrize("layout", ["player", "presentation+webcam"])
def test_duration_streams_and_audio(composed, layout):
    info = probe(composed[layout].output)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 1280, 720)
    assert video["r_frame_rate"] == "25/1"
    assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "48000")
    assert abs(float(info["format"]["duration"]) - DURATION) <= 1 / FPS
    assert abs(float(video["duration"]) - DURATION) <= 1 / FPS  # the picture lasts too
    assert abs(float(audio["duration"]) - DURATION) <= 1 / FPS
    head = composed[layout].output.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")


def test_slide_changes_and_share_on_their_frame(composed):
    """Each segment of the timeline (slides, the screen share) starts in the frame of its
    metadata time, the frame before still shows the previous one."""
    colours = grid_colours(composed["player"].output, (360, 100, 100, 60))
    for previous, segment in itertools.pairwise(SEGMENTS):
        frame = round(segment.start * FPS)
        assert np.abs(colours[frame] - segment.rgb).max() < 40, (segment, colours[frame])
        assert np.abs(colours[frame - 1] - previous.rgb).max() < 40, (previous, frame)


def test_beep_and_slide_change_in_the_same_frame(composed):
    path = composed["player"].output
    colours = grid_colours(path, (360, 100, 100, 60))
    onsets = [t for t in audio_onsets(path) if t > 2]
    assert len(onsets) == len(BEEPS)
    for beep, onset in zip(BEEPS, onsets, strict=True):
        segment = next(s for s in SEGMENTS if s.start == beep)
        frame = first_frame(colours, lambda c, s=segment: np.abs(c - s.rgb).max() < 40,
                            after=int(beep * FPS) - 10)
        assert frame == int(onset * FPS), (beep, onset, frame)


def _dark(colour: np.ndarray) -> bool:
    return colour.max() < 120


def _changes(path: Path, box, test) -> list[int]:
    values = [bool(test(c)) for c in grid_colours(path, box)]
    return [i for i in range(1, len(values)) if values[i] != values[i - 1]]


def test_annotations_zoom_and_cursor_on_their_frame(composed):
    """Timings from the sample's shapes.svg, panzooms.xml and cursor.xml: the line's first
    draft at 2.5 s, the rectangle drawn at 3.5 s and undone at 5.5 s, the zoom at 8 s (the
    slide's "2" leaves the picture), the cursor shown from 2 s to 5 s."""
    path = composed["player"].output
    scale, left, top = 960 / 1600, 320, 60 + 10  # slide 1600x900 fitted in 960x560

    def at(x: float, y: float, size: int = 4) -> tuple[int, int, int, int]:
        return (round(left + x * scale) - size // 2, round(top + y * scale) - size // 2,
                size, size)

    assert _changes(path, at(1100, 200), _dark) == [math.ceil(2.5 * FPS), 6 * FPS]
    assert _changes(path, at(1300, 600), _dark) == [math.ceil(3.5 * FPS), math.ceil(5.5 * FPS)]
    cursor_red = lambda c: c[0] > 235 and c[1] < 20  # noqa: E731  (the slide is 200,30,30)
    assert _changes(path, at(1280, 675, 2), cursor_red) == [2 * FPS, 3 * FPS]
    white = lambda c: c.min() > 200  # noqa: E731
    assert _changes(path, at(1390, 700, 8), white)[:2] == [6 * FPS, 8 * FPS]  # zoomed away


def test_webcam_in_the_corner(composed):
    """Layout presentation+webcam: the webcam (grey with a clock) in the bottom-right quarter
    width box, the slide colour elsewhere."""
    frame = frame_at(composed["presentation+webcam"].output, 1.0)
    corner = frame[720 - 200:720 - 40, 1280 - 300:1280 - 20].reshape(-1, 3).mean(0)
    slide = frame[100:200, 100:200].reshape(-1, 3).mean(0)
    assert np.abs(corner - 80).max() < 40  # webcam grey 0x505050
    assert np.abs(slide - SEGMENTS[0].rgb).max() < 30


def test_other_size_and_frame_rate(simulator, tmp_path):
    """At 30 fps (1/30 s is no whole number of microseconds) and 640x360 each segment still
    starts in the frame of its metadata time."""
    run = run_recorder(url_20(simulator), tmp_path / "30.mp4", "--engine", "compose",
                       "--fps", "30", "--width", "640", "--height", "360")
    assert run.code == 0, run.stdout[-3000:]
    video = next(s for s in probe(run.output)["streams"] if s["codec_type"] == "video")
    assert (video["width"], video["height"], video["time_base"]) == (640, 360, "1/30000")
    assert abs(float(video["duration"]) - DURATION) <= 1 / 30
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                          "packet=pts", "-of", "csv=p=0", str(run.output)],
                         capture_output=True, text=True, check=True)
    assert {int(pts) % 1000 for pts in out.stdout.split()} == {0}  # all on the 1/30 s grid
    colours = grid_colours(run.output, (200, 150, 40, 30), fps=30)
    for previous, segment in itertools.pairwise(SEGMENTS):
        frame = round(segment.start * 30)
        assert np.abs(colours[frame] - segment.rgb).max() < 40, (segment, colours[frame])
        assert np.abs(colours[frame - 1] - previous.rgb).max() < 40, (previous, frame)


def ssim(first: Path, second: Path, t: float, box: tuple[int, int, int, int],
         folder: Path) -> float:
    """ffmpeg's SSIM (All) of ``box`` in the frames two files show at ``t`` s."""
    x, y, w, h = box
    pictures = []
    for index, path in enumerate((first, second)):
        picture = folder / f"ssim-{index}.png"
        Image.fromarray(frame_at(path, t)[y:y + h, x:x + w]).save(picture)
        pictures.append(str(picture))
    out = subprocess.run(
        ["ffmpeg", "-v", "info", "-i", pictures[0], "-i", pictures[1], "-lavfi", "ssim",
         "-f", "null", "-"], capture_output=True, text=True, check=True)
    match = re.search(r"All:([0-9.]+)", out.stderr)
    assert match, out.stderr[-500:]
    return float(match.group(1))


# Instants of the sample's timeline at least 0.3 s away from any change (the capture draws
# a change up to ~0.1 s late), 22 of them.
CHANGES = (2.0, 2.5, 2.7, 3.0, 3.5, 4.0, 5.0, 5.5, 6.0, 8.0, 11.0, 14.0)
INSTANTS = [t for t in (0.4 + 0.45 * i for i in range(44))
            if t < DURATION - 0.3 and all(abs(t - c) >= 0.3 for c in CHANGES)][:22]


@pytest.mark.slow
@pytest.mark.parametrize("form", ["2.3", "2.0"])
def test_frames_match_the_capture_engine(renders, composed, form, tmp_path):
    """The whole frame in the default layout (presentation+webcam), compose against the capture
    of each player (the render tests' captures, conftest), at 22 instants: mean SSIM at least
    0.9 (accepted differences: docs/recorder.md)."""
    assert len(INSTANTS) >= 20
    capture = renders[form]
    skip_if_starved(capture)
    assert capture.code == 0, capture.stdout[-3000:]
    assert capture.result.extra["engine"] == "capture"
    assert capture.result.extra["layout"] == "presentation+webcam"
    scores = [ssim(capture.output, composed["presentation+webcam"].output, t, FRAME, tmp_path)
              for t in INSTANTS]
    assert sum(scores) / len(scores) >= 0.9, list(zip(INSTANTS, scores, strict=True))
