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
from .checks import Checks
from .db import Connection, DatabaseError
from .errors import (
    PublishConfigError,
    PublishError,
    PublishReport,
    PublishSecretError,
    stopped_by,
)
from .greenlight import GreenlightSource
from .importvideo import ImportVideo
from .notices import Notices
from .pod import PodWriter, Recorder
from .podschema import SchemaError, detect


class Publisher(Checks, ImportVideo):
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
        notice = spec.moodle.notice if spec.moodle else None
        self.notices = (Notices(notice.html, dry_run=self.dry_run,
                                drop_connections=self._drop_connections)
                        if notice and notice.enabled else None)
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
                raise stopped_by(exc) from None
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
        """Publish one plan item (a batch of one); raises :class:`PublishError` and leaves
        nothing half written."""
        if not self._checked:
            self.check()
        recording: Recording = item.recording
        if item.action is Action.SKIP:
            report = PublishReport(record_id=recording.record_id)
            report.warnings.append(f"nothing to publish: {item.reason}")
            return report
        if self.spec.mode is Mode.IMPORT_VIDEO:
            result = self._import_video_batch([(item, rendered_file)])[0]
            if isinstance(result, BaseException):
                raise result
            return result
        report = PublishReport(record_id=recording.record_id)
        try:
            if self.spec.mode is Mode.EXPORT_CSV:
                report.owners = self.moodle_owners(recording)
            else:
                self._claim(item, rendered_file, report)
        except Exception as exc:
            error = self._as_publish_error(exc)
            if error is exc:
                raise
            raise error from exc
        return report

    def publish_many(
        self, items: Iterable[tuple[Any, Path | None]],
        on_result: Callable[[Any, PublishReport | PublishError], None] | None = None,
    ) -> list[PublishReport | PublishError]:
        """Publish several items; a failure does not stop the rest.

        The batch API the executors use (through :mod:`bbb_migrate.core.publishing`): Moodle
        lookups are prefetched for the whole batch and, in import-video mode, the batch is one
        Pod transaction (:mod:`.importvideo`). Each result (a report, or the
        :class:`PublishError` of that item, an unexpected exception included) is returned in
        order and, if given, passed to ``on_result`` once the batch is committed, so the
        executor saves it before the next batch. Only a :class:`PublishConfigError` (wrong for
        every recording) stops publishing: raised after the other results were passed on.
        """
        batch = list(items)
        if not self._checked:
            self.check()
        live = [(item, rendered) for item, rendered in batch if item.action is not Action.SKIP]
        if self.spec.mode is not Mode.CLAIM:
            # On a database error, each recording looks itself up and reports its own error.
            with suppress(DatabaseError):
                self._moodle.prefetch([item.recording for item, _ in live])
        found: dict[int, Any] = {}
        if self.spec.mode is Mode.IMPORT_VIDEO and live:
            found = dict(zip((id(item) for item, _ in live), self._import_video_batch(live),
                             strict=True))
        results: list[PublishReport | PublishError] = []
        stop: PublishConfigError | None = None
        for item, rendered in batch:
            try:
                result = self._one(found.get(id(item)), item, rendered)
                if isinstance(result, PublishError) and _lost_a_race(result):
                    # Another publisher (a second migration, a local run) inserted the same
                    # user or row and committed first: run it again now, it finds that row,
                    # rather than use an attempt and wait a backoff for a race.
                    result = self._one(None, item, rendered)
            except PublishConfigError as exc:  # wrong for every recording: stop, say why
                stop = stop or exc
                continue
            results.append(result)
            if on_result is not None:
                on_result(item, result)
        if stop is not None:
            raise stop
        return results

    def _one(self, found: Any, item: Any, rendered: Path | None) -> PublishReport | PublishError:
        """One recording's result (from the batch, else published now) as a report or a
        PublishError; a configuration error is raised."""
        try:
            result = found or self.publish(item, rendered)
            if isinstance(result, BaseException):
                raise result
            return result
        except PublishConfigError:
            raise
        except PublishError as exc:
            return exc
        except Exception as exc:  # a bug or an unexpected driver error: this one only
            self._drop_connections()  # its connection may be in any state
            return PublishError(f"unexpected {type(exc).__name__}: {exc}", permanent=False)

    def _as_publish_error(self, exc: Exception) -> Exception:
        """A recording's exception as a :class:`PublishError` saying whether to retry; an
        unexpected one (a bug) is returned as it is."""
        if isinstance(exc, PublishError):
            return exc
        if isinstance(exc, DatabaseError):
            if exc.retryable:  # the connection may be gone: reconnect on the next recording
                self._drop_connections()
            error = PublishError(str(exc), permanent=not exc.retryable)
        elif isinstance(exc, OSError):
            error = PublishError(f"file error: {exc}", permanent=False)
        elif isinstance(exc, LookupError | ValueError):
            error = PublishError(str(exc))
        else:
            return exc
        error.__cause__ = exc
        return error

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


def _lost_a_race(error: PublishError) -> bool:
    cause = error.__cause__
    return isinstance(cause, DatabaseError) and cause.conflict
