"""The operator's publication: the core's batch path, and the export-csv file at the end.

Part of :class:`~.scheduler.Scheduler` (a mixin). Which children to publish and what each
result does to their state is the core's (:mod:`bbb_migrate.core.schedule`,
:mod:`bbb_migrate.core.publishing`): any error is caught per recording, which then retries
with backoff or fails with a named reason, and the migration goes on; only a problem wrong for
every recording (a Secret, the configuration) stops publishing, reported as Degraded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import contract
from ..core import export, publishing, schedule
from ..spec import MigrationSpec, Mode
from ..state import Phase
from . import jobs, metrics
from .recordings import ChildView, item_from_body

if TYPE_CHECKING:
    from .scheduler import Scheduler


class Publishing:
    """The publisher's lifecycle, batches and the CSV (see the module docstring)."""

    def _publisher(self: Scheduler, spec: MigrationSpec) -> Any:
        from ..publish import PublishConfigError, Publisher
        from .scheduler import Degraded

        if self.publisher is not None and self.publisher_spec != spec:
            # Pod / Moodle settings or secret references changed: they apply from now on.
            self._close_publisher()
        if self.publisher is None:
            self.publisher = Publisher(spec, kube_reader=self._secret_reader())
            self.publisher_spec = spec
            self.publisher_checked = False
        if not self.publisher_checked:
            try:
                self.publisher.check()
            except PublishConfigError as exc:
                self._close_publisher()
                if exc.reason != "SecretUnavailable":
                    metrics.DB_ERRORS.inc()
                raise Degraded(exc.reason, str(exc), blocks=True) from None
            self.publisher_checked = True
        return self.publisher

    def _close_publisher(self: Scheduler) -> None:
        if self.publisher is not None:
            try:
                self.publisher.close()
            finally:
                self.publisher = None
                self.publisher_checked = False

    def close(self: Scheduler) -> None:
        """Release database connections (the daemon is stopping)."""
        self._close_publisher()

    def _publish_ready(self: Scheduler, spec: MigrationSpec, views: list[ChildView],
                       now: float, *, rendered_only: bool = False) -> bool:
        """Publish one batch of children that are due; True if more are waiting."""
        from .scheduler import Degraded

        batch, more = schedule.to_publish(views, now=now, limit=self.config.publish_per_tick,
                                          rendered_only=rendered_only)
        if not batch:
            return False
        publisher = self._publisher(spec)
        index_of = {v.name: i for i, v in enumerate(views)}
        todo = []
        # The views hold what publishing reads of each listed recording: no GET per child.
        for view in batch:
            if view.owner_uid != self.uid or view.recording is None:
                continue
            rendered = (self.operator_output(spec, view.record_id) if view.action.fetches
                        else None)
            todo.append(publishing.Job(view, view.state, view.plan_item(), rendered))

        def saved(outcome: publishing.Outcome[ChildView]) -> None:
            view, new = outcome.entry, outcome.state
            if outcome.report is not None:
                metrics.PUBLISHED.labels(str(spec.mode)).inc()
                report = outcome.report
                extra: dict[str, Any] = {"publishedPath": report.final_path}
                if spec.mode is Mode.EXPORT_CSV:
                    extra["owners"] = list(report.owners)
                if report.notice_failures:
                    # Published all the same (Pod rows committed); said, counted, never retried.
                    metrics.NOTICE_FAILURES.inc(len(report.notice_failures))
                    extra["noticeFailures"] = len(report.notice_failures)
                    for message in report.notice_failures:
                        self.post("Warning", "NoticeFailed",
                                  f"{view.record_id}: {message}"[:1000])
                views[index_of[view.name]] = self._save(view, new, **extra)
                return
            metrics.DB_ERRORS.inc()
            metrics.FAILURES.labels("publish").inc()
            self.log.warning("record=%s publish failed: %s", view.record_id, outcome.error)
            if new.phase is Phase.FAILED:
                self.post("Warning", "PublishFailed", f"{view.record_id}: {new.reason}"[:1000])
            views[index_of[view.name]] = self._save(view, new)

        try:
            publishing.publish_batch(publisher, todo, max_attempts=spec.recorder.attempts,
                                     now=now, saved=saved,
                                     retry_delay=spec.recorder.retry_delay_seconds)
        except publishing.PublishStopped as exc:
            self._close_publisher()  # rebuilt (and checked) on the next pass
            raise Degraded(exc.reason, exc.message, blocks=True) from None
        return more

    def csv_path(self: Scheduler, spec: MigrationSpec) -> Path:
        """The export-csv file, in the migration's directory on the shared volume."""
        return self.work_dir(spec) / f"{contract.safe_name(self.name)}.csv"

    def _write_export(self: Scheduler, spec: MigrationSpec) -> str:
        """Write the CSV of the Published children (the core's rule); returns its path."""
        children = [c for c in self.api.list_children(self.namespace, jobs.label_value(self.name))
                    if jobs.owner_uid(c.get("metadata") or {}) == self.uid]
        rows = export.rows((item_from_body(c), ChildView.from_body(c).state,
                            (c.get("status") or {}).get("owners")) for c in children)
        path = self.csv_path(spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        export.write(path, rows, spec)
        message = f"CSV of {len(rows)} recording(s) written to {path}"
        self.post("Normal", "Exported", message)
        return message
