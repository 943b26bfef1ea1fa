"""Rows in Pod's database, written the way Pod's own code and signals would write them.

Raw SQL fires no Django signal and Pod's tables have no column DEFAULTs, so each row carries
every value Pod's Python code would have set (see ``research/pod-real.md`` §4-5):

- users and their signal rows: :mod:`.podusers`;
- external recordings: ``import_video_externalrecording`` deduplicated on (``source_url``,
  ``owner_id``) like Pod, and serialised per owner with a row lock taken before, and apart
  from, the duplicate check so two workers cannot both insert it (a whole batch: one lock
  statement, one check, one multi-row insert);
- a claimable file: ``recorder_recordingfiletreatment`` with ``require_manual_claim`` and its
  recorder (a NULL recorder breaks Pod's claim page for every user).

Ids always come from the database (identity, serial or AUTO_INCREMENT). Every write is added to
the caller's list of writes; with ``dry_run`` nothing is executed and the list says what would be.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .db import POSTGRESQL, Connection, marks
from .podschema import PodSchema
from .podusers import UserRows, hashkey

__all__ = ["ExternalRows", "PodWriter", "Recorder", "hashkey"]


@dataclass(frozen=True)
class Recorder:
    id: int
    name: str
    directory: str
    manager_id: int | None
    recording_type: str
    on_site: bool


@dataclass
class ExternalRows:
    """The external recordings of one recording: one per owner (Pod user id or None for a
    user a dry run would create, username)."""

    name: str
    start: datetime
    source_url: str
    owners: list[tuple[int | None, str]]
    site_id: int
    writes: list[str]
    warnings: list[str]
    kind: str = "bigbluebutton"  # Pod's type; "video" for a rendered MP4 (rendered.py)


class PodWriter(UserRows):
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

    # -- transaction bookkeeping (a rolled-back user must not stay in the cache) --------------

    def committed(self) -> None:
        self._users.update(self._pending)
        self._pending.clear()

    def rolled_back(self, *, keep: dict[str, int] | None = None) -> None:
        """Forget users created since the transaction began (or since ``keep`` was taken by
        :meth:`pending_users`, when only a savepoint was rolled back)."""
        self._pending = dict(keep or {})

    def pending_users(self) -> dict[str, int]:
        """The users created in the open transaction so far (a copy)."""
        return dict(self._pending)

    # -- reads ------------------------------------------------------------------------------

    def site_exists(self, site_id: int) -> bool:
        return self.conn.scalar("SELECT id FROM django_site WHERE id = %s", (site_id,)) is not None

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

    def _fit(self, table: str, column: str, value: str, what: str,
             warnings: list[str]) -> str:
        fitted, changed = self.schema.fit(table, column, value)
        if changed:
            warnings.append(f"{what} shortened to fit {table}.{column}: {fitted!r}")
        return fitted

    def _insert_rows(self, table: str, rows: list[dict[str, Any]], writes: list[list[str]],
                     shown_as: list[dict[str, str]] | None = None, *,
                     always_shown: bool = False) -> list[int | None]:
        """INSERT (or, dry run, describe) rows with the same columns, in one statement where
        the engine allows; each row told in its own list of ``writes``. ``shown_as`` names
        what a dry run shows instead of ids it lacks (in a real run too with ``always_shown``:
        an owner's username beside its id)."""
        if not rows:
            return []
        new_ids: list[int | None] = ([None] * len(rows) if self.dry_run
                                     else list(self.conn.insert_many(table, rows)))
        for at, (values, new_id) in enumerate(zip(rows, new_ids, strict=True)):
            names = shown_as[at] if shown_as and (self.dry_run or always_shown) else {}
            shown = ", ".join(f"{k}={names.get(k) or _show(v)}" for k, v in values.items())
            if new_id is None:
                writes[at].append(f"pod {table}: would insert ({shown})")
            else:
                writes[at].append(f"pod {table}: inserted id={new_id} ({shown})")
        return new_ids

    def check_source_url(self, source_url: str) -> None:
        """A playback URL longer than Pod's column is refused before anything is written."""
        limit = self.schema.max_length("import_video_externalrecording", "source_url")
        if limit is not None and len(source_url) > limit:
            raise ValueError(f"playback URL longer than import_video_externalrecording.source_url "
                             f"allows ({len(source_url)} > {limit} characters): "
                             f"{source_url[:80]}…")

    def ensure_external_recordings(self, batch: list[ExternalRows]) -> int:
        """One ``ExternalRecording`` per (source URL, owner), like Pod's filter-then-create.

        The rows show the username beside the id (``owner_id=1 (admin)``). Two publishers of
        the same recording (two migrations over one server, an operator and a local run) must
        not both insert: see :meth:`_existing_owners`. Returns how many rows were (or would
        be) added.
        """
        for rows in batch:
            self.check_source_url(rows.source_url)
        known = sorted({uid for rows in batch for uid, _ in rows.owners if uid is not None})
        existing = self._existing_owners(sorted({r.source_url for r in batch}), known) \
            if known else set()
        values_of, writes, shown = [], [], []
        for rows in batch:
            stored_name = self._fit("import_video_externalrecording", "name", rows.name,
                                    "recording name", rows.warnings)
            for owner_id, label in dict.fromkeys(rows.owners):
                if owner_id is not None and (rows.source_url, owner_id) in existing:
                    continue
                if owner_id is not None:
                    existing.add((rows.source_url, owner_id))  # once, even if asked twice
                values_of.append({
                    "name": stored_name,
                    "start_at": self.conn.db_datetime(rows.start),
                    "type": rows.kind,
                    "source_url": rows.source_url,
                    "state": None,
                    "owner_id": owner_id,
                    "site_id": rows.site_id,
                    "uploaded_to_pod_by_id": None,
                })
                writes.append(rows.writes)
                shown.append({"owner_id": f"<id of new user {label!r}>" if owner_id is None
                              else f"{owner_id} ({label})" if label else str(owner_id)})
        self._insert_rows("import_video_externalrecording", values_of, writes, shown,
                          always_shown=True)
        return len(values_of)

    def _existing_owners(self, source_urls: list[str],
                         owner_ids: list[int]) -> set[tuple[str, int]]:
        """(URL, owner) pairs that already have an external recording, read under locks.

        First the lock, then the check, in two statements. The owners' ``auth_user`` rows are
        locked in id order, in one statement for the whole batch (no deadlock between
        publishers): publishers writing rows for the same owner queue up, and rows are unique
        per (URL, owner). Only then are the existing rows read: under PostgreSQL's READ
        COMMITTED a new statement sees what the lock holder committed, whereas a single
        ``SELECT … JOIN … FOR UPDATE`` read the rows from a snapshot taken before the wait and
        let a second row in. On MySQL the check is a locking read (``FOR UPDATE``), which reads
        the latest committed rows rather than the REPEATABLE READ snapshot. A dry run takes no
        lock (its transaction is read-only).
        """
        owners = marks(len(owner_ids))
        if not self.dry_run:
            self.conn.query(
                f"SELECT id FROM auth_user WHERE id IN ({owners}) ORDER BY id FOR UPDATE",  # noqa: S608
                owner_ids)
        locking = " FOR UPDATE" if self.conn.engine != POSTGRESQL and not self.dry_run else ""
        rows = self.conn.query(
            "SELECT source_url, owner_id FROM import_video_externalrecording "  # noqa: S608
            f"WHERE source_url IN ({marks(len(source_urls))}) AND owner_id IN ({owners})"
            f"{locking}",
            [*source_urls, *owner_ids])
        return {(str(r[0]), int(r[1])) for r in rows}

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
        self._insert_rows("recorder_recordingfiletreatment", [{
            "file": path,
            "file_size": size,
            "date_added": self.conn.db_datetime(datetime.now(UTC)),
            "require_manual_claim": True,
            "email_sent": False,
            "date_email_sent": None,
            "type": recorder.recording_type,
            "recorder_id": recorder.id,
        }], [writes])
        return True


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value):
        return value  # hashkey: shown whole so a dry run can be checked against Pod's formula
    return repr(value)
