"""The README's two commands work from a fresh clone with nothing beside it.

``git clone`` of this repository's committed HEAD into an empty temporary folder (so no research
notes or other checkout sit beside it), then, exactly as a new user types them there:
``bash scripts/test.sh`` (restricted to a few test files: the whole suite runs once already) and
``bash scripts/demo.sh --copies 1``. ``scripts/setup.sh`` creates the clone's own ``.venv``
(Debian 12's Python refuses ``pip install`` outside one) from scratch; pip's download cache is
reused. Slow (a fresh venv plus one real render): marked ``slow``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _clean_env() -> dict[str, str]:
    """This process's environment minus what points at this checkout or its venv."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "VIRTUAL_ENV", "BBB_MIGRATE_VENV", "PYTHONHOME",
                        "BBB_MIGRATE_POD_SCHEMA_DIR", "BBB_MIGRATE_RECORDER_CMD"}}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p != venv_bin)
    return env


def _run(command: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=_clean_env(), capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_readme_commands_from_a_fresh_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")
    clone = tmp_path / "bbb-migrate"
    cloned = _run(["git", "clone", "--quiet", "--no-hardlinks", str(REPO), str(clone)],
                  tmp_path, 120)
    assert cloned.returncode == 0, cloned.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bbb-migrate"]  # nothing beside it

    tests = _run(["bash", "scripts/test.sh", "-q", "-p", "no:cacheprovider",
                  "tests/publish/test_schema_fixtures.py", "tests/runner/test_writes_nothing.py"],
                 clone, 1500)
    output = tests.stdout + tests.stderr
    assert tests.returncode == 0, output[-4000:]
    assert (clone / ".venv" / "bin" / "python").is_file()
    assert " passed" in output and " failed" not in output and " error" not in output

    demo = _run(["bash", "scripts/demo.sh", "--copies", "1", "--parallelism", "1", "--json"],
                clone, 900)
    events = [json.loads(line) for line in demo.stdout.splitlines() if line.startswith("{")]
    summary = next((e for e in events if e["event"] == "summary"), {"failed": []})
    reasons = [f["reason"] for f in summary["failed"]]
    if demo.returncode == 1 and reasons and all("cpu-starved" in r for r in reasons):
        pytest.skip(f"the demo's render was starved of CPU (load {os.getloadavg()[0]:.1f}): "
                    f"{reasons[0]}")
    assert demo.returncode == 0, (demo.stdout + demo.stderr)[-4000:]
    assert len(list((clone / "bbb-migrate-demo" / "recorder").rglob("*.mp4"))) == 1
