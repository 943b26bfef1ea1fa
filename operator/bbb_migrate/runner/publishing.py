"""The runner's publication: the core's batch path, and the export-csv file at the end.

Part of :class:`~.executor.Executor` (a mixin, like the operator's ``kube/publishing.py``).
Which recordings to publish and what each result does to their state is the core's
(:mod:`bbb_migrate.core.schedule`, :mod:`bbb_migrate.core.publishing`): batches of
:data:`PUBLISH_BATCH`, each one Pod transaction; every new state is saved in the state file
before the next batch. A problem wrong for every recording stops the run (exit 2, the reason).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core import export, publishing, schedule
from ..state import Phase
from .recorders import RunnerError
from .statestore import StoredRecording

if TYPE_CHECKING:
    from .executor import Executor

PUBLISH_BATCH = 200  # recordings per publish_many call: Ctrl-C is honoured between batches


class Publishing:
    """The publisher's lifecycle, batches and the CSV (see the module docstring)."""

    def publisher(self: Executor) -> Any:
        """The Publisher, created (and checked up front) on first use."""
        if self._publisher is None:
            from ..publish import PublishConfigError, Publisher

            factory = self._publisher_factory or Publisher
            publisher = factory(self.spec)
            try:
                publisher.check()
            except PublishConfigError as exc:
                publisher.close()
                raise RunnerError(str(exc)) from None
            self._publisher = publisher
        return self._publisher

    def csv_path(self: Executor) -> Path:
        """``output.csvPath``, or recordings.csv in the output directory."""
        if self.spec.output.csv_path:
            return Path(self.spec.output.csv_path).expanduser()
        return self.out / "recordings.csv"

    def _publish_due(self: Executor, active: list[StoredRecording]) -> None:
        while self._stop_signal is None:
            now = time.time()
            batch, more = schedule.to_publish(active, now=now, limit=PUBLISH_BATCH)
            if not batch:
                return
            jobs = [publishing.Job(row, row.state, row.item,
                                   Path(row.state.output_path) if row.state.action.fetches
                                   else None) for row in batch]
            try:
                publishing.publish_batch(self.publisher(), jobs,
                                         max_attempts=self.spec.recorder.attempts, now=now,
                                         retry_delay=self.spec.recorder.retry_delay_seconds,
                                         saved=self._published)
            except publishing.PublishStopped as exc:
                raise RunnerError(f"{exc.reason}: {exc.message}") from None
            self._reap()
            self._tick()
            if not more:
                return

    def _published(self: Executor, outcome: publishing.Outcome[StoredRecording]) -> None:
        row, new = outcome.entry, outcome.state
        name = row.item.recording.name
        if outcome.report is not None:
            report = outcome.report
            self._save(row, new, event="published", publish={
                "final_path": report.final_path, "owners": list(report.owners),
                "writes": list(report.writes), "warnings": list(report.warnings),
                "notice_failures": len(report.notice_failures)},
                detail={"final_path": report.final_path, "writes": len(report.writes)})
            for warning in report.warnings:
                self.reporter.event("warning", record_id=row.record_id, message=warning)
            self.reporter.event("published", record_id=row.record_id, name=name,
                                final_path=report.final_path, owners=list(report.owners),
                                writes=len(report.writes))
            return
        event = "failed" if new.phase is Phase.FAILED else "publish-failed"
        self._save(row, new, event=event, detail={"error": outcome.error, "reason": new.reason})
        if new.phase is Phase.FAILED:
            self.reporter.event("failed", record_id=row.record_id, name=name, reason=new.reason)
        else:
            self.reporter.event("publish-failed", record_id=row.record_id, error=outcome.error,
                                retry_in=round(new.not_before - time.time()))

    def _write_csv(self: Executor) -> None:
        rows = export.rows((row.item, row.state, (row.publish or {}).get("owners"))
                           for row in self._rows)
        path = self.csv_path()
        export.write(path, rows, self.spec)
        self.reporter.event("csv-written", path=str(path), rows=len(rows))
