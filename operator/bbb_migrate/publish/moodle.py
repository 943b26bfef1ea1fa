"""Moodle 4.x: who moderated a recording's activity, and the notice written into that activity.

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

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from ..models import Recording
from .db import Connection, DatabaseError

MODULE_CONTEXT = 70
COURSE_CONTEXT = 50
MEETING_ID = re.compile(r"^([0-9a-f]{40})-(\d+)-(\d+)(?:\[(\d+)\])?$")


@dataclass(frozen=True)
class MoodleUser:
    id: int
    username: str
    firstname: str
    lastname: str
    email: str
    deleted: bool = False
    suspended: bool = False

    def display(self) -> str:
        """``First Last (username)``: Pod's ``Generic_user`` format, used in the CSV."""
        return f"{self.firstname} {self.lastname} ({self.username})"


@dataclass(frozen=True)
class Activity:
    id: int
    course: int
    name: str
    participants: str | None
    group_id: int | None
    imported: bool
    found_by: str  # "recordings table" | "meeting ID"


@dataclass
class Moderators:
    """The outcome of one lookup: importable users, the activities, and what was left out."""

    activities: list[Activity] = field(default_factory=list)
    users: list[MoodleUser] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class MoodleDirectory:
    """Moderator lookups and notice writes on one Moodle database (tables behind a prefix)."""

    def __init__(self, conn: Connection, prefix: str) -> None:
        self.conn = conn
        self.prefix = prefix
        self._roles: dict[str, int] | None = None
        self._default_rule: str | None = None
        self._by_activity: dict[int, tuple[list[MoodleUser], list[str]]] = {}
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

    def _link_rows(self, ids: list[str]) -> list[tuple[Any, ...]]:
        marks = ", ".join(["%s"] * len(ids))
        return self.conn.query(
            "SELECT r.recordingid, r.bigbluebuttonbnid, r.groupid, r.imported, b.id, "  # noqa: S608
            f"b.course, b.name, b.participants, r.id FROM {self.t('bigbluebuttonbn_recordings')} r "
            f"LEFT JOIN {self.t('bigbluebuttonbn')} b ON b.id = r.bigbluebuttonbnid "
            f"WHERE r.recordingid IN ({marks}) ORDER BY r.imported, r.id",
            ids,
        )

    def activities(self, recording: Recording) -> list[Activity]:
        """The activities a recording belongs to; the one that made it comes first."""
        links = self._prefetched.pop(recording.record_id, None)
        if links is None:
            ids = list(dict.fromkeys(i for i in (recording.record_id,
                                                 recording.internal_meeting_id) if i))
            links = self._link_rows(ids)
        found: dict[int, Activity] = {}
        for _rid, _bbbid, groupid, imported, bid, course, name, participants, _id in links:
            if bid is None or int(bid) in found:
                continue  # headless: the activity was deleted
            found[int(bid)] = Activity(int(bid), int(course), name or "", participants,
                                       None if groupid is None else int(groupid),
                                       bool(imported), "recordings table")
        if found:
            return list(found.values())
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

    # -- moderators ---------------------------------------------------------------------------

    def moderators(self, recording: Recording) -> Moderators:
        """Every moderator of the activity that made the recording (copies come after)."""
        result = Moderators(activities=self.activities(recording))
        origin = [a for a in result.activities if not a.imported] or result.activities
        seen: set[int] = set()
        for activity in origin:
            users, warnings = self._activity_moderators(activity)
            result.warnings.extend(warnings)
            for user in users:
                if user.id not in seen:
                    seen.add(user.id)
                    result.users.append(user)
        return result

    def _activity_moderators(self, activity: Activity) -> tuple[list[MoodleUser], list[str]]:
        cached = self._by_activity.get(activity.id)
        if cached is None:
            cached = self._resolve(activity)
            self._by_activity[activity.id] = cached
        return cached

    def _resolve(self, activity: Activity) -> tuple[list[MoodleUser], list[str]]:
        warnings: list[str] = []
        rules = self._rules(activity, warnings)
        user_ids: list[int] = []
        role_ids: list[int] = []
        everyone = False
        for rule in rules:
            kind, sel = rule.get("selectiontype"), str(rule.get("selectionid", ""))
            if kind == "user" and sel.lstrip("-").isdigit():
                user_ids.append(int(sel))
            elif kind == "owner":
                owner = self._owner(activity.id)
                if owner is None:
                    warnings.append(f"activity {activity.id}: no owner ('Add' log row) found")
                else:
                    user_ids.append(owner)
            elif kind == "role":
                role = self._role_id(sel)
                if role is None:
                    warnings.append(f"activity {activity.id}: unknown moderator role {sel!r}")
                else:
                    role_ids.append(role)
            elif kind == "all":
                everyone = True
        if role_ids:
            user_ids.extend(self._role_holders(activity, role_ids))
        if everyone:
            user_ids.extend(self._enrolled(activity.course))
        users = self._users(list(dict.fromkeys(user_ids)), warnings, activity)
        return users, warnings

    def _rules(self, activity: Activity, warnings: list[str]) -> list[dict[str, Any]]:
        raw = (activity.participants or "").strip()
        rules: list[dict[str, Any]] = []
        if raw:
            try:
                parsed = json.loads(raw)
            except ValueError:
                warnings.append(f"activity {activity.id}: participants is not valid JSON")
                parsed = []
            if isinstance(parsed, list):
                rules = [r for r in parsed if isinstance(r, dict)]
        if not rules:  # Moodle's defaults for an empty list
            rules = [{"selectiontype": "all", "selectionid": "all", "role": "viewer"}]
            for entry in self._default_moderators().split(","):
                entry = entry.strip()
                if entry == "0":
                    rules.append({"selectiontype": "owner", "role": "moderator"})
                elif entry:
                    rules.append({"selectiontype": "role", "selectionid": entry,
                                  "role": "moderator"})
        return [r for r in rules if r.get("role") == "moderator"]

    def _default_moderators(self) -> str:
        if self._default_rule is None:
            value = self.conn.scalar(
                f"SELECT value FROM {self.t('config')} WHERE name = %s",  # noqa: S608
                ("bigbluebuttonbn_participant_moderator_default",),
            )
            self._default_rule = "0" if value is None else str(value)
        return self._default_rule

    def _owner(self, activity_id: int) -> int | None:
        value = self.conn.scalar(
            f"SELECT userid FROM {self.t('bigbluebuttonbn_logs')} "  # noqa: S608
            "WHERE bigbluebuttonbnid = %s AND log = %s AND userid IS NOT NULL ORDER BY id",
            (activity_id, "Add"),
        )
        return None if value is None else int(value)

    def _role_id(self, selection: str) -> int | None:
        if self._roles is None:
            rows = self.conn.query(f"SELECT id, shortname FROM {self.t('role')}")  # noqa: S608
            self._roles = {str(r[0]): int(r[0]) for r in rows}
            self._roles.update({str(r[1]): int(r[0]) for r in rows})
        return self._roles.get(selection)

    def _role_holders(self, activity: Activity, role_ids: list[int]) -> list[int]:
        path = self.conn.scalar(
            f"SELECT cx.path FROM {self.t('course_modules')} cm "  # noqa: S608
            f"JOIN {self.t('modules')} m ON m.id = cm.module "
            f"JOIN {self.t('context')} cx ON cx.contextlevel = %s AND cx.instanceid = cm.id "
            "WHERE m.name = %s AND cm.instance = %s",
            (MODULE_CONTEXT, "bigbluebuttonbn", activity.id),
        )
        if path is None:  # module context missing: fall back to the course's
            path = self.conn.scalar(
                f"SELECT path FROM {self.t('context')} "  # noqa: S608
                "WHERE contextlevel = %s AND instanceid = %s",
                (COURSE_CONTEXT, activity.course),
            )
        contexts = [int(p) for p in str(path or "").split("/") if p.isdigit()]
        if not contexts:
            return []
        rows = self.conn.query(
            f"SELECT DISTINCT userid FROM {self.t('role_assignments')} "  # noqa: S608
            f"WHERE roleid IN ({', '.join(['%s'] * len(role_ids))}) "
            f"AND contextid IN ({', '.join(['%s'] * len(contexts))}) ORDER BY userid",
            [*role_ids, *contexts],
        )
        return [int(r[0]) for r in rows]

    def _enrolled(self, course: int) -> list[int]:
        rows = self.conn.query(
            f"SELECT DISTINCT ue.userid FROM {self.t('user_enrolments')} ue "  # noqa: S608
            f"JOIN {self.t('enrol')} e ON e.id = ue.enrolid "
            "WHERE e.courseid = %s AND e.status = 0 AND ue.status = 0 ORDER BY ue.userid",
            (course,),
        )
        return [int(r[0]) for r in rows]

    def _users(self, ids: list[int], warnings: list[str], activity: Activity) -> list[MoodleUser]:
        if not ids:
            return []
        rows = self.conn.query(
            "SELECT id, username, firstname, lastname, email, deleted, suspended "  # noqa: S608
            f"FROM {self.t('user')} WHERE id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        by_id = {
            int(r[0]): MoodleUser(int(r[0]), r[1], r[2] or "", r[3] or "", r[4] or "",
                                  bool(r[5]), bool(r[6]))
            for r in rows
        }
        users = []
        for uid in ids:
            user = by_id.get(uid)
            if user is None:
                warnings.append(f"activity {activity.id}: moderator user id {uid} not in Moodle")
            elif user.deleted or user.suspended:
                state = "deleted" if user.deleted else "suspended"
                warnings.append(
                    f"activity {activity.id}: moderator {user.display()} is {state} in Moodle, "
                    "not imported"
                )
            else:
                users.append(user)
        return users

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

    def write_notice(self, activity: Activity, html: str) -> bool:
        """Append ``html`` to the activity's description once; bump the course cache revision.

        Call inside a transaction. The row is locked first so that two workers cannot both
        append the notice. Returns False when the notice was already there.
        """
        row = self.conn.query_one(
            f"SELECT intro FROM {self.t('bigbluebuttonbn')} WHERE id = %s FOR UPDATE",  # noqa: S608
            (activity.id,),
        )
        if row is None or html in (row[0] or ""):
            return False
        intro = row[0] or ""
        now = int(time.time())
        self.conn.execute(
            f"UPDATE {self.t('bigbluebuttonbn')} SET intro = %s, timemodified = %s "  # noqa: S608
            "WHERE id = %s",
            (f"{intro}<br>{html}" if intro.strip() else html, now, activity.id),
        )
        # What Moodle's increment_revision_number() does, so the course cache is rebuilt.
        self.conn.execute(
            f"UPDATE {self.t('course')} SET cacherev = CASE WHEN cacherev < %s THEN %s "  # noqa: S608
            "ELSE cacherev + 1 END WHERE id = %s",
            (now, now, activity.course),
        )
        return True
