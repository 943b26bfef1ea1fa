"""One migration's reconcile loop: plan once, then keep a bounded window of Jobs in flight.

Everything here is synchronous (the ``kubernetes`` client and the database drivers are) and runs
in a worker thread of the migration's kopf daemon (:mod:`.migration`). Each :meth:`tick` derives
what to do from the API server's state only (the children and Jobs the watches delivered), so
an operator killed at any point resumes correctly:

* Job names are deterministic per attempt: re-creating one gets 409, never a duplicate;
* a child's status is written *after* its Job is created, and a Job found for a Pending child
  is adopted;
* publication is one database transaction, written before the child is marked Published, and
  the publisher is idempotent by record ID;
* a Job that vanished (TTL) is judged by the result JSON the recorder left on the shared volume.

Every phase change goes through :mod:`bbb_migrate.state`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from kubernetes.client.exceptions import ApiException

from .. import contract, state
from ..credentials import SecretError, SecretRef, resolve
from ..spec import MigrationSpec, Mode, SpecError, parse_spec
from ..state import IN_FLIGHT, Phase, RecordingState, Step
from . import jobs, metrics
from . import status as st
from .api import KubeApi, KubeApiTimeout, chunks
from .config import OperatorConfig
from .recordings import ChildView, child_body, recording_from_dict, state_to_status

Poster = Callable[[str, str, str], None]
"""``post(type, reason, message)``: a Kubernetes Event on the migration ("Normal"/"Warning")."""


class Degraded(Exception):
    """Something a person must fix; becomes the ``Degraded`` condition (never a crash loop)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def plan_hash_parts(spec: MigrationSpec) -> dict[str, str]:
    """Short hashes of the spec parts the children were planned from (changes are refused)."""
    source = spec.source.model_dump(mode="json", by_alias=True,
                                    include={"url", "states", "meta", "rewrite_playback_20_to_23"})
    parts = {
        "mode": str(spec.mode),
        "source": source,
        "selection": spec.selection.model_dump(mode="json", by_alias=True),
        "volume": (spec.volume.model_dump(mode="json", by_alias=True,
                                          include={"claim_name", "sub_path"})
                   if spec.volume else None),
    }
    return {k: hashlib.sha256(json.dumps(v, sort_keys=True).encode()).hexdigest()[:12]
            for k, v in parts.items()}


def encode_hash(parts: dict[str, str]) -> str:
    """``mode=…,source=…`` as stored in ``status.plannedSpecHash``."""
    return ",".join(f"{k}={v}" for k, v in sorted(parts.items()))


def changed_parts(planned: str, current: dict[str, str]) -> list[str]:
    """Names of the spec parts that differ from the planned ones."""
    old = dict(p.split("=", 1) for p in planned.split(",") if "=" in p)
    return sorted(k for k, v in current.items() if old.get(k) != v)


def check_cluster_spec(spec: MigrationSpec) -> None:
    """Rules that only hold in a cluster (the CRD's CEL rules, checked again here because
    a CRD may be installed without them, and an old object may predate them)."""
    refs: list[tuple[str, SecretRef | None]] = [
        ("source.secretRef", spec.source.secret_ref),
        ("pod.secretKeyRef", spec.pod.secret_key_ref),
        ("pod.database.urlRef", spec.pod.database.url_ref if spec.pod.database else None),
    ]
    if spec.moodle:
        refs += [(f"moodle.databases.{k}.urlRef", d.url_ref)
                 for k, d in spec.moodle.databases.items()]
    for where, ref in refs:
        if ref is not None and ref.secret_key_ref is None:
            raise SpecError(f"{where}: in a cluster a secret must be a secretKeyRef (env and "
                            "file would read the operator's own environment and files)")
    if spec.volume and not _is_relative_inside(spec.volume.sub_path):
        raise SpecError("volume.subPath must be a relative path without '..'")
    if spec.source.cache_file and not _is_relative_inside(spec.source.cache_file):
        # The operator reads and writes it: an absolute path would let whoever may create a
        # BBBMigration overwrite any file the operator can write (Pod's files on the volume).
        raise SpecError("source.cacheFile: in a cluster, a relative path without '..' (it is "
                        "kept in the migration's directory on the shared volume)")
    if spec.mode is Mode.CLAIM and not spec.dry_run and spec.volume is None:
        raise SpecError("mode claim needs volume (the shared claim the Jobs write to)")


def _is_relative_inside(path: str) -> bool:
    """A relative path that stays below its base (no ``/``, ``~`` or ``..``)."""
    return not path.startswith(("/", "~")) and ".." not in PurePosixPath(path).parts


def choose_starts(views: Iterable[ChildView], *, window: int, now: float) -> list[ChildView]:
    """The children to start now: ready to render, oldest plan index first, up to the window.

    ``window`` counts the Jobs already in flight, so the result never makes more than
    ``window`` in flight in total.
    """
    views = list(views)
    in_flight = sum(1 for v in views if v.state.phase in IN_FLIGHT)
    room = window - in_flight
    if room <= 0:
        return []
    ready = [v for v in views if state.next_step(v.state, now) is Step.RENDER]
    ready.sort(key=lambda v: v.index)
    return ready[:room]


class Scheduler:
    """The reconcile loop of one BBBMigration (one instance per migration per operator run)."""

    def __init__(self, api: KubeApi, config: OperatorConfig, *, namespace: str, name: str,
                 uid: str, post: Poster, logger: logging.Logger | logging.LoggerAdapter,
                 stopped: Callable[[], bool] = lambda: False) -> None:
        self.api = api
        self.config = config
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.post = post
        self.log = logger
        self.stopped = stopped
        # Our own writes, newer than what the watch may have delivered: child → the saved view.
        self.overlay: dict[str, ChildView] = {}
        self.status: dict[str, Any] = {}
        self.publisher: Any = None
        self.publisher_spec: MigrationSpec | None = None
        """The spec the publisher was built with (rebuilt when it changes)."""
        self.publisher_checked = False
        self.lock = threading.Lock()

    # -- helpers ------------------------------------------------------------------------------
    def _secret_reader(self):
        return self.api.secret_reader(self.namespace)

    def _resolve(self, ref: SecretRef, what: str) -> str:
        try:
            return resolve(ref, self._secret_reader())
        except SecretError as exc:
            raise Degraded("SecretUnavailable", f"{what}: {exc}") from None

    def work_dir(self, spec: MigrationSpec) -> Path:
        """The shared volume's sub-path as the operator sees it."""
        sub = spec.volume.sub_path if spec.volume else ""
        return self.config.shared_root / sub if sub else self.config.shared_root

    def operator_output(self, spec: MigrationSpec, record_id: str) -> Path:
        """The rendered file of a recording, as the operator sees it."""
        return contract.render_output_path(self.work_dir(spec), record_id)

    def _write_status(self, patch: dict[str, Any]) -> None:
        merged = {**self.status, **patch}
        if merged == self.status:
            return
        self.api.patch_migration_status(self.namespace, self.name, patch)
        self.status = merged

    def _set_degraded(self, generation: int | None, problem: Degraded | None) -> None:
        conditions = self.status.get("conditions")
        old = st.get_condition(conditions, st.DEGRADED)
        if problem is None:
            new = st.set_condition(conditions, st.DEGRADED, False, "AsExpected", "", generation)
        else:
            new = st.set_condition(conditions, st.DEGRADED, True, problem.reason,
                                   problem.message, generation)
            changed = old is None or old.get("status") != "True" or old.get(
                "message") != problem.message
            if changed:
                self.post("Warning", problem.reason, problem.message)
                self.log.warning("degraded: %s: %s", problem.reason, problem.message)
        self._write_status({"conditions": new})

    # -- the loop body ----------------------------------------------------------------------
    def tick(self, body: dict[str, Any], children: list[ChildView],
             job_views: dict[str, jobs.JobView]) -> float:
        """One reconcile pass; returns how long the daemon may sleep before the next one."""
        with self.lock:
            if not self.status:
                self.status = dict(body.get("status") or {})
            generation = (body.get("metadata") or {}).get("generation")
            try:
                delay = self._tick(body, children, job_views, generation)
            except ApiException as exc:
                problem = Degraded("KubernetesAPIError",
                                   f"Kubernetes API error {exc.status} {exc.reason}")
            except KubeApiTimeout as exc:
                problem = Degraded("KubernetesAPITimeout", str(exc))
            except Degraded as exc:
                problem = exc
            except OSError as exc:
                if exc.filename is None:
                    raise
                # The shared volume is missing, read-only or owned by another uid (NFS).
                problem = Degraded("SharedVolumeError",
                                   f"{exc.filename}: {exc.strerror or type(exc).__name__}")
            else:
                return delay
            self._set_degraded(generation, problem)
            return self.config.degraded_retry_seconds

    def _tick(self, body: dict[str, Any], children: list[ChildView],
              job_views: dict[str, jobs.JobView], generation: int | None) -> float:
        try:
            spec = parse_spec(dict(body.get("spec") or {}), origin=f"BBBMigration {self.name}")
            check_cluster_spec(spec)
        except SpecError as exc:
            self._write_status({"phase": "Degraded", "observedGeneration": generation})
            raise Degraded("SpecInvalid", str(exc).replace("\n", " ")) from None
        parts = plan_hash_parts(spec)
        current = encode_hash(parts)

        planned = self.status.get("plannedSpecHash")
        if spec.dry_run and not planned:
            plan_status = self.status.get("plan") or {}
            if plan_status.get("specHash") != current or self.status.get("phase") != "Planned":
                self._dry_run(spec, current, generation)
            self._set_degraded(generation, None)
            return self.config.reconcile_seconds * 6

        if not planned:
            self._plan_and_create(spec, current, generation)
            self._set_degraded(generation, None)
            return 0.0

        refused = changed_parts(planned, parts)
        if spec.dry_run:
            # Switched on after planning: Jobs run and rows exist already, so a dry run can no
            # longer describe what will happen. Refused like any other change of the plan's
            # inputs (running Jobs are still followed, nothing new starts).
            refused.append("dryRun")
        views = self._merge(children)
        now = time.time()
        views = self._collect(spec, views, job_views, now)
        problem: Degraded | None = None
        if refused:
            problem = Degraded(
                "SpecChangeRefused",
                "spec " + ", ".join(refused) + " changed after planning and cannot apply to the "
                "planned recordings: revert it, or create a new BBBMigration (no new Job starts "
                "meanwhile)")
        more = False
        paused = spec.suspend or bool(refused)
        try:
            # Finished renders are always published (nothing is left to the Job TTL); new work
            # (publish-only items, new Jobs) waits while suspended or while a change is refused.
            more = self._publish_ready(spec, views, now, rendered_only=paused)
            if not paused:
                self._start_jobs(spec, views, now)
        except Degraded as exc:
            problem = exc
        self._summarise(spec, views, generation)
        self._set_degraded(generation, problem)
        if more:
            return 0.0
        return self.config.reconcile_seconds

    # -- planning -----------------------------------------------------------------------------
    def _make_plan(self, spec: MigrationSpec) -> Any:
        from ..plan import build_plan
        from ..source import BBBError, list_recordings

        secret = self._resolve(spec.source.secret_ref, "source.secretRef")
        source = spec.source
        if source.cache_file:  # relative (check_cluster_spec): below the migration's directory
            source = source.model_copy(
                update={"cache_file": str(self.work_dir(spec) / source.cache_file)})
        try:
            recordings = list_recordings(source, secret, plan_spec=spec)
        except BBBError as exc:
            metrics.BBB_ERRORS.labels(exc.message_key).inc()
            if exc.message_key == "checksumError":
                raise Degraded(
                    "BBBChecksumError",
                    f"{exc.server} rejected the checksum: the BBB secret in "
                    f"{spec.source.secret_ref.describe()} is wrong, or the server does not "
                    f"accept {spec.source.checksum}") from None
            raise Degraded("BBBUnavailable", str(exc)) from None
        return build_plan(recordings, spec)

    def _plan_summary(self, plan: Any, current: str, *, sample: bool) -> dict[str, Any]:
        skipped = Counter(i.reason for i in plan.items if i.action is state.Action.SKIP)
        summary: dict[str, Any] = {
            "listed": plan.total_listed,
            "selected": len(plan.items),
            "byAction": plan.counts(),
            "excluded": dict(plan.excluded),
            "skipped": dict(skipped),
            "specHash": current,
        }
        if sample:
            summary["sample"] = [
                {"index": i.index, "recordId": i.record_id, "name": i.recording.recording_name,
                 "action": str(i.action), "reason": i.reason}
                for i in plan.items[:50]
            ]
        return summary

    def _csv_path(self, spec: MigrationSpec) -> Path:
        """Where the export-csv file goes on the shared volume."""
        return self.work_dir(spec) / f"{contract.safe_name(self.name)}.csv"

    def _csv(self, spec: MigrationSpec, plan: Any) -> str:
        """Write the export-csv file on the shared volume; owners from Moodle when configured."""
        from ..csvexport import write_csv

        path = self._csv_path(spec)
        path.parent.mkdir(parents=True, exist_ok=True)
        owners = None
        publisher = None
        if spec.moodle and spec.moodle.databases:
            publisher = self._publisher(spec)
            owners = publisher.moodle_owners
        items = [i for i in plan.items if i.action is not state.Action.SKIP]
        write_csv(items, path, owners=owners)
        return str(path)

    def _dry_run(self, spec: MigrationSpec, current: str, generation: int | None) -> None:
        self._write_status({"phase": "Planning", "observedGeneration": generation})
        plan = self._make_plan(spec)
        summary = self._plan_summary(plan, current, sample=True)
        if spec.mode is Mode.EXPORT_CSV:
            # Where the real run will write it: a dry run writes nothing, the CSV included.
            summary["csvPath"] = str(self._csv_path(spec))
        self.post("Normal", "DryRunPlanned", "dry run: " + plan.summary())
        for item in plan.items[:20]:
            self.post("Normal", "DryRunItem",
                      f"#{item.index} {item.record_id} {item.action}: {item.reason}"[:1000])
        self.log.info("dry run planned: %s", plan.summary())
        conditions = st.set_condition(self.status.get("conditions"), st.READY, True, "DryRun",
                                      plan.summary(), generation)
        conditions = st.set_condition(conditions, st.PROGRESSING, False, "DryRun",
                                      "dryRun is true: nothing is rendered or written",
                                      generation)
        self._write_status({"phase": "Planned", "plan": summary, "conditions": conditions,
                            "message": plan.summary(), "observedGeneration": generation})

    def _plan_and_create(self, spec: MigrationSpec, current: str,
                         generation: int | None) -> None:
        self._write_status({"phase": "Planning", "observedGeneration": generation})
        plan = self._make_plan(spec)
        summary = self._plan_summary(plan, current, sample=False)
        if spec.mode is Mode.EXPORT_CSV:
            summary["csvPath"] = self._csv(spec, plan)
            message = f"CSV of {len(plan.items)} recording(s) written to {summary['csvPath']}"
            self.post("Normal", "Exported", message)
            conditions = st.set_condition(self.status.get("conditions"), st.READY, True,
                                          "Completed", message, generation)
            conditions = st.set_condition(conditions, st.PROGRESSING, False, "Completed",
                                          message, generation)
            self._write_status({"phase": "Completed", "plan": summary, "message": message,
                                "plannedSpecHash": current, "conditions": conditions,
                                "recordings": {"total": 0}})
            return
        total = len(plan.items)
        created = existing = 0
        with ThreadPoolExecutor(max_workers=self.config.create_workers) as pool:
            for batch in chunks(plan.items, self.config.create_batch):
                if self.stopped():
                    # Not an error: plannedSpecHash stays unset, so the next operator plans
                    # again and finds the children created so far (409).
                    self.log.info("operator stopping: planning left for the next start")
                    return
                # Bodies are built per batch: 10,000 of them at once would double the memory.
                bodies = [child_body(item, migration=self.name, namespace=self.namespace,
                                     owner_uid=self.uid) for item in batch]
                results = list(pool.map(
                    lambda b: self.api.create_child(self.namespace, b), bodies))
                created += sum(results)
                existing += len(results) - sum(results)
                self._write_status({"message": f"planning: {created + existing}/{total} "
                                    "recordings created"})
        message = plan.summary()
        self.log.info("planned: %s; %d children created, %d already existed", message,
                      created, existing)
        self.post("Normal", "Planned", message)
        self._write_status({"phase": "Running", "plan": summary, "plannedSpecHash": current,
                            "message": message, "plannedTotal": total})

    # -- children -----------------------------------------------------------------------------
    def _merge(self, children: list[ChildView]) -> list[ChildView]:
        """Children as the watch delivered them, with our newer writes laid over them."""
        result = []
        for view in children:
            mine = self.overlay.get(view.name)
            if mine is not None:
                if mine.seq > view.seq:
                    view = mine
                else:
                    del self.overlay[view.name]
            result.append(view)
        return result

    def _save(self, view: ChildView, new: RecordingState, **extra: Any) -> ChildView:
        """Persist a child's new state (one status patch) and remember it until the watch
        catches up."""
        if new == view.state and not extra:
            return view
        seq = view.seq + 1
        status = state_to_status(new, seq)
        status.update(extra)
        self.api.patch_child_status(self.namespace, view.name, status)
        saved = dataclasses.replace(
            view, state=new, seq=seq,
            notice_failures=int(extra.get("noticeFailures", view.notice_failures)))
        self.overlay[view.name] = saved
        if new.phase != view.state.phase:
            self.log.info("record=%s child=%s %s -> %s%s", view.record_id, view.name,
                          view.state.phase, new.phase,
                          f" ({new.last_error})" if new.last_error else "")
        return saved

    def _collect(self, spec: MigrationSpec, views: list[ChildView],
                 job_views: dict[str, jobs.JobView], now: float) -> list[ChildView]:
        """Move in-flight children on from what their Jobs say.

        A child still ready to render whose next Job already exists was started by an operator
        killed between creating the Job and writing the child's status: it is adopted here
        (from the watch, no request), so that Job counts in the window before any new one
        starts and ``parallelism`` holds across restarts.
        """
        kueue = bool(spec.kueue_queue_name)
        result = []
        for view in views:
            if state.next_step(view.state, now) is Step.RENDER:
                name = jobs.job_name(view.name, view.state.attempts + 1)
                if name in job_views:
                    self.log.info("record=%s adopting Job %s", view.record_id, name)
                    view = self._save(view, self._started(spec, view.state, name, kueue))
            if view.state.phase in IN_FLIGHT:
                view = self._follow(spec, view, job_views.get(view.state.job_name), now)
            result.append(view)
        return result

    def _follow(self, spec: MigrationSpec, view: ChildView, job: jobs.JobView | None,
                now: float) -> ChildView:
        cur = view.state
        if job is None:
            body = self.api.get_job(self.namespace, cur.job_name)
            job = jobs.JobView(body) if body is not None else None
        if job is None:
            result_file = contract.result_path(self.operator_output(spec, view.record_id))
            if result_file.exists():
                return self._finished(spec, view, None, now)
            self.log.warning("record=%s Job %s is gone without a result", view.record_id,
                             cur.job_name)
            return self._save(view, state.render_lost(cur))
        if job.finished:
            return self._finished(spec, view, job, now)
        if cur.phase is Phase.QUEUED and not job.suspended and job.running:
            return self._save(view, state.render_admitted(cur))
        return view

    def _finished(self, spec: MigrationSpec, view: ChildView, job: jobs.JobView | None,
                  now: float) -> ChildView:
        cur = view.state
        output = self.operator_output(spec, view.record_id)
        # A Complete Job is the recorder's exit 0; the contract decides what that is worth.
        reported = 0 if job is not None and job.finished == "Complete" else None
        code, message, result = contract.judge_attempt(reported, output, view.record_id)
        if code is None and job is not None:  # no result at all: ask the pod, then the Job
            code = jobs.exit_code_from_pods(
                self.api.job_pods(self.namespace, job.name), job.name)
            if code is None:
                code = jobs.exit_code_from_job_reason(job.reason)
            message = f"Job failed: {job.reason or 'unknown'} {job.message}".strip()
        new = state.render_finished(cur, code, max_attempts=spec.recorder.attempts, now=now,
                                    message=message, output_path=self._job_output(spec, cur))
        extra: dict[str, Any] = {}
        if result is not None and result.ok and result.wall_seconds and result.duration_seconds:
            ratio = result.wall_seconds / result.duration_seconds
            metrics.RENDER_RATIO.observe(ratio)
            extra["renderSeconds"] = result.wall_seconds
        if result is not None and result.extra.get("engine"):
            extra["engine"] = result.extra["engine"]
            extra["engineReason"] = str(result.extra.get("engine_reason", ""))[:500]
        if new.phase is not Phase.RENDERED:
            metrics.FAILURES.labels(new.exit_class or "unknown").inc()
            if new.phase is Phase.FAILED:
                self.post("Warning", "RecordingFailed",
                          f"{view.record_id}: {new.reason}"[:1000])
            else:
                self.post("Warning", "RecordingRetry",
                          f"{view.record_id}: attempt {new.attempts} failed ({new.exit_class}),"
                          f" retrying after backoff"[:1000])
        return self._save(view, new, **extra)

    # -- publishing ---------------------------------------------------------------------------
    def _publisher(self, spec: MigrationSpec) -> Any:
        from ..publish import Publisher, PublishError

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
            except SecretError as exc:
                self._close_publisher()
                raise Degraded("SecretUnavailable", str(exc)) from None
            except PublishError as exc:
                self._close_publisher()
                metrics.DB_ERRORS.inc()
                raise Degraded("PublishConfigError", str(exc)) from None
            self.publisher_checked = True
        return self.publisher

    def _close_publisher(self) -> None:
        if self.publisher is not None:
            try:
                self.publisher.close()
            finally:
                self.publisher = None
                self.publisher_checked = False

    def close(self) -> None:
        """Release database connections (the daemon is stopping)."""
        self._close_publisher()

    def _publish_ready(self, spec: MigrationSpec, views: list[ChildView], now: float, *,
                       rendered_only: bool = False) -> bool:
        """Publish children that are Rendered or publish-only; True if more are waiting."""
        from ..plan import PlanItem
        from ..publish import PublishConfigError, PublishError

        ready = [i for i, v in enumerate(views)
                 if state.next_step(v.state, now) is Step.PUBLISH
                 and (not rendered_only or v.state.phase is Phase.RENDERED)]
        if not ready:
            return False
        ready.sort(key=lambda i: views[i].index)
        batch = ready[:self.config.publish_per_tick]
        publisher = self._publisher(spec)
        for i in batch:
            if self.stopped():
                return False
            view = views[i]
            body = self.api.get_child(self.namespace, view.name)
            if body is None:
                continue
            child_spec = body.get("spec") or {}
            item = PlanItem(index=view.index,
                            recording=recording_from_dict(child_spec["recording"]),
                            action=view.action, reason=child_spec.get("reason", ""),
                            playback_type=child_spec.get("playbackType"),
                            source_url=view.source_url)
            rendered = None
            if view.action.fetches:
                rendered = self.operator_output(spec, view.record_id)
            try:
                report = publisher.publish(item, rendered)
            except SecretError as exc:
                raise Degraded("SecretUnavailable", str(exc)) from None
            except PublishConfigError as exc:
                # Configuration (a Secret, a database) is wrong for every recording: report it
                # and keep the recording as it is, rather than failing them all.
                self._close_publisher()
                metrics.DB_ERRORS.inc()
                raise Degraded("PublishConfigError", str(exc)) from None
            except PublishError as exc:
                metrics.DB_ERRORS.inc()
                metrics.FAILURES.labels("publish").inc()
                new = state.publish_failed(view.state, str(exc),
                                           max_attempts=spec.recorder.attempts, now=now,
                                           permanent=exc.permanent)
                if new.phase is Phase.FAILED:
                    self.post("Warning", "PublishFailed", f"{view.record_id}: {exc}"[:1000])
                self.log.warning("record=%s publish failed: %s", view.record_id, exc)
                views[i] = self._save(view, new)
                continue
            metrics.PUBLISHED.labels(str(spec.mode)).inc()
            extra: dict[str, Any] = {"publishedPath": report.final_path}
            if report.notice_failures:
                # Published all the same (Pod rows committed); said, counted, never retried.
                metrics.NOTICE_FAILURES.inc(len(report.notice_failures))
                extra["noticeFailures"] = len(report.notice_failures)
                for message in report.notice_failures:
                    self.post("Warning", "NoticeFailed", f"{view.record_id}: {message}"[:1000])
            views[i] = self._save(view, state.published(view.state), **extra)
        return len(ready) > len(batch)

    # -- starting Jobs ------------------------------------------------------------------------
    def _start_jobs(self, spec: MigrationSpec, views: list[ChildView], now: float) -> None:
        kueue = bool(spec.kueue_queue_name)
        window = self.config.window(spec.recorder.parallelism, kueue)
        index_of = {v.name: i for i, v in enumerate(views)}
        for view in choose_starts(views, window=window, now=now):
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
            self.log.info("record=%s Job %s %s (attempt %d)", view.record_id, name,
                          "created" if created else "already existed", attempt)
            views[index_of[view.name]] = self._save(
                view, self._started(spec, view.state, name, kueue))

    def _started(self, spec: MigrationSpec, cur: RecordingState, job: str,
                 kueue: bool) -> RecordingState:
        """The state of a child whose Job ``job`` exists (created now, or adopted)."""
        return state.render_started(cur, job_name=job, output_path=self._job_output(spec, cur),
                                    queued=kueue)

    @staticmethod
    def _job_output(spec: MigrationSpec, cur: RecordingState) -> str:
        """The rendered file of a recording, as its Job sees it."""
        return jobs.output_path(spec.volume.mount_path if spec.volume else "/data",
                                cur.record_id)

    def _set_aside_stale_result(self, spec: MigrationSpec, view: ChildView, job: str,
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

    # -- summary ------------------------------------------------------------------------------
    def _summarise(self, spec: MigrationSpec, views: list[ChildView],
                   generation: int | None) -> None:
        recordings = st.counts(v.state for v in views)
        recordings["observed"] = recordings["total"]
        recordings["noticeFailures"] = sum(v.notice_failures for v in views)
        planned_total = int(self.status.get("plannedTotal") or 0)
        if recordings["total"] < planned_total:
            # The watch has not delivered every child yet: not done, whatever the counts say.
            recordings["pending"] += planned_total - recordings["total"]
            recordings["total"] = planned_total
        metrics.set_recordings(self.namespace, self.name, recordings)
        was = self.status.get("phase")
        phase, conditions = st.progress_conditions(
            self.status.get("conditions"), recordings, suspended=spec.suspend,
            generation=generation)
        if phase != was:
            if phase == "Completed":
                self.post("Normal", "Completed", st.get_condition(conditions, st.READY)["message"])
            elif phase == "Suspended":
                self.post("Normal", "Suspended", "spec.suspend is true: no new Job is started")
            elif was == "Suspended" and phase == "Running":
                self.post("Normal", "Resumed", "spec.suspend is false: Jobs start again")
        self._write_status({"phase": phase, "recordings": recordings, "conditions": conditions,
                            "observedGeneration": generation})
