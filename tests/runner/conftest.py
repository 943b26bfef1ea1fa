"""Fixtures of the local runner's tests: the real simulator, specs, the recorder stand-in."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from runner_helpers import SECRET, SECRET_ENV, STANDIN, load_publish_fixtures

from bbb_migrate.simulator import Simulator, SimulatorConfig


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return SECRET_ENV


@pytest.fixture
def catalogue_sim(secret_env: str):
    """A simulator listing a generated catalogue of 15 recordings (no playback files)."""
    with Simulator(SimulatorConfig(secret=SECRET, catalogue_size=15)) as sim:
        yield sim


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Use the stand-in recorder; returns its invocation log."""
    log = tmp_path / "standin.log"
    monkeypatch.setenv("BBB_MIGRATE_RECORDER_CMD", f"{sys.executable} {STANDIN}")
    monkeypatch.setenv("STANDIN_LOG", str(log))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(sys.path))
    return log


_publish = load_publish_fixtures()
pod_templates = _publish.pod_templates  # session: Pod's own DDL in template databases
dbs = _publish.dbs  # per test: uniquely named databases, dropped afterwards
