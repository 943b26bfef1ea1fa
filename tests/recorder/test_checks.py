"""The content checks (recorder/checks.py, scan.py): each one fails on a file made to show its
fault and passes on the sound sample; a compose render with a slide missing on the server is a
permanent ``content`` failure with its contact sheet. Files are a few seconds long (cheap)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from rechelpers import run_recorder, url_23

from bbb_migrate.contract import ExitCode, RecorderResult, sheet_path
from bbb_migrate.recorder.checks import (
    Context,
    Limits,
    judge_black,
    judge_frozen,
    judge_page,
    judge_silence,
    raise_for,
    run_checks,
)
from bbb_migrate.recorder.errors import RecorderError
from bbb_migrate.recorder.scan import scan, source_volume
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import SAMPLE_DIR


def make(path: Path, video: str, audio: str, seconds: float = 8.0) -> Path:
    """A small MP4 from ffmpeg's test sources (lavfi)."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{video}:d={seconds}",
                    "-f", "lavfi", "-i", f"{audio}:d={seconds}", "-c:v", "libx264", "-preset",
                    "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
                   check=True)
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("checks")
    return {
        "black": make(root / "black.mp4", "color=black:s=320x180:r=10",
                      "sine=frequency=440:sample_rate=48000"),
        "still": make(root / "still.mp4", "color=white:s=320x180:r=10",
                      "sine=frequency=440:sample_rate=48000"),
        "moving": make(root / "moving.mp4", "testsrc2=s=320x180:r=10",
                       "anullsrc=r=48000:cl=mono"),
    }


LIMITS = Limits(frozen_max_seconds=3, silence_min_seconds=3)


def test_black_output_fails_and_a_moving_one_passes(files):
    black = scan(files["black"], 8.0, has_audio=True)
    assert black.black and black.black[0][1] - black.black[0][0] > 7
    result = judge_black(black, 8.0, [], LIMITS)
    assert result["status"] == "failed" and "black for 8 s of 8 s" in result["detail"]
    # a screen share of a dark window is not judged by the stretch limit, only by the ratio
    assert judge_black(black, 8.0, [(0, 8)], Limits(black_max_ratio=1, black_max_seconds=2)
                       )["status"] == "ok"
    assert judge_black(scan(files["moving"], 8.0), 8.0, [], LIMITS)["status"] == "ok"


def test_still_picture_fails_only_across_picture_events(files):
    still = scan(files["still"], 8.0)
    assert still.still and still.still[0][1] - still.still[0][0] > 7
    failed = judge_frozen(still, [4.0], LIMITS)
    assert failed["status"] == "failed" and "1 slide/zoom/share change" in failed["detail"]
    assert judge_frozen(still, [], LIMITS)["status"] == "ok"  # a long still slide is fine
    assert judge_frozen(scan(files["moving"], 8.0), [4.0], LIMITS)["status"] == "ok"


def test_a_change_of_colour_at_the_same_brightness_is_not_a_frozen_picture(tmp_path):
    """Two slides of nearly the same luma, (63,37,168) then (127,10,132), as in the 10-minute
    lecture at 250 s: a grey-only scan saw one still picture and failed a good render."""
    path = tmp_path / "slides.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=0x3F25A8:s=320x180:r=10:d=4", "-f", "lavfi", "-i",
                    "color=c=0x7F0A84:s=320x180:r=10:d=4", "-filter_complex",
                    "[0][1]concat=n=2:v=1", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", str(path)], check=True)
    found = scan(path, 8.0, has_audio=False)
    assert all(b - a < 7 for a, b in found.still), found.still
    assert judge_frozen(found, [4.0], LIMITS)["status"] == "ok"


def test_silence_compared_with_the_source(files):
    silent = scan(files["moving"], 8.0, silence_min=3)
    assert silent.silent and silent.silent[0][1] - silent.silent[0][0] > 7
    assert source_volume(str(files["black"]), 2.0, 3.0) > -30  # the sine has sound there
    loud = judge_silence(silent, [str(files["black"])], LIMITS)
    assert loud["status"] == "failed" and "while the source has sound" in loud["detail"]
    quiet = judge_silence(silent, [str(files["moving"])], LIMITS)  # silent source: fine
    assert quiet["status"] == "ok" and quiet["compared"][0]["source_db"] < -80
    # a source that cannot be read leaves the check unknown, never failed
    gone = judge_silence(silent, [str(files["moving"].with_name("gone.mp4"))], LIMITS)
    assert gone["status"] == "ok" and gone["compared"][0]["source_db"] is None


def test_one_pass_writes_the_contact_sheet(files, tmp_path):
    context = Context("capture", [2.0, 5.0], [], [], [])
    results, sheet = run_checks(files["moving"], 8.0, context, LIMITS, tmp_path / "s.jpg")
    assert sheet is not None and sheet.stat().st_size > 1000
    assert set(results) >= {"black", "frozen", "silence", "page"}
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=width,height",
                          "-of", "csv=p=0", str(sheet)], capture_output=True, text=True)
    width, height = map(int, out.stdout.strip().split(","))
    assert width > 160 * 6 and height < 200  # one strip of small thumbnails


def test_retry_or_not():
    failed = {"black": {"status": "failed", "detail": "black"}, "page": {"status": "ok"}}
    with pytest.raises(RecorderError) as capture:
        raise_for(failed, "capture")  # a capture may film a glitch that does not recur
    assert capture.value.code is ExitCode.VERIFY and capture.value.code.retryable
    with pytest.raises(RecorderError) as compose:
        raise_for(failed, "compose")  # the same files draw the same picture
    assert compose.value.code is ExitCode.CONTENT and not compose.value.code.retryable
    page = judge_page([{"url": "http://h/presentation/x/slide-2.png", "status": 404}])
    with pytest.raises(RecorderError) as missing:
        raise_for({"page": page}, "capture")
    assert missing.value.code is ExitCode.CONTENT and "slide-2.png" in missing.value.message
    raise_for({"black": {"status": "ok"}}, "capture")


def test_compose_with_a_slide_missing_on_the_server(tmp_path):
    root = tmp_path / "published"
    shutil.copytree(SAMPLE_DIR, root)
    slide = next(root.glob("*/presentation/*/slide-2.png"))
    slide.unlink()
    with Simulator(SimulatorConfig(published_dir=root)) as sim:
        run = run_recorder(url_23(sim), tmp_path / "out.mp4", "--engine", "compose")
    assert run.code == ExitCode.CONTENT, run.stdout[-2000:]
    result = RecorderResult.read(run.output.with_name("out.mp4.result.json"))
    assert result.checks["page"]["status"] == "failed"
    assert result.message.startswith("content check failed: page: 1 slide image(s) missing")
    assert not run.output.exists()  # never published
    assert sheet_path(run.output).stat().st_size > 2000  # what it looked like, for the report
