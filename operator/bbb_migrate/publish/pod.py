"""Rows in Pod's database, written the way Pod's own code and signals would write them.

Raw SQL fires no Django signal and Pod's tables have no column DEFAULTs, so each row carries
every value Pod's Python code would have set (see ``research/pod-real.md`` §4-5):

- a user: ``auth_user`` (staff, active, empty password, names and e-mail from Moodle), then
  what ``post_save(User)`` does: ``authentication_owner`` (``local``/``student``/establishment,
  ``hashkey = sha256(SECRET_KEY + username)``), then ``post_save(Owner)``: the site link in
  ``authentication_owner_sites``, then ``m2m_changed(Owner.sites)``: the "Favorites" playlist
  (without it every Pod page fails for that user when playlists and favourites are on);
- an external recording: ``import_video_externalrecording`` deduplicated on
  (``source_url``, ``owner_id``) like Pod, and serialised per owner with a row lock taken
  before, and apart from, the duplicate check so two workers cannot both insert it;
- a claimable file: ``recorder_recordingfiletreatment`` with ``require_manual_claim`` and its
  recorder (a NULL recorder breaks Pod's claim page for every user).

Ids always come from the database (identity, serial or AUTO_INCREMENT). Every write is added to
the caller's list of writes; with ``dry_run`` nothing is executed and the list says what would be.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .db import POSTGRESQL, Connection
from .moodle import MoodleUser
from .podschema import PodSchema

FAVORITES = "Favorites"
FAVORITES_DESCRIPTION = "Vos vidéos favorites."  # Pod's "Your favorites videos." under fr


def hashkey(secret_key: str, username: str) -> str:
    """Pod's ``Owner.hashkey``: sha256 of SECRET_KEY followed by the username, hex."""
    return hashlib.sha256((secret_key + username).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Recorder:
    id: int
    name: str
    directory: str
    manager_id: int | None
    recording_type: str
    on_site: bool


class PodWriter:
    """Reads and writes on one Pod database; the caller owns the transaction."""

    def __init__(
        self,
        conn: Connection,
        schema: PodSchema,
        *,
        site_id: int,
        establishment: str,
        secret_key: str | None,
        dry_run: bool,
    ) -> None:
        self.conn = conn
        self.schema = schema
        self.site_id = site_id
        self.establishment = establishment
        self.secret_key = secret_key
        self.dry_run = dry_run
        self._users: dict[str, int] = {}  # committed users: username → id
        self._pending: dict[str, int] = {}  # users created in the open transaction
        self._dry_users: set[str] = set()
        self._meetings: dict[str, tuple[int, int]] | None = None
        self.warnings: list[str] = []

    # -- transaction bookkeeping (a rolled-back user must not stay in the cache) --------------

    def committed(self) -> None:
        self._users.update(self._pending)
        self._pending.clear()

    def rolled_back(self) -> None:
        self._pending.clear()

    # -- reads ------------------------------------------------------------------------------

    def site_exists(self, site_id: int) -> bool:
        return self.conn.scalar("SELECT id FROM django_site WHERE id = %s", (site_id,)) is not None

    def user_id(self, username: str) -> int | None:
        """Pod's ``User.objects.filter(username=…).first()`` (the engine's collation applies)."""
        if username in self._users:
            return self._users[username]
        if username in self._pending:
            return self._pending[username]
        found = self.conn.scalar("SELECT id FROM auth_user WHERE username = %s", (username,))
        if found is not None:
            self._users[username] = int(found)
            return int(found)
        return None

    def meeting_owner(self, meeting_id: str) -> tuple[int, int] | None:
        """(owner id, site id) of the Pod meeting with that BBB meeting ID, if Pod made it.

        Pod's ``Meeting.objects.filter(meeting_id=…).first()``: the lowest id wins. The table
        is read once per run (Pod has far fewer meetings than recordings to migrate, and a
        meeting created during the run cannot own a recording made before it).
        """
        if self._meetings is None:
            rows = self.conn.query("SELECT meeting_id, owner_id, site_id FROM meeting "
                                   "ORDER BY id DESC")
            self._meetings = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
        return self._meetings.get(meeting_id)

    def recorder(self, recorder_id: int) -> Recorder | None:
        row = self.conn.query_one(
            "SELECT id, name, directory, user_id, recording_type FROM recorder_recorder "
            "WHERE id = %s",
            (recorder_id,),
        )
        if row is None:
            return None
        on_site = self.conn.scalar(
            "SELECT id FROM recorder_recorder_sites WHERE recorder_id = %s AND site_id = %s",
            (recorder_id, self.site_id),
        )
        return Recorder(int(row[0]), row[1], row[2], None if row[3] is None else int(row[3]),
                        row[4], on_site is not None)

    # -- writes -----------------------------------------------------------------------------

    def _fit(self, table: str, column: str, value: str, what: str) -> str:
        fitted, changed = self.schema.fit(table, column, value)
        if changed:
            self.warnings.append(f"{what} shortened to fit {table}.{column}: {fitted!r}")
        return fitted

    def _insert(self, table: str, values: dict[str, Any], writes: list[str],
                shown_as: dict[str, str] | None = None) -> int | None:
        """INSERT (or, dry run, describe) one row; ``shown_as`` names ids a dry run lacks."""
        shown_as = (shown_as or {}) if self.dry_run else {}
        shown = ", ".join(f"{k}={shown_as.get(k) or _show(v)}" for k, v in values.items())
        if self.dry_run:
            writes.append(f"pod {table}: would insert ({shown})")
            return None
        new_id = self.conn.insert(table, values)
        writes.append(f"pod {table}: inserted id={new_id} ({shown})")
        return new_id

    def ensure_user(self, user: MoodleUser, writes: list[str]) -> int | None:
        """The Pod user id for a Moodle user, creating the user and its signal rows if missing.

        In a dry run a missing user gives None (and the writes that would be made).
        """
        username = self._fit("auth_user", "username", user.username, "username")
        existing = self.user_id(username)
        if existing is not None:
            return existing
        if username in self._dry_users:
            writes.append(f"pod auth_user: user {username!r} would be created by an earlier "
                          "recording of this dry run")
            return None
        if self.secret_key is None and not self.dry_run:
            raise ValueError("creating Pod users needs pod.secretKeyRef (the owner hashkey)")
        now = self.conn.db_datetime(datetime.now(UTC))
        user_id = self._insert("auth_user", {
            "password": "",
            "last_login": None,
            "is_superuser": False,
            "username": username,
            "first_name": self._fit("auth_user", "first_name", user.firstname, "first name"),
            "last_name": self._fit("auth_user", "last_name", user.lastname, "last name"),
            "email": self._fit("auth_user", "email", user.email, "e-mail"),
            "is_staff": True,
            "is_active": True,
            "date_joined": now,
        }, writes)
        owner: dict[str, Any] = {
            "auth_type": "local",
            "affiliation": "student",
            "commentaire": "",
            "hashkey": (hashkey(self.secret_key, username) if self.secret_key is not None
                        else "<sha256(SECRET_KEY + username)>"),
            "establishment": self._fit("authentication_owner", "establishment",
                                       self.establishment, "establishment"),
            "user_id": user_id,
            "userpicture_id": None,
        }
        if self.schema.has_accepts_notifications:
            owner["accepts_notifications"] = None
        new_user = {"user_id": f"<id of new user {username!r}>",
                    "owner_id": f"<id of new user {username!r}>"}
        owner_id = self._insert("authentication_owner", owner, writes, new_user)
        self._insert("authentication_owner_sites",
                     {"owner_id": owner_id, "site_id": self.site_id}, writes,
                     {"owner_id": f"<id of the owner of new user {username!r}>"})
        if self.schema.has_playlist:
            self._favorites(user_id, now, writes, new_user)
        if user_id is None:
            self._dry_users.add(username)  # dry run: reported in full once per run
        else:
            self._pending[username] = user_id
        return user_id

    def _favorites(self, user_id: int | None, now: datetime, writes: list[str],
                   shown_as: dict[str, str]) -> None:
        values = {
            "date_created": now,
            "name": FAVORITES,
            "description": FAVORITES_DESCRIPTION,
            "password": "",
            "visibility": "private",
            "autoplay": True,
            "promoted": False,
            "editable": False,
            "slug": f"bbb-migrate-{uuid.uuid4().hex}",  # replaced by "<id>-favorites" below
            "date_updated": now,
            "owner_id": user_id,
            "site_id": self.site_id,
        }
        if self.dry_run:
            values["slug"] = "<id>-favorites"
        playlist_id = self._insert("playlist_playlist", values, writes, shown_as)
        if playlist_id is not None:
            self.conn.execute("UPDATE playlist_playlist SET slug = %s WHERE id = %s",
                              (f"{playlist_id}-favorites", playlist_id))

    def ensure_external_recordings(
        self,
        *,
        name: str,
        start: datetime,
        source_url: str,
        owners: list[tuple[int | None, str]],
        site_id: int,
        writes: list[str],
        kind: str = "bigbluebutton",
    ) -> int:
        """One ``ExternalRecording`` per (source URL, owner), like Pod's filter-then-create.

        ``kind`` is Pod's ``type``: ``bigbluebutton`` for a playback on the BBB server,
        ``video`` for a rendered MP4 (``publish/rendered.py``).

        ``owners`` are (Pod user id, username); the id is None for a user a dry run would
        create. The rows show the username beside the id (``owner_id=1 (admin)``).
        Two publishers of the same recording (two migrations over one server, an operator and a
        local run) must not both insert: see :meth:`_existing_owners`. Returns how many rows were
        (or would be) added.
        """
        limit = self.schema.max_length("import_video_externalrecording", "source_url")
        if limit is not None and len(source_url) > limit:
            raise ValueError(f"playback URL longer than import_video_externalrecording.source_url "
                             f"allows ({len(source_url)} > {limit} characters): "
                             f"{source_url[:80]}…")
        known = sorted({uid for uid, _ in owners if uid is not None})
        existing: set[int] = set()
        if known:
            existing = self._existing_owners(source_url, known)
        stored_name = self._fit("import_video_externalrecording", "name", name, "recording name")
        rows_to_add = []
        for owner_id, label in owners:
            if owner_id is not None and owner_id in existing:
                continue
            values = {
                "name": stored_name,
                "start_at": self.conn.db_datetime(start),
                "type": kind,
                "source_url": source_url,
                "state": None,
                "owner_id": owner_id,
                "site_id": site_id,
                "uploaded_to_pod_by_id": None,
            }
            owner = (f"<id of new user {label!r}>" if owner_id is None
                     else f"{owner_id} ({label})" if label else str(owner_id))
            if self.dry_run:
                self._insert("import_video_externalrecording", values, writes,
                             {"owner_id": owner})
            rows_to_add.append((values, owner))
        if rows_to_add and not self.dry_run:
            new_ids = self.conn.insert_many("import_video_externalrecording",
                                            [values for values, _ in rows_to_add])
            for new_id, (values, owner) in zip(new_ids, rows_to_add, strict=True):
                shown = ", ".join(f"{k}={owner if k == 'owner_id' else _show(v)}"
                                  for k, v in values.items())
                writes.append(f"pod import_video_externalrecording: inserted id={new_id} "
                              f"({shown})")
        return len(rows_to_add)

    def _existing_owners(self, source_url: str, owner_ids: list[int]) -> set[int]:
        """The owners already holding an external recording of ``source_url``, read under locks.

        First the lock, then the check, in two statements. The owners' ``auth_user`` rows are
        locked in id order (no deadlock between publishers): publishers writing rows for the
        same owner queue up, and rows are unique per (URL, owner). Only then are the existing
        rows read: under PostgreSQL's READ COMMITTED a new statement sees what the lock holder
        committed, whereas a single ``SELECT … JOIN … FOR UPDATE`` read the rows from a snapshot
        taken before the wait and let a second row in. On MySQL the check is a locking read
        (``FOR UPDATE``), which reads the latest committed rows rather than the REPEATABLE READ
        snapshot. A dry run takes no lock (its transaction is read-only).
        """
        marks = ", ".join(["%s"] * len(owner_ids))
        if not self.dry_run:
            self.conn.query(
                f"SELECT id FROM auth_user WHERE id IN ({marks}) ORDER BY id FOR UPDATE",  # noqa: S608
                owner_ids)
        locking = " FOR UPDATE" if self.conn.engine != POSTGRESQL and not self.dry_run else ""
        rows = self.conn.query(
            "SELECT owner_id FROM import_video_externalrecording "  # noqa: S608
            f"WHERE source_url = %s AND owner_id IN ({marks}){locking}",
            [source_url, *owner_ids])
        return {int(r[0]) for r in rows}

    def ensure_claimable(self, path: str, size: int, recorder: Recorder, writes: list[str]) -> bool:
        """The claim list row for a file Pod's cron would otherwise need two passes to create."""
        limit = self.schema.max_length("recorder_recordingfiletreatment", "file")
        if limit is not None and len(path) > limit:
            raise ValueError(f"file path {path!r} is {len(path)} characters; "
                             f"recorder_recordingfiletreatment.file holds {limit} in this Pod")
        exists = self.conn.scalar(
            "SELECT id FROM recorder_recordingfiletreatment WHERE file = %s", (path,)
        )
        if exists is not None:
            return False
        self._insert("recorder_recordingfiletreatment", {
            "file": path,
            "file_size": size,
            "date_added": self.conn.db_datetime(datetime.now(UTC)),
            "require_manual_claim": True,
            "email_sent": False,
            "date_email_sent": None,
            "type": recorder.recording_type,
            "recorder_id": recorder.id,
        }, writes)
        return True


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value  # hashkey: shown whole so a dry run can be checked against Pod's formula
    return repr(value)
