"""The Moodle notice ("recordings moved to Pod") of a batch, written after the Pod commit.

Each activity is written once per run, in one Moodle transaction per database for the whole
batch (:meth:`~.moodle.MoodleDirectory.write_notices`); what was written is told in the report
of the first recording of the batch that belongs to it. If that transaction fails, the
activities are written one transaction each, so that each failure is told apart:

- refused for good (no UPDATE right...): like Pod's command, the notice does not block the
  recording, whose Pod rows are committed: said in ``notice_failures`` and the warnings,
  counted by the executors, never retried;
- anything a retry can fix (a lost connection, a lock timeout): that recording's result is a
  retryable :class:`~.errors.PublishError`; its retry finds its Pod rows and only writes the
  notice (re-running is idempotent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .db import DatabaseError
from .errors import PublishError, PublishReport
from .moodle import Activity, MoodleDirectory


@dataclass
class NoticeWork:
    """The activities of one published recording, in its Moodle database."""

    key: int  # the recording's place in the batch
    directory: MoodleDirectory
    server: str
    activities: list[Activity]
    report: PublishReport


class Notices:
    """Which activities got the notice in this run, and writing the next batch's."""

    def __init__(self, html: str, *, dry_run: bool, drop_connections: Callable[[], None]) -> None:
        self.html = html
        self.dry_run = dry_run
        self._drop_connections = drop_connections
        self._noticed: set[tuple[str, int]] = set()

    def write(self, work: list[NoticeWork]) -> dict[int, PublishError]:
        """Write the notices of a batch; the retryable failures, by recording key."""
        by_server: dict[str, list[tuple[Activity, NoticeWork]]] = {}
        taken = set(self._noticed)
        for item in work:  # each activity once, told in the first report that has it
            todo = by_server.setdefault(item.server, [])
            for activity in item.activities:
                if (item.server, activity.id) not in taken:
                    taken.add((item.server, activity.id))
                    todo.append((activity, item))
        failed: dict[int, PublishError] = {}
        for server, todo in by_server.items():
            if todo:
                failed.update(self._server(server, todo[0][1].directory, todo))
        return failed

    def _server(self, server: str, directory: MoodleDirectory,
                todo: list[tuple[Activity, NoticeWork]]) -> dict[int, PublishError]:
        if self.dry_run:
            try:
                for activity, item in todo:
                    if directory.notice_needed(activity.id, self.html):
                        item.report.writes.append(self._said(server, directory, activity,
                                                             "would append", "would bump"))
                    self._noticed.add((server, activity.id))
            finally:
                directory.conn.rollback()
            return {}
        try:
            with directory.conn.transaction():
                written = directory.write_notices([a for a, _ in todo], self.html)
        except DatabaseError:
            return self._one_by_one(server, directory, todo)
        self._done(server, directory, todo, written)
        return {}

    def _one_by_one(self, server: str, directory: MoodleDirectory,
                    todo: list[tuple[Activity, NoticeWork]]) -> dict[int, PublishError]:
        failed: dict[int, PublishError] = {}
        for at, (activity, item) in enumerate(todo):
            try:
                with directory.conn.transaction():
                    written = directory.write_notices([activity], self.html)
            except DatabaseError as exc:
                where = (f"activity {activity.id} ({activity.name!r}) of Moodle database "
                         f"{server!r}")
                if exc.retryable:  # the Pod rows are in; the retry only writes the notice
                    for _, later in todo[at:]:
                        failed.setdefault(later.key, PublishError(
                            f"Pod rows committed, the Moodle notice of {where} failed: {exc}",
                            permanent=False))
                    self._drop_connections()
                    return failed
                message = f"Moodle notice not written into {where}: {exc}"
                item.report.notice_failures.append(message)
                item.report.warnings.append(message)
                self._noticed.add((server, activity.id))
                continue
            self._done(server, directory, [(activity, item)], written)
        return failed

    def _done(self, server: str, directory: MoodleDirectory,
              todo: list[tuple[Activity, NoticeWork]], written: list[Activity]) -> None:
        ids = {a.id for a in written}
        for activity, item in todo:
            if activity.id in ids:
                item.report.writes.append(self._said(server, directory, activity,
                                                     "appended", "bumped"))
            self._noticed.add((server, activity.id))

    @staticmethod
    def _said(server: str, directory: MoodleDirectory, activity: Activity, append: str,
              bump: str) -> str:
        return (f"moodle[{server}] {directory.prefix}bigbluebuttonbn: {append} the notice to "
                f"intro of id={activity.id}; {directory.prefix}course: {bump} cacherev of "
                f"id={activity.course}")
