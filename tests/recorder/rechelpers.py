"""Helpers of the recorder tests: run the recorder as executors do (``python -m
bbb_migrate.cli record``) and read what it left. A module of its own, not conftest.py: each test
folder has a conftest.py, so ``from conftest import …`` would pick whichever was loaded first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bbb_migrate.contract import RecorderResult, result_path
from bbb_migrate.simulator import Simulator
from bbb_migrate.simulator.make_sample import RECORD_ID

VIDEO_ID = "0123456789abcdef0123456789abcdef01234567-1700000100000"
SLIP_RETRY = 0.02  # media clock slip (s) the recorder refuses: half a frame at 25 fps
HEADROOM_CORES = 0.8  # idle CPU a real-time render needs (bench_recorder: ~0.4 core, + browser)


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
    """The recorder as executors run it; the capture engine unless ``extra`` names one (these
    tests are about the capture engine; test_compose.py runs compose)."""
    engine = [] if "--engine" in extra else ["--engine", "capture"]
    return [sys.executable, "-m", "bbb_migrate.cli", "record", "--url", url,
            "--output", str(output), *engine, *extra]


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


def url_23(sim: Simulator, record_id: str = RECORD_ID) -> str:
    return f"{sim.base_url}/playback/presentation/2.3/{record_id}"


def url_20(sim: Simulator, record_id: str = RECORD_ID) -> str:
    return f"{sim.base_url}/playback/presentation/2.0/playback.html?meetingId={record_id}"


def descendants_alive(pids: list[int]) -> list[int]:
    return [pid for pid in pids if os.path.exists(f"/proc/{pid}")
            and "zombie" not in _state(pid)]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0].lower()
    except (OSError, IndexError):
        return "gone"


# -- real time on a shared machine ----------------------------------------------------------------


def idle_cores(seconds: float = 1.0) -> float:
    """CPU cores left idle over ``seconds`` (every process of the machine counted)."""
    import psutil

    busy = psutil.cpu_percent(interval=seconds) / 100.0
    return (1.0 - busy) * (psutil.cpu_count() or 1)


def wait_for_headroom(cores: float = HEADROOM_CORES, timeout: float = 90.0) -> None:
    """Before a real-time render: wait (a while) for the machine to have ``cores`` idle, else
    skip, saying how busy it is. A render on a starved machine fails or stutters at random."""
    import pytest

    give_up = time.monotonic() + timeout
    while True:
        idle = idle_cores(2.0)
        if idle >= cores:
            return
        if time.monotonic() > give_up:
            pytest.skip(f"not enough headroom for a real-time render: {idle:.2f} of "
                        f"{os.cpu_count()} cores idle for {timeout:.0f} s (needs {cores:.1f})")


def starved(run: Run) -> str | None:
    """Why a render could not keep real time, by the recorder's own measures, or None.

    Its ``cpu-starved`` failure (the capture fell behind), its ``stall`` failure for a media
    clock that slipped more than half a frame (the player fell behind), or such a slip in its
    result: the same numbers an operator sees in the result JSON, so a test judges a render the
    way the recorder judges itself.
    """
    try:
        result = run.result
    except (OSError, ValueError):
        return None
    if result.exit_class == "cpu-starved":
        return f"cpu-starved: {result.message}"
    if result.exit_class == "stall" and "slipped" in result.message:
        return f"stall: {result.message}"
    slip = (result.extra or {}).get("clock_slip_seconds") or 0.0
    if slip > SLIP_RETRY:
        return f"the media clock slipped {slip:.3f} s behind real time"
    return None


def skip_if_starved(*runs: Run) -> None:
    """Skip, saying so, when a render reports that the machine starved it."""
    import pytest

    reasons = [reason for reason in map(starved, runs) if reason]
    if reasons:
        load = os.getloadavg()[0]
        pytest.skip(f"machine too busy for real time (load {load:.1f} on {os.cpu_count()} "
                    f"cores): {'; '.join(reasons)}")
