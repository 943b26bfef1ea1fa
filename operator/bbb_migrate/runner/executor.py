"""The local executor: the migration core (:mod:`bbb_migrate.core`) on this machine.

An adapter: states live in a SQLite file (:mod:`.statestore`), an attempt is a subprocess
(:mod:`.recorders`), progress goes to a reporter (:mod:`.progress`). Every decision (what to
start, what to publish, what an attempt's end means, what the CSV holds) is the core's.

1. Plan once (stored with the plan guard's hash); a resumed run uses the stored plan and does
   not list again; ``--replan`` lists again and adds what is new.
2. Recover: a recording found in flight was cut by the previous run's end. A recorder it left
   behind is stopped; a render it had finished (proven by its result JSON) is kept, otherwise
   the attempt is given back (``core.attempts.interrupted``).
3. Loop: reap finished recorders, publish what is due in batches, start recorders up to the
   parallelism. Every transition is saved in its own SQLite transaction before the next action,
   so ``kill -9`` at any point loses nothing (docs/runner.md).
4. In export-csv mode, write the CSV (``core.export``).

Ctrl-C / SIGTERM: no new work starts, the recorders are terminated (then killed after a grace
period); an attempt cut this way does not count, and the state is saved.
"""

from __future__ import annotations

import contextlib
import json
import signal
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .. import contract
from ..core import attempts, guard, schedule
from ..credentials import resolve
from ..spec import MigrationSpec, Mode
from ..state import Phase, initial
from . import preflight
from .attempts import Attempts
from .dryrun import dry_run
from .progress import Reporter, RunningRecorder, Snapshot
from .publishing import Publishing
from .recorders import Recorder, RunnerError, recorder_command, stop_left_behind
from .statestore import STATE_FILE, StateError, StateStore, StoredRecording
from .summary import Summary, eta_seconds, summarize

__all__ = ["Executor", "RunnerError", "dry_run"]


class Executor(Attempts, Publishing):
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
        self._running: dict[str, tuple[Recorder, RunningRecorder]] = {}
        self._stop_signal: int | None = None
        self._hurry = False
        self._excluded: dict[str, int] = {}
        self._observed = [0.0, 0.0]  # media seconds, wall seconds of the renders kept
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
            self._recover()
            if self._stop_signal is None:
                self._loop()
            self._terminate_all()
            if self._stop_signal is None and self.spec.mode is Mode.EXPORT_CSV:
                self._write_csv()
            summary = self.summary()
            self.reporter.summary(summary)
            if self._stop_signal is not None:
                return 128 + self._stop_signal
            return 1 if summary.failed else 0
        finally:
            try:
                self._terminate_all()
            finally:
                for sig, old in previous.items():
                    signal.signal(sig, old)
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

    # --- plan and recovery --------------------------------------------------------------

    def _plan(self, store: StateStore) -> None:
        current = guard.plan_parts(self.spec)
        stored = store.get_meta("plan_hash")
        if stored is not None:
            changed = guard.changed(stored, current)
            hard = [part for part in changed if part not in guard.REPLANNABLE]
            if hard:
                raise StateError(
                    f"{store.path} belongs to another migration (spec {', '.join(hard)} "
                    "changed); use another output.directory")
            if changed and not self.replan:
                raise StateError(
                    f"the {' and '.join(changed)} changed since {store.path} was planned; run "
                    "with --replan to list again and add the newly selected recordings "
                    "(recordings already planned keep their state), or use another "
                    "output.directory")
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
                "plan_hash": guard.encode(current),
                "source_url": self.spec.source.url,  # in words (the hash hides it): the demo
                "total_listed": str(plan.total_listed),
                "excluded": json.dumps(plan.excluded, sort_keys=True),
            })
            self._rows = store.load()
            self.reporter.event("planned", items=len(plan.items), listed=plan.total_listed,
                                added=added, actions=plan.counts(), excluded=plan.excluded)
        self._excluded = json.loads(store.get_meta("excluded") or "{}")

    def _recover(self) -> None:
        """Settle recordings left in flight by a previous run that did not end cleanly."""
        for row in self._rows:
            if row.state.phase not in (Phase.RENDERING, Phase.QUEUED):
                continue
            if row.pgid is not None and row.pg_start is not None:
                stop_left_behind(row.pgid, row.pg_start)
            output = contract.render_output_path(self.out, row.record_id)
            new, result = attempts.interrupted(row.state, output,
                                               max_attempts=self.spec.recorder.attempts,
                                               now=time.time())
            kept = new.phase is Phase.RENDERED
            self._save(row, new, event="recovered", detail={"outcome": "kept" if kept
                                                            else "interrupted"},
                       process=None, **({"result": asdict(result)} if result else {}))
            self.reporter.event("recovered", record_id=row.record_id,
                                outcome="render had finished, kept" if kept
                                else "render was cut, will render again")

    # --- the loop -----------------------------------------------------------------------

    def _save(self, row: StoredRecording, new: Any, **kwargs: Any) -> None:
        assert self._store is not None
        self._store.save_state(new, **kwargs)
        row.state = new
        row.result = kwargs.get("result", row.result)
        row.publish = kwargs.get("publish", row.publish)
        if "process" in kwargs:
            row.pgid, row.pg_start = kwargs["process"] or (None, None)

    def _loop(self) -> None:
        active = [row for row in self._rows if not row.state.terminal]
        while self._stop_signal is None:
            self._reap()
            self._publish_due(active)
            if self._stop_signal is None:
                for row in schedule.to_start(active, window=self.parallelism, now=time.time(),
                                             running=len(self._running)):
                    self._start(row)
            active = [row for row in active if not row.state.terminal]
            if not active and not self._running:
                break
            self._tick(force=True)
            if self._running:
                time.sleep(self.poll_seconds)
            else:
                time.sleep(schedule.next_wake(active, time.time(), longest=self.poll_seconds))
        self._tick(force=True)

    # --- progress -----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """Counts per phase, running recorders and the ETA, for the reporter."""
        phases: dict[str, int] = {}
        for row in self._rows:
            phases[str(row.state.phase)] = phases.get(str(row.state.phase), 0) + 1
        views = [view for _, view in self._running.values()]
        eta = eta_seconds(self._rows, {v.record_id: v.started for v in views},
                          self.parallelism, observed=tuple(self._observed))
        return Snapshot(total=len(self._rows), phases=phases, running=views, eta_seconds=eta)

    def _tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_tick >= 0.5:
            self._last_tick = now
            self.reporter.update(self.snapshot())
