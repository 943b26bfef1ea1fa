"""Helpers shared by the runner tests (a uniquely named module: tests/ is not a package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bbb_migrate.simulator import Simulator
from bbb_migrate.spec import MigrationSpec, parse_spec

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "standin_recorder.py"
SECRET_ENV = "BBB_MIGRATE_RUNNER_TEST_SECRET"
SECRET = "runner-test-secret"


def make_spec(sim: Simulator, out: Path, mode: str, **extra: Any) -> MigrationSpec:
    data: dict[str, Any] = {
        "source": {"url": sim.api_url, "secretRef": {"env": SECRET_ENV}},
        "mode": mode,
        "output": {"directory": str(out)},
    }
    for key, value in extra.items():
        data[key] = value
    return parse_spec(data)


def _publish_tests_on_path() -> None:
    import sys

    folder = str(HERE.parent / "publish")
    if folder not in sys.path:
        sys.path.append(folder)


def publish_db() -> Any:
    """The publish engineer's database helpers and seeds (tests/publish/pubdb.py).

    Reused, not copied: the Pod and Moodle schemas and seeds live in one place.
    """
    _publish_tests_on_path()
    import pubdb

    return pubdb


def load_publish_fixtures() -> Any:
    """The publish tests' fixtures module (tests/publish/conftest.py), under a unique name."""
    import importlib.util
    import sys

    _publish_tests_on_path()
    name = "bbbm_publish_fixtures"
    if name in sys.modules:
        return sys.modules[name]
    path = HERE.parent / "publish" / "conftest.py"
    module_spec = importlib.util.spec_from_file_location(name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    module_spec.loader.exec_module(module)
    return module


def publish_samples(target: Path, count: int, *, meeting_ids: list[str] | None = None,
                    server: str | None = None, names: list[str] | None = None) -> list[str]:
    """``count`` copies of the shipped sample recording in a published folder.

    Optionally with chosen meeting IDs (to point at Moodle activities), origin server and names.
    Returns the record IDs, newest first.
    """
    from xml.sax.saxutils import quoteattr

    from bbb_migrate.runner.demo import copy_sample

    ids = copy_sample(target, count)
    for n, record_id in enumerate(ids):
        path = target / record_id / "metadata.xml"
        text = path.read_text(encoding="utf-8")
        if meeting_ids:
            text = text.replace('externalId="sample-course-42"',
                                f'externalId="{meeting_ids[n]}"')
        if server is not None:
            text = text.replace("<bbb-origin-server-name>moodle.example.org<",
                                f"<bbb-origin-server-name>{server}<")
        if names:
            text = text.replace('name="Échantillon: cours de démonstration"',
                                f"name={quoteattr(names[n])}")
        path.write_text(text, encoding="utf-8")
    return ids


def spec_dict(api_url: str, out: Path, mode: str, **extra: Any) -> dict[str, Any]:
    """A migration spec as a user writes it (camelCase), for YAML files given to the CLI."""
    data: dict[str, Any] = {
        "source": {"url": api_url, "secretRef": {"env": SECRET_ENV}},
        "mode": mode,
        "output": {"directory": str(out)},
    }
    data.update(extra)
    return data


def video_recordings(target: Path, count: int, *, duration: float = 2.0) -> list[str]:
    """``count`` recordings with a BBB ``video`` playback (a real MP4, made once by ffmpeg) in
    a folder the simulator serves as both ``published_dir`` and ``video_dir``."""
    import shutil

    from bbb_migrate.simulator.make_sample import START_MS, make_video_playback

    first = make_video_playback(target, f"{'0' * 40}-{START_MS}", duration=duration)
    template = (first / "metadata.xml").read_text(encoding="utf-8")
    ids = []
    for n in range(1, count + 1):
        start = START_MS - n * 3_600_000
        record_id = f"{n:040x}-{start}"
        folder = target / record_id
        folder.mkdir()
        shutil.copy(first / "video-0.m4v", folder / "video-0.m4v")
        (folder / "metadata.xml").write_text(
            template.replace(first.name, record_id)
            .replace(f"<start_time>{START_MS}<", f"<start_time>{start}<")
            .replace(f"<end_time>{START_MS + int(duration * 1000)}<",
                     f"<end_time>{start + int(duration * 1000)}<")
            .replace('name="Video sample"', f'name="Video {n}"'),
            encoding="utf-8")
        ids.append(record_id)
    shutil.rmtree(first)
    return ids


def skip_if_cpu_starved(summary: dict[str, Any]) -> None:
    """Skip, saying so, when real renders of a run failed because the machine starved them.

    The recorder measures it (``cpu-starved``: its capture fell behind real time); other
    failures stay failures.
    """
    import os

    import pytest

    reasons = [f["reason"] for f in summary.get("failed", []) if "cpu-starved" in f["reason"]]
    if reasons:
        pytest.skip(f"machine too busy for real time (load {os.getloadavg()[0]:.1f} on "
                    f"{os.cpu_count()} cores): {reasons[0]}")
