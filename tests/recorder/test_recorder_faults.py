"""Failures end with the contract's exit code, a result JSON, no output file and no process
left behind (real Chromium, Xvfb, PulseAudio, ffmpeg against the simulator's faults)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from rechelpers import (
    RECORD_ID,
    descendants_alive,
    finish,
    run_recorder,
    start_recorder,
    url_20,
    url_23,
    wait_for_event,
)

from bbb_migrate.contract import ExitCode, result_path
from bbb_migrate.proctree import descendants
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import make_sample

pytestmark = pytest.mark.slow

UNKNOWN_ID = "ffffffffffffffffffffffffffffffffffffffff-1700000000000"
LONG_ID = "1111111111111111111111111111111111111111-1700000000000"


def assert_failed(run, code: ExitCode) -> None:
    assert run.code == code, run.stdout[-3000:]
    result = run.result
    assert result.exit_code == code and result.exit_class == code.exit_class
    assert result.message
    assert not run.output.exists()
    assert not list(run.output.parent.glob(f".{run.output.name}.part*"))


@pytest.mark.parametrize("form", ["2.3", "2.0"])
def test_playback_page_404_is_permanent(fresh_simulator, tmp_path, form):
    fresh_simulator.config.faults.playback_404_ids = {RECORD_ID}
    url = (url_23 if form == "2.3" else url_20)(fresh_simulator)
    run = run_recorder(url, tmp_path / "out.mp4")
    assert_failed(run, ExitCode.NOT_FOUND)
    assert not ExitCode(run.code).retryable
    assert "playback page: HTTP 404" in run.result.message


def test_player_reporting_404_is_permanent(simulator, tmp_path):
    # --duration skips metadata.xml, so the player itself finds the recording missing and
    # shows its error (#error .error-code "404" in bbb-playback)
    run = run_recorder(url_23(simulator, UNKNOWN_ID), tmp_path / "out.mp4", "--duration", "20")
    assert_failed(run, ExitCode.NOT_FOUND)
    assert "player says: 404" in run.result.message


def test_missing_metadata_is_permanent_without_a_browser(simulator, tmp_path):
    run = run_recorder(url_20(simulator, UNKNOWN_ID), tmp_path / "out.mp4")
    assert_failed(run, ExitCode.NOT_FOUND)
    assert run.result.chromium_version is None  # decided before starting anything
    assert run.seconds < 20


def test_stalling_media_is_retryable(fresh_simulator, tmp_path):
    fresh_simulator.config.faults.stall_media_after_seconds = 8.0  # paced at 1.5x real time
    run = run_recorder(url_23(fresh_simulator), tmp_path / "out.mp4", "--stall-seconds", "3")
    assert_failed(run, ExitCode.STALL)
    assert ExitCode(run.code).retryable
    # while playing, or while priming (the recorder plays an instant and seeks back to 0 before
    # the capture: a server that stops sending can already hold that seek)
    assert ("no playback progress" in run.result.message
            or "media loading made no progress" in run.result.message), run.result.message


@pytest.fixture(scope="module")
def long_published(tmp_path_factory):
    """A 60 s variant of the sample: long enough that a player cannot have it all buffered."""
    root = tmp_path_factory.mktemp("long-published")
    make_sample(root, duration=60.0, record_id=LONG_ID)
    return root


def test_server_dying_mid_render_is_retryable(long_published, tmp_path):
    config = SimulatorConfig(published_dir=long_published)
    config.faults.throttle_media_factor = 1.2  # a link barely faster than real time
    sim = Simulator(config).start()
    output = tmp_path / "out.mp4"
    began = time.monotonic()
    try:
        # bbb-playback plays while the media downloads; the 2.0 player would declare itself
        # ready only once its media can play through, here once all 60 s are downloaded, and a
        # server stopped after that starves it of nothing (measured on the real v2.2.31 player)
        proc = start_recorder(url_23(sim, LONG_ID), output, "--stall-seconds", "4")
        lines: list[str] = []
        wait_for_event(proc, "playing", lines)
        time.sleep(3)
    finally:
        sim.stop()
    run = finish(proc, output, began)
    run.stdout = "".join(lines) + run.stdout
    assert run.code in (ExitCode.NETWORK, ExitCode.STALL), run.stdout[-3000:]
    assert_failed(run, ExitCode(run.code))
    assert ExitCode(run.code).retryable


def test_sigterm_stops_cleanly_and_leaves_no_process(simulator, tmp_path):
    output = tmp_path / "out.mp4"
    began = time.monotonic()
    proc = start_recorder(url_23(simulator), output)
    lines: list[str] = []
    wait_for_event(proc, "playing", lines)
    children = descendants(proc.pid)
    names = {Path(f"/proc/{pid}/comm").read_text().strip() for pid in children
             if os.path.exists(f"/proc/{pid}/comm")}
    assert {"Xvfb", "pulseaudio", "ffmpeg"} <= names, names
    assert any(n.startswith("chrom") for n in names), names
    proc.send_signal(signal.SIGTERM)
    run = finish(proc, output, began, timeout=60)
    assert run.code == ExitCode.CRASH
    assert result_path(output).exists() and "interrupted" in run.result.message
    assert not output.exists()
    time.sleep(0.5)
    assert descendants_alive(children) == []


def test_sigkill_leaves_no_process(simulator, tmp_path):
    """A SIGKILLed recorder runs no cleanup: the kernel (PR_SET_PDEATHSIG) must take its
    children, and nothing may be left to hold the display, the sound server or the output."""
    output = tmp_path / "out.mp4"
    proc = start_recorder(url_23(simulator), output)
    lines: list[str] = []
    wait_for_event(proc, "playing", lines)
    children = descendants(proc.pid)
    assert children
    proc.kill()
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    until = time.monotonic() + 30  # Chromium's helpers notice their browser's death on their own
    while descendants_alive(children) and time.monotonic() < until:
        time.sleep(0.2)
    survivors = {pid: _comm(pid) for pid in descendants_alive(children)}
    assert survivors == {}
    assert not output.exists() and not result_path(output).exists()


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")[:200]
    except OSError:
        return "gone"


def test_own_deadline_stops_cleanly(simulator, tmp_path):
    # deadline = 1 s x 1 + 2 s: passes while the browser starts or the player loads
    run = run_recorder(url_23(simulator), tmp_path / "out.mp4", "--duration", "1",
                       "--deadline-factor", "1", "--deadline-margin", "2")
    assert_failed(run, ExitCode.DEADLINE)
    assert ExitCode(run.code).retryable and "deadline passed" in run.result.message
    assert run.seconds < 30
