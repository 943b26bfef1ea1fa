"""The sample recording rendered through both player URLs (real Chromium, Xvfb, PulseAudio,
ffmpeg), by two recorders running at the same time on this machine."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time

import numpy as np
import pytest
from rec_analysis import audio_onsets, closest, first_change, frame_at, region_colours
from rechelpers import (
    HEADROOM_CORES,
    RECORD_ID,
    finish,
    run_recorder,
    skip_if_starved,
    start_recorder,
    url_20,
    url_23,
    wait_for_headroom,
)

from bbb_migrate.contract import ExitCode, log_path
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import (
    BEEPS,
    DURATION,
    MARKER_BEEP,
    SAMPLE_DIR,
    SEGMENTS,
    segment_at,
)

pytestmark = pytest.mark.slow

FORMS = ("2.3", "2.0")
# A flat part of the slide (upper left, away from the number, the annotations and the cursor) at
# 1280x720: in the default layout (presentation+webcam) the sample's 16:9 slides fill the frame;
# in layout "player", where each player puts them.
SLIDE_BOX = (50, 60, 100, 60)
PLAYER_SLIDE_BOX = {"2.3": (360, 100, 100, 60), "2.0": (40, 150, 100, 60)}
# The webcams in layout presentation+webcam: the sample's 4:3 video, a quarter of the frame wide,
# in the bottom-right corner (as compose places it).
CORNER = (960, 480, 320, 240)
PALETTE = {f"{s.kind}{s.number}": s.rgb for s in SEGMENTS}
SYNC_TOLERANCE = 0.100  # seconds


def _render(renders, form):
    """The render of ``form``; a skip (saying why) when the machine starved it of real time."""
    if renders[form].code != 0:
        skip_if_starved(renders[form])
    return renders[form]


CONTROL_BAR_RGB = (45, 55, 66)  # video.js rgba(43,51,63,.95) and Acorn #2f3b45, as captured


def probe(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of",
                          "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("form", FORMS)
def test_output_format_and_duration(renders, form):
    info = probe(_render(renders, form).output)
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["profile"], video["pix_fmt"]) == ("h264", "High", "yuv420p")
    assert (video["width"], video["height"], video["r_frame_rate"]) == (1280, 720, "25/1")
    assert video["avg_frame_rate"] == "25/1"  # constant frame rate
    assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "48000")
    # the recording's length to two frames (the recorder's own check), not to a second
    assert abs(float(info["format"]["duration"]) - DURATION) <= 2 / 25
    # +faststart: the index (moov) comes before the media data (mdat)
    head = _render(renders, form).output.read_bytes()[:200_000]
    assert 0 <= head.find(b"moov") < head.find(b"mdat")


@pytest.mark.parametrize("form", FORMS)
def test_result_json_describes_the_file(renders, form):
    run = _render(renders, form)
    result = run.result
    data = run.output.read_bytes()
    assert result.ok and result.exit_class == "ok" and result.kind == "render"
    assert result.size_bytes == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.expected_duration_seconds == DURATION
    assert abs(result.duration_seconds - DURATION) <= 2 / 25
    # the last frame shows the recording's end; media t=0 is on the file's first frames
    assert result.extra["end_media_seconds"] >= DURATION - 2 / 25
    assert abs(result.extra["play_latency_seconds"]) <= 2 / 25
    assert result.extra["clock_slip_seconds"] <= 0.5 / 25
    assert result.chromium_version.startswith("Chromium ")
    assert result.ffmpeg_version.startswith("ffmpeg version")
    assert result.wall_seconds >= DURATION and result.cpu_seconds > 0
    assert result.extra["player"] == form
    # the content checks watched the capture: picture, motion at the slide changes, sound and
    # every slide image loaded; the contact sheet is beside the file
    assert {result.checks[name]["status"] for name in ("black", "frozen", "silence",
                                                       "page")} == {"ok"}, result.checks
    assert result.checks["frozen"]["picture_events"] >= 3
    assert (run.output.parent / result.extra["contact_sheet"]).stat().st_size > 2000
    # no temporary file left beside the output; the log file is there
    assert not list(run.output.parent.glob(f".{run.output.name}*"))
    assert log_path(run.output).read_text().count('"event": "finished"') == 1


@pytest.mark.parametrize("form", FORMS)
def test_expected_slide_visible_at_chosen_times(renders, form):
    colours, fps = region_colours(_render(renders, form).output, SLIDE_BOX)
    # from the very first frame (the players show their logo until their clock first ticks:
    # the recorder has them draw t=0 before the capture starts) to the last
    for t in (0.0, 0.5, 3.0, 5.5, 6.5, 9.0, 12.5, 15.0, 19.0, DURATION - 1 / fps):
        seen = closest(colours[round(t * fps)], PALETTE)
        seg = segment_at(t)
        assert seen == f"{seg.kind}{seg.number}", f"at {t} s: {seen}"
    # and every frame in between is one of them: no black frame where a screen share starts or
    # ends, no empty slide area while an image loads
    palette = np.array(list(PALETTE.values()), dtype=float)
    distance = np.abs(colours[:, None, :] - palette[None, :, :]).max(axis=2).min(axis=1)
    odd = np.flatnonzero(distance > 40)
    assert not len(odd), f"frames {[round(i / fps, 2) for i in odd[:10]]}: {colours[odd[0]]}"


@pytest.mark.parametrize("form", FORMS)
def test_audio_video_sync_within_100ms(renders, form):
    # judged only on a render the recorder itself reports as real time (no capture loss, no
    # media clock slip above 0.1 s): on a starved machine the test says so instead of failing
    skip_if_starved(renders[form])
    path = _render(renders, form).output
    onsets = audio_onsets(path)
    assert len(onsets) == len(BEEPS) + 1, onsets
    # the marker beep has no slide change: it tells where media t=0 is in the file (the file
    # starts with playback, to two frames; the sound trails the media clock by ~35 ms)
    assert abs(onsets[0] - MARKER_BEEP) < 0.12
    colours, fps = region_colours(path, SLIDE_BOX)
    for beep, onset in zip(BEEPS, onsets[1:], strict=True):
        seg = segment_at(beep + 0.01)
        change = first_change(colours, fps, seg.rgb, after=beep - 1.0)
        assert change is not None
        skew = change - onset
        slip = _render(renders, form).result.extra["clock_slip_seconds"]
        assert abs(skew) <= SYNC_TOLERANCE, (
            f"{form}: slide {seg} at {change}, beep at {onset}, clock slip {slip} s")


@pytest.mark.parametrize("form", FORMS)
def test_clean_frame_no_controls_scrollbar_or_cursor(renders, form):
    path = _render(renders, form).output
    for t in (3.0, 8.0):
        frame = frame_at(path, t).astype(float)
        # no row of the bottom strip is mostly the players' control-bar grey (video.js and
        # Acorn bars are fixed at the bottom, full width)
        bar = np.abs(frame[680:720, :, :] - CONTROL_BAR_RGB).max(axis=2) < 15
        assert bar.mean(axis=1).max() < 0.5, "control bar visible"
        # no scrollbar down the right edge: the last 14 columns continue the content
        edge = frame[80:460, 1266:1280, :].mean(axis=1)
        inside = frame[80:460, 1250:1264, :].mean(axis=1)
        assert np.abs(edge - inside).max(axis=1).mean() < 6, "scrollbar visible"
        # the X pointer sits at the screen centre, inside the slide: that area is flat
        centre = frame[340:380, 620:660, :]
        assert centre.std(axis=(0, 1)).max() < 6, "pointer or overlay at the centre"
        assert np.abs(centre.mean(axis=(0, 1)) - segment_at(t).rgb).max() < 40


def _near(frame: np.ndarray, box: tuple[int, int, int, int], rgb) -> float:
    """The share of ``box``'s pixels within 40 of ``rgb`` in every channel."""
    x, y, w, h = box
    return float((np.abs(frame[y:y + h, x:x + w, :] - rgb).max(axis=2) < 40).mean())


@pytest.mark.parametrize("form", FORMS)
def test_default_layout_has_no_player_chrome_and_webcams_in_the_corner(renders, form):
    """presentation+webcam: where each player has its title bar, thumbnails, chat, its own webcams
    box and its bottom strip, the slide continues; the webcams video is in the bottom-right
    corner, a quarter of the frame wide, and nowhere else."""
    frame = frame_at(_render(renders, form).output, 1.5).astype(float)  # slide 1, nothing on it
    x, y, w, h = SLIDE_BOX
    red = np.median(frame[y:y + h, x:x + w, :], axis=(0, 1))  # the slide, as captured
    assert closest(red, PALETTE) == "slide1"
    chrome = {"top bar / navbar": (0, 0, 1280, 60),
              "left column (2.3 webcams, chat)": (0, 60, 320, 660),
              "bottom strip (thumbnails, controls)": (320, 600, 620, 120),
              "right column above the corner (2.0 webcams)": (860, 60, 80, 400)}
    for name, box in chrome.items():
        assert _near(frame, box, red) > 0.99, f"{name}: not the slide"
    x, y, w, h = CORNER
    assert _near(frame, (x + 4, y + 4, w - 8, h - 8), red) < 0.02, "no webcams in the corner"
    # its edges, to a few pixels: the slide just outside, the video just inside
    assert _near(frame, (x - 8, y + 40, 4, h - 80), red) > 0.99
    assert _near(frame, (x + 8, y - 8, 60, 4), red) > 0.99  # (left of the slide's number)
    assert _near(frame, (x + 4, y + 40, 4, h - 80), red) < 0.02
    assert _near(frame, (x + 40, y + 4, w - 80, 4), red) < 0.02


def _player_chrome(form: str, frame: np.ndarray) -> None:
    """Layout "player": the player's own arrangement, as BBB lays it out at 1280x720 (research
    boxes in docs/recorder.md): the chrome is there, the webcams in the player's own box."""
    slide = segment_at(3.0).rgb
    if form == "2.3":
        top_bar = frame[5:55, 400:1200, :]
        assert top_bar.mean() > 200, "2.3: no light top bar above the presentation"
        assert _near(frame, (0, 0, 320, 240), slide) < 0.02, "2.3: webcams box not at 0,0"
        assert frame[300:700, 0:320, :].mean() > 200, "2.3: no light chat column"
        assert _near(frame, (330, 600, 940, 60), slide) < 0.5, "2.3: no thumbnail strip"
    else:
        assert _near(frame, (0, 0, 1280, 48), slide) < 0.02, "2.0: no navbar"
        assert _near(frame, (880, 60, 380, 280), slide) < 0.02, "2.0: webcams not at the right"


def test_two_recorders_in_parallel_both_succeed(simulator, tmp_path):
    # the first 8 s of the sample (--duration), by two recorders at the same time, in the
    # player's own arrangement (layout player)
    wait_for_headroom(1.5 * HEADROOM_CORES)
    began = time.monotonic()
    outputs = [tmp_path / "p23.mp4", tmp_path / "p20.mp4"]
    procs = [(start_recorder(url, output, "--duration", "8", "--layout", "player"), output)
             for url, output in zip((url_23(simulator), url_20(simulator)), outputs, strict=True)]
    runs = [finish(proc, output, began) for proc, output in procs]
    skip_if_starved(*runs)  # the recorder's own measure: it fell behind real time
    displays, spans = set(), []
    for run in runs:
        assert run.code == 0, run.stdout[-3000:]
        assert abs(run.result.duration_seconds - 8.0) <= 1.0
        events = {e["event"]: e for e in run.events}
        displays.add(events["started"]["display"])
        spans.append((events["playing"]["ts"], events["ended"]["ts"]))
    assert len(displays) == 2, "each recorder needs its own X display"
    (a_start, a_end), (b_start, b_end) = spans
    assert a_start < b_end and b_start < a_end, "the two captures overlapped in time"
    for run, form in zip(runs, ("2.3", "2.0"), strict=True):  # both right, in layout player
        colours, fps = region_colours(run.output, PLAYER_SLIDE_BOX[form])
        assert closest(colours[int(3 * fps)], PALETTE) == "slide1", form
        assert closest(colours[int(7 * fps)], PALETTE) == "slide2", form
        assert run.result.extra["layout"] == "player"
        _player_chrome(form, frame_at(run.output, 3.0).astype(float))


def test_audio_only_recording_plays_through_the_audio_element(tmp_path):
    # very old recordings have audio/audio.webm and no webcams: the 2.0 player's #video is then
    # an <audio> element, and it is still the media clock
    published = tmp_path / "published"
    shutil.copytree(SAMPLE_DIR / RECORD_ID, published / RECORD_ID)
    record = published / RECORD_ID
    (record / "audio").mkdir()
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(record / "video" / "webcams.webm"),
                    "-vn", "-c:a", "copy", str(record / "audio" / "audio.webm")], check=True)
    shutil.rmtree(record / "video")
    with Simulator(SimulatorConfig(published_dir=published)) as sim:
        run = run_recorder(url_20(sim), tmp_path / "out.mp4", "--duration", "8")
    skip_if_starved(run)
    assert run.code == ExitCode.OK, run.stdout[-3000:]
    assert run.result.extra["video"]["audio_codec"] == "aac"
    assert abs(run.result.duration_seconds - 8.0) <= 1.0
