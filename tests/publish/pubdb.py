"""Helpers of the publish tests: real Pod and Moodle databases on PostgreSQL and MariaDB.

(A uniquely named module rather than ``conftest``: several test folders have a conftest.py, and
``from conftest import …`` would pick whichever was imported first.)

Every test gets its own uniquely named databases, dropped afterwards:

- Pod 4.x and 3.x on PostgreSQL: Pod's own DDL of the tables we touch and those they reference
  (``sql/pod-4.1.0-postgresql.sql`` / ``sql/pod-3.8.4-postgresql.sql``, cut from Pod's dumps by
  :mod:`podddl`), loaded once per session into a template database that each test copies
  (``CREATE DATABASE … TEMPLATE``);
- Pod 4.x and 3.x on MariaDB: ``sql/pod-4.x-mariadb.sql`` (a faithful translation, see its
  header) plus ``sql/pod-3.x-mariadb-delta.sql`` for 3.x;
- Moodle 4.x on both engines: ``sql/moodle-4.x-*.sql``, seeded with a course, its category and
  contexts, roles, role assignments, enrolments, users (deleted and suspended ones too) and
  activities with several participant shapes (see :func:`seed_moodle`).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pymysql
import pytest

from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import PlanItem
from bbb_migrate.spec import MigrationSpec, parse_spec
from bbb_migrate.state import Action

HERE = Path(__file__).parent
SQL = HERE / "sql"
REPO = HERE.parents[1]
PG_ADMIN = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}
MY_ADMIN = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
SECRET_KEY = "pod-test-secret-key-%-'quoted'"
NOTICE = '<p class="alert alert-info">Recordings moved to Pod: "My external videos" 100%</p>'
ENGINES = ("postgresql", "mysql")


def _strip_psql_meta(text: str) -> str:
    """pg_dump 15.18 wraps dumps in ``\\restrict`` lines that only psql understands."""
    return "\n".join(line for line in text.splitlines() if not line.startswith("\\"))


def _split_mysql(text: str) -> list[str]:
    text = re.sub(r"^--.*$", "", text, flags=re.M)
    return [s.strip() for s in text.split(";") if s.strip()]


# -- one database under test --------------------------------------------------------------------


@dataclass
class Db:
    """A test database: its URL for the code under test and raw helpers for seeding/asserting."""

    engine: str
    name: str
    conn: Any = field(repr=False)

    @property
    def url(self) -> str:
        if self.engine == "postgresql":
            return f"postgresql://postgres@127.0.0.1:5432/{self.name}"
        return f"mysql://root@127.0.0.1:3306/{self.name}"

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        with self.conn.cursor() as cur:
            cur.execute(sql, tuple(params) if params else None)
        self.conn.commit()

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, tuple(params) if params else None)
            rows = list(cur.fetchall())
        self.conn.commit()
        return rows

    def scalar(self, sql: str, params: tuple | list = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def insert(self, table: str, values: dict[str, Any]) -> int:
        cols = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {table} ({cols}) VALUES ({marks})"
        with self.conn.cursor() as cur:
            if self.engine == "postgresql":
                cur.execute(sql + " RETURNING id", tuple(values.values()))
                new_id = cur.fetchone()[0]
            else:
                cur.execute(sql, tuple(values.values()))
                new_id = cur.lastrowid
        self.conn.commit()
        return int(new_id)

    def start_ids_at(self, table: str, first: int) -> None:
        """Make a table's next generated id ``first``, so ids of different tables differ."""
        if self.engine == "postgresql":
            self.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {first}, false)")
        else:
            self.execute(f"ALTER TABLE {table} AUTO_INCREMENT = {first}")

    def tables(self) -> list[str]:
        if self.engine == "postgresql":
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        else:
            rows = self.query("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = DATABASE()")
        return sorted(r[0] for r in rows)

    def count(self, table: str) -> int:
        return int(self.scalar(f"SELECT count(*) FROM {table}"))

    def dump(self, *, sequences: bool = True) -> dict[str, Any]:
        """Every row of every table (and every sequence position): a byte-level snapshot."""
        out: dict[str, Any] = {}
        for table in self.tables():
            q = '"' if self.engine == "postgresql" else "`"
            rows = self.query(f"SELECT * FROM {q}{table}{q}")
            out[table] = sorted(repr(r) for r in rows)
        if sequences:
            if self.engine == "postgresql":
                out["<sequences>"] = self.query(
                    "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1")
            else:
                out["<auto_increment>"] = self.query(
                    "SELECT table_name, auto_increment FROM information_schema.tables "
                    "WHERE table_schema = DATABASE() ORDER BY 1")
        return out


def _unique(prefix: str) -> str:
    return f"bbbm_{prefix}_{uuid.uuid4().hex[:12]}"


def _pg_admin() -> Any:
    conn = psycopg2.connect(**PG_ADMIN)
    conn.autocommit = True
    return conn


def _my_admin() -> Any:
    return pymysql.connect(**MY_ADMIN, autocommit=True, charset="utf8mb4")


class Databases:
    """Creates databases for one test and drops them all at the end."""

    def __init__(self, templates: dict[str, str]) -> None:
        self.templates = templates
        self.created: list[Db] = []

    def create(self, engine: str, prefix: str, *, template: str | None = None,
               charset: str = "utf8mb4") -> Db:
        name = _unique(prefix)
        if engine == "postgresql":
            admin = _pg_admin()
            with admin.cursor() as cur:
                tpl = f" TEMPLATE {template}" if template else ""
                cur.execute(f"CREATE DATABASE {name}{tpl} ENCODING 'UTF8'")
            admin.close()
            conn = psycopg2.connect(**{**PG_ADMIN, "dbname": name})
        else:
            admin = _my_admin()
            with admin.cursor() as cur:
                cur.execute(f"CREATE DATABASE {name} CHARACTER SET {charset}")
            admin.close()
            conn = pymysql.connect(**MY_ADMIN, database=name, charset="utf8mb4")
        db = Db(engine, name, conn)
        self.created.append(db)
        return db

    def run_script(self, db: Db, text: str) -> None:
        if db.engine == "postgresql":
            with db.conn.cursor() as cur:
                cur.execute(_strip_psql_meta(text))
            db.conn.commit()
            db.execute("SELECT pg_catalog.set_config('search_path', 'public', false)")
        else:
            with db.conn.cursor() as cur:
                for statement in _split_mysql(text):
                    cur.execute(statement)
            db.conn.commit()

    def pod(self, engine: str, version: int, *, charset: str = "utf8mb4") -> Db:
        if engine == "postgresql":
            db = self.create(engine, f"pod{version}", template=self.templates[f"pod{version}"])
        else:
            db = self.create(engine, f"pod{version}", charset=charset)
            self.run_script(db, (SQL / "pod-4.x-mariadb.sql").read_text())
            if version == 3:
                self.run_script(db, (SQL / "pod-3.x-mariadb-delta.sql").read_text())
        return db

    def moodle(self, engine: str, prefix: str = "mdl_") -> Db:
        db = self.create(engine, "moodle")
        text = (SQL / f"moodle-4.x-{'postgresql' if engine == 'postgresql' else 'mariadb'}.sql")
        self.run_script(db, text.read_text().replace("mdl_", prefix))
        return db

    def drop_all(self) -> None:
        for db in self.created:
            with contextlib.suppress(Exception):
                db.conn.close()
            if db.engine == "postgresql":
                admin = _pg_admin()
                with admin.cursor() as cur:
                    cur.execute(f"DROP DATABASE IF EXISTS {db.name} WITH (FORCE)")
                admin.close()
            else:
                admin = _my_admin()
                with admin.cursor() as cur:
                    cur.execute(f"DROP DATABASE IF EXISTS {db.name}")
                admin.close()
        self.created.clear()


# -- seeds ------------------------------------------------------------------------------------


def now_for(db: Db) -> datetime:
    value = datetime.now(UTC)
    return value if db.engine == "postgresql" else value.replace(tzinfo=None)


def pod_user(db: Db, username: str, *, superuser: bool = False, first: str = "",
             last: str = "") -> int:
    """A Pod user with its owner and site link, as Pod's ORM creates it."""
    uid = db.insert("auth_user", {
        "password": "", "last_login": None, "is_superuser": superuser, "username": username,
        "first_name": first, "last_name": last, "email": f"{username}@pod.example.org",
        "is_staff": True, "is_active": True, "date_joined": now_for(db)})
    oid = db.insert("authentication_owner", {
        "auth_type": "local", "affiliation": "staff", "commentaire": "",
        "hashkey": hashlib.sha256((SECRET_KEY + username).encode()).hexdigest(),
        "establishment": "Etab_1", "accepts_notifications": None, "user_id": uid,
        "userpicture_id": None})
    db.insert("authentication_owner_sites", {"owner_id": oid, "site_id": 1})
    return uid


def seed_pod(db: Db, version: int) -> dict[str, int]:
    """Site 1, the administrator, a Pod teacher with a Pod meeting, a type and three recorders."""
    ids: dict[str, int] = {}
    for table, first in (("auth_user", 100), ("authentication_owner", 700),
                         ("authentication_owner_sites", 300), ("playlist_playlist", 50),
                         ("import_video_externalrecording", 2000)):
        db.start_ids_at(table, first)
    ids["site"] = db.insert("django_site", {"domain": "pod.example.org", "name": "Pod"})
    ids["admin"] = pod_user(db, "admin", superuser=True, first="Admin", last="Pod")
    ids["podteacher"] = pod_user(db, "podteacher", first="Paul", last="Prof")
    ids["type"] = db.insert("video_type", {"title": "Other", "title_fr": "Autre",
                                           "title_en": "Other", "slug": "other",
                                           "description": None, "icon_id": None})
    for key, directory, manager, on_site in (
        ("recorder", "bbb", None, True),
        ("managed", "managed", ids["admin"], True),
        ("offsite", "offsite", None, False),
    ):
        values: dict[str, Any] = {
            "name": f"Recorder {directory}", "description": "",
            "address_ip": f"10.0.0.{len(ids)}", "salt": "", "credentials_login": "",
            "credentials_password": "", "recording_type": "video", "publication_auto": False,
            "is_draft": True, "is_restricted": False, "password": None, "cursus": "0",
            "main_lang": "fr", "transcript": "", "licence": None, "allow_downloading": False,
            "is_360": False, "disable_comment": False, "directory": directory,
            "type_id": ids["type"], "user_id": manager,
        }
        if version == 3:
            values["tags"] = ""
        ids[key] = db.insert("recorder_recorder", values)
        if on_site:
            db.insert("recorder_recorder_sites", {"recorder_id": ids[key], "site_id": 1})
    start = now_for(db)
    db.insert("meeting", {
        "name": "Pod room", "meeting_id": "0001-pod-room", "attendee_password": "a",
        "moderator_password": "m", "start_at": start,
        "expected_duration": timedelta(hours=2) if db.engine == "postgresql" else 7_200_000_000,
        "recurrence": None, "frequency": 1, "recurring_until": None, "nb_occurrences": None,
        "weekdays": None, "monthly_type": "date_day", "is_restricted": False,
        "is_running": False, "max_participants": 150, "welcome_text": "Bienvenue",
        "logout_url": None, "webcam_only_for_moderators": False, "record": True,
        "auto_start_recording": False, "allow_start_stop_recording": True,
        "guest_policy": None, "lock_settings_disable_cam": False,
        "lock_settings_disable_mic": False, "lock_settings_disable_private_chat": False,
        "lock_settings_disable_public_chat": False, "lock_settings_disable_note": False,
        "lock_settings_locked_layout": False, "parent_meeting_id": None,
        "internal_meeting_id": None, "voice_bridge": 71234, "bbb_create_time": None,
        "is_personal": False, "created_at": start, "updated_at": start, "is_webinar": False,
        "enable_chat": False, "owner_id": ids["podteacher"], "site_id": 1, "slides_id": None})
    return ids


def seed(name: str) -> str:
    return hashlib.sha1(name.encode()).hexdigest()


@dataclass
class MoodleWorld:
    """Ids of the seeded Moodle rows and the recordings that point at them."""

    ids: dict[str, int]
    recordings: dict[str, Recording]


def record_id(n: int) -> str:
    return f"{hashlib.sha1(f'rec{n}'.encode()).hexdigest()}-17000000{n:05d}"


def make_recording(n: int, meeting_id: str, *, name: str = "", server: str = "moodle.example.org",
                   start: datetime | None = None) -> Recording:
    rid = record_id(n)
    return Recording(
        record_id=rid, internal_meeting_id=rid, meeting_id=meeting_id,
        name=name or f"Recording {n}",
        start_time=start or datetime(2024, 3, n % 28 + 1, 9, 30, tzinfo=UTC),
        metadata={"bbb-origin-server-name": server} if server else {},
        playbacks=(Playback("presentation",
                            f"https://bbb.example.org/playback/presentation/2.3/{rid}"),),
    )


def seed_moodle(db: Db, prefix: str = "mdl_") -> MoodleWorld:
    """A category, a course and five activities with different participant shapes.

    - A1 "Cours magistral": user rules alice, carol, dave (deleted) and a role rule
      (editingteacher by id) held by bob and erin (suspended) in the course context; frank is a
      viewer. Recordings rec1 and rec5 (rec1 also imported into A4).
    - A2 "Permanence": participants NULL → the owner (zoe, from the 'Add' log). Recording rec2.
    - A3 "TD groupes": group activity, rule role "teacher" by shortname held by carol at the
      category context (a parent context). Recording rec3 has no recordings row: found through
      its meeting ID ``seed-course-A3[12]``.
    - A4 "Copie": user rule frank; holds only an imported copy of rec1.
    """
    p = prefix
    ids: dict[str, int] = {}
    for table, first in (("role", 3), ("user", 40), ("course", 7), ("modules", 20),
                         ("context", 60), ("bigbluebuttonbn", 80), ("course_modules", 500)):
        db.start_ids_at(p + table, first)
    for i, short in enumerate(("manager", "coursecreator", "editingteacher", "teacher",
                               "student"), start=1):
        ids[f"role_{short}"] = db.insert(f"{p}role", {"name": "", "shortname": short,
                                                       "description": "", "sortorder": i,
                                                       "archetype": short})
    people = {
        "alice": ("Alice", "Martin", 0, 0),
        "bob": ("Bob", "Durand", 0, 0),
        "carol": ("Carol", "Petit", 0, 0),
        "dave": ("Dave", "Gone", 1, 0),
        "erin": ("Erin", "Away", 0, 1),
        "frank": ("Frank", "Leroy", 0, 0),
        "zoe.obrien": ("Zoë 😀", "O'Brien 100%", 0, 0),
    }
    for username, (first, last, deleted, suspended) in people.items():
        ids[username] = db.insert(f"{p}user", {
            "auth": "manual", "confirmed": 1, "deleted": deleted, "suspended": suspended,
            "mnethostid": 1, "username": username, "firstname": first, "lastname": last,
            "email": f"{username}@univ.example.org"})
    ids["course"] = db.insert(f"{p}course", {"category": 1, "fullname": "Maths L1",
                                             "shortname": "MATHS1", "cacherev": 1000})
    db.insert(f"{p}modules", {"name": "assign"})
    ids["module"] = db.insert(f"{p}modules", {"name": "bigbluebuttonbn"})

    def context(level: int, instance: int, parent: str) -> tuple[int, str]:
        cid = db.insert(f"{p}context", {"contextlevel": level, "instanceid": instance,
                                        "path": None, "depth": parent.count("/") + 1})
        path = f"{parent}/{cid}"
        db.execute(f"UPDATE {p}context SET path = %s WHERE id = %s", (path, cid))
        return cid, path

    _, system = context(10, 0, "")
    ids["ctx_category"], category = context(40, 1, system)
    ids["ctx_course"], course_path = context(50, ids["course"], category)
    c = ids["course"]

    def activity(key: str, name: str, participants: str | None) -> None:
        bid = db.insert(f"{p}bigbluebuttonbn", {
            "course": c, "name": name, "intro": f"<p>{name}</p>", "meetingid": seed(key),
            "participants": participants, "record": 1})
        ids[key] = bid
        cm = db.insert(f"{p}course_modules", {"course": c, "module": ids["module"],
                                              "instance": bid})
        ids[f"ctx_{key}"], _ = context(70, cm, course_path)

    def rule(kind: str, sel: Any, role: str) -> dict[str, str]:
        return {"selectiontype": kind, "selectionid": str(sel), "role": role}

    import json

    activity("A1", "Cours magistral", json.dumps([
        rule("all", "all", "viewer"), rule("user", ids["alice"], "moderator"),
        rule("user", ids["carol"], "moderator"), rule("user", ids["dave"], "moderator"),
        rule("role", ids["role_editingteacher"], "moderator"),
        rule("user", ids["frank"], "viewer")]))
    activity("A2", "Permanence", None)
    activity("A3", "TD groupes", json.dumps([rule("role", "teacher", "moderator")]))
    activity("A4", "Copie", json.dumps([rule("user", ids["frank"], "moderator")]))
    db.insert(f"{p}bigbluebuttonbn_logs", {"courseid": c, "bigbluebuttonbnid": ids["A2"],
                                           "userid": ids["zoe.obrien"], "meetingid": seed("A2"),
                                           "log": "Add"})
    for user, role, ctx in (("bob", "editingteacher", "ctx_course"),
                            ("erin", "editingteacher", "ctx_course"),
                            ("frank", "student", "ctx_course"),
                            ("carol", "teacher", "ctx_category")):
        db.insert(f"{p}role_assignments", {"roleid": ids[f"role_{role}"], "contextid": ids[ctx],
                                           "userid": ids[user]})
    recs = {
        "rec1": make_recording(1, f"{seed('A1')}-{c}-{ids['A1']}[0]"),
        "rec2": make_recording(2, f"{seed('A2')}-{c}-{ids['A2']}[0]"),
        "rec3": make_recording(3, f"{seed('A3')}-{c}-{ids['A3']}[12]"),
        "rec4": make_recording(4, "0001-pod-room", server=""),
        "rec5": make_recording(5, f"{seed('A1')}-{c}-{ids['A1']}[0]"),
        "rec6": make_recording(6, "not-a-moodle-meeting"),
        "rec7": make_recording(7, f"{seed('A1')}-{c}-{ids['A1']}[0]",
                               server="ignored.example.org"),
    }
    for key, bbb, imported, status in (("rec1", "A1", 0, 3), ("rec1", "A4", 1, 2),
                                       ("rec2", "A2", 0, 2), ("rec5", "A1", 0, 2)):
        db.insert(f"{p}bigbluebuttonbn_recordings", {
            "courseid": c, "bigbluebuttonbnid": ids[bbb], "groupid": 0,
            "recordingid": recs[key].record_id, "imported": imported, "status": status})
    return MoodleWorld(ids, recs)


def item(recording: Recording, mode: str = "import-video") -> PlanItem:
    """The plan item the foundation's plan would build for this recording."""
    playback = recording.playbacks[0]
    action = Action.PUBLISH_ONLY if mode != "claim" else Action.RENDER
    return PlanItem(index=1, recording=recording, action=action, reason="",
                    playback_type=playback.type, source_url=playback.url)


def make_spec(monkeypatch: pytest.MonkeyPatch, *, mode: str = "import-video",
              pod: Db | None = None, moodle: Db | None = None, dry_run: bool = False,
              notice: bool = True, prefix: str = "mdl_", **pod_extra: Any) -> MigrationSpec:
    tag = uuid.uuid4().hex[:8].upper()
    data: dict[str, Any] = {
        "source": {"url": "https://bbb.example.org/bigbluebutton/",
                   "secretRef": {"env": "UNUSED_BBB_SECRET"}},
        "mode": mode,
        "dryRun": dry_run,
        "pod": {"adminUsername": "admin", **pod_extra},
    }
    if pod is not None:
        monkeypatch.setenv(f"POD_URL_{tag}", pod.url)
        monkeypatch.setenv(f"POD_KEY_{tag}", SECRET_KEY)
        data["pod"]["database"] = {"urlRef": {"env": f"POD_URL_{tag}"}}
        data["pod"]["secretKeyRef"] = {"env": f"POD_KEY_{tag}"}
    if moodle is not None:
        monkeypatch.setenv(f"MOODLE_URL_{tag}", moodle.url)
        data["moodle"] = {
            "databases": {"default": {"urlRef": {"env": f"MOODLE_URL_{tag}"}}},
            "ignoredServers": ["ignored.example.org"],
            "tablePrefix": prefix,
            "notice": {"enabled": notice, "html": NOTICE},
        }
    return parse_spec(data)


class WriteFaults:
    """Inject a failure (or a pause) before every write statement, from the test.

    Production code has no hook for this: the test wraps ``Connection._before_write`` (the
    dry-run guard every write goes through) for its own duration. Set ``hook`` to a callable
    ``(sql, params)``, or None to stop injecting.
    """

    def __init__(self, monkeypatch: Any) -> None:
        from bbb_migrate.publish.db import Connection

        self.hook: Any = None
        original = Connection._before_write

        def before_write(conn: Any, sql: str, params: Any) -> None:
            original(conn, sql, params)
            if self.hook is not None:
                self.hook(sql, params)

        monkeypatch.setattr(Connection, "_before_write", before_write)
