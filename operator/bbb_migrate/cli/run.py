"""``bbb-migrate run | status | retry-failed | demo``: the local runner's commands.

Exit statuses: 0 done (every recording published or skipped), 1 done with failed recordings
(listed in the summary and in ``status``), 2 a configuration problem (nothing was changed),
130/143 stopped by Ctrl-C/SIGTERM (state saved; the same command resumes).
"""

from __future__ import annotations

import fcntl
import json
import sys
from pathlib import Path
from typing import Any

import click

from . import options


def _config_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "fix the configuration": reported in one line, exit status 2."""
    from ..credentials import SecretError
    from ..runner.executor import RunnerError
    from ..runner.preflight import PreflightError
    from ..runner.statestore import StateError
    from ..spec import SpecError

    errors: list[type[BaseException]] = [SpecError, SecretError, StateError, RunnerError,
                                              PreflightError]
    try:
        from ..source import BBBError

        errors.append(BBBError)
    except ImportError:  # pragma: no cover - foundation part missing
        pass
    try:
        from ..publish import PublishConfigError

        errors.append(PublishConfigError)
    except ImportError:  # pragma: no cover - publish part missing
        pass
    return tuple(errors)


_fail = options.fail


def _load(spec_path: str) -> Any:
    from ..spec import SpecError, load_spec

    try:
        return load_spec(spec_path)
    except SpecError as exc:
        _fail(str(exc))


spec_option = options.spec_option(
    required=True, help="Migration spec (YAML; a BBBMigration manifest works too).")
json_option = click.option("--json", "json_output", is_flag=True,
                           help="Machine-readable output: one JSON object per line.")
status_json_option = click.option(
    "--json", "json_output", is_flag=True,
    help="Machine-readable output: one JSON object (phases, failures, in-flight recordings).")


@click.command()
@spec_option
@json_option
@click.option("--parallelism", type=click.IntRange(1, 500), default=None,
              help="Recorders at once (overrides recorder.parallelism).")
@click.option("--dry-run", is_flag=True,
              help="Write nothing anywhere; say exactly what would be done.")
@click.option("--replan", is_flag=True,
              help="List the server again and add newly selected recordings to the stored plan.")
@click.option("--request-timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
              help="Deadline of one request to the BBB server, reply included "
                   "(overrides source.requestTimeoutSeconds).")
@click.option("--engine", type=click.Choice(["auto", "compose", "capture"]), default=None,
              help="Presentation renderer (overrides recorder.engine).")
def run(spec_path: str, json_output: bool, parallelism: int | None, dry_run: bool,
        replan: bool, request_timeout: float | None, engine: str | None) -> None:
    """Run a migration on this machine: render, publish, resumable, with progress.

    Interrupt it at any point (Ctrl-C, kill, power loss) and run the same command again: it
    resumes from the state file in output.directory, with no duplicate row, file or render.
    """
    from ..runner.executor import Executor
    from ..runner.executor import dry_run as do_dry_run
    from ..runner.progress import make_reporter

    spec = _load(spec_path)
    if request_timeout is not None:
        spec = spec.model_copy(update={"source": spec.source.model_copy(
            update={"request_timeout_seconds": request_timeout})})
    if engine:
        recorder = spec.recorder.model_copy(update={"engine": engine})
        spec = spec.model_copy(update={"recorder": recorder})
    reporter = make_reporter(json_output=json_output)
    try:
        if dry_run or spec.dry_run:
            do_dry_run(spec, reporter)
            reporter.close()
            sys.exit(0)
        status = Executor(spec, reporter, parallelism=parallelism, replan=replan).run()
    except _config_errors() as exc:
        reporter.close()
        _fail(str(exc))
    _write_report(Path(spec.output.directory).expanduser(), Path(spec_path).stem)
    sys.exit(status)


def _write_report(directory: Path, title: str) -> None:
    """report/index.html after every run (``bbb-migrate report`` rebuilds it); a report that
    cannot be written is said, never a failed run."""
    from ..report import build

    try:
        build(directory, title)
    except Exception as exc:  # the migration's outcome is in the state file either way
        click.echo(f"warning: report/index.html not written: {exc}", err=True)


def _runner_pid(directory: Path) -> int | None:
    """The pid of the runner holding the state file's lock, or None."""
    from ..runner.statestore import LOCK_FILE

    lock = directory / LOCK_FILE
    if not lock.exists():
        return None
    with lock.open("r", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = handle.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(handle, fcntl.LOCK_UN)
    return None


@click.command()
@spec_option
@status_json_option
def status(spec_path: str, json_output: bool) -> None:
    """Where a migration stands, from its state file only (no server, no database)."""
    from ..models import iso_utc
    from ..runner.progress import make_reporter
    from ..runner.summary import summarize
    from ..state import IN_FLIGHT

    spec = _load(spec_path)
    directory = Path(spec.output.directory).expanduser()
    with options.open_state(spec, spec_path) as store:
        rows = store.load()
        summary = summarize(rows, json.loads(store.get_meta("excluded") or "{}"))
        planned_at = store.get_meta("planned_at")
    pid = _runner_pid(directory)
    in_flight = [{"record_id": r.record_id, "phase": str(r.state.phase),
                  "attempts": r.state.attempts, "job": r.state.job_name}
                 for r in rows if r.state.phase in IN_FLIGHT]
    if json_output:
        click.echo(json.dumps({
            "state_file": str(store.path), "mode": str(spec.mode), "running_pid": pid,
            "planned_at": iso_utc(float(planned_at)) if planned_at else None,
            "in_flight": in_flight, **summary.to_dict(),
        }, default=str))
        return
    click.echo(f"State file: {store.path}")
    click.echo("Runner: " + (f"running (pid {pid})" if pid else "not running"))
    click.echo("Phases: " + (", ".join(f"{k} {v}" for k, v in sorted(summary.phases.items()))
                             or "none"))
    for entry in in_flight:
        label = "rendering now" if pid else "interrupted; will render again on the next run"
        click.echo(f"  {entry['record_id']}: {label} (attempt {entry['attempts']})")
    make_reporter(json_output=False).summary(summary, title="Migration status")


@click.command("retry-failed")
@spec_option
@click.option("--record-id", "record_ids", multiple=True,
              help="Only these recordings (repeatable); default: every failed one.")
def retry_failed(spec_path: str, record_ids: tuple[str, ...]) -> None:
    """Queue failed recordings again (fresh attempt counters); then run the migration again."""
    from ..runner.statestore import STATE_FILE, StateError, StateStore

    spec = _load(spec_path)
    directory = Path(spec.output.directory).expanduser()
    if not (directory / STATE_FILE).exists():
        _fail(f"no migration state in {directory}; run `bbb-migrate run -f {spec_path}` first")
    try:
        with StateStore.for_directory(directory) as store:
            store.lock()
            queued, unknown_ids = store.requeue_failed(set(record_ids))
    except StateError as exc:
        _fail(str(exc))
    unknown = sorted(unknown_ids)
    if unknown:
        click.echo(f"warning: not in this migration: {', '.join(unknown)}", err=True)
    click.echo(f"{queued} failed recording(s) queued again; run `bbb-migrate run -f "
               f"{spec_path}` to process them")


@click.command()
@click.option("--output", "output_dir", default="./bbb-migrate-demo", show_default=True,
              help="Folder for the demo's state, renders and the Pod recorder folder.")
@click.option("--copies", default=3, show_default=True, type=click.IntRange(1, 50),
              help="How many copies of the sample recording to serve (distinct record IDs).")
@click.option("--parallelism", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Recordings rendered at once (each one is a browser rendering in real time).")
@click.option("--retry-failed", is_flag=True,
              help="First queue the recordings a previous demo run failed, to render them "
                   "again (same --output).")
@json_option
def demo(output_dir: str, copies: int, parallelism: int, retry_failed: bool,
         json_output: bool) -> None:
    """Start the BBB simulator with the sample recordings and migrate them here (claim mode).

    Ends with playable MP4 files in OUTPUT/recorder/ (Pod's recorder folder in claim mode) and
    the summary. No database is needed.
    """
    from ..runner.demo import run_demo

    try:
        status_code = run_demo(Path(output_dir), copies=copies, parallelism=parallelism,
                               json_output=json_output, retry_failed=retry_failed)
    except _config_errors() as exc:
        _fail(str(exc))
    sys.exit(status_code)
