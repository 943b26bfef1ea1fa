"""Counts by phase and the words that summarise a migration, for both executors.

``bbb-migrate status``/``run`` print them, the operator writes them to ``status.recordings``,
its conditions and its metrics; one definition keeps them equal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..state import IN_FLIGHT, TERMINAL, Phase, RecordingState


def key(phase: Phase) -> str:
    """``Pending`` → ``pending``: the count's key in ``status.recordings``."""
    return phase.value[0].lower() + phase.value[1:]


def by_phase(states: Iterable[RecordingState]) -> dict[Phase, int]:
    """How many recordings are in each phase (every phase present, zero included)."""
    found = Counter(s.phase for s in states)
    return {p: found.get(p, 0) for p in Phase}


def counts(states: Iterable[RecordingState]) -> dict[str, int]:
    """``status.recordings``: total, one count per phase, in flight, and ``rendered``.

    ``rendered`` is the recorder's progress, Rendered *or* Published (a printer column); the
    Rendered phase alone is in :func:`by_phase` (the metrics' ``phase="Rendered"`` series).
    """
    phases = by_phase(states)
    result = {"total": sum(phases.values())}
    result.update({key(p): n for p, n in phases.items()})
    result["rendered"] = phases[Phase.RENDERED] + phases[Phase.PUBLISHED]
    result["inFlight"] = sum(phases[p] for p in IN_FLIGHT)
    return result


def remaining(recordings: dict[str, int]) -> int:
    """Recordings not yet in a terminal phase."""
    return recordings.get("total", 0) - sum(recordings.get(key(p), 0) for p in TERMINAL)


def done_message(recordings: dict[str, int]) -> str:
    """The one-line result of a finished migration."""
    return (f"{recordings.get('published', 0)} published, "
            f"{recordings.get('skipped', 0)} skipped, {recordings.get('failed', 0)} failed")


def progress_message(recordings: dict[str, int]) -> str:
    """The one-line state of a migration still going on."""
    return f"{remaining(recordings)} recording(s) to go, {recordings.get('inFlight', 0)} in flight"
