"""The operator's attempts: children's states and their recorder Jobs.

Part of :class:`~.scheduler.Scheduler` (a mixin). How an attempt's end becomes a state is the
core's (:mod:`bbb_migrate.core.attempts`), which Jobs to start too
(:mod:`bbb_migrate.core.schedule`); this module only talks to the API server:

* Job names are deterministic per attempt: re-creating one gets 409, never a duplicate, and a
  Job found for a child ready to render (created just before a kill) is adopted — if that
  child owns it (by uid);
* a child's status is written *after* its Job is created;
* a Job that vanished is judged by the result JSON the recorder left on the shared volume;
* the latest spec is read just before Jobs start, so lowering ``parallelism`` or setting
  ``suspend`` applies to the pass already running.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .. import contract
from ..core import attempts, schedule
from ..spec import MigrationSpec, SpecError, parse_spec
from ..state import IN_FLIGHT, Phase, RecordingState, Step, next_step, render_admitted
from . import jobs, metrics
from .recordings import ChildView, state_to_status

if TYPE_CHECKING:
    from .scheduler import Scheduler


class Children:
    """Children's states and their Jobs (see the module docstring)."""

    def _merge(self: Scheduler, children: list[ChildView]) -> list[ChildView]:
        """Our children (by owner uid) as the watch delivered them, with our newer writes laid
        over them (a write to another object of the same name, by uid, is not ours: see
        :meth:`~.planner.Planner._create_child` for a child created again)."""
        result = []
        for view in children:
            mine = self.overlay.get(view.name)
            if mine is not None:
                if mine.seq > view.seq and mine.uid == view.uid:
                    view = mine
                else:
                    del self.overlay[view.name]
            result.append(view)
        return result

    def _save(self: Scheduler, view: ChildView, new: RecordingState,
              **extra: Any) -> ChildView:
        """Persist a child's new state (one status patch), remembered until the watch
        catches up."""
        if new == view.state and not extra:
            return view
        seq = view.seq + 1
        self.api.patch_child_status(self.namespace, view.name,
                                    {**state_to_status(new, seq), **extra})
        saved = view.saved(new, seq, notice_failures=int(
            extra.get("noticeFailures", view.notice_failures)),
            render_seconds=extra.get("renderSeconds"))
        self.overlay[view.name] = saved
        if new.phase != view.state.phase:
            self.log.info("record=%s child=%s %s -> %s%s", view.record_id, view.name,
                          view.state.phase, new.phase,
                          f" ({new.last_error})" if new.last_error else "")
        return saved

    def _job(self: Scheduler, view: ChildView, name: str,
             job_views: dict[str, jobs.JobView] | None = None) -> jobs.JobView | None:
        """The Job ``name`` if it exists and belongs to this child (by uid)."""
        job = (job_views or {}).get(name)
        if job is None:
            body = self.api.get_job(self.namespace, name)
            job = jobs.JobView(body) if body is not None else None
        if job is not None and job.owner_uid and job.owner_uid != view.uid:
            self.foreign_jobs.add(name)
            return None
        return job

    def _collect(self: Scheduler, spec: MigrationSpec, views: list[ChildView],
                 job_views: dict[str, jobs.JobView], now: float) -> list[ChildView]:
        """Move in-flight children on from what their Jobs say; adopt a Job created just
        before a kill (from the watch, no request), so it counts in the window."""
        kueue = bool(spec.kueue_queue_name)
        result = []
        for view in views:
            if next_step(view.state, now) is Step.RENDER:
                name = jobs.job_name(view.name, view.state.attempts + 1)
                job = job_views.get(name)
                if job is not None and job.owner_uid in ("", view.uid):
                    self.log.info("record=%s adopting Job %s", view.record_id, name)
                    view = self._save(view, self._started(spec, view.state, name, kueue))
            if view.state.phase in IN_FLIGHT:
                view = self._follow(spec, view, job_views, now)
            result.append(view)
        return result

    def _follow(self: Scheduler, spec: MigrationSpec, view: ChildView,
                job_views: dict[str, jobs.JobView], now: float) -> ChildView:
        cur = view.state
        job = self._job(view, cur.job_name, job_views)
        output = self.operator_output(spec, view.record_id)
        limit = spec.recorder.attempts
        if job is None:
            new, result = attempts.vanished(cur, output, max_attempts=limit, now=now,
                                            retry_delay=spec.recorder.retry_delay_seconds,
                                            output_path=self._job_output(spec, cur))
            if new.exit_class == "lost":
                self.log.warning("record=%s Job %s is gone without a result", view.record_id,
                                 cur.job_name)
            return self._finished(view, new, result)
        if job.finished:
            def ask() -> tuple[int | None, str]:  # no result JSON: the pod, then the Job
                code = jobs.exit_code_from_pods(self.api.job_pods(self.namespace, job.name),
                                                job.name)
                if code is None:
                    code = jobs.exit_code_from_job_reason(job.reason)
                return code, f"Job failed: {job.reason or 'unknown'} {job.message}".strip()

            # A Complete Job is the recorder's exit 0; the contract decides what it is worth.
            new, result = attempts.ended(cur, 0 if job.finished == "Complete" else None,
                                         output, max_attempts=limit, now=now, ask=ask,
                                         retry_delay=spec.recorder.retry_delay_seconds,
                                         output_path=self._job_output(spec, cur))
            return self._finished(view, new, result)
        if cur.phase is Phase.QUEUED and not job.suspended and job.running:
            return self._save(view, render_admitted(cur))
        return view

    def _finished(self: Scheduler, view: ChildView, new: RecordingState,
                  result: Any) -> ChildView:
        extra: dict[str, Any] = {}
        if result is not None and result.ok and result.wall_seconds and result.duration_seconds:
            metrics.RENDER_RATIO.observe(result.wall_seconds / result.duration_seconds)
            engine = str(result.extra.get("engine") or result.kind)
            metrics.RENDERED_MEDIA.labels(engine).inc(result.duration_seconds)
            metrics.RENDER_WALL.labels(engine).inc(result.wall_seconds)
            extra["renderSeconds"] = result.wall_seconds
        if result is not None:
            for check in contract.failed_checks(result):
                metrics.CHECK_FAILURES.labels(check).inc()
        if result is not None and result.extra.get("engine"):
            extra["engine"] = result.extra["engine"]
            extra["engineReason"] = str(result.extra.get("engine_reason", ""))[:500]
        if new.phase is not Phase.RENDERED:
            metrics.FAILURES.labels(new.exit_class or "unknown").inc()
            if new.phase is Phase.FAILED:
                self.post("Warning", "RecordingFailed", f"{view.record_id}: {new.reason}"[:1000])
            else:
                self.post("Warning", "RecordingRetry",
                          f"{view.record_id}: attempt {new.attempts} failed ({new.exit_class}),"
                          f" retrying after backoff"[:1000])
        return self._save(view, new, **extra)

    def _latest_spec(self: Scheduler, spec: MigrationSpec) -> MigrationSpec:
        """The spec as the API server has it now (falls back to ``spec``)."""
        body = self.api.get_migration(self.namespace, self.name)
        if body is None:
            return spec
        try:
            return parse_spec(dict(body.get("spec") or {}), origin=f"BBBMigration {self.name}")
        except SpecError:
            return spec  # the next pass reports it

    def _start_jobs(self: Scheduler, spec: MigrationSpec, views: list[ChildView],
                    now: float) -> None:
        if not schedule.to_start(views, window=self.config.window(
                spec.recorder.parallelism, bool(spec.kueue_queue_name)), now=now):
            return
        latest = self._latest_spec(spec)  # parallelism or suspend may have changed meanwhile
        kueue = bool(latest.kueue_queue_name)
        window = self.config.window(latest.recorder.parallelism, kueue)
        index_of = {v.name: i for i, v in enumerate(views)}
        for view in schedule.to_start(views, window=window, now=now, suspended=latest.suspend):
            if self.stopped():
                return
            attempt = view.state.attempts + 1
            name = jobs.job_name(view.name, attempt)
            self._set_aside_stale_result(spec, view, name, attempt)
            manifest = jobs.build_job(
                spec=spec, migration=self.name, namespace=self.namespace, child=view.name,
                child_uid=view.uid, record_id=view.record_id, source_url=view.source_url,
                duration_seconds=view.duration, attempt=attempt,
                ttl_seconds=self.config.job_ttl_seconds,
                default_image=self.config.recorder_image,
                pull_policy=self.config.recorder_pull_policy,
                service_account=self.config.recorder_service_account)
            created = self.api.create_job(self.namespace, manifest)
            if created:
                metrics.JOBS_CREATED.inc()
            elif self._job(view, name) is None:  # a namesake's Job: never adopted
                continue
            self.log.info("record=%s Job %s %s (attempt %d)", view.record_id, name,
                          "created" if created else "already existed", attempt)
            views[index_of[view.name]] = self._save(
                view, self._started(spec, view.state, name, kueue))

    def _started(self: Scheduler, spec: MigrationSpec, cur: RecordingState, job: str,
                 kueue: bool) -> RecordingState:
        """The state of a child whose Job ``job`` exists (created now, or adopted)."""
        from ..state import render_started

        return render_started(cur, job_name=job, output_path=self._job_output(spec, cur),
                              queued=kueue)

    @staticmethod
    def _job_output(spec: MigrationSpec, cur: RecordingState) -> str:
        """The rendered file of a recording, as its Job sees it."""
        return jobs.output_path(spec.volume.mount_path if spec.volume else "/data",
                                cur.record_id)

    def _set_aside_stale_result(self: Scheduler, spec: MigrationSpec, view: ChildView, job: str,
                                attempt: int) -> None:
        """Rename a previous attempt's result JSON so it is never taken for this attempt's.

        Only when this attempt's Job does not exist yet (after a restart it may already have
        run and written its own result). Renamed, not deleted: it is the history of the run.
        """
        result_file = contract.result_path(self.operator_output(spec, view.record_id))
        if not result_file.exists():
            return
        if self.api.get_job(self.namespace, job) is not None:
            return
        target = result_file.with_name(f"{result_file.name}.attempt-{attempt - 1}")
        try:
            os.replace(result_file, target)
        except OSError as exc:
            self.log.warning("record=%s cannot set aside %s: %s", view.record_id, result_file,
                             exc)
