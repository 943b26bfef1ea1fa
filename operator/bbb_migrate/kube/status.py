"""Status helpers: standard conditions and the migration's phase (pure; the counts and their
words are the core's, :mod:`bbb_migrate.core.counts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..core import counts

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


def progress_conditions(conditions: list[dict[str, Any]] | None, recordings: dict[str, int], *,
                        suspended: bool, generation: int | None,
                        blocked: tuple[str, str] | None = None) -> tuple[str, list[dict]]:
    """Phase, Ready and Progressing for a planned migration, from its counts.

    ``blocked`` is (reason, message) of a problem that stops all progress (a missing Secret,
    a wrong configuration): Progressing is then False with that reason, not "Running".
    """
    failed = recordings.get("failed", 0)
    if counts.remaining(recordings) == 0:
        ready_reason = "CompletedWithFailures" if failed else "Completed"
        message = counts.done_message(recordings)
        conditions = set_condition(conditions, READY, failed == 0, ready_reason, message,
                                   generation)
        conditions = set_condition(conditions, PROGRESSING, False, ready_reason, message,
                                   generation)
        return "Completed", conditions
    message = counts.progress_message(recordings)
    conditions = set_condition(conditions, READY, False, "InProgress", message, generation)
    if suspended:
        conditions = set_condition(conditions, PROGRESSING, False, "Suspended",
                                   "spec.suspend is true: no new Job is started", generation)
        return "Suspended", conditions
    if blocked is not None:
        conditions = set_condition(conditions, PROGRESSING, False, *blocked, generation)
        return "Running", conditions
    conditions = set_condition(conditions, PROGRESSING, True, "Running", message, generation)
    return "Running", conditions
