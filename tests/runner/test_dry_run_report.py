"""The runner's dry run prints what the real run would: owners, their warnings, the admin
fallback by name, whether Moodle notices would be written; and beside an existing state it
leaves no file behind. Real Pod (PostgreSQL) and Moodle (MariaDB) databases, real simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from runner_helpers import SECRET, SECRET_ENV, publish_db, publish_samples, spec_dict

from bbb_migrate.cli import main
from bbb_migrate.simulator import Simulator, SimulatorConfig

pub = publish_db()


def test_dry_run_prints_owners_warnings_and_leaves_no_state_files(
        dbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pod = dbs.pod("postgresql", 4)
    pod_ids = pub.seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    ids = pub.seed_moodle(moodle).ids
    published = tmp_path / "published"
    published.mkdir()
    meetings = [f"{pub.seed('A1')}-{ids['course']}-{ids['A1']}[0]",  # dave deleted, erin suspended
                "not-a-moodle-meeting"]  # → the administrator
    publish_samples(published, 2, meeting_ids=meetings)
    for name, value in ((SECRET_ENV, SECRET), ("POD_URL", pod.url),
                        ("POD_KEY", pub.SECRET_KEY), ("MOODLE_URL", moodle.url)):
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = tmp_path / "m.yaml"
        spec.write_text(yaml.safe_dump(spec_dict(
            sim.api_url, out, "import-video",
            pod={"database": {"urlRef": {"env": "POD_URL"}},
                 "secretKeyRef": {"env": "POD_KEY"}, "adminUsername": "admin"},
            moodle={"databases": {"default": {"urlRef": {"env": "MOODLE_URL"}}},
                    "notice": {"enabled": True, "html": "<p>moved to Pod</p>"}})))
        dry = CliRunner().invoke(main, ["run", "-f", str(spec), "--dry-run"])
        assert dry.exit_code == 0, dry.output
        text = dry.output
        assert "Moodle notices: would be written" in text
        assert "warning: activity" in text and "Dave Gone (dave) is deleted in Moodle" in text
        assert "Erin Away (erin) is suspended in Moodle" in text
        assert "warning: no Moodle activity found for this recording" in text
        assert "owners: Admin Pod (admin)" in text
        assert f"owner_id={pod_ids['admin']} (admin)" in text  # the fallback, by name
        assert not out.exists()

        real = CliRunner().invoke(main, ["run", "-f", str(spec)])
        assert real.exit_code == 0, real.output
        before = sorted(p.name for p in out.iterdir())
        again = CliRunner().invoke(main, ["run", "-f", str(spec), "--dry-run"])
        assert again.exit_code == 0, again.output
        assert "already Published" in again.output
        assert sorted(p.name for p in out.iterdir()) == before
        assert not {"state.sqlite-wal", "state.sqlite-shm"} & set(before)
