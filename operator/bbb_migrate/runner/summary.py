"""Where a migration stands, computed from the state file alone.

Used for the final table of ``run`` and for ``status``, so both always agree and ``status``
needs neither the BBB server nor the databases.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from ..core import eta
from ..state import Phase
from .statestore import StoredRecording


@dataclass
class FailedRecording:
    """One failed recording and the reason a person can act on."""

    record_id: str
    name: str
    reason: str
    attempts: int


@dataclass
class Summary:
    """Counts, reasons and totals of one migration."""

    total: int = 0
    phases: dict[str, int] = field(default_factory=dict)
    done: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason → count
    failed: list[FailedRecording] = field(default_factory=list)
    remaining: int = 0  # not terminal yet (pending, rendering, rendered)
    recorded_seconds: float = 0.0  # media duration of the recordings done
    render_seconds: float = 0.0  # recorder wall time of the renders/downloads kept
    output_bytes: int = 0  # size of the files rendered or downloaded
    excluded: dict[str, int] = field(default_factory=dict)  # filtered out by the selection
    notice_failures: int = 0  # Moodle notices refused for good (recordings still published)
    engines: dict[str, int] = field(default_factory=dict)  # renders kept, by engine
    fallbacks: dict[str, int] = field(default_factory=dict)  # auto chose capture: reason → count

    @property
    def finished(self) -> bool:
        """Every recording is Published, Skipped or Failed."""
        return self.remaining == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (``--json``)."""
        data = asdict(self)
        data["recorded_hours"] = round(self.recorded_seconds / 3600, 3)
        data["render_hours"] = round(self.render_seconds / 3600, 3)
        data["finished"] = self.finished
        return data


def media_seconds(row: StoredRecording) -> float:
    """The recording's length: the recorder's measured duration, else BBB's times or length."""
    if row.result and row.result.get("duration_seconds"):
        return float(row.result["duration_seconds"])
    recording = row.item.recording
    if recording.duration_seconds:
        return recording.duration_seconds
    for playback in recording.playbacks:
        if playback.length_minutes:
            return playback.length_minutes * 60.0
    return 0.0


def summarize(rows: list[StoredRecording], excluded: dict[str, int] | None = None) -> Summary:
    """Fold the stored rows into a :class:`Summary`."""
    summary = Summary(total=len(rows), excluded=dict(excluded or {}))
    phases: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    for row in rows:
        state = row.state
        phases[str(state.phase)] += 1
        if state.phase is Phase.PUBLISHED:
            summary.done += 1
            summary.recorded_seconds += media_seconds(row)
            summary.notice_failures += int((row.publish or {}).get("notice_failures") or 0)
        elif state.phase is Phase.SKIPPED:
            skipped[state.reason or "skipped"] += 1
        elif state.phase is Phase.FAILED:
            summary.failed.append(FailedRecording(
                state.record_id, row.item.recording.name,
                state.reason or state.last_error or "failed", state.attempts))
        else:
            summary.remaining += 1
        if row.result and state.phase in (Phase.PUBLISHED, Phase.RENDERED):
            summary.render_seconds += float(row.result.get("wall_seconds") or 0.0)
            summary.output_bytes += int(row.result.get("size_bytes") or 0)
            extra = row.result.get("extra") or {}
            if extra.get("engine"):
                engine = str(extra["engine"])
                summary.engines[engine] = summary.engines.get(engine, 0) + 1
                reason = str(extra.get("engine_reason") or "")
                if engine == "capture" and reason.startswith("auto:"):
                    reason = reason.removeprefix("auto:").strip()
                    summary.fallbacks[reason] = summary.fallbacks.get(reason, 0) + 1
    summary.phases = dict(phases)
    summary.skipped = dict(skipped)
    return summary


def eta_seconds(rows: list[StoredRecording], running: dict[str, float], parallelism: int, *,
                observed: tuple[float, float] = (0.0, 0.0)) -> float:
    """Remaining recorder work / parallelism (``core.eta``), from media durations and the
    observed speed.

    ``running``: record ID → monotonic start of its recorder; ``observed``: (media seconds,
    wall seconds) of the renders this run kept.
    """
    import time

    now = time.monotonic()
    remaining = [(row.state.action, media_seconds(row),
                  now - running[row.record_id] if row.record_id in running else 0.0)
                 for row in rows
                 if not row.state.terminal and row.state.phase is not Phase.RENDERED]
    return eta.eta_seconds(remaining, parallelism, observed=observed)
