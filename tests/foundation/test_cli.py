"""The plan, export-csv and simulate commands: outputs, errors and exit codes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner
from simhelpers import SECRET

from bbb_migrate.cli import main


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.setenv("BBB_TEST_SECRET", SECRET)
    return CliRunner()


def _invoke(runner, *args):
    return runner.invoke(main, list(args), catch_exceptions=False)


def test_plan_json_with_source_url(runner, sim):
    result = _invoke(runner, "plan", "--source-url", sim.api_url, "--secret-env",
                     "BBB_TEST_SECRET", "--checksum", "sha1", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    expected = sorted((r for r in sim.recordings if r.state in ("published", "unpublished")),
                      key=lambda r: (r.start_time, r.record_id), reverse=True)
    assert [r["record_id"] for r in rows] == [r.record_id for r in expected]
    assert {r["action"] for r in rows} <= {"render", "download", "skip"}
    assert rows[0]["start_time"].endswith("Z")
    assert "recordings listed" in result.stderr


def test_plan_accepts_the_server_root_and_a_window(runner, sim):
    root = sim.base_url
    result = _invoke(runner, "plan", "--source-url", root, "--secret-env", "BBB_TEST_SECRET",
                     "--first", "3", "--last", "4", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("index,record_id") and len(lines) == 3
    assert lines[1].startswith("3,") and lines[2].startswith("4,")


def test_plan_table(runner, sim):
    result = _invoke(runner, "plan", "--source-url", sim.api_url, "--secret-env",
                     "BBB_TEST_SECRET", "--last", "3")
    assert result.exit_code == 0
    assert "action" in result.stdout and "3 selected" in result.stdout


def test_plan_with_spec_file(runner, sim, tmp_path):
    spec = tmp_path / "m.yaml"
    spec.write_text(f"""
source:
  url: {sim.api_url}
  secretRef: {{env: BBB_TEST_SECRET}}
  checksum: sha512
mode: import-video
dryRun: true
selection:
  first: 1
  last: 5
""")
    result = _invoke(runner, "plan", "-f", str(spec), "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 5 and {r["action"] for r in rows} <= {"publish-only", "skip"}


def test_invalid_spec_names_the_field_and_exits_2(runner, tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("source:\n  url: ftp://x\n  secretRef: {env: A}\n  chekcsum: sha1\n"
                    "mode: claim\n")
    result = _invoke(runner, "plan", "-f", str(spec))
    assert result.exit_code == 2
    assert "source.url" in result.stderr and "source.chekcsum" in result.stderr
    assert "Traceback" not in result.output


def test_missing_secret_and_missing_options_exit_2(runner, sim):
    result = _invoke(runner, "plan", "--source-url", sim.api_url, "--secret-env", "NOT_SET_X")
    assert result.exit_code == 2 and "NOT_SET_X is not set" in result.stderr
    result = _invoke(runner, "plan")
    assert result.exit_code == 2 and "--source-url" in result.stderr


def test_wrong_secret_exits_3_without_leaking(runner, sim, monkeypatch):
    monkeypatch.setenv("BBB_TEST_SECRET", "wrong-secret-value")
    result = _invoke(runner, "plan", "--source-url", sim.api_url, "--secret-env",
                     "BBB_TEST_SECRET", "--json")
    assert result.exit_code == 3
    assert "checksumError" in result.stderr and "wrong secret" in result.stderr
    assert "wrong-secret-value" not in result.output and "checksum=" not in result.output
    assert "Traceback" not in result.output


def test_server_down_exits_3(runner, make_sim, tmp_path):
    sim = make_sim()
    url = sim.api_url
    sim.stop()
    spec = tmp_path / "down.yaml"
    spec.write_text(f"source:\n  url: {url}\n  secretRef: {{env: BBB_TEST_SECRET}}\n"
                    "  retries: 0\nmode: claim\n")
    result = _invoke(runner, "plan", "-f", str(spec))
    assert result.exit_code == 3 and "connectionError" in result.stderr


def test_export_csv(runner, sim, tmp_path):
    target = tmp_path / "export.csv"
    result = _invoke(runner, "export-csv", "--source-url", sim.api_url, "--secret-env",
                     "BBB_TEST_SECRET", "-o", str(target))
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("meeting_name;recording_name;start_date;")
    listed = [r for r in sim.recordings if r.state in ("published", "unpublished")]
    assert len(lines) == len(listed) + 1
    assert f"{len(listed)} rows written" in result.stderr


def test_export_csv_unwritable_target_exits_4(runner, sim, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = _invoke(runner, "export-csv", "--source-url", sim.api_url, "--secret-env",
                     "BBB_TEST_SECRET", "-o", str(blocker / "sub" / "out.csv"))
    assert result.exit_code == 4 and "cannot write" in result.stderr


def test_export_csv_unreachable_moodle_exits_2_before_listing(runner, sim, tmp_path,
                                                               monkeypatch):
    # A Moodle database that cannot be reached is a configuration error found up front: the
    # BBB server is not asked (a 50,000-recording listing is not wasted) and no file appears.
    monkeypatch.setenv("MOODLE_TEST_URL", "postgresql://moodle:Pa55word@127.0.0.1:1/moodle")
    spec = tmp_path / "m.yaml"
    spec.write_text(f"""
source: {{url: "{sim.api_url}", secretRef: {{env: BBB_TEST_SECRET}}}}
mode: export-csv
moodle: {{databases: {{default: {{urlRef: {{env: MOODLE_TEST_URL}}}}}}}}
""")
    target = tmp_path / "out.csv"
    result = _invoke(runner, "export-csv", "-f", str(spec), "-o", str(target))
    assert result.exit_code == 2, result.output
    assert "Moodle" in result.stderr and "127.0.0.1:1" in result.stderr
    assert "Pa55word" not in result.output
    assert sim.server.api_requests == 0
    assert not target.exists()


def test_simulate_command_serves_until_interrupted(tmp_path):
    env = {**os.environ, "SIM_SECRET": SECRET}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bbb_migrate.cli", "simulate", "--catalogue", "12", "--port", "0",
         "--secret-env", "SIM_SECRET", "--published-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "API URL http://127.0.0.1:" in line and "12 recordings" in line
        url = line.split("API URL ")[1].split()[0]
        result = CliRunner().invoke(main, ["plan", "--source-url", url, "--secret-env",
                                           "SIM_SECRET", "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert 0 < len(json.loads(result.stdout)) <= 12
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode == 0
