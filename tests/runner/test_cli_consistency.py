"""The command line says the same thing the same way everywhere: one name for the spec option,
help that matches the output, ISO 8601 UTC times, the whole plan table in a pipe, one line
when the operator has no Kubernetes credentials."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from runner_helpers import SECRET_ENV, spec_dict

from bbb_migrate.cli import main

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _spec(tmp_path: Path, sim) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(spec_dict(sim.api_url, tmp_path / "out", "export-csv")))
    return path


@pytest.mark.parametrize("command", ["plan", "export-csv", "run", "status", "retry-failed"])
def test_every_command_names_the_spec_option_the_same_way(command):
    text = CliRunner().invoke(main, [command, "--help"]).output
    assert "-f, --spec SPEC" in text
    assert "--file" not in text  # the old name still works, but is not shown


def test_the_old_option_name_still_works_and_status_json_is_one_object(catalogue_sim,
                                                                        tmp_path):
    spec = _spec(tmp_path, catalogue_sim)
    assert CliRunner().invoke(main, ["run", "--file", str(spec)]).exit_code == 0
    help_text = CliRunner().invoke(main, ["status", "--help"]).output
    assert "one JSON object (" in help_text and "per line" not in help_text
    result = CliRunner().invoke(main, ["status", "--spec", str(spec), "--json"])
    assert result.exit_code == 0, result.output
    status = json.loads(result.output)  # one object, not lines
    assert ISO_UTC.match(status["planned_at"]), status["planned_at"]


def test_demo_options_all_have_help():
    text = CliRunner().invoke(main, ["demo", "--help"]).output
    assert re.search(r"--parallelism INTEGER RANGE\s+\S", text)
    assert "--retry-failed" in text


def test_plan_table_is_not_squeezed_in_a_pipe(catalogue_sim, tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "runner-test-secret")
    monkeypatch.delenv("COLUMNS", raising=False)
    spec = _spec(tmp_path, catalogue_sim)
    result = CliRunner().invoke(main, ["plan", "-f", str(spec)])  # stdout is not a terminal
    assert result.exit_code == 0, result.output
    longest = max(len(line) for line in result.stdout.splitlines())
    assert longest > 120
    name = catalogue_sim.recordings[0].name
    assert any(name in line for line in result.stdout.splitlines()), name  # not folded


def test_operator_without_credentials_says_so_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": ":".join(sys.path)}
    done = subprocess.run([sys.executable, "-m", "bbb_migrate", "-n", "bbb"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0, done.stderr
    assert "no Kubernetes credentials" in done.stderr and "~/.kube/config" in done.stderr
    env["KUBECONFIG"] = str(tmp_path / "missing-kubeconfig")
    done = subprocess.run([sys.executable, "-m", "bbb_migrate", "-n", "bbb"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2 and "missing-kubeconfig" in done.stderr
    assert "Traceback" not in done.stderr
