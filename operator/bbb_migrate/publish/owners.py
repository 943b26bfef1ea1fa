"""Who owns a recording in Pod, in Pod's order, and the Moodle databases consulted for it.

1. A Pod meeting (table ``meeting``) with the recording's BBB meeting ID: its owner and site
   (Pod made the meeting; Moodle is not consulted).
2. The Moodle moderators of the recording's activity, from the Moodle database of the
   recording's ``bbb-origin-server-name`` (or ``default``), unless that server is ignored,
   together with (when configured) the Greenlight room's owner and co-owners
   (``publish/greenlight.py``): both lists are merged.
3. The configured administrator (``pod.adminUsername``).

Moodle users become Pod users (created if missing); steps 1 and 3 give existing Pod users.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..models import Recording
from ..spec import Database, MoodleSettings
from . import greenlight as gl
from .db import Connection
from .moodle import Activity, Moderators, MoodleDirectory, MoodleUser
from .pod import PodWriter

POD_MEETING = "pod-meeting"
MOODLE = "moodle"
GREENLIGHT = "greenlight"
ADMIN = "admin"


@dataclass
class Owners:
    """The decision for one recording."""

    source: str
    site_id: int
    pod_user_ids: list[int] = field(default_factory=list)  # pod-meeting / admin
    moodle_users: list[MoodleUser] = field(default_factory=list)  # moodle
    activities: list[Activity] = field(default_factory=list)
    directory: MoodleDirectory | None = None
    server: str = ""
    warnings: list[str] = field(default_factory=list)


class MoodleSources:
    """One lazily opened connection per Moodle database, chosen by origin server name."""

    def __init__(
        self,
        settings: MoodleSettings | None,
        resolve_url: Callable[[Database, str], str],
        *,
        dry_run: bool = False,
    ) -> None:
        self.settings = settings
        self.dry_run = dry_run
        self._resolve_url = resolve_url
        self._dirs: dict[str, MoodleDirectory] = {}

    def key_for(self, recording: Recording) -> tuple[str | None, str]:
        """(database key or None, why not): which configured database serves this recording."""
        if self.settings is None:
            return None, "no Moodle database configured"
        server = recording.origin_server_name
        if server and server in self.settings.ignored_servers:
            return None, f"origin server {server!r} is ignored"
        if server and server in self.settings.databases:
            return server, ""
        if "default" in self.settings.databases:
            return "default", ""
        return None, f"no Moodle database for origin server {server or '(none)'!r} and no default"

    def directory(self, key: str) -> MoodleDirectory:
        found = self._dirs.get(key)
        if found is None:
            assert self.settings is not None
            database = self.settings.databases[key]
            conn = Connection(self._resolve_url(database, f"moodle.databases.{key}"),
                              connect_timeout=database.connect_timeout_seconds,
                              statement_timeout=database.statement_timeout_seconds,
                              label=f"Moodle database {key!r}", dry_run=self.dry_run)
            found = MoodleDirectory(conn, self.settings.table_prefix)
            self._dirs[key] = found
        return found

    def all_keys(self) -> list[str]:
        return sorted(self.settings.databases) if self.settings else []

    def prefetch(self, recordings: list[Recording]) -> None:
        """Batch the activity lookups of many recordings, per Moodle database."""
        by_key: dict[str, list[Recording]] = {}
        for recording in recordings:
            key, _ = self.key_for(recording)
            if key is not None:
                by_key.setdefault(key, []).append(recording)
        for key, group in by_key.items():
            self.directory(key).prefetch(group)

    def lookup(self, recording: Recording) -> tuple[MoodleDirectory | None, Moderators, str]:
        """The moderators of a recording (empty with a reason when Moodle cannot say)."""
        key, why = self.key_for(recording)
        if key is None:
            return None, Moderators(), why
        directory = self.directory(key)
        return directory, directory.moderators(recording), key

    def close(self) -> None:
        for directory in self._dirs.values():
            directory.conn.close()
        self._dirs.clear()


def resolve(
    recording: Recording,
    pod: PodWriter,
    moodle: MoodleSources,
    *,
    admin_username: str,
    site_id: int,
    greenlight: Callable[[Recording], gl.Found] | None = None,
) -> Owners:
    """Apply Pod's order; the caller has the Pod transaction open."""
    meeting = pod.meeting_owner(recording.meeting_id) if recording.meeting_id else None
    if meeting is not None:
        return Owners(POD_MEETING, meeting[1], pod_user_ids=[meeting[0]])
    warnings: list[str] = []
    directory, found, note = moodle.lookup(recording)
    warnings.extend(found.warnings)
    users, by_email = list(found.users), []
    if greenlight is not None:
        room = greenlight(recording)
        warnings.extend(room.warnings)
        by_name, by_email, notes = gl.pod_users(room, pod)
        warnings.extend(notes)
        known = {user.username for user in users}
        users += [user for user in by_name if user.username not in known]
    if users or by_email:
        return Owners(MOODLE if found.users else GREENLIGHT, site_id, pod_user_ids=by_email,
                      moodle_users=users, activities=found.activities, directory=directory,
                      server=note, warnings=warnings)
    if directory is None:
        warnings.append(f"Moodle not consulted: {note}")
    elif not found.activities:
        warnings.append(f"no Moodle activity found for this recording in database {note!r}")
    else:
        warnings.append("no importable moderator in Moodle")
    admin = pod.user_id(admin_username)
    if admin is None:
        raise LookupError(f"the Pod administrator {admin_username!r} (pod.adminUsername) "
                          "does not exist in auth_user")
    return Owners(ADMIN, site_id, pod_user_ids=[admin], activities=found.activities,
                  directory=directory, server=note, warnings=warnings)
