"""What a dry run reports, for both executors: the same lines for the same plan.

Nothing is written anywhere: no state, no file, no row, no CSV. The publisher runs in dry-run
mode (read-only transactions) through the same batch path as a real run, and says which rows
and files it would write for each recording; recordings a previous run finished are reported
as such.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import contract
from ..spec import MigrationSpec, Mode
from ..state import Action


@dataclass
class Would:
    """What would happen to one recording."""

    record_id: str
    name: str
    action: str
    writes: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)  # as the real run would find them
    warnings: list[str] = field(default_factory=list)  # the owners' warnings, as the real run


@dataclass
class DryRun:
    """The whole report."""

    listed: int
    selected: int
    actions: dict[str, int]
    excluded: dict[str, int]
    items: list[Would] = field(default_factory=list)
    csv_path: str = ""  # export-csv: the file a run would write...
    csv_rows: int = 0  # ...and how many rows (the selected recordings not skipped)

    def summary(self) -> dict[str, Any]:
        """The counts (``run --dry-run --json``, the operator's ``status.plan``)."""
        return {"listed": self.listed, "selected": self.selected, "actions": self.actions,
                "excluded": self.excluded}


def dry_run(spec: MigrationSpec, plan: Any, publisher: Any, *, work_dir: Path,
            csv_path: str = "", done: dict[str, str] | None = None,
            on_item: Callable[[Would], None] | None = None) -> DryRun:
    """Report what a run of ``plan`` would do; ``publisher`` must be in dry-run mode."""
    assert spec.dry_run and publisher.dry_run, "a dry run needs a dry-run publisher"
    done = done or {}
    report = DryRun(plan.total_listed, len(plan.items), {}, dict(plan.excluded))
    todo: list[tuple[Any, Path | None]] = []
    for item in plan.items:
        key = f"already {done[item.record_id]}" if item.record_id in done else str(item.action)
        report.actions[key] = report.actions.get(key, 0) + 1
        if item.record_id in done:
            continue
        if item.action is Action.SKIP:
            _add(report, Would(item.record_id, item.recording.name, f"skip ({item.reason})"),
                 on_item)
            continue
        rendered = (contract.render_output_path(work_dir, item.record_id)
                    if item.action.fetches else None)
        todo.append((item, rendered))

    rendered_of = {item.record_id: rendered for item, rendered in todo}

    def on_result(item: Any, result: Any) -> None:
        rendered = rendered_of[item.record_id]
        writes = [f"{item.action} {item.source_url} → {rendered}"] if rendered else []
        would = Would(item.record_id, item.recording.name, str(item.action), writes)
        if isinstance(result, Exception):
            writes.append(f"would fail: {result}")
        else:
            writes += list(result.writes)
            would.owners, would.warnings = list(result.owners), list(result.warnings)
        _add(report, would, on_item)

    publisher.publish_many(todo, on_result)
    if spec.mode is Mode.EXPORT_CSV:
        report.csv_path = csv_path
        report.csv_rows = sum(1 for i in plan.items if i.action is not Action.SKIP)
    return report


def _add(report: DryRun, would: Would, on_item: Callable[[Would], None] | None) -> None:
    report.items.append(would)
    if on_item is not None:
        on_item(would)
