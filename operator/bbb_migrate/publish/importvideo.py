"""import-video for a batch of recordings: one Pod transaction, a savepoint per recording only
when one fails, and the Moodle notices after the commit.

1. Lookups, for the whole batch: owners in Pod's order (:mod:`.owners`; Moodle activities and
   moderators were prefetched for the batch; Greenlight rooms when configured), the Pod users
   they name (one query). With ``pod.importVideo.source: rendered`` each MP4 is moved into
   ``mediaPath`` first, so a row never points at a missing file.
2. Writes, inside a savepoint of the batch: the missing users (:mod:`.podusers`), then the
   external recordings (:meth:`~.pod.PodWriter.ensure_external_recordings`: owners locked, then
   the duplicate check, then one multi-row INSERT).
3. If any write fails, the batch savepoint is rolled back and the recordings are written again
   one savepoint each: the failing one is rolled back alone and reported as failed (retryable
   or not, from its error), the others commit. A lost transaction (broken connection, MySQL
   deadlock) fails the whole batch, retryably: nothing of it was committed.
4. COMMIT, then the notices (:mod:`.notices`).

Exactly once: the rows are found again by (source URL, owner) and users by username, so a
batch re-run after a kill between the commit and the executor saving the states adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import owners
from . import rendered as media
from .errors import PublishError, PublishReport
from .notices import NoticeWork
from .pod import ExternalRows, PodWriter
from .podusers import Wanted

if TYPE_CHECKING:
    from .publisher import Publisher

Result = PublishReport | BaseException


@dataclass
class _Plan:
    """One recording of the batch once its owners are known."""

    at: int  # place in the batch
    item: Any  # PlanItem
    report: PublishReport
    found: owners.Owners
    source_url: str  # the playback, or the rendered MP4 under pod.importVideo.baseUrl
    kind: str  # Pod's type: bigbluebutton, or video for a rendered MP4
    marks: tuple[int, int] = (0, 0)  # lengths of writes and warnings before the writes


class ImportVideo:
    """The import-video part of :class:`~.publisher.Publisher` (a mixin)."""

    def _import_video_batch(self: Publisher,
                            items: list[tuple[Any, Path | None]]) -> list[Result]:
        """Publish ``items`` (see the module docstring); one result per item, in order: a
        report, or the exception of that item (mapped by :meth:`Publisher._as_publish_error`).
        """
        writer = self._pod_writer()
        results: list[Result | None] = [None] * len(items)
        plans: list[_Plan] = []
        try:
            with writer.conn.transaction(read_only=self.dry_run):
                for at, (item, rendered) in enumerate(items):
                    try:
                        plans.append(self._owners_of(at, item, rendered, writer))
                    except Exception as exc:  # this recording's lookups: this recording only
                        results[at] = exc
                known = writer.users_by_id([u for p in plans for u in p.found.pod_user_ids])
                for plan in plans:
                    for uid in plan.found.pod_user_ids:
                        if uid in known:
                            plan.report.owners.append(known[uid][1])
                    plan.report.owners += [u.display() for u in plan.found.moodle_users]
                    plan.marks = (len(plan.report.writes), len(plan.report.warnings))
                for plan, error in self._write_all(writer, plans, known):
                    results[plan.at] = error
        except Exception as exc:  # the transaction is lost (commit included): all of it
            writer.rolled_back()
            results = [exc if r is None else r for r in results]
        else:
            writer.committed()
            for at, error in self._notices_of([p for p in plans if results[p.at] is None]).items():
                results[at] = error
        for plan in plans:
            if results[plan.at] is None:
                results[plan.at] = plan.report
        return [self._as_publish_error(r) if isinstance(r, Exception) else r
                for r in results]  # type: ignore[misc]

    def _owners_of(self: Publisher, at: int, item: Any, rendered: Path | None,
                   writer: PodWriter) -> _Plan:
        recording = item.recording
        if not item.source_url:
            raise PublishError("the recording has no playback URL to import")
        report = PublishReport(record_id=recording.record_id)
        source_url, kind = item.source_url, "bigbluebutton"
        if self.spec.from_rendered:  # the MP4 first: a row never points at a missing file
            settings = self.spec.pod.import_video
            ext = (rendered.suffix if rendered is not None else "") or ".mp4"
            name = media.media_name(recording.record_id, ext)
            final = media.media_file(settings, name)
            media.place(rendered, final, dry_run=self.dry_run, writes=report.writes)
            report.final_path = str(final)
            source_url, kind = media.media_url(settings, name), media.POD_TYPE
        writer.check_source_url(source_url)
        found = owners.resolve(recording, writer, self._moodle,
                               admin_username=self.spec.pod.admin_username,
                               site_id=self.spec.pod.site_id,
                               greenlight=(self._greenlight.lookup
                                           if self.spec.greenlight else None))
        report.warnings.extend(found.warnings)
        return _Plan(at, item, report, found, source_url, kind)

    def _write_all(self: Publisher, writer: PodWriter, plans: list[_Plan],
                   known: dict[int, tuple[str, str]]) -> list[tuple[_Plan, Exception]]:
        """Write the batch in one savepoint, else one savepoint per recording; the failures."""
        if len(plans) <= 1 or self.dry_run:  # nothing to tell apart
            self._write(writer, plans, known)
            return []
        try:
            with writer.conn.savepoint("bbbm_batch"):
                self._write(writer, plans, known)
            return []
        except Exception:
            self._undo(writer, plans)
            if not writer.conn.in_transaction:
                raise
        failed: list[tuple[_Plan, Exception]] = []
        for plan in plans:
            pending = writer.pending_users()
            try:
                with writer.conn.savepoint("bbbm_recording"):
                    self._write(writer, [plan], known)
            except Exception as exc:
                self._undo(writer, [plan], pending)
                if not writer.conn.in_transaction:
                    raise
                failed.append((plan, exc))
        return failed

    @staticmethod
    def _undo(writer: PodWriter, plans: list[_Plan],
              pending: dict[str, int] | None = None) -> None:
        """Forget what rolled-back writes told (report lines, users created)."""
        writer.rolled_back(keep=pending)
        for plan in plans:
            del plan.report.writes[plan.marks[0]:]
            del plan.report.warnings[plan.marks[1]:]

    def _write(self: Publisher, writer: PodWriter, plans: list[_Plan],
               known: dict[int, tuple[str, str]]) -> None:
        wanted = [Wanted(user, plan.report.writes, plan.report.warnings)
                  for plan in plans for user in plan.found.moodle_users]
        user_ids = iter(writer.ensure_users(wanted))
        rows = []
        for plan in plans:
            # (key, Pod user id or None for a user a dry run would create, username)
            targets: dict[object, tuple[int | None, str]] = {}
            for uid in plan.found.pod_user_ids:
                if uid in known:
                    targets[uid] = (uid, known[uid][0])
            for user in plan.found.moodle_users:
                uid = next(user_ids)
                targets.setdefault(uid if uid is not None else user.username,
                                   (uid, user.username))
            recording = plan.item.recording
            rows.append(ExternalRows(
                name=recording.name.strip() or recording.record_id, start=recording.start_time,
                source_url=plan.source_url, owners=list(targets.values()),
                site_id=plan.found.site_id, writes=plan.report.writes,
                warnings=plan.report.warnings, kind=plan.kind))
        writer.ensure_external_recordings(rows)

    def _notices_of(self: Publisher, plans: list[_Plan]) -> dict[int, PublishError]:
        if self.notices is None:
            return {}
        work = [NoticeWork(p.at, p.found.directory, p.found.server, p.found.activities,
                           p.report)
                for p in plans if p.found.source == owners.MOODLE and p.found.directory]
        return self.notices.write(work) if work else {}
