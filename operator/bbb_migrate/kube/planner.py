"""The operator's planning: list, plan, create the children (by owner uid), or dry-run.

Part of :class:`~.scheduler.Scheduler` (a mixin: the same object, split by concern). Children
belong to a migration by its uid, never by its name: a BBBRecording left by a deleted namesake
is reported (Degraded ``ForeignChildren``, an Event), never adopted, and a child missing from
the migration (deleted by hand, or not created because of a namesake) is created again from a
fresh listing once the way is clear.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from ..core import dryrun
from ..spec import MigrationSpec
from ..state import Action, initial
from . import jobs, metrics
from . import status as st
from .api import chunks
from .recordings import ChildView, child_body, state_to_status

if TYPE_CHECKING:
    from .scheduler import Scheduler

CREATED, OURS, FOREIGN = "created", "ours", "foreign"


class Planner:
    """Planning and child creation (see the module docstring)."""

    def _make_plan(self: Scheduler, spec: MigrationSpec) -> Any:
        from ..plan import build_plan
        from ..source import BBBError, list_recordings
        from .scheduler import Degraded

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

    def _plan_summary(self: Scheduler, plan: Any, current: str, *,
                      sample: bool) -> dict[str, Any]:
        skipped = Counter(i.reason for i in plan.items if i.action is Action.SKIP)
        summary: dict[str, Any] = {
            "listed": plan.total_listed, "selected": len(plan.items),
            "byAction": plan.counts(), "excluded": dict(plan.excluded),
            "skipped": dict(skipped), "specHash": current,
        }
        if spec_csv := self._csv_path_if_export():
            summary["csvPath"] = spec_csv
        if sample:
            summary["sample"] = [
                {"index": i.index, "recordId": i.record_id, "name": i.recording.recording_name,
                 "action": str(i.action), "reason": i.reason}
                for i in plan.items[:50]
            ]
        return summary

    def _dry_run(self: Scheduler, spec: MigrationSpec, current: str,
                 generation: int | None) -> None:
        """The core's dry run: nothing written (no child, no Job, no row, no CSV)."""
        from ..publish import PublishConfigError
        from .scheduler import Degraded

        self._write_status({"phase": "Planning", "observedGeneration": generation})
        plan = self._make_plan(spec)
        summary = self._plan_summary(plan, current, sample=True)
        publisher = self._publisher(spec)
        shown = 0

        def post_item(would: dryrun.Would) -> None:
            nonlocal shown
            if shown < 20:
                shown += 1
                writes = "; ".join(would.writes)
                self.post("Normal", "DryRunItem",
                          f"{would.record_id} {would.action}: {writes}"[:1000])

        try:
            report = dryrun.dry_run(spec, plan, publisher, work_dir=self.work_dir(spec),
                                    csv_path=summary.get("csvPath", ""), on_item=post_item)
        except PublishConfigError as exc:  # found on the way (a Secret gone, a database)
            self._close_publisher()
            raise Degraded(exc.reason, str(exc), blocks=True) from None
        if report.csv_path:
            summary["csvRows"] = report.csv_rows
        self.post("Normal", "DryRunPlanned", "dry run: " + plan.summary())
        self.log.info("dry run planned: %s", plan.summary())
        conditions = st.set_condition(self.status.get("conditions"), st.READY, True, "DryRun",
                                      plan.summary(), generation)
        conditions = st.set_condition(conditions, st.PROGRESSING, False, "DryRun",
                                      "dryRun is true: nothing is rendered or written",
                                      generation)
        self._write_status({"phase": "Planned", "plan": summary, "conditions": conditions,
                            "message": plan.summary(), "observedGeneration": generation})

    def _plan_and_create(self: Scheduler, spec: MigrationSpec, current: str,
                         generation: int | None, existing: set[str]) -> None:
        """Plan and create the children; ``existing``: names of our children the watch
        already delivered (an operator killed while planning resumes where it stopped instead
        of sending every create again: with thousands of recordings a planning longer than
        the operator's life between two kills would otherwise never end)."""
        self._write_status({"phase": "Planning", "observedGeneration": generation})
        plan = self._make_plan(spec)
        summary = self._plan_summary(plan, current, sample=False)
        todo = [i for i in plan.items
                if jobs.child_name(self.name, i.recording.record_id) not in existing]
        outcome = self._create_children(todo)
        if outcome is not None:
            outcome[OURS] += len(plan.items) - len(todo)
        if outcome is None:
            # Not an error: plannedSpecHash stays unset, so the next operator plans again and
            # finds the children created so far.
            self.log.info("operator stopping: planning left for the next start")
            return
        message = plan.summary()
        self.log.info("planned: %s; children %s", message, dict(outcome))
        self.post("Normal", "Planned", message)
        self._write_status({"phase": "Running", "plan": summary, "plannedSpecHash": current,
                            "message": message, "plannedTotal": len(plan.items)})

    def _create_children(self: Scheduler, items: list[Any]) -> Counter[str] | None:
        """Create the children of ``items``; counts created / ours / foreign, or None if the
        operator is stopping. A child gets its initial status at once (``Pending`` shows)."""
        outcome: Counter[str] = Counter()
        with ThreadPoolExecutor(max_workers=self.config.create_workers) as pool:
            for batch in chunks(items, self.config.create_batch):
                if self.stopped():
                    return None
                # Bodies are built per batch: 10,000 of them at once would double the memory.
                outcome.update(pool.map(self._create_child, batch))
                self._write_status({"message": f"planning: {sum(outcome.values())}/"
                                    f"{len(items)} recordings created"})
        self.created_at = time.monotonic()
        return outcome

    def _create_child(self: Scheduler, item: Any) -> str:
        body = child_body(item, migration=self.name, namespace=self.namespace,
                          owner_uid=self.uid)
        name = body["metadata"]["name"]
        if self.api.create_child(self.namespace, body):
            # A child deleted by hand and created again starts over at seq 0: our last write
            # to the old one (Published, say) must not hide it, or it would never be published
            # and would be counted as done.
            self.overlay.pop(name, None)
            self.api.patch_child_status(self.namespace, name, state_to_status(
                initial(item.record_id, item.action, item.reason), 0))
            return CREATED
        existing = self.api.get_child(self.namespace, name)
        if existing is None:  # deleted in between: the next pass creates it
            return FOREIGN
        ours = jobs.owner_uid(existing.get("metadata") or {}) == self.uid
        return OURS if ours else FOREIGN

    def _recreate_missing(self: Scheduler, spec: MigrationSpec,
                          own: list[ChildView]) -> int:
        """Create again the planned children that are missing; returns how many are still
        missing after (a recording no longer listed, or a namesake in the way)."""
        planned = int(self.status.get("plannedTotal") or 0)
        if len(own) >= planned or time.monotonic() - self.created_at < self.config.settle_seconds:
            return 0
        have = {view.record_id for view in own}
        plan = self._make_plan(spec)
        missing = [item for item in plan.items if item.record_id not in have]
        outcome = self._create_children(missing) or Counter()
        if outcome[CREATED]:
            self.post("Normal", "ChildrenRecreated",
                      f"{outcome[CREATED]} missing BBBRecording(s) created again")
        return planned - len(own) - outcome[CREATED] - outcome[OURS]

    def _csv_path_if_export(self: Scheduler) -> str:
        spec = self.current_spec
        if spec is None or str(spec.mode) != "export-csv":
            return ""
        return str(self.csv_path(spec))
