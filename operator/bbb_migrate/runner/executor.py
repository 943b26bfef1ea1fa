"""The local executor: the whole migration on this machine, resumable at any point.

One loop, in one thread:

1. Plan once. The first run lists the server (``source.list_recordings``), builds the plan
   (``plan.build_plan``) and stores every plan item with its initial state in the state file. A
   resumed run uses the stored plan and does not list again (the server may be slow, or already
   switched off for everything but playback); ``--replan`` lists again and adds what is new.
2. Recover. A recording found ``Rendering`` was cut by the previous run's end: a recorder it left
   behind is stopped; if that recorder had finished (result JSON says OK, the file exists with the
   size and sha256 it names), the render is kept, otherwise ``state.render_lost`` sends the
   recording back to be rendered again. A temporary file is never taken for a finished one: the
   recorder renames atomically, and this check is made on top of it.
3. Drive each recording with ``state.next_step`` and the transition functions only: start
   recorder subprocesses up to the parallelism, reap them (exit code → ``contract.classify_exit``
   inside ``state.render_finished``), publish each rendered recording in one transaction. Every
   transition is saved in its own SQLite transaction before the next action, so ``kill -9`` at
   any point loses nothing (see docs/runner.md for the window between Pod's commit and ours).
4. In export-csv mode, write the CSV of everything published.

Ctrl-C / SIGTERM: the loop stops starting work, the recorders' process groups are terminated
(then killed after a grace period), their recordings go back to ``Pending`` through
``state.render_lost`` — unless one had just finished, then it is kept — and the state is saved.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TextIO

from .. import contract
from ..contract import ExitCode
from ..credentials import resolve
from ..spec import MigrationSpec, Mode
from ..state import (
    IN_FLIGHT,
    Action,
    Phase,
    RecordingState,
    Step,
    initial,
    next_step,
    publish_failed,
    published,
    render_finished,
    render_lost,
    render_started,
)
from . import preflight
from .progress import Reporter, RunningRecorder, Snapshot
from .statestore import STATE_FILE, StateError, StateStore, StoredRecording
from .summary import Summary, media_seconds, summarize

RECORDER_CMD_ENV = "BBB_MIGRATE_RECORDER_CMD"
"""Environment variable: the command that runs one recorder, split like a shell would.

Administrators use it to wrap the recorder (``nice -n 10 bbb-migrate record``, ``systemd-run
--scope -p MemoryMax=3G bbb-migrate record``, a container runtime…). The runner appends the
contract's arguments (``--url … --output … --record-id …``) and relies only on the contract: the
exit code, the atomically renamed output and the result JSON beside it."""

TERMINATE_GRACE_SECONDS = 15.0
RENDER_OVERHEAD_SECONDS = 20.0  # browser start, verification: ETA only
DEFAULT_RENDER_RATIO = 1.05  # a screen recorder runs at real time at best: ETA only


class RunnerError(RuntimeError):
    """A problem that stops the whole run (not one recording); the message says what to fix."""


def recorder_command() -> list[str]:
    """The recorder: ``$BBB_MIGRATE_RECORDER_CMD``, else this Python's ``bbb-migrate record``."""
    custom = os.environ.get(RECORDER_CMD_ENV, "").strip()
    if custom:
        return shlex.split(custom)
    return [sys.executable, "-m", "bbb_migrate.cli", "record"]


def recorder_arguments(spec: MigrationSpec, item: Any, output: Path) -> list[str]:
    """The contract's arguments for one recording (the URL the plan chose, the output path)."""
    rec = spec.recorder
    return [
        "--url", item.source_url, "--output", str(output), "--record-id", item.record_id,
        "--width", str(rec.width), "--height", str(rec.height), "--fps", str(rec.fps),
        "--deadline-factor", str(rec.deadline_factor),
        "--deadline-margin", str(rec.deadline_margin_seconds),
        "--stall-seconds", str(rec.stall_seconds), *rec.engine_args(),
    ]


# --- processes --------------------------------------------------------------------------------

def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, process group, start time in clock ticks) of a process, or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[2]), int(fields[19])


def _group_members(pgid: int, not_before: int) -> list[int]:
    """Live processes of a process group started at or after ``not_before`` (pid reuse guard)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _proc_stat(int(entry.name))
        if stat and stat[1] == pgid and stat[0] not in ("Z", "X") and stat[2] >= not_before:
            members.append(int(entry.name))
    return members


def stop_process_group(pgid: int, started: int, grace: float = TERMINATE_GRACE_SECONDS) -> bool:
    """Stop a recorder's process group left by a previous run; True if there was one."""
    if not _group_members(pgid, started):
        return False
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not _group_members(pgid, started):
                return True
            time.sleep(0.1)
    return True



def _console_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])[-500:]


@dataclass
class _Running:
    """A recorder subprocess started by this run."""

    record_id: str
    process: Any  # subprocess.Popen
    output: Path
    console: TextIO
    view: RunningRecorder


# --- the executor -----------------------------------------------------------------------------


def spec_fingerprint(spec: MigrationSpec) -> dict[str, Any]:
    """What must not change under a stored plan: the mode, the server, the selection."""
    return {
        "mode": str(spec.mode),
        "source": spec.source.url,
        "selection": spec.selection.model_dump(mode="json"),
    }


class Executor:
    """Runs one migration spec on this machine. Create, then call :meth:`run` once."""

    def __init__(self, spec: MigrationSpec, reporter: Reporter, *,
                 parallelism: int | None = None, replan: bool = False,
                 poll_seconds: float = 0.5,
                 publisher_factory: Callable[[MigrationSpec], Any] | None = None) -> None:
        self.spec = spec
        self.reporter = reporter
        self.parallelism = parallelism or spec.recorder.parallelism
        self.replan = replan
        self.poll_seconds = poll_seconds
        # Absolute: recorders and the stored paths must not depend on the current directory.
        self.out = Path(spec.output.directory).expanduser().resolve()
        self._publisher_factory = publisher_factory
        self._publisher: Any = None
        self._store: StateStore | None = None
        self._rows: list[StoredRecording] = []
        self._by_id: dict[str, StoredRecording] = {}
        self._running: dict[str, _Running] = {}
        self._stop_signal: int | None = None
        self._hurry = False
        self._excluded: dict[str, int] = {}
        self._observed_media = 0.0
        self._observed_wall = 0.0
        self._last_tick = 0.0

    # --- public -------------------------------------------------------------------------

    def run(self) -> int:
        """Do the migration (or what is left of it). Returns the process exit status.

        0: every recording Published or Skipped; 1: finished, some Failed (see the summary);
        130/143: stopped by SIGINT/SIGTERM, state saved, run again to resume.
        """
        # A refused configuration writes nothing: check all that can be checked first.
        preflight.check(self.spec, self.out, recorder_command(),
                        lists=self.replan or not (self.out / STATE_FILE).exists())
        self.publisher()
        self.out.mkdir(parents=True, exist_ok=True)
        store = self._store = StateStore.for_directory(self.out)
        previous = self._install_signals()
        try:
            store.lock()
            self._plan(store)
            self._recover(store)
            if self._stop_signal is None:
                self._loop(store)
            self._terminate_all(store)
            if self._stop_signal is None and self.spec.mode is Mode.EXPORT_CSV:
                self._write_csv()
            summary = self.summary()
            self.reporter.summary(summary)
            if self._stop_signal is not None:
                return 128 + self._stop_signal
            return 1 if summary.failed else 0
        finally:
            try:
                self._terminate_all(store)
            finally:
                self._restore_signals(previous)
                if self._publisher is not None:
                    self._publisher.close()
                store.close()
                self.reporter.close()

    def summary(self) -> Summary:
        """The summary of every recording of the migration (also valid after :meth:`run`)."""
        return summarize(self._rows, self._excluded)

    # --- signals ------------------------------------------------------------------------

    def _install_signals(self) -> dict[int, Any]:
        previous: dict[int, Any] = {}

        def handler(signum: int, frame: Any) -> None:
            if self._stop_signal is None:
                self._stop_signal = signum
                self.reporter.event("stopping", signal=signal.Signals(signum).name)
            else:  # a second Ctrl-C: do not wait for the recorders' clean exit
                self._hurry = True

        for sig in (signal.SIGINT, signal.SIGTERM):
            # ValueError: not the main thread (embedded use): no signal handling there
            with contextlib.suppress(ValueError):
                previous[sig] = signal.signal(sig, handler)
        return previous

    @staticmethod
    def _restore_signals(previous: dict[int, Any]) -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    # --- plan ---------------------------------------------------------------------------

    def _plan(self, store: StateStore) -> None:
        fingerprint = spec_fingerprint(self.spec)
        stored = store.get_meta("fingerprint")
        if stored is not None:
            old = json.loads(stored)
            for key in ("mode", "source"):
                if old[key] != fingerprint[key]:
                    from ..source import redact_url  # a URL may hold a password: never shown

                    raise StateError(
                        f"{store.path} belongs to another migration ({key} was "
                        f"{redact_url(old[key])!r}, the spec says "
                        f"{redact_url(fingerprint[key])!r}); use another output.directory"
                    )
            if old["selection"] != fingerprint["selection"] and not self.replan:
                raise StateError(
                    f"the selection changed since {store.path} was planned; run with --replan "
                    "to list again and add the newly selected recordings (recordings already "
                    "planned keep their state), or use another output.directory"
                )
        if store.has_plan() and not self.replan:
            self._rows = store.load()
            self.reporter.event("resumed", items=len(self._rows), phases=store.counts())
        else:
            from ..plan import build_plan
            from ..source import list_recordings, redact_url

            secret = resolve(self.spec.source.secret_ref)
            self.reporter.event("listing", url=redact_url(self.spec.source.url))
            recordings = list_recordings(self.spec.source, secret, plan_spec=self.spec,
                                         progress=self.reporter.listing())
            plan = build_plan(recordings, self.spec)
            states = [initial(item.record_id, item.action, item.reason) for item in plan.items]
            added = store.save_plan(plan.items, states, {
                "fingerprint": json.dumps(fingerprint, sort_keys=True),
                "total_listed": str(plan.total_listed),
                "excluded": json.dumps(plan.excluded, sort_keys=True),
            })
            self._rows = store.load()
            actions: dict[str, int] = {}
            for item in plan.items:
                actions[str(item.action)] = actions.get(str(item.action), 0) + 1
            self.reporter.event("planned", items=len(plan.items), listed=plan.total_listed,
                                added=added, actions=actions, excluded=plan.excluded)
        self._by_id = {row.record_id: row for row in self._rows}
        self._excluded = json.loads(store.get_meta("excluded") or "{}")

    # --- recovery -----------------------------------------------------------------------

    def _recover(self, store: StateStore) -> None:
        """Settle recordings left in flight by a previous run that did not end cleanly."""
        for row in self._rows:
            if row.state.phase not in IN_FLIGHT:
                continue
            if row.pgid is not None and row.pg_start is not None:
                stop_process_group(row.pgid, row.pg_start)
            output = contract.render_output_path(self.out, row.record_id)
            result, why_not = contract.verified_result(output, row.record_id)
            if result is not None and not why_not:
                new = render_finished(row.state, ExitCode.OK, max_attempts=self.spec.recorder
                                      .attempts, now=time.time(), output_path=str(output))
                self._save(row, new, event="recovered", detail={"outcome": "kept"},
                           result=asdict(result), process=None)
                self.reporter.event("recovered", record_id=row.record_id,
                                    outcome="render had finished, kept")
            else:
                new = render_lost(row.state)
                self._save(row, new, event="recovered", detail={"outcome": "lost",
                                                                "why": why_not}, process=None)
                self.reporter.event("recovered", record_id=row.record_id,
                                    outcome="render was cut, will render again")

    # --- the loop -----------------------------------------------------------------------

    def _save(self, row: StoredRecording, new: RecordingState, **kwargs: Any) -> None:
        assert self._store is not None
        self._store.save_state(new, **kwargs)
        row.state = new
        if "result" in kwargs:
            row.result = kwargs["result"]
        if "publish" in kwargs:
            row.publish = kwargs["publish"]
        if "process" in kwargs:
            process = kwargs["process"]
            row.pgid, row.pg_start = process if process is not None else (None, None)

    def _loop(self, store: StateStore) -> None:
        active = [row for row in self._rows if not row.state.terminal]
        while self._stop_signal is None:
            self._reap()
            now = time.time()
            for row in active:
                if self._stop_signal is not None:
                    break
                step = next_step(row.state, now)
                if step is Step.RENDER and len(self._running) < self.parallelism:
                    self._start(row)
                elif step is Step.PUBLISH:
                    self._publish(row)
                self._tick()
            active = [row for row in active if not row.state.terminal]
            if not active and not self._running:
                break
            self._tick(force=True)
            time.sleep(self._sleep_for(active))
        self._tick(force=True)

    def _sleep_for(self, active: list[StoredRecording]) -> float:
        """Poll often while recorders run; otherwise sleep until the next backoff ends."""
        if self._running:
            return self.poll_seconds
        now = time.time()
        waits = [row.state.not_before - now for row in active if row.state.not_before > now]
        return max(0.05, min([self.poll_seconds, *waits])) if waits else self.poll_seconds

    # --- rendering ----------------------------------------------------------------------

    def _start(self, row: StoredRecording) -> None:
        import subprocess

        from ..recorder.procs import parent_death_signal

        output = contract.render_output_path(self.out, row.record_id)
        output.parent.mkdir(parents=True, exist_ok=True)
        for stale in (output, contract.result_path(output)):  # an older attempt's leftovers
            stale.unlink(missing_ok=True)
        kind = "download" if row.state.action is Action.DOWNLOAD else "render"
        # Saved before the process exists: killed in between, the next run sees Rendering
        # without a process and renders again; never a recorder the state file does not know.
        started = render_started(row.state, output_path=str(output))
        self._save(row, started, event="render-started",
                   detail={"kind": kind, "attempt": started.attempts})
        console_path = output.with_name(output.name + ".console.log")
        console = console_path.open("w", encoding="utf-8")
        command = recorder_command() + recorder_arguments(self.spec, row.item, output)
        try:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                start_new_session=True,
                # the runner dies (even by kill -9): Linux SIGTERMs the recorder, which
                # stops its browser and capture; a restarted runner renders it again
                preexec_fn=parent_death_signal(signal.SIGTERM),
            )
        except OSError as exc:  # the same for every recording: a configuration problem
            console.close()
            self._save(row, render_lost(started), event="interrupted", process=None)
            raise RunnerError(f"cannot start the recorder {command[0]!r} ({exc.strerror}); "
                              f"check {RECORDER_CMD_ENV} or the installation") from None
        stat = _proc_stat(process.pid)
        job = replace_job(started, f"pid:{process.pid}")
        self._save(row, job, process=(process.pid, stat[2] if stat else 0))
        recording = row.item.recording
        view = RunningRecorder(row.record_id, recording.name, kind, started.attempts,
                               time.monotonic(), self._expected_seconds(row))
        self._running[row.record_id] = _Running(row.record_id, process, output, console, view)
        self.reporter.event("render-started", record_id=row.record_id, name=recording.name,
                            kind=kind, attempt=started.attempts, url=row.item.source_url,
                            output=str(output))

    @staticmethod
    def _expected_seconds(row: StoredRecording) -> float | None:
        seconds = media_seconds(row)
        return seconds or None

    def _reap(self, *, interrupted: bool = False) -> None:
        for record_id, running in list(self._running.items()):
            code = running.process.poll()
            if code is None:
                continue
            del self._running[record_id]
            running.console.close()
            self._finish(self._by_id[record_id], running, code, interrupted=interrupted)

    def _finish(self, row: StoredRecording, running: _Running, code: int, *,
                interrupted: bool) -> None:
        judged, message, result = contract.judge_attempt(code, running.output, row.record_id)
        code = code if judged is None else judged
        ok = code == ExitCode.OK
        wall = time.monotonic() - running.view.started
        if interrupted and not ok:
            new = render_lost(row.state)
            self._save(row, new, event="interrupted", process=None)
            return
        if ok:
            assert result is not None
            new = render_finished(row.state, 0, max_attempts=self.spec.recorder.attempts,
                                  now=time.time(), output_path=str(running.output))
            self._save(row, new, event="render-finished", detail={"exit_code": 0},
                       result=asdict(result), process=None)
            if result.duration_seconds:
                self._observed_media += result.duration_seconds
                self._observed_wall += result.wall_seconds or wall
        else:
            message = message or _console_tail(
                running.output.with_name(running.output.name + ".console.log")
            ) or f"exit status {code}"
            new = render_finished(row.state, code, max_attempts=self.spec.recorder.attempts,
                                  now=time.time(), message=message)
            event = "failed" if new.phase is Phase.FAILED else "render-retry"
            self._save(row, new, event=event,
                       detail={"exit_code": code, "message": message, "reason": new.reason},
                       process=None)
            if new.phase is Phase.FAILED:
                self.reporter.event("failed", record_id=row.record_id,
                                    name=row.item.recording.name, reason=new.reason)
        self.reporter.event(
            "render-finished", record_id=row.record_id, name=row.item.recording.name,
            kind=running.view.kind, ok=ok, exit_code=code, exit_class=new.exit_class,
            message="" if ok else new.last_error, wall_seconds=round(wall, 1),
            engine=(result.extra.get("engine") if result else None),
            duration_seconds=result.duration_seconds if ok and result else None,
            size_bytes=result.size_bytes if ok and result else None,
            retry_in=round(max(0.0, new.not_before - time.time())) if new.not_before else None,
        )

    def _terminate_all(self, store: StateStore) -> None:
        """Terminate running recorders (process groups), wait, and save what became of them."""
        if not self._running:
            return
        for running in self._running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
        while self._running and time.monotonic() < deadline and not self._hurry:
            self._reap(interrupted=True)
            time.sleep(0.1)
        for running in self._running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait()
        self._reap(interrupted=True)

    # --- publishing ---------------------------------------------------------------------

    def publisher(self) -> Any:
        """The Publisher, created (and checked up front) on first use."""
        if self._publisher is None:
            if self._publisher_factory is not None:
                publisher = self._publisher_factory(self.spec)
            else:
                from ..publish import Publisher

                publisher = Publisher(self.spec)
            publisher.check()
            self._publisher = publisher
        return self._publisher

    def _publish(self, row: StoredRecording) -> None:
        from ..publish import PublishConfigError, PublishError

        state = row.state
        rendered = Path(state.output_path) if state.action.fetches else None
        try:
            report = self.publisher().publish(row.item, rendered)
        except PublishConfigError:
            raise  # the configuration is wrong for every recording: stop, say why
        except PublishError as exc:
            self._publish_error(row, str(exc), permanent=exc.permanent)
            return
        except Exception as exc:  # a bug or an unexpected driver error: this recording only
            self._publish_error(row, f"{type(exc).__name__}: {exc}", permanent=False)
            return
        report_dict = {
            "final_path": report.final_path, "owners": list(report.owners),
            "writes": list(report.writes), "warnings": list(report.warnings),
            "notice_failures": len(report.notice_failures),
        }
        self._save(row, published(state), event="published", publish=report_dict,
                   detail={"final_path": report.final_path, "writes": len(report.writes)})
        for warning in report.warnings:
            self.reporter.event("warning", record_id=row.record_id, message=warning)
        self.reporter.event("published", record_id=row.record_id, name=row.item.recording.name,
                            final_path=report.final_path, owners=list(report.owners),
                            writes=len(report.writes))

    def _publish_error(self, row: StoredRecording, error: str, *, permanent: bool) -> None:
        new = publish_failed(row.state, error, max_attempts=self.spec.recorder.attempts,
                             now=time.time(), permanent=permanent)
        event = "failed" if new.phase is Phase.FAILED else "publish-failed"
        self._save(row, new, event=event, detail={"error": error, "reason": new.reason})
        if new.phase is Phase.FAILED:
            self.reporter.event("failed", record_id=row.record_id, name=row.item.recording.name,
                                reason=new.reason)
        else:
            self.reporter.event("publish-failed", record_id=row.record_id, error=error,
                                retry_in=round(new.not_before - time.time()))

    # --- CSV ----------------------------------------------------------------------------

    def csv_path(self) -> Path:
        """``output.csvPath``, or recordings.csv in the output directory."""
        if self.spec.output.csv_path:
            return Path(self.spec.output.csv_path).expanduser()
        return self.out / "recordings.csv"

    def _write_csv(self) -> None:
        from ..csvexport import write_csv

        done = [row for row in self._rows if row.state.phase is Phase.PUBLISHED]
        owners = None
        if self.spec.moodle is not None:
            stored = {row.record_id: (row.publish or {}).get("owners") for row in done}

            def owners(recording: Any) -> list[str]:
                found = stored.get(recording.record_id)
                if found is not None:
                    return list(found)
                return list(self.publisher().moodle_owners(recording))

        path = self.csv_path()
        write_csv([row.item for row in done], path, owners=owners)
        self.reporter.event("csv-written", path=str(path), rows=len(done))

    # --- progress -----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Counts per phase, running recorders and the ETA, for the reporter."""
        phases: dict[str, int] = {}
        for row in self._rows:
            phases[str(row.state.phase)] = phases.get(str(row.state.phase), 0) + 1
        return Snapshot(total=len(self._rows), phases=phases,
                        running=[r.view for r in self._running.values()],
                        eta_seconds=self._eta())

    def _eta(self) -> float | None:
        """Remaining recorder work / parallelism, from media durations and observed speed."""
        ratio = (self._observed_wall / self._observed_media if self._observed_media
                 else DEFAULT_RENDER_RATIO)
        work = 0.0
        for row in self._rows:
            if row.state.terminal or row.state.phase is Phase.RENDERED:
                continue
            if row.state.action is Action.RENDER:
                estimate = media_seconds(row) * ratio + RENDER_OVERHEAD_SECONDS
                running = self._running.get(row.record_id)
                if running is not None:
                    estimate -= time.monotonic() - running.view.started
                work += max(0.0, estimate)
            elif row.state.action is Action.DOWNLOAD:
                work += RENDER_OVERHEAD_SECONDS / 4
        return work / self.parallelism

    def _tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_tick < 0.5:
            return
        self._last_tick = now
        self.reporter.update(self.snapshot())


def replace_job(state: RecordingState, job_name: str) -> RecordingState:
    """The state with the recorder's identity recorded (shown by ``status``).

    Not a transition (the phase and counters stay): the process only exists after
    ``state.render_started`` was saved, so its pid is filled in afterwards.
    """
    return replace(state, job_name=job_name)


# --- dry run ----------------------------------------------------------------------------------


def dry_run(spec: MigrationSpec, reporter: Reporter, *,
            publisher_factory: Callable[[MigrationSpec], Any] | None = None) -> dict[str, Any]:
    """Say exactly what a run would do, writing nothing anywhere (no state, no file, no row).

    Lists and plans like a run; reads the state file, if any, read-only, so that recordings
    already done are reported as such; asks the Publisher, in dry-run mode, which rows and files
    it would write for each recording.
    """
    from ..plan import build_plan
    from ..source import list_recordings, redact_url

    spec = spec.model_copy(update={"dry_run": True})
    out = Path(spec.output.directory).expanduser()
    done: dict[str, str] = {}
    if (out / STATE_FILE).exists():
        with StateStore.for_directory(out, readonly=True) as store:
            done = {row.record_id: str(row.state.phase) for row in store.load()
                    if row.state.terminal}
    preflight.check(spec, out, recorder_command(), lists=True, writes=False)
    secret = resolve(spec.source.secret_ref)
    if publisher_factory is not None:
        publisher = publisher_factory(spec)
    else:
        from ..publish import Publisher

        publisher = Publisher(spec)
    counts: dict[str, int] = {}
    try:
        publisher.check()  # before the server is asked anything
        if getattr(publisher, "notice_plan", None):
            reporter.event("info", message=publisher.notice_plan)
        reporter.event("listing", url=redact_url(spec.source.url))
        recordings = list_recordings(spec.source, secret, progress=reporter.listing(),
                                     save_cache=False, plan_spec=spec)
        plan = build_plan(recordings, spec)
        for item in plan.items:
            key = "already " + done[item.record_id] if item.record_id in done else str(item.action)
            counts[key] = counts.get(key, 0) + 1
            if item.record_id in done:
                continue
            if item.action is Action.SKIP:
                reporter.event("would", record_id=item.record_id, name=item.recording.name,
                               action=f"skip ({item.reason})", writes=[])
                continue
            writes: list[str] = []
            rendered = None
            if item.action.fetches:
                rendered = contract.render_output_path(out, item.record_id)
                writes.append(f"{item.action} {item.source_url} → {rendered}")
            report = publisher.publish(item, rendered)
            writes += list(report.writes)
            # The owners and their warnings, as the real run would print them.
            reporter.event("would", record_id=item.record_id, name=item.recording.name,
                           action=str(item.action), writes=writes, owners=list(report.owners),
                           warnings=list(report.warnings))
    finally:
        publisher.close()
    if spec.mode is Mode.EXPORT_CSV:
        path = spec.output.csv_path or str(out / "recordings.csv")
        reporter.event("would", record_id="", action=f"write the CSV {path}",
                       writes=[f"{sum(1 for i in plan.items if i.action is not Action.SKIP)} rows"])
    report = {"listed": plan.total_listed, "selected": len(plan.items), "actions": counts,
              "excluded": plan.excluded}
    reporter.event("dry-run", **report)
    return report
