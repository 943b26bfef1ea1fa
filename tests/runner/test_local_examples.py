"""Every spec in examples/local runs as shipped against the BBB simulator.

Only what names this machine changes: ``source.url`` points at the simulator and, for claim,
``pod.claim.recorderPath`` at a temporary folder. Secrets come from the environment variables
the example names. Relative paths (``./bbb-migrate-output``) resolve in a temporary working
directory. A mode that needs Pod's database runs with ``--dry-run`` against a seeded one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from runner_helpers import SECRET, publish_db, publish_samples, video_recordings

from bbb_migrate.cli import main
from bbb_migrate.simulator import Simulator, SimulatorConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "local"
pub = publish_db()


def _example(name: str, sim: Simulator, tmp_path: Path, recorder_path: Path | None = None) -> Path:
    data = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
    data["source"]["url"] = sim.api_url
    if recorder_path is not None:
        data["pod"]["claim"]["recorderPath"] = str(recorder_path)
    target = tmp_path / name
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    return target


def _events(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_the_examples_are_the_ones_tested() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.yaml")) == [
        "claim.yaml", "export-csv.yaml", "import-video.yaml"]


def test_claim_example_renders_into_the_recorder_folder(tmp_path, monkeypatch) -> None:
    served = tmp_path / "served"
    served.mkdir()
    record_ids = video_recordings(served, 2)
    ftp = tmp_path / "ftp"
    (ftp / "bbb").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BBB_SECRET", SECRET)
    config = SimulatorConfig(secret=SECRET, published_dir=served, video_dir=served)
    with Simulator(config) as sim:
        spec = _example("claim.yaml", sim, tmp_path, recorder_path=ftp)
        for command in (["plan", "-f", str(spec)], ["run", "-f", str(spec), "--json"]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 0, result.output
    assert _events(result.output)[-1]["done"] == len(record_ids)
    assert len(list((ftp / "bbb").glob("*.mp4"))) == len(record_ids)
    assert (tmp_path / "bbb-migrate-output" / "getRecordings.xml").is_file()  # its cacheFile


def test_export_csv_example_writes_pods_csv(tmp_path, monkeypatch) -> None:
    published = tmp_path / "published"
    published.mkdir()
    record_ids = publish_samples(published, 3)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BBB_SECRET", SECRET)
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = _example("export-csv.yaml", sim, tmp_path)
        for command in (["export-csv", "-f", str(spec)], ["run", "-f", str(spec)]):
            result = CliRunner().invoke(main, command)
            assert result.exit_code == 0, result.output
            lines = (tmp_path / "bbb-migrate-output" / "recordings.csv").read_text().splitlines()
            assert len(lines) == 1 + len(record_ids)
            (tmp_path / "bbb-migrate-output" / "recordings.csv").unlink()


@pytest.mark.db
def test_import_video_example_dry_run(dbs, tmp_path, monkeypatch) -> None:
    pod = dbs.pod("postgresql", 4)
    pub.seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    pub.seed_moodle(moodle)
    published = tmp_path / "published"
    published.mkdir()
    record_ids = publish_samples(published, 2)
    monkeypatch.chdir(tmp_path)
    for name, value in (("BBB_SECRET", SECRET), ("POD_DATABASE_URL", pod.url),
                        ("POD_SECRET_KEY", pub.SECRET_KEY), ("MOODLE_DATABASE_URL", moodle.url)):
        monkeypatch.setenv(name, value)
    before = pod.dump(sequences=False)
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = _example("import-video.yaml", sim, tmp_path)  # dryRun: true as shipped
        result = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    would = [e for e in _events(result.output) if e["event"] == "would"]
    assert {e["record_id"] for e in would} == set(record_ids)
    assert any("import_video_externalrecording" in w for e in would for w in e["writes"])
    assert pod.dump(sequences=False) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["import-video.yaml", "published"]
