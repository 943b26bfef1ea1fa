"""How a recorder attempt's end becomes a state, whichever executor ran it.

Three endings, one rule each:

* :func:`ended` — the process or Job finished: the recorder's contract
  (:func:`~bbb_migrate.contract.judge_attempt`) decides, with the exit status the executor
  observed (or could ask for: the Job's pods) when there is no result JSON;
* :func:`vanished` — the attempt disappeared by itself (Job deleted, evicted, TTL without a
  verdict): a result JSON left on disk is judged as above, else the attempt is *lost* and
  counts (:func:`~bbb_migrate.state.render_lost`: backoff, then Failed);
* :func:`interrupted` — the executor stopped it (Ctrl-C, SIGTERM, or it died and restarted):
  a proven file is kept, else the attempt is given back
  (:func:`~bbb_migrate.state.render_interrupted`).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from .. import contract
from ..contract import ExitCode, RecorderResult
from ..state import (
    BACKOFF_BASE_SECONDS,
    RecordingState,
    render_finished,
    render_interrupted,
    render_lost,
)

PathLike = str | os.PathLike[str]


def ended(state: RecordingState, reported: int | None, output: PathLike, *, max_attempts: int,
          now: float, output_path: str = "",
          ask: Callable[[], tuple[int | None, str]] | None = None,
          fallback_message: Callable[[], str] | None = None,
          retry_delay: float = BACKOFF_BASE_SECONDS,
          ) -> tuple[RecordingState, RecorderResult | None]:
    """The state after a finished attempt, and the recorder's result if it left one.

    ``ask`` is called only when the contract cannot decide (no result JSON and no exit status)
    and returns (exit status, message); ``fallback_message`` names a failure the recorder did
    not describe (e.g. the tail of its console).
    """
    code, message, result = contract.judge_attempt(reported, output, state.record_id)
    if code is None and ask is not None:
        code, message = ask()
    if code != ExitCode.OK and not message and fallback_message is not None:
        message = fallback_message()
    new = render_finished(state, code, max_attempts=max_attempts, now=now, message=message,
                          output_path=output_path or str(output), retry_delay=retry_delay)
    return new, result


def vanished(state: RecordingState, output: PathLike, *, max_attempts: int, now: float,
             output_path: str = "", retry_delay: float = BACKOFF_BASE_SECONDS,
             ) -> tuple[RecordingState, RecorderResult | None]:
    """The attempt is gone without an exit status: its result JSON decides, else it is lost."""
    if contract.result_path(output).exists():
        return ended(state, None, output, max_attempts=max_attempts, now=now,
                     output_path=output_path, retry_delay=retry_delay)
    return render_lost(state, max_attempts=max_attempts, now=now, retry_delay=retry_delay), None


def interrupted(state: RecordingState, output: PathLike, *, max_attempts: int, now: float,
                output_path: str = "") -> tuple[RecordingState, RecorderResult | None]:
    """The executor stopped the attempt: a proven file is kept, else the attempt is given back."""
    result, why_not = contract.verified_result(output, state.record_id)
    if result is not None and not why_not:
        return render_finished(state, int(ExitCode.OK), max_attempts=max_attempts, now=now,
                               output_path=output_path or str(output)), result
    return render_interrupted(state), None
