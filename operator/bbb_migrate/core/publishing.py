"""Publishing a batch of recordings, and what each result does to its state.

The executors hand in the recordings :func:`~.schedule.to_publish` chose; this module calls
:meth:`~bbb_migrate.publish.Publisher.publish_many` once for the batch (in import-video mode one
Pod transaction, lookups and inserts batched: the path the publish benchmark times) and turns
each result into a transition, passed to ``saved`` once the batch is committed so that the
executor persists every state before the next batch is written (a kill in between publishes
the batch again, which finds its rows and adds nothing):

* a report → ``state.published``;
* a :class:`~bbb_migrate.publish.PublishError` (any unexpected exception included, named by
  its type) → ``state.publish_failed``: backoff and retry while attempts remain, Failed with
  the reason otherwise, or at once when the error is permanent;
* a configuration or secret problem, wrong for every recording → :class:`PublishStopped`,
  raised after the recordings already published were saved; the rest keep their state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ..state import BACKOFF_BASE_SECONDS, RecordingState, publish_failed, published

E = TypeVar("E")


class PublishStopped(Exception):
    """Nothing can be published until a person fixes the configuration or a secret."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # SecretUnavailable, PublishConfigError
        self.message = message


@dataclass
class Outcome(Generic[E]):
    """One recording's publication: its new state and what was written (or why not)."""

    entry: E
    state: RecordingState
    report: Any = None  # PublishReport when published
    error: str = ""

    @property
    def failed(self) -> bool:
        """The recording is now Failed (no retry left, or a permanent error)."""
        return self.state.terminal and not self.report


@dataclass(frozen=True)
class Job(Generic[E]):
    """One recording to publish: the executor's entry, its plan item, its rendered file."""

    entry: E
    state: RecordingState
    item: Any  # PlanItem
    rendered: Path | None


def publish_batch(publisher: Any, jobs: Sequence[Job[E]], *, max_attempts: int, now: float,
                  saved: Callable[[Outcome[E]], None],
                  retry_delay: float = BACKOFF_BASE_SECONDS) -> list[Outcome[E]]:
    """Publish ``jobs`` in order through the batch path; see the module docstring."""
    from ..publish import PublishConfigError, PublishError

    outcomes: list[Outcome[E]] = []

    def on_result(item: Any, result: Any) -> None:
        job = jobs[len(outcomes)]
        assert item is job.item  # publish_many answers in order, one result per item
        if isinstance(result, PublishError):
            new = publish_failed(job.state, str(result), max_attempts=max_attempts, now=now,
                                 permanent=result.permanent, retry_delay=retry_delay)
            outcome = Outcome(job.entry, new, None, str(result))
        else:
            outcome = Outcome(job.entry, published(job.state), result)
        outcomes.append(outcome)
        saved(outcome)

    try:
        publisher.publish_many([(job.item, job.rendered) for job in jobs], on_result)
    except PublishConfigError as exc:
        raise PublishStopped(exc.reason, str(exc)) from None
    except Exception as exc:  # before any recording (the up-front check): every one waits
        raise PublishStopped("PublishError", f"unexpected {type(exc).__name__}: {exc}") from exc
    return outcomes
