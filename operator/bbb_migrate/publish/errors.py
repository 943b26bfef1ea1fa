"""What publishing reports: a :class:`PublishReport`, or an error saying whether to retry."""

from __future__ import annotations

from dataclasses import dataclass, field


class PublishError(Exception):
    """Publishing one recording failed; ``permanent`` False means a retry may succeed."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


class PublishConfigError(PublishError):
    """Bad configuration, wrong for every recording (found by ``Publisher.check`` or on a
    reconnection); always permanent: the executors stop publishing and say why."""

    reason = "PublishConfigError"

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


class PublishSecretError(PublishConfigError):
    """A secret (Kubernetes Secret, environment variable, file) cannot be read."""

    reason = "SecretUnavailable"


class PublishUnavailable(PublishConfigError):
    """A database that cannot be reached now (refused, dropped, timed out, restarting): wrong
    for every recording until it is back, so publishing stops as for a configuration error and
    is tried again on the next pass; nothing in the spec needs fixing."""

    reason = "DatabaseUnavailable"


def stopped_by(exc: Exception, message: str | None = None) -> PublishConfigError:
    """The error that stops publishing for a database error ``exc`` (a ``DatabaseError``) met
    while checking or connecting: :class:`PublishUnavailable` if it may pass, else
    :class:`PublishConfigError`."""
    text = str(exc) if message is None else message
    if getattr(exc, "retryable", False):
        return PublishUnavailable(text)
    return PublishConfigError(text)


@dataclass
class PublishReport:
    """What publishing one recording did (or, in a dry run, would do)."""

    record_id: str
    writes: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    final_path: str | None = None
    warnings: list[str] = field(default_factory=list)
    notice_failures: list[str] = field(default_factory=list)
    """Moodle notices refused for good (e.g. no UPDATE right), one message naming the activity
    each (also in ``warnings``); the Pod rows are committed and the recording is published."""
