"""What to start and what to publish now, from the recordings' states alone.

An executor hands in its entries (anything with an ``index`` and a ``state``: a SQLite row, a
child resource's view) and gets back which to start and which to publish, in plan order. It
never branches on phases itself, so the runner and the operator start the same recordings in
the same order for the same states.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

from ..state import IN_FLIGHT, Phase, RecordingState, Step, next_step


class Entry(Protocol):
    """One recording as an executor holds it."""

    @property
    def index(self) -> int: ...  # plan position, 1 = newest

    @property
    def state(self) -> RecordingState: ...


E = TypeVar("E", bound=Entry)


def in_flight(entries: Iterable[Entry]) -> int:
    """Attempts running (or queued) now."""
    return sum(1 for e in entries if e.state.phase in IN_FLIGHT)


def to_start(entries: Sequence[E], *, window: int, now: float, suspended: bool = False,
             running: int | None = None) -> list[E]:
    """The recordings to start now: ready to render, lowest plan index first, so that at most
    ``window`` attempts are in flight in total (``running`` overrides the count of the states
    when the executor knows better). Nothing while suspended."""
    if suspended:
        return []
    busy = in_flight(entries) if running is None else running
    room = window - busy
    if room <= 0:
        return []
    ready = [e for e in entries if next_step(e.state, now) is Step.RENDER]
    ready.sort(key=lambda e: e.index)
    return ready[:room]


def to_publish(entries: Sequence[E], *, now: float, limit: int | None = None,
               rendered_only: bool = False) -> tuple[list[E], bool]:
    """The next batch to publish (plan order) and whether more are waiting after it.

    ``rendered_only``: while suspended or while a spec change is refused, finished renders are
    still published (their files must not wait), but no new publish-only work starts.
    """
    ready = [e for e in entries if next_step(e.state, now) is Step.PUBLISH
             and (not rendered_only or e.state.phase is Phase.RENDERED)]
    ready.sort(key=lambda e: e.index)
    batch = ready if limit is None else ready[:limit]
    return batch, len(ready) > len(batch)


def next_wake(entries: Iterable[Entry], now: float, *, longest: float) -> float:
    """Seconds until something becomes due (a backoff ends), at most ``longest``."""
    waits = [e.state.not_before - now for e in entries
             if not e.state.terminal and e.state.not_before > now]
    return max(0.05, min([longest, *waits]))


def finished(entries: Iterable[Entry]) -> bool:
    """Every recording is Published, Skipped or Failed."""
    return all(e.state.terminal for e in entries)
