"""Fixtures for the recorder tests: the simulator serving the shipped sample recording, a
generated ``video`` playback, and the recorder run as the command executors run
(``python -m bbb_migrate.cli record``), so exit codes and files are the real contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from bbb_migrate.contract import RecorderResult, log_path, result_path
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.simulator.make_sample import RECORD_ID, SAMPLE_DIR, make_video_playback

VIDEO_ID = "0123456789abcdef0123456789abcdef01234567-1700000100000"
SLIP_RETRY = 0.1  # seconds of media clock slip after which a test render is redone once


@dataclass
class Run:
    """One finished recorder process."""

    code: int
    output: Path
    stdout: str
    seconds: float

    @property
    def result(self) -> RecorderResult:
        return RecorderResult.read(result_path(self.output))

    @property
    def events(self) -> list[dict]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def record_command(url: str, output: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bbb_migrate.cli", "record", "--url", url,
            "--output", str(output), *extra]


def start_recorder(url: str, output: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(record_command(url, output, *extra), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(proc: subprocess.Popen, output: Path, began: float, timeout: float = 180) -> Run:
    out, _ = proc.communicate(timeout=timeout)
    return Run(proc.returncode, output, out, time.monotonic() - began)


def run_recorder(url: str, output: Path, *extra: str, timeout: float = 180) -> Run:
    began = time.monotonic()
    return finish(start_recorder(url, output, *extra), output, began, timeout)


def wait_for_event(proc: subprocess.Popen, name: str, lines: list[str], timeout: float = 90):
    """Read the recorder's stdout until a structured line with ``event == name``."""
    until = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < until:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("{") and json.loads(line).get("event") == name:
            return
    raise AssertionError(f"no {name!r} event; got: {''.join(lines)[-2000:]}")


@pytest.fixture(scope="module")
def video_dir(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("video-playbacks")
    make_video_playback(root, VIDEO_ID, duration=8.0)
    return root


@pytest.fixture(scope="module")
def simulator(video_dir):
    config = SimulatorConfig(published_dir=SAMPLE_DIR, video_dir=video_dir)
    with Simulator(config) as sim:
        yield sim


@pytest.fixture
def fresh_simulator(video_dir):
    """A simulator of one's own, for tests that inject faults or stop it."""
    config = SimulatorConfig(published_dir=SAMPLE_DIR, video_dir=video_dir)
    sim = Simulator(config).start()
    yield sim
    sim.stop()


def url_23(sim: Simulator, record_id: str = RECORD_ID) -> str:
    return f"{sim.base_url}/playback/presentation/2.3/{record_id}"


def url_20(sim: Simulator, record_id: str = RECORD_ID) -> str:
    return f"{sim.base_url}/playback/presentation/2.0/playback.html?meetingId={record_id}"


@pytest.fixture(scope="module")
def renders(simulator, tmp_path_factory) -> dict[str, Run]:
    """The sample rendered through both player URLs, one after the other (the sync checks
    measure the recorder, not a machine shared with a second capture)."""
    out = tmp_path_factory.mktemp("renders")
    urls = {"2.3": url_23(simulator), "2.0": url_20(simulator)}
    runs = {}
    for form, url in urls.items():
        for attempt in range(2):
            run = run_recorder(url, out / f"r{form.replace('.', '')}-{attempt}.mp4")
            runs[form] = run
            # The recorder measures how far the media clock fell behind real time. On a
            # machine starved of CPU (other test suites) a render can stutter; render once
            # more then, as an operator would, and judge the second render.
            if run.code != 0 or run.result.extra.get("clock_slip_seconds", 0) <= SLIP_RETRY:
                break
        if run.code != 0:
            log = log_path(run.output)
            tail = log.read_text()[-3000:] if log.exists() else ""
            pytest.fail(f"render {form} exited {run.code}:\n{run.stdout[-3000:]}\n{tail}")
    return runs


def descendants_alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")
            and "zombie" not in _state(pid)]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "gone"
