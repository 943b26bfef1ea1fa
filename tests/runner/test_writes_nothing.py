"""A dry run and a refused configuration write nothing: no output folder, no state file, no lock,
no cached listing (the same checks run before the BBB server or the disk is touched)."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner
from runner_helpers import SECRET_ENV, spec_dict

from bbb_migrate.cli import main


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def _run(tmp_path: Path, data: dict, *args: str):
    spec_file = tmp_path / "m.yaml"
    spec_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    before = _files(tmp_path)
    result = CliRunner().invoke(main, ["run", "-f", str(spec_file), *args])
    return result, before, _files(tmp_path)


def test_dry_run_does_not_write_the_cache_file(catalogue_sim, tmp_path: Path) -> None:
    cache = tmp_path / "getRecordings.xml"
    data = spec_dict(catalogue_sim.api_url, tmp_path / "out", "export-csv")
    data["source"]["cacheFile"] = str(cache)
    result, before, after = _run(tmp_path, data, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would write the CSV" in result.output
    assert after == before  # neither the cache, nor the output folder, nor the CSV
    # a real run still saves the listing it made, and a later dry run reads it
    assert CliRunner().invoke(main, ["run", "-f", str(tmp_path / "m.yaml")]).exit_code == 0
    assert cache.is_file()


def test_missing_secret_writes_nothing(monkeypatch, catalogue_sim, tmp_path: Path) -> None:
    monkeypatch.delenv(SECRET_ENV)
    data = spec_dict(catalogue_sim.api_url, tmp_path / "out", "export-csv")
    data["source"]["cacheFile"] = str(tmp_path / "getRecordings.xml")
    for args in ((), ("--dry-run",)):
        result, before, after = _run(tmp_path, data, *args)
        assert result.exit_code == 2, result.output
        assert SECRET_ENV in result.output and "nothing was written" in result.output
        assert after == before


def test_every_problem_is_named_at_once(monkeypatch, catalogue_sim, tmp_path: Path) -> None:
    monkeypatch.delenv(SECRET_ENV)
    monkeypatch.setenv("BBB_MIGRATE_RECORDER_CMD", str(tmp_path / "no-such-recorder"))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    (tmp_path / "ftp" / "bbb").mkdir(parents=True)
    data = spec_dict(catalogue_sim.api_url, blocker / "out", "claim",
                     pod={"claim": {"recorderPath": str(tmp_path / "ftp"),
                                    "recorderDirectory": "bbb"}})
    result, before, after = _run(tmp_path, data)
    assert result.exit_code == 2, result.output
    assert SECRET_ENV in result.output
    assert "output.directory" in result.output and "is not a folder" in result.output
    assert "no-such-recorder" in result.output
    assert after == before
