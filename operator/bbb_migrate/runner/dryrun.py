"""``bbb-migrate run --dry-run``: the core's dry run (:mod:`bbb_migrate.core.dryrun`), locally.

Lists and plans like a run; reads the state file, if any, read-only (no ``-wal``/``-shm``
left behind), so that recordings already done are reported as such.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core import dryrun
from ..credentials import resolve
from ..spec import MigrationSpec
from . import preflight
from .progress import Reporter
from .recorders import recorder_command
from .statestore import STATE_FILE, StateStore


def dry_run(spec: MigrationSpec, reporter: Reporter, *,
            publisher_factory: Callable[[MigrationSpec], Any] | None = None) -> dict[str, Any]:
    """Say exactly what a run would do, writing nothing anywhere (no state, no file, no row)."""
    from ..plan import build_plan
    from ..publish import Publisher
    from ..source import list_recordings, redact_url

    spec = spec.model_copy(update={"dry_run": True})
    out = Path(spec.output.directory).expanduser()
    done: dict[str, str] = {}
    if (out / STATE_FILE).exists():
        with StateStore.for_directory(out, readonly=True) as store:
            done = {row.record_id: str(row.state.phase) for row in store.load()
                    if row.state.terminal}
    preflight.check(spec, out, recorder_command(), lists=True, writes=False)
    secret = resolve(spec.source.secret_ref)
    publisher = (publisher_factory or Publisher)(spec)
    try:
        publisher.check()  # before the server is asked anything
        if getattr(publisher, "notice_plan", None):
            reporter.event("info", message=publisher.notice_plan)
        reporter.event("listing", url=redact_url(spec.source.url))
        recordings = list_recordings(spec.source, secret, progress=reporter.listing(),
                                     save_cache=False, plan_spec=spec)
        plan = build_plan(recordings, spec)
        report = dryrun.dry_run(
            spec, plan, publisher, work_dir=out, done=done,
            csv_path=spec.output.csv_path or str(out / "recordings.csv"),
            on_item=lambda w: reporter.event("would", record_id=w.record_id, name=w.name,
                                             action=w.action, writes=w.writes, owners=w.owners,
                                             warnings=w.warnings))
    finally:
        publisher.close()
    if report.csv_path:
        reporter.event("would", record_id="", action=f"write the CSV {report.csv_path}",
                       writes=[f"{report.csv_rows} rows"])
    summary = report.summary()
    reporter.event("dry-run", **summary)
    return summary
