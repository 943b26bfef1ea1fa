"""Compose beyond the 20 s sample: a BBB 3.0 whiteboard (tldraw.json), when ``auto`` falls
back to capture, and the 10-minute lecture of the render benchmark (slow)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from rec_analysis import audio_onsets
from rechelpers import run_recorder, url_23
from test_compose import FPS, grid_colours

from bbb_migrate.recorder.compose import Recording, support
from bbb_migrate.recorder.compose.files import Published
from bbb_migrate.recorder.compose.timeline import Timeline
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_lecture import (
    lecture_id,
    make_lecture,
    slide_colour,
    slide_starts,
)
from bbb_migrate.simulator.make_sample import SAMPLE_DIR
from bbb_migrate.simulator.make_whiteboard import WHITEBOARD_ID, make_whiteboard

SAMPLE_FILES = ("metadata.xml", "shapes.svg", "panzooms.xml", "cursor.xml", "deskshare.xml")


def sample_recording(tmp_path: Path, **changes: str | None) -> Recording:
    folder = next(SAMPLE_DIR.iterdir())
    texts = {name: (folder / name).read_text("utf-8") for name in SAMPLE_FILES}
    texts.update(changes)
    return Recording(Published(folder=tmp_path, base_url="", texts=texts),
                     Timeline.read(texts), tmp_path)


def test_auto_falls_back_with_a_reason(tmp_path):
    assert support(sample_recording(tmp_path)) is None
    videos = json.dumps([{"timestamp": 1, "external_video_url": "https://example.org/v"}])
    assert "external videos" in support(sample_recording(tmp_path,
                                                         **{"external_videos.json": videos}))
    v1 = json.dumps({"bbb_version": "2.7.3", "0": {"timestamp": 0, "shapes": [
        {"id": "a", "timestamp": 1, "undo": -1, "shape_data": {"id": "a", "type": "draw"}}]}})
    assert "tldraw v1" in support(sample_recording(tmp_path, **{"tldraw.json": v1}))
    frame = json.dumps({"bbb_version": "3.0.1", "0": {"timestamp": 0, "shapes": [
        {"id": "f", "timestamp": 1, "undo": -1, "shape_data": {"id": "f", "type": "frame"}}]}})
    assert "frame" in support(sample_recording(tmp_path, **{"tldraw.json": frame}))
    good = frame.replace('"frame"', '"geo"')
    # the sample's cursor shows: a tldraw recording's cursor is in tldraw page space
    assert "cursor" in support(sample_recording(tmp_path, **{"tldraw.json": good}))
    svg = (next(SAMPLE_DIR.iterdir()) / "shapes.svg").read_text("utf-8").replace(
        "<line ", "<foo ").replace("</line>", "</foo>")
    assert "foo" in support(sample_recording(tmp_path, **{"shapes.svg": svg}))


@pytest.fixture(scope="module")
def whiteboard(tmp_path_factory):
    root = tmp_path_factory.mktemp("whiteboard")
    make_whiteboard(root)
    with Simulator(SimulatorConfig(published_dir=root)) as sim:
        run = run_recorder(url_23(sim, WHITEBOARD_ID), root / "wb.mp4", "--engine", "auto",
                           "--layout", "presentation")
    assert run.code == 0, run.stdout[-3000:]
    return run


def test_whiteboard_composed_with_its_timings(whiteboard):
    """tldraw.json shapes at their times: the rectangle drawn at 3 s and undone at 5.5 s, the
    highlighter at 5.4 s, slide 2's ellipse (its own entry) at 7 s."""
    assert whiteboard.result.extra["engine"] == "compose"
    path = whiteboard.output
    ratio = 0.9  # tldraw's scale for a 1600x900 slide; frame scale 0.8

    def at(x: float, y: float) -> tuple[int, int, int, int]:  # page point -> 4x4 box
        return (round((x - 1) / ratio * 0.8) - 2, round((y - 1) / ratio * 0.8) - 2, 4, 4)

    def changes(box, test) -> list[int]:
        values = [bool(test(c)) for c in grid_colours(path, box)]
        return [i for i in range(1, len(values)) if values[i] != values[i - 1]]

    dark = lambda c: c.max() < 90  # noqa: E731
    assert changes(at(1035, 480), dark) == [3 * FPS, math.ceil(5.5 * FPS)]
    yellow = lambda c: c[1] > 100 and c[2] < 80  # noqa: E731  (on the red slide)
    assert changes(at(270, 250), yellow)[:1] == [math.ceil(5.4 * FPS)]
    red_ring = lambda c: c[0] > 180 and c[1] < 100  # noqa: E731  (on the green slide)
    assert [i for i in changes(at(450, 300), red_ring) if i > 6 * FPS][:1] == [7 * FPS]


@pytest.mark.slow
def test_ten_minute_lecture(tmp_path):
    """The benchmark's lecture: every 10 s beep in the frame of its slide change, the screen
    share from 300 to 360 s, the output exactly 600 s long."""
    make_lecture(tmp_path, minutes=10)
    with Simulator(SimulatorConfig(published_dir=tmp_path)) as sim:
        run = run_recorder(url_23(sim, lecture_id(10)), tmp_path / "lecture.mp4",
                           "--engine", "auto", "--layout", "presentation", timeout=1200)
    assert run.code == 0, run.stdout[-3000:]
    assert run.result.extra["engine"] == "compose"
    assert abs(run.result.duration_seconds - 600) <= 1 / FPS
    # the content checks see a lecture as it is: 32 picture events (a slide every 20 s, the
    # share), none frozen over, no black, no silence
    checks = run.result.checks
    assert {checks[n]["status"] for n in ("black", "frozen", "silence", "page")} == {"ok"}
    assert checks["frozen"]["picture_events"] >= 30
    colours = grid_colours(run.output, (300, 300, 40, 40))
    onsets = audio_onsets(run.output, quiet=5.0)
    changes = [i for i in range(1, len(colours))
               if np.abs(colours[i] - colours[i - 1]).max() > 30]
    last_change = slide_starts(0)[-1]  # 570 s: the last slide runs to the end
    slide_onsets = [t for t in onsets if round(t) % 20 == 10 and round(t) <= last_change
                    and not 300 <= round(t) <= 360]
    assert len(slide_onsets) >= 25
    for onset in slide_onsets:
        assert int(onset * FPS) in changes, onset
    share = [i for i in changes if 290 * FPS <= i <= 370 * FPS]
    assert 300 * FPS in share and 360 * FPS in share
    assert np.abs(colours[int(5 * FPS)] - slide_colour(1)).max() < 30
