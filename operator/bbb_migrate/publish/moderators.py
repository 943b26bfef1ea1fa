"""Who moderates a Moodle BigBlueButton activity: its ``participants`` rules applied the way
``mod_bigbluebuttonbn``'s ``roles::is_moderator`` does (see :mod:`.moodle` for the rules).

The activities of a whole batch of recordings are resolved together: one query per kind of
rule (``Add`` log owners, role holders in the module or course context path, course
enrolments) and one for the users, whatever the number of activities; a single activity is a
batch of one. The answer per activity is cached by :class:`~.moodle.MoodleDirectory`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .db import marks

if TYPE_CHECKING:
    from .moodle import MoodleDirectory

MODULE_CONTEXT = 70
COURSE_CONTEXT = 50


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


Resolved = tuple[list[MoodleUser], list[str]]  # an activity's importable moderators, warnings


def resolve(directory: MoodleDirectory, activities: list[Activity]) -> dict[int, Resolved]:
    """The moderators of each activity (by id), and what was left out of each."""
    warnings: dict[int, list[str]] = {a.id: [] for a in activities}
    chosen: dict[int, list[int]] = {a.id: [] for a in activities}  # user/owner rules, in order
    roles: dict[int, list[int]] = {}
    everyone: set[int] = set()
    owner_rule: list[Activity] = []
    for activity in activities:
        for rule in _rules(directory, activity, warnings[activity.id]):
            kind, sel = rule.get("selectiontype"), str(rule.get("selectionid", ""))
            if kind == "user" and sel.lstrip("-").isdigit():
                chosen[activity.id].append(int(sel))
            elif kind == "owner":
                owner_rule.append(activity)
                chosen[activity.id].append(-1)  # the owner's place, filled below
            elif kind == "role":
                role = directory.role_id(sel)
                if role is None:
                    warnings[activity.id].append(
                        f"activity {activity.id}: unknown moderator role {sel!r}")
                else:
                    roles.setdefault(activity.id, []).append(role)
            elif kind == "all":
                everyone.add(activity.id)
    owners = _owners(directory, [a.id for a in owner_rule])
    holders = _role_holders(directory, [a for a in activities if a.id in roles], roles)
    enrolled = _enrolled(directory, sorted({a.course for a in activities if a.id in everyone}))
    wanted: dict[int, list[int]] = {}
    for activity in activities:
        ids: list[int] = []
        for uid in chosen[activity.id]:
            if uid != -1:
                ids.append(uid)
            elif activity.id in owners:
                ids.append(owners[activity.id])
            else:
                warnings[activity.id].append(
                    f"activity {activity.id}: no owner ('Add' log row) found")
        ids += holders.get(activity.id, [])
        if activity.id in everyone:
            ids += enrolled.get(activity.course, [])
        wanted[activity.id] = list(dict.fromkeys(ids))
    by_id = _users(directory, sorted({u for ids in wanted.values() for u in ids}))
    return {a.id: (_importable(a, wanted[a.id], by_id, warnings[a.id]), warnings[a.id])
            for a in activities}


def _rules(directory: MoodleDirectory, activity: Activity,
           warnings: list[str]) -> list[dict[str, Any]]:
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
        for entry in directory.default_moderators().split(","):
            entry = entry.strip()
            if entry == "0":
                rules.append({"selectiontype": "owner", "role": "moderator"})
            elif entry:
                rules.append({"selectiontype": "role", "selectionid": entry,
                              "role": "moderator"})
    return [r for r in rules if r.get("role") == "moderator"]


def _owners(directory: MoodleDirectory, activity_ids: list[int]) -> dict[int, int]:
    """The creator of each activity: the user of its first ``Add`` log row."""
    if not activity_ids:
        return {}
    rows = directory.conn.query(
        f"SELECT bigbluebuttonbnid, userid FROM {directory.t('bigbluebuttonbn_logs')} "  # noqa: S608
        f"WHERE bigbluebuttonbnid IN ({marks(len(activity_ids))}) AND log = %s "
        "AND userid IS NOT NULL ORDER BY id", [*activity_ids, "Add"])
    found: dict[int, int] = {}
    for activity_id, user_id in rows:
        found.setdefault(int(activity_id), int(user_id))
    return found


def _role_holders(directory: MoodleDirectory, activities: list[Activity],
                  roles: dict[int, list[int]]) -> dict[int, list[int]]:
    """Users holding one of an activity's moderator roles in its module context or a parent."""
    if not activities:
        return {}
    t, conn = directory.t, directory.conn
    ids = [a.id for a in activities]
    paths: dict[int, str] = {}
    for instance, path in conn.query(
            f"SELECT cm.instance, cx.path FROM {t('course_modules')} cm "  # noqa: S608
            f"JOIN {t('modules')} m ON m.id = cm.module "
            f"JOIN {t('context')} cx ON cx.contextlevel = %s AND cx.instanceid = cm.id "
            f"WHERE m.name = %s AND cm.instance IN ({marks(len(ids))})",
            [MODULE_CONTEXT, "bigbluebuttonbn", *ids]):
        paths.setdefault(int(instance), str(path or ""))
    courses = sorted({a.course for a in activities if a.id not in paths})
    course_paths: dict[int, str] = {}
    if courses:  # module context missing: fall back to the course's
        for course, path in conn.query(
                f"SELECT instanceid, path FROM {t('context')} "  # noqa: S608
                f"WHERE contextlevel = %s AND instanceid IN ({marks(len(courses))})",
                [COURSE_CONTEXT, *courses]):
            course_paths.setdefault(int(course), str(path or ""))
    contexts = {a.id: {int(p) for p in (paths.get(a.id) or course_paths.get(a.course, ""))
                       .split("/") if p.isdigit()} for a in activities}
    all_roles = sorted({r for rs in roles.values() for r in rs})
    all_contexts = sorted({c for cs in contexts.values() for c in cs})
    if not all_contexts:
        return {}
    rows = conn.query(
        f"SELECT DISTINCT roleid, contextid, userid FROM {t('role_assignments')} "  # noqa: S608
        f"WHERE roleid IN ({marks(len(all_roles))}) "
        f"AND contextid IN ({marks(len(all_contexts))})",
        [*all_roles, *all_contexts])
    found: dict[int, list[int]] = {}
    for activity in activities:
        mine, where = set(roles[activity.id]), contexts[activity.id]
        found[activity.id] = sorted({int(u) for r, c, u in rows if r in mine and c in where})
    return found


def _enrolled(directory: MoodleDirectory, courses: list[int]) -> dict[int, list[int]]:
    """Active enrolments of each course (an ``all`` moderator rule)."""
    if not courses:
        return {}
    rows = directory.conn.query(
        f"SELECT DISTINCT e.courseid, ue.userid FROM {directory.t('user_enrolments')} ue "  # noqa: S608
        f"JOIN {directory.t('enrol')} e ON e.id = ue.enrolid "
        f"WHERE e.courseid IN ({marks(len(courses))}) AND e.status = 0 AND ue.status = 0 "
        "ORDER BY ue.userid", courses)
    found: dict[int, list[int]] = {}
    for course, user in rows:
        found.setdefault(int(course), []).append(int(user))
    return found


def _users(directory: MoodleDirectory, ids: list[int]) -> dict[int, MoodleUser]:
    if not ids:
        return {}
    rows = directory.conn.query(
        "SELECT id, username, firstname, lastname, email, deleted, suspended "  # noqa: S608
        f"FROM {directory.t('user')} WHERE id IN ({marks(len(ids))})", ids)
    return {int(r[0]): MoodleUser(int(r[0]), r[1], r[2] or "", r[3] or "", r[4] or "",
                                  bool(r[5]), bool(r[6])) for r in rows}


def _importable(activity: Activity, ids: list[int], by_id: dict[int, MoodleUser],
                warnings: list[str]) -> list[MoodleUser]:
    """The users Pod may own the recording, in rule order; the others are said."""
    users = []
    for uid in ids:
        user = by_id.get(uid)
        if user is None:
            warnings.append(f"activity {activity.id}: moderator user id {uid} not in Moodle")
        elif user.deleted or user.suspended:
            state = "deleted" if user.deleted else "suspended"
            warnings.append(f"activity {activity.id}: moderator {user.display()} is {state} in "
                            "Moodle, not imported")
        else:
            users.append(user)
    return users
