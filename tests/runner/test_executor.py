"""The executor over the real simulator, real SQLite and the real Publisher (export-csv needs
no database), driven through the CLI commands users type."""

from __future__ import annotations

import csv
import html
import json
import os
from pathlib import Path

import yaml
from click.testing import CliRunner
from runner_helpers import make_spec

from bbb_migrate.cli import main
from bbb_migrate.runner.statestore import StateStore


def _write_spec(path: Path, spec) -> Path:
    path.write_text(yaml.safe_dump(spec.to_yaml_dict()), encoding="utf-8")
    return path


def _json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_export_csv_run_status_and_resume(catalogue_sim, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec_file = _write_spec(tmp_path / "m.yaml", make_spec(catalogue_sim, out, "export-csv"))
    runner = CliRunner()
    result = runner.invoke(main, ["run", "-f", str(spec_file), "--json"])
    assert result.exit_code == 0, result.output
    events = _json_lines(result.output)
    assert events[0]["event"] == "listing"
    planned = next(e for e in events if e["event"] == "planned")
    published = [e for e in events if e["event"] == "published"]
    assert len(published) == planned["items"] > 0
    summary = events[-1]
    assert summary["event"] == "summary" and summary["done"] == planned["items"]
    assert summary["finished"] is True and summary["failed"] == []

    with (out / "recordings.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows[0][0] == "meeting_name" and "Moodle_owners" not in rows[0]
    with StateStore.for_directory(out, readonly=True) as store:
        items = [r.item for r in store.load()]
    assert [r[-1] for r in rows[1:]] == [i.source_url for i in items]  # newest first
    # the run wrote its report (docs/checking.md): every recording, with its name and phase
    page = (out / "report" / "index.html").read_text(encoding="utf-8")
    assert page.count('<tr data-phase="Published"') == planned["items"]
    assert all(html.escape(i.recording.recording_name) in page for i in items)

    # status reads the state file only: works with the server gone
    catalogue_sim.stop()
    status = runner.invoke(main, ["status", "-f", str(spec_file), "--json"])
    assert status.exit_code == 0, status.output
    data = json.loads(status.output)
    assert data["phases"] == {"Published": planned["items"]} and data["running_pid"] is None
    text = runner.invoke(main, ["status", "-f", str(spec_file)])
    assert "Published" in text.output and "not running" in text.output

    # a second run resumes from the stored plan: no listing, nothing to do
    again = runner.invoke(main, ["run", "-f", str(spec_file), "--json"])
    assert again.exit_code == 0, again.output
    kinds = [e["event"] for e in _json_lines(again.output)]
    assert "listing" not in kinds and "resumed" in kinds and "published" not in kinds


def test_dry_run_writes_nothing(catalogue_sim, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec_file = _write_spec(tmp_path / "m.yaml", make_spec(catalogue_sim, out, "export-csv"))
    result = CliRunner().invoke(main, ["run", "-f", str(spec_file), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert not out.exists()
    assert "would publish-only" in result.output and "would write the CSV" in result.output
    assert "nothing was written" in result.output


def test_status_without_state_and_bad_spec_are_clear(tmp_path: Path) -> None:
    spec_file = tmp_path / "m.yaml"
    spec_file.write_text("source: {url: 'http://127.0.0.1:9/', secretRef: {env: X}}\n"
                         f"mode: export-csv\noutput: {{directory: '{tmp_path / 'o'}'}}\n")
    result = CliRunner().invoke(main, ["status", "-f", str(spec_file)])
    assert result.exit_code == 2 and "no migration state" in result.output
    spec_file.write_text("source: {url: 'http://x/', secretRef: {env: X}}\nmode: clam\n")
    result = CliRunner().invoke(main, ["run", "-f", str(spec_file)])
    assert result.exit_code == 2 and "mode" in result.output


def test_selection_change_needs_replan(catalogue_sim, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = _write_spec(tmp_path / "a.yaml", make_spec(catalogue_sim, out, "export-csv",
                                                       selection={"first": 1, "last": 3}))
    assert CliRunner().invoke(main, ["run", "-f", str(first)]).exit_code == 0
    wider = _write_spec(tmp_path / "b.yaml", make_spec(catalogue_sim, out, "export-csv",
                                                       selection={"first": 1, "last": 5}))
    refused = CliRunner().invoke(main, ["run", "-f", str(wider)])
    assert refused.exit_code == 2 and "--replan" in refused.output
    replanned = CliRunner().invoke(main, ["run", "-f", str(wider), "--replan", "--json"])
    assert replanned.exit_code == 0, replanned.output
    events = _json_lines(replanned.output)
    assert next(e for e in events if e["event"] == "planned")["added"] == 2
    assert len([e for e in events if e["event"] == "published"]) == 2


def test_a_second_runner_is_refused(catalogue_sim, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec_file = _write_spec(tmp_path / "m.yaml", make_spec(catalogue_sim, out, "export-csv"))
    with StateStore.for_directory(out) as holder:
        holder.lock()
        result = CliRunner().invoke(main, ["run", "-f", str(spec_file)])
        assert result.exit_code == 2 and "in use by pid" in result.output
        status = CliRunner().invoke(main, ["status", "-f", str(spec_file), "--json"])
        assert status.exit_code == 0, status.output
        assert json.loads(status.output)["running_pid"] == os.getpid()
