"""The :class:`Publisher` the executors call: one instance per migration, reused for every
recording (see the package docstring for what each mode writes)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any

from ..credentials import SecretError, SecretReader, resolve
from ..models import Recording
from ..spec import Database, MigrationSpec, Mode
from ..state import Action
from . import claim, owners
from . import rendered as media
from .checks import Checks
from .db import Connection, DatabaseError
from .errors import PublishConfigError, PublishError, PublishReport, PublishSecretError
from .greenlight import GreenlightSource
from .moodle import Activity, MoodleDirectory
from .pod import PodWriter, Recorder
from .podschema import SchemaError, detect


class Publisher(Checks):
    """Writes recordings into Pod and Moodle; one instance per run, reused for every recording.

    Connections, the Pod schema, the recorder, Moodle roles and each activity's moderators are
    looked up once and reused; users created by a committed recording are cached. Secrets are
    resolved when a connection is first needed, never stored in the spec or in messages.
    """

    def __init__(self, spec: MigrationSpec, *, kube_reader: SecretReader | None = None) -> None:
        self.spec = spec
        self.dry_run = spec.dry_run
        self._kube_reader = kube_reader
        self._pod: PodWriter | None = None
        self._recorder: Recorder | None = None
        self._claim_directory: str | None = None  # the recorder's folder under recorderPath
        self._checked = False
        self.notice_plan: str | None = None
        """What happens to Moodle notices (set by :meth:`check`), for dry-run reports and logs."""
        self._noticed: set[tuple[str, int]] = set()
        self._dry_names: dict[str, str] = {}  # dry run: claim file names "taken" so far
        self._moodle = owners.MoodleSources(spec.moodle, self._database_url,
                                           dry_run=self.dry_run)
        self._greenlight = GreenlightSource(spec.greenlight, self._database_url,
                                            dry_run=self.dry_run)

    # -- wiring -----------------------------------------------------------------------------

    def _secret(self, ref: Any, what: str) -> str:
        try:
            return resolve(ref, self._kube_reader)
        except SecretError as exc:
            raise PublishSecretError(f"{what}: {exc}") from None

    def _database_url(self, database: Database, what: str) -> str:
        return self._secret(database.url_ref, f"{what}.urlRef")

    def _pod_writer(self) -> PodWriter:
        if self._pod is None:
            pod = self.spec.pod
            if pod.database is None:
                raise PublishConfigError(f"mode {self.spec.mode} needs pod.database")
            try:
                conn = Connection(self._database_url(pod.database, "pod.database"),
                                  connect_timeout=pod.database.connect_timeout_seconds,
                                  statement_timeout=pod.database.statement_timeout_seconds,
                                  label="Pod database", dry_run=self.dry_run)
            except DatabaseError as exc:
                raise PublishConfigError(str(exc)) from None
            try:
                schema = detect(conn)
            except SchemaError as exc:
                conn.close()
                raise PublishConfigError(str(exc)) from None
            finally:
                conn.rollback()
            secret = None
            if pod.secret_key_ref is not None:
                secret = self._secret(pod.secret_key_ref, "pod.secretKeyRef")
            self._pod = PodWriter(conn, schema, site_id=pod.site_id,
                                  establishment=pod.establishment, secret_key=secret,
                                  dry_run=self.dry_run)
        return self._pod

    @property
    def pod_schema_label(self) -> str:
        """Which Pod schema was recognised (for logs), connecting if needed."""
        return self._pod_writer().schema.label

    # -- publishing -------------------------------------------------------------------------

    def publish(self, item: Any, rendered_file: Path | None = None) -> PublishReport:
        """Publish one plan item; raises :class:`PublishError` and leaves nothing half written."""
        if not self._checked:
            self.check()
        recording: Recording = item.recording
        report = PublishReport(record_id=recording.record_id)
        if item.action is Action.SKIP:
            report.warnings.append(f"nothing to publish: {item.reason}")
            return report
        try:
            if self.spec.mode is Mode.EXPORT_CSV:
                report.owners = self.moodle_owners(recording)
            elif self.spec.mode is Mode.IMPORT_VIDEO:
                self._import_video(item, report, rendered_file)
            else:
                self._claim(item, rendered_file, report)
        except PublishError:
            raise
        except DatabaseError as exc:
            if exc.retryable:  # the connection may be gone: reconnect on the next recording
                self._drop_connections()
            raise PublishError(str(exc), permanent=not exc.retryable) from exc
        except OSError as exc:
            raise PublishError(f"file error: {exc}", permanent=False) from exc
        except (LookupError, ValueError) as exc:
            raise PublishError(str(exc)) from exc
        return report

    def publish_many(
        self, items: Iterable[tuple[Any, Path | None]],
        on_result: Callable[[Any, PublishReport | PublishError], None] | None = None,
    ) -> list[PublishReport | PublishError]:
        """Publish several items in order, one transaction each; a failure does not stop the rest.

        The batch API the executors use (through :mod:`bbb_migrate.core.publishing`): the same
        connections, caches and checks are reused, Moodle lookups are prefetched for the whole
        batch, and each result (a report, or the :class:`PublishError` of that item, an
        unexpected exception included) is returned in order and, if given, passed to
        ``on_result`` as soon as it is known, so the executor saves it before the next one.
        Only a :class:`PublishConfigError` (wrong for every recording) stops the batch.
        """
        batch = list(items)
        if not self._checked:
            self.check()
        if self.spec.mode is not Mode.CLAIM:
            # On a database error, each recording looks itself up and reports its own error.
            with suppress(DatabaseError):
                self._moodle.prefetch([item.recording for item, _ in batch
                                       if item.action is not Action.SKIP])
        results: list[PublishReport | PublishError] = []
        for item, rendered in batch:
            try:
                result: PublishReport | PublishError = self.publish(item, rendered)
            except PublishConfigError:
                raise  # wrong for every recording: the executor stops and says why
            except PublishError as exc:
                result = exc
            except Exception as exc:  # a bug or an unexpected driver error: this one only
                self._drop_connections()  # its connection may be in any state
                result = PublishError(f"unexpected {type(exc).__name__}: {exc}",
                                      permanent=False)
            results.append(result)
            if on_result is not None:
                on_result(item, result)
        return results

    def moodle_owners(self, recording: Recording) -> list[str]:
        """The Moodle moderators of a recording as ``First Last (username)`` (the CSV column)."""
        key, _ = self._moodle.key_for(recording)
        if key is None:
            return []
        try:
            _, found, _ = self._moodle.lookup(recording)
        except DatabaseError as exc:
            raise PublishError(str(exc), permanent=not exc.retryable) from exc
        return [user.display() for user in found.users]

    def _import_video(self, item: Any, report: PublishReport,
                      rendered_file: Path | None = None) -> None:
        recording: Recording = item.recording
        if not item.source_url:
            raise PublishError("the recording has no playback URL to import")
        source_url, kind = item.source_url, "bigbluebutton"
        if self.spec.from_rendered:  # the MP4 first: a row never points at a missing file
            settings = self.spec.pod.import_video
            ext = (rendered_file.suffix if rendered_file is not None else "") or ".mp4"
            name = media.media_name(recording.record_id, ext)
            final = media.media_file(settings, name)
            media.place(rendered_file, final, dry_run=self.dry_run, writes=report.writes)
            report.final_path = str(final)
            source_url, kind = media.media_url(settings, name), media.POD_TYPE
        writer = self._pod_writer()
        writer.warnings = report.warnings
        name = recording.name.strip() or recording.record_id
        try:
            with writer.conn.transaction(read_only=self.dry_run):
                found = owners.resolve(recording, writer, self._moodle,
                                       admin_username=self.spec.pod.admin_username,
                                       site_id=self.spec.pod.site_id,
                                       greenlight=(self._greenlight.lookup
                                                   if self.spec.greenlight else None))
                report.warnings.extend(found.warnings)
                # (key, Pod user id or None for a user a dry run would create, username)
                targets: dict[object, tuple[int | None, str]] = {}
                for uid, username, shown in self._pod_users(writer, found.pod_user_ids):
                    targets[uid] = (uid, username)
                    report.owners.append(shown)
                for user in found.moodle_users:
                    uid = writer.ensure_user(user, report.writes)
                    targets.setdefault(uid if uid is not None else user.username,
                                       (uid, user.username))
                    report.owners.append(user.display())
                writer.ensure_external_recordings(
                    name=name, start=recording.start_time, source_url=source_url,
                    owners=list(targets.values()), site_id=found.site_id, writes=report.writes,
                    kind=kind)
        except BaseException:
            writer.rolled_back()
            raise
        writer.committed()
        notice = self.spec.moodle.notice if self.spec.moodle else None
        if notice and notice.enabled and found.source == owners.MOODLE and found.directory:
            self._write_notices(found.directory, found.server, found.activities, notice.html,
                                report)

    def _pod_users(self, writer: PodWriter, ids: list[int]) -> list[tuple[int, str, str]]:
        """(id, username, ``First Last (username)``) of existing Pod owners (meeting, admin)."""
        found = []
        for uid in ids:
            row = writer.conn.query_one(
                "SELECT first_name, last_name, username FROM auth_user WHERE id = %s", (uid,))
            if row is not None:
                found.append((uid, row[2], f"{row[0]} {row[1]} ({row[2]})"))
        return found

    def _write_notices(self, directory: MoodleDirectory, server: str,
                       activities: list[Activity], html: str, report: PublishReport) -> None:
        for activity in activities:
            if (server, activity.id) in self._noticed:
                continue
            if self.dry_run:
                try:
                    if directory.notice_needed(activity.id, html):
                        report.writes.append(
                            f"moodle[{server}] {directory.prefix}bigbluebuttonbn: would append "
                            f"the notice to intro of id={activity.id}; "
                            f"{directory.prefix}course: would bump cacherev of "
                            f"id={activity.course}")
                finally:
                    directory.conn.rollback()
            else:
                try:
                    with directory.conn.transaction():
                        if directory.write_notice(activity, html):
                            report.writes.append(
                                f"moodle[{server}] {directory.prefix}bigbluebuttonbn: appended "
                                f"the notice to intro of id={activity.id}; {directory.prefix}"
                                f"course: bumped cacherev of id={activity.course}")
                except DatabaseError as exc:
                    where = (f"activity {activity.id} ({activity.name!r}) of Moodle database "
                             f"{server!r}")
                    if exc.retryable:  # the Pod rows are in; the retry only writes the notice
                        self._drop_connections()
                        raise PublishError(f"Pod rows committed, the Moodle notice of {where} "
                                           f"failed: {exc}", permanent=False) from exc
                    # Refused for good (no UPDATE right...): like Pod's command, the notice does
                    # not block the recording, whose rows are committed. Said, counted, not retried.
                    message = f"Moodle notice not written into {where}: {exc}"
                    report.notice_failures.append(message)
                    report.warnings.append(message)
            self._noticed.add((server, activity.id))

    def _claim(self, item: Any, rendered_file: Path | None, report: PublishReport) -> None:
        recording: Recording = item.recording
        settings = self.spec.pod.claim
        directory = self._claim_directory
        assert directory is not None  # set by check(), which publish() runs first
        folder = Path(settings.recorder_path) / directory
        ext = (rendered_file.suffix if rendered_file is not None else "") or ".mp4"
        base = claim.pod_file_name(recording.name.strip(), recording.start_time, ext,
                                   settings.time_zone)
        name, present = claim.choose_name(folder, base, recording.record_id,
                                          reserve=not self.dry_run,
                                          dry_reserved=self._dry_names if self.dry_run else None)
        final = folder / name
        report.final_path = str(final)
        pod_root = settings.pod_recorder_path or settings.recorder_path
        pod_path = os.path.join(pod_root, directory, name)
        source_ok = rendered_file is not None and rendered_file.is_file()
        if not present and not source_ok and not self.dry_run:
            raise PublishError(f"rendered file {rendered_file} is missing", permanent=False)
        if present and source_ok:
            report.warnings.append(f"{final} was already published; {rendered_file} left as is")
        size = 0
        if present:
            size = final.stat().st_size
        elif source_ok:
            size = rendered_file.stat().st_size  # type: ignore[union-attr]
        writer = self._pod_writer() if settings.register_claimable else None
        if writer is not None:
            writer.warnings = report.warnings
            try:
                with writer.conn.transaction(read_only=self.dry_run):
                    assert self._recorder is not None  # registerClaimable needs pod.database
                    writer.ensure_claimable(pod_path, size, self._recorder, report.writes)
                    self._move(rendered_file, final, present, report)
            except BaseException:
                writer.rolled_back()
                raise
        else:
            self._move(rendered_file, final, present, report)

    def _move(self, rendered: Path | None, final: Path, present: bool,
              report: PublishReport) -> None:
        if present:
            return
        if self.dry_run:
            report.writes.append(f"file: would move {rendered} to {final}")
            return
        assert rendered is not None
        claim.move_into_place(rendered, final)
        report.writes.append(f"file: moved {rendered} to {final}")

    def _drop_connections(self) -> None:
        if self._pod is not None:
            self._pod.conn.close()
            self._pod = None
        self._moodle.close()
        self._greenlight.close()

    def close(self) -> None:
        """Close every connection (safe to call twice)."""
        self._drop_connections()
