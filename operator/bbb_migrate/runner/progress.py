"""Progress of a long migration, for a person at a terminal, a log file, or a script.

Three reporters share one interface (:class:`Reporter`):

- :class:`RichReporter` (stdout is a terminal): an overall bar with counts per phase and an ETA,
  one line per running recorder, and the final summary as a table. It refreshes from the
  executor's loop (``auto_refresh=False``): no display thread, so recorder subprocesses can be
  forked safely and a frozen loop shows as a frozen display rather than a lying one.
- :class:`PlainReporter` (stdout redirected): one line per event, a progress line every
  ``every`` seconds, and the summary as plain text — good in ``nohup`` logs and journald.
- :class:`JsonReporter` (``--json``): one JSON object per line, ``{"event": …, "time": …}``,
  for scripts. Event names and fields are documented in docs/runner.md and kept stable.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from rich.text import Text

from ..models import iso_utc
from .progresstext import describe, format_duration, format_size, summary_rows
from .summary import Summary

__all__ = ["JsonReporter", "PlainReporter", "Reporter", "RichReporter", "RunningRecorder",
           "Snapshot", "format_duration", "format_size", "make_reporter"]

PHASE_ORDER = ("Pending", "Rendering", "Rendered", "Published", "Skipped", "Failed")


@dataclass
class RunningRecorder:
    """One recorder subprocess, as shown on its own line."""

    record_id: str
    name: str
    kind: str  # "render" or "download"
    attempt: int
    started: float  # time.monotonic()
    expected_seconds: float | None  # media duration, when known


@dataclass
class Snapshot:
    """Where the run stands now; built by the executor on each tick."""

    total: int = 0  # recordings in the plan
    phases: dict[str, int] = field(default_factory=dict)
    running: list[RunningRecorder] = field(default_factory=list)
    eta_seconds: float | None = None

    @property
    def finished(self) -> int:
        """Recordings in a terminal phase."""
        return sum(self.phases.get(p, 0) for p in ("Published", "Skipped", "Failed"))

    def counts_text(self) -> str:
        """``Pending 3 · Rendering 2 · Published 10`` (phases with a count only)."""
        return " · ".join(f"{p} {self.phases[p]}" for p in PHASE_ORDER if self.phases.get(p))


class Reporter:
    """The interface the executor talks to; the base class ignores everything."""

    def event(self, kind: str, /, **fields: Any) -> None:
        """Something happened (``render-started``, ``published``, ``failed`` …)."""

    def update(self, snapshot: Snapshot) -> None:
        """Called on every tick of the executor's loop with the current state."""

    def summary(self, summary: Summary, *, title: str = "Migration summary") -> None:
        """The final (or ``status``) summary."""

    def listing(self) -> Callable[[int, int | None], None]:
        """A progress callback for listing the BBB server (listed, total or None)."""
        return lambda listed, total: None

    def close(self) -> None:
        """Stop any live display."""


class JsonReporter(Reporter):
    """One JSON object per line: ``{"event": "...", "time": "...Z", ...}``."""

    def __init__(self, stream: TextIO | None = None, *, every: float = 10.0) -> None:
        self.stream = stream or sys.stdout
        self.every = every
        self._last = 0.0

    def _write(self, data: dict[str, Any]) -> None:
        data = {"event": data.pop("event"),
                "time": iso_utc(datetime.now(UTC)), **data}
        self.stream.write(json.dumps(data, default=str, ensure_ascii=False) + "\n")
        self.stream.flush()

    def event(self, kind: str, /, **fields: Any) -> None:
        self._write({"event": kind, **fields})

    def update(self, snapshot: Snapshot) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._write({
            "event": "progress", "total": snapshot.total, "finished": snapshot.finished,
            "phases": snapshot.phases, "eta_seconds": snapshot.eta_seconds,
            "running": [{"record_id": r.record_id, "kind": r.kind, "attempt": r.attempt,
                         "elapsed_seconds": round(now - r.started, 1),
                         "expected_seconds": r.expected_seconds} for r in snapshot.running],
        })

    def summary(self, summary: Summary, *, title: str = "Migration summary") -> None:
        self._write({"event": "summary", **summary.to_dict()})


class PlainReporter(Reporter):
    """Line-based output for logs: events as lines, a progress line every ``every`` seconds."""

    def __init__(self, stream: TextIO | None = None, *, every: float = 30.0) -> None:
        self.stream = stream or sys.stdout
        self.every = every
        self._last = time.monotonic()

    def _line(self, text: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        for line in text.splitlines():
            self.stream.write(f"{stamp} {line}\n")
        self.stream.flush()

    def event(self, kind: str, /, **fields: Any) -> None:
        text = describe(kind, fields)
        if text:
            self._line(text)

    def update(self, snapshot: Snapshot) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        self._line(f"progress: {snapshot.finished}/{snapshot.total} finished "
                   f"({snapshot.counts_text()}), ETA {format_duration(snapshot.eta_seconds)}")

    def summary(self, summary: Summary, *, title: str = "Migration summary") -> None:
        self.stream.write(f"\n{title}\n")
        width = max(len(label) for label, _ in summary_rows(summary))
        for label, value in summary_rows(summary):
            self.stream.write(f"  {label.ljust(width)}  {value}\n")
        self.stream.flush()


class RichReporter(Reporter):
    """A live display on a terminal; events scroll above it."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console()
        self._progress = Progress(
            TextColumn("[bold]Migrating"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"), TextColumn("ETA {task.fields[eta]}"),
            console=self.console,
        )
        self._task = self._progress.add_task("migrate", total=None, counts="", eta="?")
        self._live: Live | None = None
        self._listing_task: Any = None

    def _ensure_live(self) -> Live:
        if self._live is None:
            self._live = Live(Group(self._progress), console=self.console, auto_refresh=False,
                              transient=False)
            self._live.start()
        return self._live

    def event(self, kind: str, /, **fields: Any) -> None:
        text = describe(kind, fields)
        if not text:
            return
        style = {"failed": "red", "publish-failed": "yellow", "warning": "yellow",
                 "published": "green", "stopping": "yellow"}.get(kind)
        console = self._live.console if self._live else self.console
        console.print(Text(text, style=style or ""), highlight=False)

    def listing(self) -> Callable[[int, int | None], None]:
        def report(listed: int, total: int | None) -> None:
            live = self._ensure_live()
            self._progress.update(self._task, completed=listed, total=total,
                                  counts="listing recordings", eta="?")
            live.refresh()
        return report

    def update(self, snapshot: Snapshot) -> None:
        live = self._ensure_live()
        self._progress.update(self._task, completed=snapshot.finished, total=snapshot.total,
                              counts=snapshot.counts_text(),
                              eta=format_duration(snapshot.eta_seconds))
        now = time.monotonic()
        table = Table.grid(padding=(0, 2))
        for _ in range(6):
            table.add_column(no_wrap=True, overflow="ellipsis")
        for running in snapshot.running:
            elapsed = now - running.started
            expected = running.expected_seconds
            share = f"{min(99, int(100 * elapsed / expected))}%" if expected else ""
            table.add_row(f"  ▶ {running.kind}", running.record_id, running.name[:40],
                          f"attempt {running.attempt}",
                          f"{format_duration(elapsed)} / {format_duration(expected)}", share)
        live.update(Group(self._progress, table), refresh=True)

    def summary(self, summary: Summary, *, title: str = "Migration summary") -> None:
        self.close()
        table = Table(title=title, show_header=False)
        table.add_column("", style="bold")
        table.add_column("")
        for label, value in summary_rows(summary):
            style = "red" if label.startswith("Failed") else None
            table.add_row(label, value, style=style)
        self.console.print(table)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


def make_reporter(*, json_output: bool, stream: TextIO | None = None) -> Reporter:
    """JSON when asked, rich on a terminal, plain lines otherwise."""
    stream = stream or sys.stdout
    if json_output:
        return JsonReporter(stream)
    if stream.isatty():
        return RichReporter(Console(file=stream))
    return PlainReporter(stream)
