"""``bbb-migrate demo``: the README's one command, for real (simulator, real recorder)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_demo_ends_with_playable_mp4_files(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "bbb_migrate.cli", "demo", "--output", str(out), "--copies", "2",
         "--json"], cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    summary = next(e for e in events if e["event"] == "summary")
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
