"""What ``bbb-migrate shutdown-check -n NS`` reads of a migration run by the operator.

The cluster's counterpart of the local runner's state file: the live ``BBBMigration`` and its
``BBBRecording`` children, read with the administrator's own kubeconfig. The verdict itself is
:mod:`bbb_migrate.runner.shutdown_check`'s, on rows of the same shape (record ID, state, where
the output was published), so both routes answer by the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..spec import MigrationSpec, SpecError, parse_spec
from ..state import RecordingState
from . import jobs
from .recordings import ChildView


@dataclass
class ChildRow:
    """One child as the checklist reads it (the fields of a state-file row it uses)."""

    record_id: str
    state: RecordingState
    publish: dict[str, Any] = field(default_factory=dict)


def migration_rows(api: Any, namespace: str, name: str,
                   spec: MigrationSpec) -> tuple[list[ChildRow], list[str]]:
    """(the migration's children in plan order, blockers about the migration itself).

    Raises LookupError when the migration does not exist. The children counted are the ones
    owned by this migration (by uid: an older migration of the same name is not counted), and
    they must be as many as the operator planned: a child not yet created is a recording not
    yet migrated. The manifest must be the one applied: the verdict reads its pod settings.
    """
    body = api.get_migration(namespace, name)
    if body is None:
        raise LookupError(f"BBBMigration {name} not found in namespace {namespace}")
    uid = (body.get("metadata") or {}).get("uid", "")
    status = body.get("status") or {}
    blockers: list[str] = []
    try:
        live = parse_spec(body.get("spec"), origin=f"BBBMigration {name}")
    except SpecError:
        live = None
    if live != spec:
        blockers.append(f"the manifest differs from BBBMigration {name}'s spec in the cluster "
                        f"(check against the applied one: kubectl get bbbmigration {name} -n "
                        f"{namespace} -o yaml)")
    own = []
    for child in api.list_children(namespace, jobs.label_value(name)):
        view = ChildView.from_body(child)
        if view.owner_uid == uid:
            published = (child.get("status") or {}).get("publishedPath") or ""
            own.append((view.index, ChildRow(view.record_id, view.state,
                                             {"final_path": published})))
    rows = [row for _index, row in sorted(own, key=lambda entry: entry[0])]
    planned = status.get("plannedTotal")
    if planned is None:
        why = ("spec.dryRun is true: the operator only plans" if spec.dry_run else
               f"phase {status.get('phase') or 'not started'}")
        blockers.append(f"BBBMigration {name} has not planned its recordings yet ({why})")
    elif len(rows) < int(planned):
        blockers.append(f"{int(planned) - len(rows)} of the {planned} planned recording(s) have "
                        "no BBBRecording yet (the operator creates them)")
    return rows, blockers
