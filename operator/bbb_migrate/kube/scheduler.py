"""One migration's reconcile loop: an adapter around the migration core.

Everything here is synchronous (the ``kubernetes`` client and the database drivers are) and runs
in a worker thread of the migration's kopf daemon (:mod:`.migration`). Each :meth:`tick` derives
what to do from the API server's state only (the children and Jobs the watches delivered), so
an operator killed at any point resumes correctly. The decisions are the core's
(:mod:`bbb_migrate.core`); this class stores states in the children's status, runs attempts as
Jobs and reports through the migration's status, Events and metrics. The work is split by
concern: :mod:`.planner` (plan, children), :mod:`.children` (attempts, Jobs),
:mod:`.publishing` (batches, CSV).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

from kubernetes.client.exceptions import ApiException

from .. import contract
from ..core import counts, eta, guard
from ..credentials import SecretError, SecretRef, resolve
from ..spec import MigrationSpec, Mode, SpecError, parse_spec
from ..state import IN_FLIGHT, Phase
from . import jobs, metrics
from . import status as st
from .api import KubeApi, KubeApiTimeout
from .children import Children
from .config import OperatorConfig
from .planner import Planner
from .publishing import Publishing
from .recordings import ChildView

Poster = Callable[[str, str, str], None]
"""``post(type, reason, message)``: a Kubernetes Event on the migration ("Normal"/"Warning")."""


class Degraded(Exception):
    """Something a person must fix; becomes the ``Degraded`` condition (never a crash loop).

    ``blocks``: nothing can progress until it is fixed (Progressing becomes False with the
    same reason), e.g. a missing Secret; otherwise the migration goes on around it.
    """

    def __init__(self, reason: str, message: str, *, blocks: bool = False) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.blocks = blocks


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
    if spec.greenlight:
        refs.append(("greenlight.database.urlRef", spec.greenlight.database.url_ref))
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
    if spec.renders and not spec.dry_run and spec.volume is None:
        what = "mode claim" if spec.mode is Mode.CLAIM else "pod.importVideo.source rendered"
        raise SpecError(f"{what} needs volume (the shared claim the Jobs write to)")


def _is_relative_inside(path: str) -> bool:
    """A relative path that stays below its base (no ``/``, ``~`` or ``..``)."""
    return not path.startswith(("/", "~")) and ".." not in PurePosixPath(path).parts


class Scheduler(Planner, Children, Publishing):
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
        self.current_spec: MigrationSpec | None = None
        self.publisher: Any = None
        self.publisher_spec: MigrationSpec | None = None
        """The spec the publisher was built with (rebuilt when it changes)."""
        self.publisher_checked = False
        self.created_at = 0.0  # monotonic time of our last child creation
        self.foreign_jobs: set[str] = set()
        self.lock = threading.Lock()

    # -- helpers ------------------------------------------------------------------------------
    def _secret_reader(self):
        return self.api.secret_reader(self.namespace)

    def _resolve(self, ref: SecretRef, what: str) -> str:
        try:
            return resolve(ref, self._secret_reader())
        except SecretError as exc:
            raise Degraded("SecretUnavailable", f"{what}: {exc}", blocks=True) from None

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
        metrics.set_degraded(self.namespace, self.name, problem.reason if problem else None)
        if problem is None:
            new = st.set_condition(conditions, st.DEGRADED, False, "AsExpected", "", generation)
        else:
            new = st.set_condition(conditions, st.DEGRADED, True, problem.reason,
                                   problem.message, generation)
            if problem.blocks:
                new = st.set_condition(new, st.PROGRESSING, False, problem.reason,
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
            except Exception as exc:  # a bug: say so on the migration, retry, never crash
                self.log.exception("scheduler pass failed")
                problem = Degraded("InternalError", f"unexpected {type(exc).__name__}: {exc} "
                                   "(see the operator's log)")
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
        self.current_spec = spec
        parts = guard.plan_parts(spec)
        current = guard.encode(parts)
        planned = self.status.get("plannedSpecHash")
        if spec.dry_run and not planned:
            plan_status = self.status.get("plan") or {}
            if plan_status.get("specHash") != current or self.status.get("phase") != "Planned":
                self._dry_run(spec, current, generation)
            self._set_degraded(generation, None)
            return self.config.reconcile_seconds * 6
        if not planned:
            self._plan_and_create(spec, current, generation, existing={
                c.name for c in children if c.owner_uid in ("", self.uid)})
            self._set_degraded(generation, None)
            return 0.0

        refused = guard.changed(planned, parts)
        if spec.dry_run:
            # Switched on after planning: Jobs run and rows exist already, so a dry run can no
            # longer describe what will happen. Refused like any other change of the plan's
            # inputs (running Jobs are still followed, nothing new starts).
            refused.append("dryRun")
        own = [c for c in children if c.owner_uid in ("", self.uid)]
        foreign = len(children) - len(own)
        now = time.time()
        views = self._collect(spec, self._merge(own), job_views, now)
        problems: list[Degraded] = []
        if refused:
            problems.append(Degraded(
                "SpecChangeRefused",
                "spec " + ", ".join(refused) + " changed after planning and cannot apply to the "
                "planned recordings: revert it, or create a new BBBMigration (no new Job starts "
                "meanwhile)"))
        more = False
        paused = spec.suspend or bool(refused)
        database_away: Degraded | None = None
        try:
            missing = 0 if paused else self._recreate_missing(spec, views)
            # Finished renders are always published (nothing is left to the Job TTL); new work
            # (publish-only items, new Jobs) waits while suspended or while a change is refused.
            try:
                more = self._publish_ready(spec, views, now, rendered_only=paused)
            except Degraded as exc:
                if exc.reason != "DatabaseUnavailable":
                    raise
                # Renders need no database: they go on while Pod or Moodle is away, and are
                # published once it is back (an outage of hours costs no render time).
                database_away = exc
            if not paused:
                self._start_jobs(spec, views, now)
        except Degraded as exc:
            problems.append(exc)
            missing = 0
        if database_away is not None:
            problems.append(self._around_outage(database_away, views))
        if foreign or missing or self.foreign_jobs:
            problems.append(Degraded(
                "ForeignChildren",
                f"{max(foreign, missing, len(self.foreign_jobs))} recording(s) of this "
                "migration cannot be created: a BBBRecording or Job with the same name belongs "
                "to another BBBMigration (one deleted with the same name, not yet "
                "garbage-collected?) and is never adopted; delete it and the recording is "
                "created again (or it is no longer listed by the BBB server)"))
            self.foreign_jobs.clear()
        blocked = next((p for p in problems if p.blocks), None)
        self._summarise(spec, views, generation, blocked)
        self._set_degraded(generation, problems[0] if problems else None)
        return 0.0 if more else self.config.reconcile_seconds

    @staticmethod
    def _around_outage(away: Degraded, views: list[ChildView]) -> Degraded:
        """A database outage blocks the migration (Progressing False) only when nothing else
        moves: with renders in flight, Degraded says the database is away and Progressing
        stays True, as the renders do."""
        if not any(v.state.phase in IN_FLIGHT for v in views):
            return away
        # (no count in the message: a new message is a new Event)
        return Degraded(away.reason, f"{away.message}; renders go on and are published when "
                        "it is back")

    # -- summary ------------------------------------------------------------------------------
    def _summarise(self, spec: MigrationSpec, views: list[ChildView], generation: int | None,
                   blocked: Degraded | None) -> None:
        states = [v.state for v in views]
        recordings = counts.counts(states)
        recordings["observed"] = recordings["total"]
        recordings["noticeFailures"] = sum(v.notice_failures for v in views)
        planned_total = int(self.status.get("plannedTotal") or 0)
        if recordings["total"] < planned_total:
            # Not every child is there (yet): not done, whatever the counts say.
            recordings["pending"] += planned_total - recordings["total"]
            recordings["total"] = planned_total
        by_phase = counts.by_phase(states)
        metrics.set_recordings(self.namespace, self.name, by_phase, recordings["inFlight"])
        eta_seconds = self._eta(spec, views)
        metrics.ETA.labels(self.namespace, self.name).set(eta_seconds)
        metrics.SUSPENDED.labels(self.namespace, self.name).set(1 if spec.suspend else 0)
        was = self.status.get("phase")
        phase, conditions = st.progress_conditions(
            self.status.get("conditions"), recordings, suspended=spec.suspend,
            generation=generation,
            blocked=(blocked.reason, blocked.message) if blocked else None)
        message = st.get_condition(conditions, st.READY)["message"]
        if phase == "Completed" and was != "Completed":
            if spec.mode is Mode.EXPORT_CSV:
                message = self._write_export(spec)
            self.post("Normal", "Completed", message)
        elif phase != was and phase == "Suspended":
            self.post("Normal", "Suspended", "spec.suspend is true: no new Job is started")
        elif phase != was and was == "Suspended" and phase == "Running":
            self.post("Normal", "Resumed", "spec.suspend is false: Jobs start again")
        if phase == "Completed" and was == "Completed":
            message = self.status.get("message", message)
        self._write_status({"phase": phase, "recordings": recordings, "conditions": conditions,
                            "message": message, "observedGeneration": generation,
                            "eta": eta.format_eta(eta_seconds) if eta_seconds else "",
                            "etaSeconds": round(eta_seconds)})

    @staticmethod
    def _eta(spec: MigrationSpec, views: list[ChildView]) -> float:
        """``core.eta`` over the children: speed from the renders kept (duration and
        ``renderSeconds``), the work of those not rendered yet."""
        media = wall = 0.0
        remaining = []
        for view in views:
            if view.render_seconds and view.duration:
                media += view.duration
                wall += view.render_seconds
            if not view.state.terminal and view.state.phase is not Phase.RENDERED:
                remaining.append((view.action, float(view.duration or 0.0), 0.0))
        return eta.eta_seconds(remaining, spec.recorder.parallelism, observed=(media, wall))
