"""``bbb-migrate demo``: the README's one command, for real (simulator, real recorder)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from runner_helpers import skip_if_cpu_starved

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_ends_with_playable_mp4_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "bbb_migrate.cli", "demo", "--output", str(out), "--copies", "2",
         "--json"], cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summary = next((e for e in events if e["event"] == "summary"), {})
    skip_if_cpu_starved(summary)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert summary["done"] == 2 and summary["failed"] == []
    files = [Path(f) for f in events[-1]["files"]]
    assert events[-1]["event"] == "demo-files" and len(files) == 2
    for video in files:
        assert out / "recorder" in video.parents
        probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                                "format=duration:stream=codec_type", "-of", "json", str(video)],
                               capture_output=True, text=True, check=True)
        info = json.loads(probe.stdout)
        assert {s["codec_type"] for s in info["streams"]} == {"video", "audio"}
        assert abs(float(info["format"]["duration"]) - 20.0) < 1.0
    # run again: everything is already done, nothing is rendered twice
    again = subprocess.run(
        [sys.executable, "-m", "bbb_migrate.cli", "demo", "--output", str(out), "--copies", "2",
         "--json"], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    kinds = [json.loads(line)["event"] for line in again.stdout.splitlines()
             if line.startswith("{")]
    assert "render-started" not in kinds and "resumed" in kinds


def _demo(out: Path, *args: str) -> tuple[int, list[dict]]:
    done = subprocess.run(
        [sys.executable, "-m", "bbb_migrate.cli", "demo", "--output", str(out), "--copies", "2",
         "--json", *args], cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()
                             if line.startswith("{")]


def test_demo_retry_failed_renders_the_failed_ones_again(tmp_path, standin, monkeypatch):
    """A demo starved of CPU (the stand-in recorder says so) says how to retry; then does."""
    out = tmp_path / "demo"
    monkeypatch.setenv("STANDIN_STARVE", "*")
    code, events = _demo(out)
    assert code == 1
    summary = next(e for e in events if e["event"] == "summary")
    assert len(summary["failed"]) == 2 and "cpu-starved" in summary["failed"][0]["reason"]
    files = events[-1]
    assert files["event"] == "demo-files" and files["time"].endswith("Z")
    assert files["retry_command"] == f"bbb-migrate demo --retry-failed --output {out}"
    monkeypatch.delenv("STANDIN_STARVE")
    code, events = _demo(out)  # without the flag, failed recordings stay failed
    assert code == 1 and not [e for e in events if e["event"] == "render-started"]
    code, events = _demo(out, "--retry-failed")
    assert code == 0, events
    assert next(e for e in events if e["event"] == "summary")["done"] == 2
    assert len(events[-1]["files"]) == 2 and events[-1]["retry_command"] is None
