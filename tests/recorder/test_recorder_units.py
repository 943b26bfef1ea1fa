"""Fast checks of the recorder's parts (no browser): URL rules, commands, the simulator's
playback files with Range, and the command line's exit codes for bad input."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from bbb_migrate.contract import ExitCode, RecorderResult, result_path
from bbb_migrate.recorder.browser import chromium_flags
from bbb_migrate.recorder.capture import VideoSettings, ffmpeg_command
from bbb_migrate.recorder.errors import RecorderError
from bbb_migrate.recorder.players import BBB_PLAYBACK_23, LEGACY_PLAYER_20, with_content_rate
from bbb_migrate.recorder.source import classify
from bbb_migrate.simulator import Faults, Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import RECORD_ID, SAMPLE_DIR
from bbb_migrate.simulator.playback import safe_join

RID = "90d5fa519edc32ce793173e27a6256088aed9780-1700000000000"


@pytest.mark.parametrize(("url", "kind", "form"), [
    (f"https://bbb.example.org/playback/presentation/2.3/{RID}", "render", BBB_PLAYBACK_23),
    (f"https://bbb.example.org/playback/presentation/2.3/{RID}/?t=5s", "render",
     BBB_PLAYBACK_23),
    (f"https://bbb.example.org/playback/presentation/2.0/playback.html?meetingId={RID}",
     "render", LEGACY_PLAYER_20),
    (f"https://bbb.example.org/playback/video/{RID}/", "download", None),
    (f"https://bbb.example.org/video/{RID}/", "download", None),
    (f"https://esr.example.org/recording/{RID}/video?token=abc", "download", None),
    (f"https://bbb.example.org/playback/video/{RID}/video-0.m4v", "download", None),
])
def test_classify_playback_urls(url, kind, form):
    target = classify(url)
    assert (target.kind, target.form, target.record_id) == (kind, form, RID)


@pytest.mark.parametrize(("url", "code"), [
    ("ftp://bbb.example.org/playback/presentation/2.3/x", ExitCode.INVALID_URL),
    ("not a url", ExitCode.INVALID_URL),
    ("https://bbb.example.org/b/abc-def-ghi", ExitCode.INVALID_URL),
    ("https://bbb.example.org/playback/presentation/2.0/playback.html", ExitCode.INVALID_URL),
    (f"https://bbb.example.org/playback/podcast/{RID}/audio.ogg", ExitCode.UNSUPPORTED),
    (f"https://bbb.example.org/playback/notes/{RID}/", ExitCode.UNSUPPORTED),
])
def test_classify_rejects(url, code):
    with pytest.raises(RecorderError) as caught:
        classify(url)
    assert caught.value.code == code


def test_content_rate_added_only_when_absent():
    url = f"https://h/playback/presentation/2.3/{RID}"
    assert with_content_rate(url, 50) == url + "?f=50"
    assert with_content_rate(url + "?t=5s&f=10", 50) == url + "?t=5s&f=10"
    assert with_content_rate(url, 0) == url


def test_ffmpeg_command_encodes_the_contract():
    cmd = ffmpeg_command(":7", "unix:/tmp/p/native", "rec.monitor", Path("/o/x.part"),
                         VideoSettings(), 1700000000.5, 0.0)
    joined = " ".join(cmd)
    for piece in ("-f x11grab -draw_mouse 0", "-framerate 25 -video_size 1280x720 -i :7.0+0,0",
                  "-f pulse -server unix:/tmp/p/native", "-i rec.monitor", "-copyts",
                  "trim=start=1700000000.500000", "atrim=start=1700000000.500000",
                  "-c:v libx264 -preset veryfast -crf 20 -profile:v high -pix_fmt yuv420p",
                  "-fps_mode cfr", "-c:a aac -b:a 128k -ar 48000", "-movflags +faststart",
                  "-f mp4 /o/x.part"):
        assert piece in joined, piece
    delayed = " ".join(ffmpeg_command(":7", "s", "m", Path("o"), VideoSettings(), 100.0, 0.04))
    assert "atrim=start=99.960000" in delayed and "trim=start=100.000000" in delayed
    # both streams end at the recording's end: ffmpeg stops by itself there, to the frame
    ended = " ".join(ffmpeg_command(":7", "s", "m", Path("o"), VideoSettings(), 100.0, 0.04,
                                    end_at=120.0))
    assert "trim=start=100.000000:end=120.000000," in ended
    assert "atrim=start=99.960000:end=119.960000," in ended


def test_chromium_window_covers_the_grab_and_sandbox_only_dropped_for_root(tmp_path):
    flags = chromium_flags(1280, 720, tmp_path)
    assert {"--kiosk", "--window-position=0,0", "--window-size=1281,721",
            "--autoplay-policy=no-user-gesture-required", "--disable-background-networking",
            "--hide-scrollbars", "--no-first-run", "--disable-sync"} <= set(flags)
    assert ("--no-sandbox" in flags) == (os.geteuid() == 0)


def test_safe_join_refuses_escapes(tmp_path):
    assert safe_join(tmp_path, "a/b.xml") == tmp_path / "a" / "b.xml"
    for bad in ("../x", "a/../../x", "/etc/passwd", "a\\..\\x", "", "a\x00b"):
        assert safe_join(tmp_path, bad) is None


def test_simulator_serves_files_with_range_and_refuses_traversal(simulator):
    base = f"{simulator.base_url}/presentation/{RECORD_ID}"
    whole = (SAMPLE_DIR / RECORD_ID / "video" / "webcams.webm").read_bytes()
    part = requests.get(f"{base}/video/webcams.webm", headers={"Range": "bytes=100-199"},
                        timeout=10)
    assert part.status_code == 206 and part.content == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    head = requests.head(f"{base}/video/webcams.webm", timeout=10)
    assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(whole)
    assert requests.get(f"{base}/video/webcams.mp4", timeout=10).status_code == 404
    conn = http.client.HTTPConnection(simulator.server.server_address[0],
                                      simulator.server.server_port, timeout=10)
    conn.request("GET", f"/presentation/{RECORD_ID}/../../../../etc/passwd")
    assert conn.getresponse().status == 404
    for path in (f"/playback/presentation/2.3/{RECORD_ID}",
                 f"/playback/presentation/2.0/playback.html?meetingId={RECORD_ID}"):
        page = requests.get(simulator.base_url + path, timeout=10)
        assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]


def test_simulator_serves_real_players_when_given(tmp_path, monkeypatch):
    # a folder laid out as BBB installs the players: 2.3/ (a bbb-playback build) and 2.0/
    for rel, text in (("2.3/index.html", "real 2.3"), ("2.3/static/js/main.js", "js"),
                      ("2.0/playback.html", "real 2.0"), ("2.0/lib/writing.js", "w")):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    monkeypatch.setenv("BBB_MIGRATE_REAL_PLAYERS", str(tmp_path))
    config = SimulatorConfig(published_dir=SAMPLE_DIR, faults=Faults(playback_404_ids={"gone"}))
    assert config.real_players == tmp_path
    with Simulator(config) as sim:
        def get(path: str) -> tuple[int, str]:
            reply = requests.get(sim.base_url + path, timeout=10)
            return reply.status_code, reply.text

        # bbb-playback's nginx rule: an existing file, else the app for any record path
        assert get(f"/playback/presentation/2.3/{RECORD_ID}") == (200, "real 2.3")
        assert get("/playback/presentation/2.3/static/js/main.js") == (200, "js")
        assert get(f"/playback/presentation/2.0/playback.html?meetingId={RECORD_ID}") == (
            200, "real 2.0")
        assert get("/playback/presentation/2.0/lib/writing.js") == (200, "w")
        assert get("/playback/presentation/2.0/player20.js")[0] == 404  # no own page files
        assert get("/playback/presentation/2.3/gone")[0] == 404  # the faults still apply
        assert get("/playback/presentation/2.0/playback.html?meetingId=gone")[0] == 404
        assert get(f"/presentation/{RECORD_ID}/metadata.xml")[0] == 200
    # a folder without a player (here: no 2.0/) leaves the simulator's own page for it
    (tmp_path / "2.0" / "playback.html").unlink()
    with Simulator(SimulatorConfig(published_dir=SAMPLE_DIR)) as sim:
        page = requests.get(f"{sim.base_url}/playback/presentation/2.0/playback.html"
                            f"?meetingId={RECORD_ID}", timeout=10)
        assert page.status_code == 200 and "player20.js" in page.text
    monkeypatch.delenv("BBB_MIGRATE_REAL_PLAYERS")
    assert SimulatorConfig().real_players is None


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bbb_migrate.cli", "record", *args],
                          capture_output=True, text=True, timeout=60)


def test_cli_usage_error_is_the_usage_code(tmp_path):
    assert _cli("--output", str(tmp_path / "o.mp4")).returncode == ExitCode.USAGE
    assert _cli("--url", "http://h/x", "--output", str(tmp_path / "o.mp4"),
                "--fps", "0").returncode == ExitCode.USAGE
    assert _cli("--url", "http://h/x", "--output", str(tmp_path / "o.mp4"),
                "--width", "1279").returncode == ExitCode.USAGE


def test_cli_invalid_url_writes_a_result(tmp_path):
    output = tmp_path / "o.mp4"
    run = _cli("--url", "https://bbb.example.org/b/room-abc", "--output", str(output))
    assert run.returncode == ExitCode.INVALID_URL
    result = RecorderResult.read(result_path(output))
    assert result.exit_class == "invalid-url" and not result.ok
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert lines[-1]["event"] == "finished" and lines[-1]["exit_code"] == ExitCode.INVALID_URL


def test_capture_speed_names_a_starved_capture():
    from bbb_migrate.recorder.capture import capture_speed, check_capture_speed
    from bbb_migrate.recorder.errors import RecorderError

    # the demo on a loaded machine: 11.64 s written in 21.6 s of playback
    speed = capture_speed(11.64, 1000.0, 1021.6)
    assert speed == pytest.approx(0.539, abs=0.001)
    with pytest.raises(RecorderError) as info:
        check_capture_speed(speed, 21.6)
    assert info.value.code is ExitCode.CPU_STARVED and info.value.code.retryable
    assert info.value.message.startswith("capture ran at 0.54x of real time")
    # a capture at most two frames short: accepted (the duration check's margin); three: not
    check_capture_speed(capture_speed(19.92, 0.0, 20.0), 20.0, fps=25)
    check_capture_speed(capture_speed(3599.95, 0.0, 3600.0), 3600.0, fps=25)
    with pytest.raises(RecorderError):
        check_capture_speed(capture_speed(19.88, 0.0, 20.0), 20.0, fps=25)
    with pytest.raises(RecorderError):  # the 19.72 s file of a 20 s recording, once exit 0
        check_capture_speed(capture_speed(19.72, 0.0, 20.0), 20.0, fps=25)
    assert capture_speed(None, 0.0, 20.0) is None  # unknown duration: verify refuses the file


def test_media_clock_slip_ignores_step_noise_and_sees_a_stall():
    import random

    from bbb_migrate.recorder.clock import MediaClock

    rng = random.Random(14)

    def polls(stall_at=None, stall=0.0):
        clock = MediaClock()
        for i in range(1, 240):  # a minute of polls every 0.25 s, media t=0 at wall 1000 s
            now = 1000.0 + i * 0.25
            late = rng.uniform(0.0, 0.02)  # currentTime advances in audio-output steps
            t = now - 1000.0 - late - (stall if stall_at and now > stall_at else 0.0)
            clock.add(now, t)
        return clock.result(0.0)

    epoch, slip = polls()
    assert epoch == pytest.approx(1000.0, abs=0.02) and slip < 0.008  # max-min would say ~0.02
    epoch, slip = polls(stall_at=1030.0, stall=0.03)
    assert epoch == pytest.approx(1000.0, abs=0.02) and slip == pytest.approx(0.03, abs=0.008)


def test_timeline_checks_refuse_a_slip_or_a_missing_start_or_end():
    from bbb_migrate.recorder.clock import check_timeline, play_latency
    from bbb_migrate.recorder.errors import RecorderError

    check_timeline(0.02, 0.015, 25)  # within half a frame and two frames: accepted
    check_timeline(-0.07, 0.0, 25)
    for offset, slip, code, words in ((0.0, 0.025, ExitCode.STALL, "slipped 25 ms"),
                                      (0.07, 0.015, ExitCode.VERIFY, "end of the recording"),
                                      (-0.09, 0.0, ExitCode.VERIFY, "start of the recording")):
        with pytest.raises(RecorderError) as info:
            check_timeline(offset, slip, 25)
        assert info.value.code is code and code.retryable and words in info.value.message
    assert play_latency(None) == 0.05 and play_latency(0.062) == 0.062
    assert play_latency(2.0) == 0.3 and play_latency(-1.0) == 0.05
