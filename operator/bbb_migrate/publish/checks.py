"""The publisher's up-front checks: everything that would make every recording fail, found
before the first one (part of :class:`~.publisher.Publisher`, a mixin split by concern)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..spec import Mode
from .db import DatabaseError
from .errors import PublishConfigError, stopped_by
from .pod import PodWriter, Recorder

if TYPE_CHECKING:
    from .publisher import Publisher


class Checks:
    """``Publisher.check`` and its parts."""

    def check(self: Publisher) -> None:
        """Everything that would make every recording fail, found before the first one.

        Pod: reachable, a known schema, SITE_ID present; import-video: the SECRET_KEY and the
        administrator; claim: the recorder exists, has no manager (Pod only offers files of
        manager-less recorders for claiming), is linked to the site, and its folder exists.
        Moodle: each configured database reachable and holding ``<prefix>bigbluebuttonbn``.
        """
        mode = self.spec.mode
        pod = self.spec.pod
        needs_pod = mode is Mode.IMPORT_VIDEO or (mode is Mode.CLAIM and pod.database is not None)
        writes_pod = mode is Mode.IMPORT_VIDEO or (mode is Mode.CLAIM
                                                   and pod.claim.register_claimable)
        if writes_pod and pod.database is None:
            # The spec lets a dry run omit the database, but without it not even a dry run can
            # say which rows it would write: say so now rather than at the first recording.
            what = ("mode import-video" if mode is Mode.IMPORT_VIDEO
                    else "pod.claim.registerClaimable")
            raise PublishConfigError(f"{what} needs pod.database, even in a dry run (the rows "
                                     "that would be written are read from Pod)")
        if mode is Mode.CLAIM and pod.database is None:
            self._claim_directory = self._check_claim_folder(pod.claim.recorder_directory)
        if needs_pod:
            writer = self._pod_writer()
            try:
                if not writer.site_exists(pod.site_id):
                    raise PublishConfigError(
                        f"pod.siteId {pod.site_id} does not exist in django_site")
                if mode is Mode.IMPORT_VIDEO:
                    if writer.secret_key is None and not self.dry_run:
                        raise PublishConfigError("import-video needs pod.secretKeyRef")
                    if writer.user_id(pod.admin_username) is None:
                        raise PublishConfigError(
                            f"the Pod administrator {pod.admin_username!r} (pod.adminUsername) "
                            "does not exist in auth_user")
                if mode is Mode.CLAIM:
                    self._recorder = self._check_recorder(writer)
            except DatabaseError as exc:
                raise stopped_by(exc) from None
            finally:
                writer.conn.rollback()
        if self.spec.from_rendered:
            media = Path(pod.import_video.media_path)
            if not media.is_dir() or (not self.dry_run and not os.access(media, os.W_OK)):
                raise PublishConfigError(
                    f"pod.importVideo.mediaPath {media} is not a writable folder (the rendered "
                    "MP4s are stored there and served at pod.importVideo.baseUrl)")
        if mode in (Mode.IMPORT_VIDEO, Mode.EXPORT_CSV):
            for key in self._moodle.all_keys():
                self._check_moodle(key)
        if mode is Mode.IMPORT_VIDEO and self.spec.greenlight is not None:
            try:
                self._greenlight.directory().check()
            except DatabaseError as exc:
                raise stopped_by(exc, f"Greenlight database: {exc}") from None
        if mode is Mode.IMPORT_VIDEO:
            self.notice_plan = self._check_notice_rights()
        self._checked = True

    def _check_notice_rights(self: Publisher) -> str:
        """With notices on, every Moodle account must be allowed the notice's UPDATEs.

        A read-only account would otherwise publish every recording and fail every notice.
        """
        settings = self._moodle.settings
        if settings is None or not settings.databases:
            return "Moodle notices: none (no Moodle database configured)"
        if not settings.notice.enabled:
            return "Moodle notices: not written (moodle.notice.enabled is false)"
        for key in self._moodle.all_keys():
            directory = self._moodle.directory(key)
            try:
                denied = directory.notice_denied()
            except DatabaseError as exc:
                raise stopped_by(exc) from None
            if denied is not None:
                raise PublishConfigError(
                    f"moodle.notice.enabled is true but the account of Moodle database {key!r} "  # noqa: S608 (a message)
                    f"cannot write the notice ({denied}): grant it the right to update "
                    f"{directory.prefix}bigbluebuttonbn and {directory.prefix}course, or set "
                    "moodle.notice.enabled to false")
        verb = "would be" if self.dry_run else "are"
        return (f"Moodle notices: {verb} written into each activity whose moderators own a "
                f"recording (UPDATE allowed on {', '.join(self._moodle.all_keys())})")

    def _check_recorder(self: Publisher, writer: PodWriter) -> Recorder:
        settings = self.spec.pod.claim
        recorder = writer.recorder(settings.recorder_id)
        rid = settings.recorder_id
        if recorder is None:
            raise PublishConfigError(f"no Pod recorder with id {rid} (pod.claim.recorderId)")
        if recorder.manager_id is not None:
            raise PublishConfigError(
                f"recorder {rid} ({recorder.name!r}) has a manager (user id "
                f"{recorder.manager_id}): Pod only offers files of recorders without a manager "
                "for claiming; pick or create a recorder with no manager")
        if not recorder.on_site:
            raise PublishConfigError(
                f"recorder {rid} ({recorder.name!r}) is not linked to site {writer.site_id} "
                "(recorder_recorder_sites): Pod's claim page would hide its files")
        if settings.recorder_directory not in (None, recorder.directory):
            raise PublishConfigError(
                f"pod.claim.recorderDirectory {settings.recorder_directory!r} differs from the "
                f"directory {recorder.directory!r} of recorder {rid} in Pod")
        self._claim_directory = self._check_claim_folder(recorder.directory)
        return recorder

    def _check_claim_folder(self: Publisher, directory: str | None) -> str:
        """The recorder's folder must exist: Pod's cron only scans existing folders."""
        if directory is None:
            raise PublishConfigError(
                "claim mode without pod.database needs pod.claim.recorderDirectory (the "
                "recorder's folder under pod.claim.recorderPath)")
        folder = Path(self.spec.pod.claim.recorder_path) / directory
        if not folder.is_dir():
            raise PublishConfigError(
                f"recorder folder {folder} does not exist (pod.claim.recorderPath + the "
                f"recorder's directory {directory!r})")
        return directory

    def _check_moodle(self: Publisher, key: str) -> None:
        try:
            directory = self._moodle.directory(key)
            directory.conn.query(
                f"SELECT id FROM {directory.t('bigbluebuttonbn')} WHERE id = %s", (0,))  # noqa: S608
            directory.conn.rollback()
        except DatabaseError as exc:
            raise stopped_by(exc, f"Moodle database {key!r}: {exc} (check moodle.tablePrefix "
                             f"{self._moodle.settings.table_prefix!r} and the URL)") from None
