"""The migration report: one static HTML page listing every recording with its contact sheet.

``bbb-migrate report -f SPEC`` (and every ``bbb-migrate run``, at its end) writes
``report/index.html`` in the output folder: phase, reason, durations, owners, output path and
the contact sheet the recorder wrote beside each render, filterable by phase and searchable by
name, with no server (it opens from the file system; everything it shows is in the page or
beside it). ``rows_from_state`` reads the local runner's state file; ``rows_from_results``
reads only the recorders' result JSONs (the cluster's shared volume, where the states live in
Kubernetes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..contract import (
    ExitCode,
    RecorderResult,
    classify_exit,
    failed_checks,
    result_path,
    sheet_path,
)

REPORT_DIR = "report"


@dataclass
class Row:
    """One recording as the report shows it."""

    record_id: str
    name: str = ""
    phase: str = ""
    action: str = ""
    reason: str = ""
    started: str = ""  # when the meeting was recorded (ISO, for sorting and reading)
    duration_seconds: float | None = None
    render_seconds: float | None = None
    engine: str = ""
    owners: list[str] = field(default_factory=list)
    output: str = ""  # the rendered file, or where it was published
    sheet: str = ""  # the contact sheet, relative to the report folder
    failed_checks: list[str] = field(default_factory=list)


def _from_result(row: Row, result: dict[str, Any] | RecorderResult | None, output: str,
                 report_dir: Path) -> None:
    """Fill what the recorder's result JSON says, and find the contact sheet beside the file."""
    if isinstance(result, dict):
        try:
            result = RecorderResult.from_dict(result)
        except (ValueError, TypeError):
            result = None
    if result is not None:
        row.duration_seconds = result.duration_seconds or result.expected_duration_seconds
        row.render_seconds = result.wall_seconds
        row.engine = str(result.extra.get("engine") or ("" if result.kind == "render"
                                                         else result.kind))
        row.failed_checks = failed_checks(result)
        output = output or result.output
    if output:
        sheet = sheet_path(output)
        if sheet.is_file():
            row.sheet = os.path.relpath(sheet, report_dir)


def rows_from_state(directory: Path) -> list[Row]:
    """Every planned recording of the local runner's state file, in plan order."""
    from ..runner.statestore import StateStore

    report_dir = directory / REPORT_DIR
    rows: list[Row] = []
    with StateStore.for_directory(directory, readonly=True) as store:
        for stored in store.load():
            recording = stored.item.recording
            state = stored.state
            row = Row(record_id=stored.record_id, name=recording.recording_name,
                      phase=str(state.phase), action=str(state.action),
                      reason=state.reason or state.last_error,
                      started=recording.start_time.isoformat(timespec="minutes"),
                      duration_seconds=recording.duration_seconds,
                      owners=list((stored.publish or {}).get("owners") or []))
            published = (stored.publish or {}).get("final_path")
            result: dict[str, Any] | RecorderResult | None = stored.result
            if result is None and state.output_path:  # a failed render keeps its result JSON
                try:
                    result = RecorderResult.read(result_path(state.output_path))
                except (OSError, ValueError, TypeError):
                    result = None
            _from_result(row, result, state.output_path, report_dir)
            row.output = published or state.output_path
            rows.append(row)
    return rows


def rows_from_results(directory: Path) -> list[Row]:
    """What the result JSONs under ``directory/renders`` say (no state file: the cluster)."""
    report_dir = directory / REPORT_DIR
    rows: list[Row] = []
    for path in sorted((directory / "renders").glob("*.result.json")):
        try:
            result = RecorderResult.read(path)
        except (OSError, ValueError, TypeError):
            continue
        code = classify_exit(result.exit_code)
        phase = "Rendered" if code is ExitCode.OK else "Failed"
        row = Row(record_id=result.record_id, phase=phase, action=result.kind,
                  reason="" if result.ok else f"{result.exit_class}: {result.message}",
                  started=result.started_at or "")
        _from_result(row, result, str(path.with_name(path.name.removesuffix(".result.json"))),
                     report_dir)
        row.output = result.output
        rows.append(row)
    return rows


def write_report(directory: Path, rows: list[Row], title: str) -> Path:
    """Write ``directory/report/index.html`` atomically; return its path."""
    from ..atomicfile import atomic_write
    from .page import render_page

    target = directory / REPORT_DIR / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(target) as handle:
        handle.write(render_page(rows, title))
    return target


def build(directory: Path, title: str) -> Path:
    """The report of the migration whose output folder is ``directory``."""
    from ..runner.statestore import STATE_FILE

    rows = (rows_from_state(directory) if (directory / STATE_FILE).exists()
            else rows_from_results(directory))
    return write_report(directory, rows, title)
