"""Status helpers: standard conditions, counts by phase and the migration's phase (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..state import IN_FLIGHT, TERMINAL, Phase, RecordingState

READY = "Ready"
PROGRESSING = "Progressing"
DEGRADED = "Degraded"


def now_iso() -> str:
    """RFC 3339 UTC time as Kubernetes writes it."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def set_condition(conditions: list[dict[str, Any]] | None, type_: str, status: bool | str,
                  reason: str, message: str, generation: int | None) -> list[dict[str, Any]]:
    """Return ``conditions`` with one condition set; ``lastTransitionTime`` moves only when
    the status flips (API conventions), so a repeated reconcile does not churn the object."""
    value = status if isinstance(status, str) else ("True" if status else "False")
    result = [dict(c) for c in conditions or []]
    for cond in result:
        if cond.get("type") == type_:
            if cond.get("status") != value:
                cond["lastTransitionTime"] = now_iso()
            cond.update(status=value, reason=reason, message=message)
            if generation is not None:
                cond["observedGeneration"] = generation
            return result
    new = {"type": type_, "status": value, "reason": reason, "message": message,
           "lastTransitionTime": now_iso()}
    if generation is not None:
        new["observedGeneration"] = generation
    result.append(new)
    return result


def get_condition(conditions: list[dict[str, Any]] | None, type_: str) -> dict[str, Any] | None:
    """The condition of that type, if present."""
    for cond in conditions or []:
        if cond.get("type") == type_:
            return cond
    return None


def _camel(phase: Phase) -> str:
    return phase.value[0].lower() + phase.value[1:]


def counts(states: Iterable[RecordingState]) -> dict[str, int]:
    """``status.recordings``: total, one count per phase, rendered and in flight."""
    by_phase = Counter(s.phase for s in states)
    total = sum(by_phase.values())
    result = {"total": total}
    result.update({_camel(p): by_phase.get(p, 0) for p in Phase})
    result["rendered"] = by_phase.get(Phase.RENDERED, 0) + by_phase.get(Phase.PUBLISHED, 0)
    result["inFlight"] = sum(by_phase.get(p, 0) for p in IN_FLIGHT)
    return result


def remaining(recordings: dict[str, int]) -> int:
    """Children not yet in a terminal phase (the state machine's ``TERMINAL``)."""
    return recordings.get("total", 0) - sum(recordings.get(_camel(p), 0) for p in TERMINAL)


def all_done(recordings: dict[str, int]) -> bool:
    """Every child is Published, Skipped or Failed."""
    return remaining(recordings) == 0


def progress_conditions(conditions: list[dict[str, Any]] | None, recordings: dict[str, int], *,
                        suspended: bool, generation: int | None) -> tuple[str, list[dict]]:
    """Phase, Ready and Progressing for a planned migration, from its counts."""
    failed = recordings.get("failed", 0)
    if all_done(recordings):
        phase = "Completed"
        ready_reason = "CompletedWithFailures" if failed else "Completed"
        message = (f"{recordings.get('published', 0)} published, "
                   f"{recordings.get('skipped', 0)} skipped, {failed} failed")
        conditions = set_condition(conditions, READY, failed == 0, ready_reason, message,
                                   generation)
        conditions = set_condition(conditions, PROGRESSING, False, ready_reason, message,
                                   generation)
        return phase, conditions
    message = (f"{remaining(recordings)} recording(s) to go, "
               f"{recordings.get('inFlight', 0)} in flight")
    conditions = set_condition(conditions, READY, False, "InProgress", message, generation)
    if suspended:
        conditions = set_condition(conditions, PROGRESSING, False, "Suspended",
                                   "spec.suspend is true: no new Job is started", generation)
        return "Suspended", conditions
    conditions = set_condition(conditions, PROGRESSING, True, "Running", message, generation)
    return "Running", conditions
