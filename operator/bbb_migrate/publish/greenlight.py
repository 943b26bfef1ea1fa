"""Greenlight as a source of owners: the room a recording was made in, its owner and co-owners.

Greenlight (BBB's own front end) keeps its rooms in PostgreSQL; a recording's BBB meeting ID is
its room's ID at BBB:

====================  =============================  ===============================
                      v2 (branch ``v2``, Rails 5)     v3 (``master``, Rails 7, UUIDs)
====================  =============================  ===============================
room of a recording   ``rooms.bbb_id``                ``rooms.meeting_id`` (UNIQUE)
owner                 ``rooms.user_id``               ``rooms.user_id``
co-owners             ``shared_accesses``             ``shared_accesses``
user                  ``users(name, username, email,  ``users(name, email,
                      social_uid, deleted)``          external_id)``
====================  =============================  ===============================

v2 deletes softly (``rooms.deleted``, ``users.deleted``): a deleted user is not imported (said in
the report, as for Moodle), a deleted room still owns its recordings (they are still on the
server). A Greenlight user becomes the Pod user found by ``greenlight.matchBy``; with
``username`` or ``externalId`` a missing Pod user is created (its username is that value), with
``email`` a missing one cannot be (a username would have to be invented) and is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Recording
from ..spec import Database, GreenlightSettings
from .db import Connection, DatabaseError
from .moodle import MoodleUser
from .pod import PodWriter

V2 = "v2"
V3 = "v3"


@dataclass
class Found:
    """The owners of one recording according to Greenlight."""

    room: str = ""  # the room's name, for the report
    users: list[MoodleUser] = field(default_factory=list)  # importable, owner first
    warnings: list[str] = field(default_factory=list)


def split_name(name: str) -> tuple[str, str]:
    """Greenlight keeps one ``name``; Pod has first and last names (first word, the rest)."""
    parts = name.strip().split(None, 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name.strip(), "")


class GreenlightDirectory:
    """Reads rooms and users on one Greenlight database; results cached per run."""

    def __init__(self, conn: Connection, settings: GreenlightSettings) -> None:
        self.conn = conn
        self.settings = settings
        self._version: str | None = None if settings.version == "auto" else settings.version
        self._rooms: dict[str, Found] = {}

    @property
    def version(self) -> str:
        """``v2`` or ``v3``, read from the schema when ``version: auto``."""
        if self._version is None:
            rows = self.conn.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'rooms' "
                "AND table_schema = current_schema() AND column_name IN ('bbb_id', 'meeting_id')")
            columns = {r[0] for r in rows}
            self.conn.rollback()
            if columns == {"bbb_id"}:
                self._version = V2
            elif columns == {"meeting_id"}:
                self._version = V3
            else:
                raise DatabaseError("not a Greenlight database: no table rooms with bbb_id (v2) "
                                    "or meeting_id (v3)")
        return self._version

    def check(self) -> str:
        """Read one row of each table used (and the key column), so a wrong URL, schema or
        ``matchBy`` fails before the first recording; returns the version found."""
        version = self.version
        key = self._key_column()
        room = "bbb_id" if version == V2 else "meeting_id"
        deleted = ", u.deleted" if version == V2 else ""
        self.conn.query(f"SELECT u.id, u.name, u.email, u.{key}{deleted}, r.{room}, r.name, "  # noqa: S608
                        "s.user_id FROM users u "
                        "JOIN rooms r ON r.user_id = u.id "
                        "LEFT JOIN shared_accesses s ON s.room_id = r.id LIMIT 1")
        self.conn.rollback()
        return version

    def _key_column(self) -> str:
        match = self.settings.match_by
        if match == "email":
            return "email"
        if match == "username":
            if self.version == V3:
                raise DatabaseError("greenlight.matchBy username: Greenlight v3 users have no "
                                    "username (use email or externalId)")
            return "username"
        return "social_uid" if self.version == V2 else "external_id"

    def owners(self, meeting_id: str) -> Found:
        """The room owner then its co-owners (shared accesses) for a BBB meeting ID."""
        if meeting_id in self._rooms:
            return self._rooms[meeting_id]
        room_column = "bbb_id" if self.version == V2 else "meeting_id"
        deleted = "u.deleted" if self.version == V2 else "FALSE"
        key = self._key_column()
        select = (f"SELECT u.id AS uid, u.name AS uname, u.email AS email, u.{key} AS keyval, "
                  f"{deleted} AS gone, r.name AS room")
        sql = (f"{select}, 0 AS rank FROM rooms r JOIN users u ON u.id = r.user_id "
               f"WHERE r.{room_column} = %s")
        params: list[str] = [meeting_id]
        if self.settings.shared_accesses:
            sql += (f" UNION ALL {select}, 1 AS rank FROM rooms r "
                    "JOIN shared_accesses s ON s.room_id = r.id JOIN users u ON u.id = s.user_id "
                    f"WHERE r.{room_column} = %s")
            params.append(meeting_id)
        rows = self.conn.query(f"SELECT * FROM ({sql}) t ORDER BY rank, uname, uid", params)  # noqa: S608
        self.conn.rollback()
        found = Found(room=str(rows[0][5]) if rows else "")
        seen: set[str] = set()
        for _uid, name, email, value, is_deleted, _room, _rank in rows:
            shown = f"{name} ({value or email})"
            if is_deleted:
                found.warnings.append(f"Greenlight user {shown} is deleted, not imported")
                continue
            if not value:
                found.warnings.append(f"Greenlight user {name} has no {self.settings.match_by}, "
                                      "not imported")
                continue
            if value in seen:
                continue
            seen.add(value)
            first, last = split_name(str(name or ""))
            username = "" if self.settings.match_by == "email" else str(value)
            found.users.append(MoodleUser(id=0, username=username, firstname=first,
                                          lastname=last, email=str(email or "")))
        self._rooms[meeting_id] = found
        return found


class GreenlightSource:
    """The Greenlight database of a migration, opened when first needed (like Moodle's)."""

    def __init__(self, settings: GreenlightSettings | None,
                 resolve_url: Callable[[Database, str], str], *, dry_run: bool = False) -> None:
        self.settings = settings
        self._resolve_url = resolve_url
        self.dry_run = dry_run
        self._directory: GreenlightDirectory | None = None

    def directory(self) -> GreenlightDirectory:
        if self._directory is None:
            assert self.settings is not None
            database = self.settings.database
            conn = Connection(self._resolve_url(database, "greenlight.database"),
                              connect_timeout=database.connect_timeout_seconds,
                              statement_timeout=database.statement_timeout_seconds,
                              label="Greenlight database", dry_run=self.dry_run)
            self._directory = GreenlightDirectory(conn, self.settings)
        return self._directory

    def lookup(self, recording: Recording) -> Found:
        if self.settings is None or not recording.meeting_id:
            return Found()
        return self.directory().owners(recording.meeting_id)

    def close(self) -> None:
        if self._directory is not None:
            self._directory.conn.close()
            self._directory = None


def pod_users(found: Found, pod: PodWriter) -> tuple[list[MoodleUser], list[int], list[str]]:
    """(users to find or create by username, Pod user ids found by e-mail, warnings).

    Pod's ``auth_user.email`` is not unique: with several accounts the lowest id is taken (the
    oldest, usually the one a login created) and the report says so.
    """
    by_name: list[MoodleUser] = []
    by_email: list[int] = []
    warnings: list[str] = []
    for user in found.users:
        if user.username:
            by_name.append(user)
            continue
        rows = pod.conn.query("SELECT id FROM auth_user WHERE LOWER(email) = LOWER(%s) "
                              "ORDER BY id", (user.email,))
        if not rows:
            warnings.append(f"Greenlight owner {user.firstname} {user.lastname} <{user.email}> "
                            f"of room {found.room!r} has no Pod account with that e-mail, "
                            "not imported")
            continue
        if len(rows) > 1:
            warnings.append(f"{len(rows)} Pod accounts have the e-mail {user.email}: the "
                            f"oldest (id {rows[0][0]}) is the owner")
        by_email.append(int(rows[0][0]))
    return by_name, by_email, warnings
