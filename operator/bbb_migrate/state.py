"""The per-recording state machine, owned here and driven by both executors.

::

    Pending ──start──► Rendering ──ok──► Rendered ──publish──► Published
       ▲  ▲               │                 │
       │  └─ retryable ───┤                 └─ publish error ─► Rendered (retried) / Failed
       │     (backoff)    └─ permanent or attempts used ─► Failed
       └──────────── retry-failed ◄────────────────────────────── Failed
    (plan says skip) ─► Skipped          (action publish-only) Pending ──publish──► Published

The operator stores a :class:`RecordingState` in a child resource's status, the local runner in
SQLite. Transitions are pure functions returning a new value, so each executor only persists
what they return and the same rules apply everywhere: attempt counting, which exit codes are
retried, backoff, and what "done" means.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter

from .contract import ExitCode, classify_exit


class Action(StrEnum):
    """What the plan decided for one recording."""

    RENDER = "render"  # presentation playback → browser recorder
    DOWNLOAD = "download"  # video playback → streamed download
    PUBLISH_ONLY = "publish-only"  # nothing to fetch: rows in Pod / Moodle, or a CSV line
    SKIP = "skip"  # nothing to do, with a reason

    @property
    def fetches(self) -> bool:
        """Whether the recorder runs for this action and leaves a file to publish."""
        return self in (Action.RENDER, Action.DOWNLOAD)


class Phase(StrEnum):
    """Where one recording stands."""

    PENDING = "Pending"
    QUEUED = "Queued"  # cluster only: the Job exists but Kueue has not admitted it yet
    RENDERING = "Rendering"
    RENDERED = "Rendered"
    PUBLISHED = "Published"
    SKIPPED = "Skipped"
    FAILED = "Failed"


TERMINAL = frozenset({Phase.PUBLISHED, Phase.SKIPPED, Phase.FAILED})
IN_FLIGHT = frozenset({Phase.QUEUED, Phase.RENDERING})


class Step(StrEnum):
    """What an executor should do next for one recording."""

    RENDER = "render"  # start the recorder (render or download)
    PUBLISH = "publish"  # write to Pod / Moodle / CSV
    WAIT = "wait"  # in flight, or backing off
    DONE = "done"


BACKOFF_BASE_SECONDS = 30.0
BACKOFF_MAX_SECONDS = 900.0


def backoff_seconds(attempts: int, base: float = BACKOFF_BASE_SECONDS) -> float:
    """Delay before attempt ``attempts + 1``: by default 30 s, 60 s, 120 s … capped at
    15 minutes (``base`` is the spec's ``recorder.retryDelaySeconds``)."""
    return min(max(BACKOFF_MAX_SECONDS, base), base * 2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class RecordingState:
    """One recording's progress; everything an executor must persist to resume."""

    record_id: str
    action: Action
    phase: Phase = Phase.PENDING
    attempts: int = 0
    publish_attempts: int = 0
    reason: str = ""  # why skipped or failed, in words a person can act on
    exit_class: str = ""
    last_error: str = ""
    job_name: str = ""
    output_path: str = ""
    not_before: float = 0.0  # epoch seconds; backoff after a retryable failure

    @property
    def terminal(self) -> bool:
        """Published, Skipped or Failed: nothing more happens without a user's action."""
        return self.phase in TERMINAL

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (enums as strings), through the pydantic schema."""
        return _ADAPTER.dump_python(self, mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecordingState:
        """The inverse of :meth:`to_dict`, validated (a wrong type is an error, not a crash
        later); unknown keys are ignored for forward compatibility."""
        known = cls.__dataclass_fields__
        return _ADAPTER.validate_python({k: v for k, v in data.items() if k in known})


_ADAPTER: TypeAdapter[RecordingState] = TypeAdapter(RecordingState)


def initial(record_id: str, action: Action, reason: str = "") -> RecordingState:
    """The state of a freshly planned recording."""
    if action is Action.SKIP:
        return RecordingState(record_id, action, Phase.SKIPPED, reason=reason)
    return RecordingState(record_id, action, Phase.PENDING, reason=reason)


def next_step(state: RecordingState, now: float) -> Step:
    """Decide the next step; executors call this and never branch on phases themselves."""
    if state.terminal:
        return Step.DONE
    if state.phase in IN_FLIGHT:
        return Step.WAIT
    if now < state.not_before:
        return Step.WAIT
    if state.phase is Phase.RENDERED:
        return Step.PUBLISH
    if state.action is Action.PUBLISH_ONLY:
        return Step.PUBLISH
    return Step.RENDER


def render_started(state: RecordingState, *, job_name: str = "", output_path: str = "",
                   queued: bool = False) -> RecordingState:
    """A recorder was started (or its Job created); this counts as one attempt."""
    return replace(
        state,
        phase=Phase.QUEUED if queued else Phase.RENDERING,
        attempts=state.attempts + 1,
        job_name=job_name or state.job_name,
        output_path=output_path or state.output_path,
        not_before=0.0,
    )


def render_admitted(state: RecordingState) -> RecordingState:
    """A queued Job was admitted (Kueue) and now runs."""
    if state.phase is Phase.QUEUED:
        return replace(state, phase=Phase.RENDERING)
    return state


def render_finished(state: RecordingState, exit_code: int | None, *, max_attempts: int,
                    now: float, message: str = "", output_path: str = "",
                    retry_delay: float = BACKOFF_BASE_SECONDS) -> RecordingState:
    """The recorder ended. Success → Rendered; retryable → Pending with backoff; else Failed."""
    code = classify_exit(exit_code)
    if code is ExitCode.OK:
        return replace(state, phase=Phase.RENDERED, exit_class=code.exit_class, last_error="",
                       output_path=output_path or state.output_path)
    error = message or f"recorder exited with {code.exit_class} ({exit_code})"
    if code.retryable and state.attempts < max_attempts:
        return replace(state, phase=Phase.PENDING, exit_class=code.exit_class, last_error=error,
                       not_before=now + backoff_seconds(state.attempts, retry_delay))
    reason = (
        f"{code.exit_class}: {error}" if not code.retryable
        else f"{code.exit_class} after {state.attempts} attempt(s): {error}"
    )
    return replace(state, phase=Phase.FAILED, exit_class=code.exit_class, last_error=error,
                   reason=reason)


def render_lost(state: RecordingState, *, max_attempts: int, now: float,
                retry_delay: float = BACKOFF_BASE_SECONDS) -> RecordingState:
    """The attempt vanished by itself (a Job deleted or evicted, a recorder killed from
    outside) and left no verdict.

    It counts like any failed attempt: backoff before the next one, Failed once ``attempts``
    are used, so a recording whose recorder keeps disappearing cannot retry for ever. The
    recorder's atomic rename guarantees no half file is taken for done.
    """
    if state.phase not in IN_FLIGHT:
        return state
    error = "recorder lost (no exit status, no result)"
    if state.attempts >= max_attempts:
        return replace(state, phase=Phase.FAILED, exit_class="lost", last_error=error,
                       reason=f"lost after {state.attempts} attempt(s): {error}")
    return replace(state, phase=Phase.PENDING, exit_class="lost", last_error=error,
                   not_before=now + backoff_seconds(state.attempts, retry_delay))


def render_interrupted(state: RecordingState) -> RecordingState:
    """The executor itself stopped the attempt (Ctrl-C, SIGTERM, its own restart).

    Not the recording's fault: the attempt is given back and the recording is Pending again at
    once, so stopping and resuming a migration never uses up its ``attempts``.
    """
    if state.phase not in IN_FLIGHT:
        return state
    return replace(state, phase=Phase.PENDING, attempts=max(0, state.attempts - 1),
                   last_error="interrupted by the executor", not_before=0.0)


def published(state: RecordingState) -> RecordingState:
    """Pod / Moodle / CSV writes committed."""
    return replace(state, phase=Phase.PUBLISHED, last_error="", not_before=0.0)


def publish_failed(state: RecordingState, error: str, *, max_attempts: int,
                   now: float, permanent: bool = False,
                   retry_delay: float = BACKOFF_BASE_SECONDS) -> RecordingState:
    """A publication rolled back. Retry with backoff (databases come back), or give up."""
    attempts = state.publish_attempts + 1
    if permanent or attempts >= max_attempts:
        return replace(state, phase=Phase.FAILED, publish_attempts=attempts, last_error=error,
                       exit_class="publish", reason=f"publish: {error}")
    return replace(state, publish_attempts=attempts, last_error=error,
                   not_before=now + backoff_seconds(attempts, retry_delay))


def retry_failed(state: RecordingState) -> RecordingState:
    """A user asked to try a failed recording again: fresh attempt counters."""
    if state.phase is not Phase.FAILED:
        return state
    # A render that succeeded but failed to publish only needs publishing again.
    rendered = state.exit_class == "publish" and state.action.fetches
    return replace(state, phase=Phase.RENDERED if rendered else Phase.PENDING, attempts=0,
                   publish_attempts=0, reason="", last_error="", exit_class="", not_before=0.0)
