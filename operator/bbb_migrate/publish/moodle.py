"""Moodle 4.x: a recording's activities, who moderated them, and the notice written into them.

Pod's reference command only reads ``participants`` items of type ``user`` and, on PostgreSQL,
only the first of them (a closed cursor), so teachers who moderate through their course role are
never found. Here every rule of ``mdl_bigbluebuttonbn.participants`` is applied the way
``mod_bigbluebuttonbn``'s ``roles::is_moderator`` does it:

- ``user`` rules with role ``moderator``: that user;
- ``role`` rules (role id or shortname): every user holding that role in the activity's module
  context or any parent context (course, categories, system), i.e. the ids in ``mdl_context.path``;
- an ``all`` moderator rule: every active enrolment of the course;
- an empty/NULL/``[]`` list: Moodle's defaults from the setting
  ``bigbluebuttonbn_participant_moderator_default`` (``0`` = the activity owner, i.e. the user
  of the ``Add`` log row; anything else = a role).

Site administrators are moderators everywhere in Moodle but are deliberately not counted: they
would become owners of every recording. Users deleted or suspended in Moodle are reported and not
returned as owners.

The activity of a recording is found through ``mdl_bigbluebuttonbn_recordings.recordingid`` (any
status: Pod's ``status = 2`` filter misses recordings Moodle already notified, status 3) and, where
no such row exists, by parsing the BBB meeting ID Moodle built:
``<40-hex seed>-<course id>-<activity id>[<group id>]``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from ..models import Recording
from . import moderators
from .db import Connection, DatabaseError, marks
from .moderators import Activity, Moderators, MoodleUser

__all__ = ["MEETING_ID", "Activity", "Moderators", "MoodleDirectory", "MoodleUser"]

MEETING_ID = re.compile(r"^([0-9a-f]{40})-(\d+)-(\d+)(?:\[(\d+)\])?$")


class MoodleDirectory:
    """Moderator lookups and notice writes on one Moodle database (tables behind a prefix)."""

    def __init__(self, conn: Connection, prefix: str) -> None:
        self.conn = conn
        self.prefix = prefix
        self._roles: dict[str, int] | None = None
        self._default_rule: str | None = None
        self._by_activity: dict[int, moderators.Resolved] = {}
        self._prefetched: dict[str, list[tuple[Any, ...]]] = {}

    def t(self, name: str) -> str:
        """A Moodle table name, prefixed and quoted."""
        return self.conn.ident(self.prefix + name)

    # -- activities --------------------------------------------------------------------------

    def prefetch(self, recordings: list[Recording], chunk: int = 500) -> None:
        """Read the recordings-table links of many recordings at once (the batch API's path).

        :meth:`activities` then answers from memory for those recordings, once each.
        """
        wanted = {i: r for r in recordings
                  for i in (r.record_id, r.internal_meeting_id) if i}
        ids = list(wanted)
        found: dict[str, list[tuple[Any, ...]]] = {}
        for at in range(0, len(ids), chunk):
            part = ids[at:at + chunk]
            for row in self._link_rows(part):
                found.setdefault(str(row[0]), []).append(row)
        for recording in recordings:
            rows = [row for i in dict.fromkeys((recording.record_id,
                                                recording.internal_meeting_id)) if i
                    for row in found.get(i, [])]
            rows.sort(key=lambda row: (row[3], row[-1]))
            self._prefetched[recording.record_id] = rows
        origin: list[Activity] = []
        for recording in recordings:
            if self._prefetched.get(recording.record_id):
                found = self._from_links(self._prefetched[recording.record_id])
                origin += [a for a in found if not a.imported] or found
        self.resolve_moderators(origin)

    def _link_rows(self, ids: list[str]) -> list[tuple[Any, ...]]:
        placeholders = marks(len(ids))
        return self.conn.query(
            "SELECT r.recordingid, r.bigbluebuttonbnid, r.groupid, r.imported, b.id, "  # noqa: S608
            f"b.course, b.name, b.participants, r.id FROM {self.t('bigbluebuttonbn_recordings')} r "
            f"LEFT JOIN {self.t('bigbluebuttonbn')} b ON b.id = r.bigbluebuttonbnid "
            f"WHERE r.recordingid IN ({placeholders}) ORDER BY r.imported, r.id",
            ids,
        )

    def activities(self, recording: Recording) -> list[Activity]:
        """The activities a recording belongs to; the one that made it comes first."""
        links = self._prefetched.pop(recording.record_id, None)
        if links is None:
            ids = list(dict.fromkeys(i for i in (recording.record_id,
                                                 recording.internal_meeting_id) if i))
            links = self._link_rows(ids)
        found = self._from_links(links)
        if found:
            return found
        match = MEETING_ID.match(recording.meeting_id or "")
        if not match:
            return []
        seed, course, bid, group = match.groups()
        row = self.conn.query_one(
            f"SELECT id, course, name, participants FROM {self.t('bigbluebuttonbn')} "  # noqa: S608
            "WHERE id = %s AND course = %s AND meetingid = %s",
            (int(bid), int(course), seed),
        )
        if row is None:
            return []
        return [Activity(int(row[0]), int(row[1]), row[2] or "", row[3],
                         None if group is None else int(group), False, "meeting ID")]

    @staticmethod
    def _from_links(links: list[tuple[Any, ...]]) -> list[Activity]:
        found: dict[int, Activity] = {}
        for _rid, _bbbid, groupid, imported, bid, course, name, participants, _id in links:
            if bid is None or int(bid) in found:
                continue  # headless: the activity was deleted
            found[int(bid)] = Activity(int(bid), int(course), name or "", participants,
                                       None if groupid is None else int(groupid),
                                       bool(imported), "recordings table")
        return list(found.values())

    # -- moderators ---------------------------------------------------------------------------

    def moderators(self, recording: Recording) -> Moderators:
        """Every moderator of the activity that made the recording (copies come after)."""
        result = Moderators(activities=self.activities(recording))
        origin = [a for a in result.activities if not a.imported] or result.activities
        self.resolve_moderators(origin)
        seen: set[int] = set()
        for activity in origin:
            users, warnings = self._by_activity[activity.id]
            result.warnings.extend(warnings)
            for user in users:
                if user.id not in seen:
                    seen.add(user.id)
                    result.users.append(user)
        return result

    def resolve_moderators(self, activities: list[Activity]) -> None:
        """Resolve (in one go, see :mod:`.moderators`) the activities not yet cached."""
        todo = list({a.id: a for a in activities if a.id not in self._by_activity}.values())
        if todo:
            self._by_activity.update(moderators.resolve(self, todo))

    def default_moderators(self) -> str:
        """Moodle's ``bigbluebuttonbn_participant_moderator_default`` (``0``: the owner)."""
        if self._default_rule is None:
            value = self.conn.scalar(
                f"SELECT value FROM {self.t('config')} WHERE name = %s",  # noqa: S608
                ("bigbluebuttonbn_participant_moderator_default",),
            )
            self._default_rule = "0" if value is None else str(value)
        return self._default_rule

    def role_id(self, selection: str) -> int | None:
        """A role by id or shortname (read once)."""
        if self._roles is None:
            rows = self.conn.query(f"SELECT id, shortname FROM {self.t('role')}")  # noqa: S608
            self._roles = {str(r[0]): int(r[0]) for r in rows}
            self._roles.update({str(r[1]): int(r[0]) for r in rows})
        return self._roles.get(selection)

    # -- the notice ---------------------------------------------------------------------------

    def notice_denied(self) -> str | None:
        """Why this account may not write the notice, or None when it may.

        ``EXPLAIN UPDATE`` of the two statements :meth:`write_notice` runs: the server checks
        the UPDATE privilege on those tables and columns without executing anything, so this
        is safe in a dry run too. Only a permission (or missing table) error answers "denied";
        a lost connection is raised as usual.
        """
        for table, columns in (("bigbluebuttonbn", ("intro", "timemodified")),
                               ("course", ("cacherev",))):
            sets = ", ".join(f"{self.conn.ident(c)} = {self.conn.ident(c)}" for c in columns)
            try:
                self.conn.query(f"EXPLAIN UPDATE {self.t(table)} SET {sets} WHERE id = %s",  # noqa: S608
                                (0,))
            except DatabaseError as exc:
                if exc.retryable:
                    raise
                return f"UPDATE of {self.prefix}{table} refused: {exc}"
        return None

    def notice_needed(self, activity_id: int, html: str) -> bool:
        """True if the activity's description does not contain the notice yet."""
        intro = self.conn.scalar(
            f"SELECT intro FROM {self.t('bigbluebuttonbn')} WHERE id = %s",  # noqa: S608
            (activity_id,),
        )
        return html not in (intro or "")

    def write_notices(self, activities: list[Activity], html: str) -> list[Activity]:
        """Append ``html`` once to each activity's description; bump their courses' cache
        revision. Returns the activities written (those without the notice yet).

        Call inside a transaction. The rows are locked first (in id order) so that two workers
        cannot both append the notice. Three statements, however many activities.
        """
        if not activities:
            return []
        ids = sorted({a.id for a in activities})
        rows = self.conn.query(
            f"SELECT id, intro FROM {self.t('bigbluebuttonbn')} "  # noqa: S608
            f"WHERE id IN ({marks(len(ids))}) ORDER BY id FOR UPDATE", ids)
        intros = {int(r[0]): r[1] or "" for r in rows if html not in (r[1] or "")}
        if not intros:
            return []
        now = int(time.time())
        self.conn.update_by_id(
            self.prefix + "bigbluebuttonbn", "intro",
            {i: f"{intro}<br>{html}" if intro.strip() else html for i, intro in intros.items()},
            {"timemodified": now})
        written = [a for a in dict((a.id, a) for a in activities).values() if a.id in intros]
        courses = sorted({a.course for a in written})
        # What Moodle's increment_revision_number() does, so the course cache is rebuilt.
        self.conn.execute(
            f"UPDATE {self.t('course')} SET cacherev = CASE WHEN cacherev < %s THEN %s "  # noqa: S608
            f"ELSE cacherev + 1 END WHERE id IN ({marks(len(courses))})",
            (now, now, *courses))
        return written
