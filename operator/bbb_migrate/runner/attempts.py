"""The runner's recorder attempts: start, reap, and stop the subprocesses of this run.

Part of :class:`~.executor.Executor` (a mixin: the same object, split by concern). What an
attempt's end means is the core's (:mod:`bbb_migrate.core.attempts`): a finished recorder is
judged by its result JSON and exit status; one this run stopped (Ctrl-C, SIGTERM) keeps a proven
file or gives its attempt back.
"""

from __future__ import annotations

import signal
import time
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from .. import contract
from ..core import attempts
from ..state import Action, Phase, render_interrupted, render_started
from .progress import RunningRecorder
from .recorders import TERMINATE_GRACE_SECONDS, Recorder, RunnerError, console_tail, start
from .statestore import StoredRecording
from .summary import media_seconds

if TYPE_CHECKING:
    from .executor import Executor


class Attempts:
    """Recorder subprocesses of one run (see the module docstring)."""

    def _start(self: Executor, row: StoredRecording) -> None:
        output = contract.render_output_path(self.out, row.record_id)
        output.parent.mkdir(parents=True, exist_ok=True)
        for stale in (output, contract.result_path(output)):  # an older attempt's leftovers
            stale.unlink(missing_ok=True)
        kind = "download" if row.state.action is Action.DOWNLOAD else "render"
        # Saved before the process exists: killed in between, the next run sees Rendering
        # without a process and renders again; never a recorder the state file does not know.
        # The pid is filled in afterwards (not a transition: phase and counters stay).
        started = render_started(row.state, output_path=str(output))
        self._save(row, started, event="render-started",
                   detail={"kind": kind, "attempt": started.attempts})
        try:
            recorder = start(self.spec, row.item, output)
        except RunnerError:
            self._save(row, render_interrupted(started), event="interrupted", process=None)
            raise
        pid, started_ms = recorder.identity
        self._save(row, replace(started, job_name=f"pid:{pid}"), process=(pid, started_ms))
        view = RunningRecorder(row.record_id, row.item.recording.name, kind, started.attempts,
                               recorder.started, media_seconds(row) or None)
        self._running[row.record_id] = (recorder, view)
        self.reporter.event("render-started", record_id=row.record_id,
                            name=row.item.recording.name, kind=kind, attempt=started.attempts,
                            url=row.item.source_url, output=str(output))

    def _reap(self: Executor, *, interrupted: bool = False) -> None:
        by_id = {row.record_id: row for row in self._rows}
        for record_id, (recorder, view) in list(self._running.items()):
            code = recorder.poll()
            if code is not None:
                del self._running[record_id]
                self._finish(by_id[record_id], recorder, view, code, interrupted)

    def _finish(self: Executor, row: StoredRecording, recorder: Recorder, view: RunningRecorder,
                code: int, interrupted: bool) -> None:
        now, output = time.time(), recorder.output
        max_attempts = self.spec.recorder.attempts
        if interrupted:
            new, result = attempts.interrupted(row.state, output, max_attempts=max_attempts,
                                               now=now)
            if new.phase is not Phase.RENDERED:
                self._save(row, new, event="interrupted", process=None)
                return
        else:
            new, result = attempts.ended(
                row.state, code, output, max_attempts=max_attempts, now=now,
                retry_delay=self.spec.recorder.retry_delay_seconds,
                fallback_message=lambda: console_tail(output) or f"exit status {code}")
        wall = time.monotonic() - view.started
        ok = new.phase is Phase.RENDERED
        event = ("render-finished" if ok else "failed" if new.phase is Phase.FAILED
                 else "render-retry")
        extra = {"result": asdict(result)} if ok and result else {}
        self._save(row, new, event=event, process=None, detail={
            "exit_code": code, "message": new.last_error, "reason": new.reason}, **extra)
        if ok and result and result.duration_seconds:
            self._observed[0] += result.duration_seconds
            self._observed[1] += result.wall_seconds or wall
        if new.phase is Phase.FAILED:
            self.reporter.event("failed", record_id=row.record_id,
                                name=row.item.recording.name, reason=new.reason)
        self.reporter.event(
            "render-finished", record_id=row.record_id, name=row.item.recording.name,
            kind=view.kind, ok=ok, exit_code=0 if ok else code, exit_class=new.exit_class,
            message="" if ok else new.last_error, wall_seconds=round(wall, 1),
            engine=(result.extra.get("engine") if result else None),
            duration_seconds=result.duration_seconds if ok and result else None,
            size_bytes=result.size_bytes if ok and result else None,
            retry_in=round(max(0.0, new.not_before - now)) if new.not_before else None)

    def _terminate_all(self: Executor) -> None:
        """Terminate running recorders (process groups), wait, and save what became of them."""
        if not self._running:
            return
        for recorder, _ in self._running.values():
            recorder.signal(signal.SIGTERM)
        deadline = time.monotonic() + TERMINATE_GRACE_SECONDS
        while self._running and time.monotonic() < deadline and not self._hurry:
            self._reap(interrupted=True)
            time.sleep(0.1)
        for recorder, _ in self._running.values():
            recorder.signal(signal.SIGKILL)
            recorder.process.wait()
        self._reap(interrupted=True)
