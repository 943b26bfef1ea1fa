"""Benchmark: publish 10,000 recordings in import-video mode, against a reference-like baseline.

Both runs use the real PostgreSQL (127.0.0.1:5432, user postgres) with Pod 4.1.0's own schema
(``tests/publish/sql/pod-4.1.0-postgresql.sql``, the tables it touches cut from Pod's dump) and a
Moodle 4.x schema (``tests/publish/sql/moodle-4.x-postgresql.sql``), freshly created and seeded
identically for each run:

- Moodle: ``--courses`` courses x 4 activities, each with a user rule (the creator) and a role
  rule (editingteacher, two teachers per course in the course context); recordings spread over
  the activities. Every recording therefore has 3 moderators; ~3 users per course become Pod
  users.
- **publisher**: the production path, as both executors publish: the migration core's
  :func:`bbb_migrate.core.publishing.publish_batch` (batches of 200 chosen by
  :func:`bbb_migrate.core.schedule.to_publish`) over :meth:`Publisher.publish_many`: one Pod
  transaction per batch (a savepoint per recording only when one fails), Moodle activities and
  moderators looked up per batch, users looked up and created per batch, the external
  recordings locked, checked and inserted per batch, the notices written after the commit;
  each result turned into the recording's new state.
- **baseline**: modelled on Pod's ``migrate_bbb_recordings`` + Django ORM: autocommit, one
  statement and one commit per row, no cache: per recording the Pod meeting lookup, the Moodle
  activity query, one user query per moderator, ``User.objects.filter(username)``, the user
  and each signal row created one commit at a time, ``ExternalRecording.objects.filter`` then
  ``create``, and the Moodle intro read + update. It finds the same moderators (so both runs
  write the same rows) but without the reference command's bugs.

Usage: ``python bench/bench_publish.py [--recordings 10000] [--baseline-recordings N]``.
Prints both times, the per-recording ratio, and checks both runs wrote the same row counts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
from psycopg2.extras import execute_values

from bbb_migrate.core import publishing, schedule
from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import PlanItem
from bbb_migrate.publish import Publisher
from bbb_migrate.spec import parse_spec
from bbb_migrate.state import Action, RecordingState, initial

REPO = Path(__file__).resolve().parents[1]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
SECRET_KEY = "bench-secret-key"
NOTICE = "<p>Recordings moved to Pod.</p>"
ACTIVITIES_PER_COURSE = 4


def admin():
    conn = psycopg2.connect(**PG, dbname="postgres")
    conn.autocommit = True
    return conn


def create_db(prefix: str, ddl: str) -> str:
    name = f"bbbm_bench_{prefix}_{uuid.uuid4().hex[:8]}"
    a = admin()
    with a.cursor() as cur:
        cur.execute(f"CREATE DATABASE {name}")
    a.close()
    conn = psycopg2.connect(**PG, dbname=name)
    with conn.cursor() as cur:
        cur.execute("\n".join(x for x in ddl.splitlines() if not x.startswith("\\")))
    conn.commit()
    conn.close()
    return name


def drop_db(name: str) -> None:
    conn = admin()
    with conn.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    conn.close()


def seed_pod(name: str) -> None:
    conn = psycopg2.connect(**PG, dbname=name)
    now = datetime.now(UTC)
    with conn.cursor() as cur:
        cur.execute("SET search_path = public")
        cur.execute("INSERT INTO django_site (domain, name) VALUES ('pod.example.org', 'Pod')")
        cur.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) VALUES "
            "('', true, 'admin', 'Admin', 'Pod', 'admin@example.org', true, true, %s) "
            "RETURNING id", (now,))
        uid = cur.fetchone()[0]
        key = hashlib.sha256((SECRET_KEY + "admin").encode()).hexdigest()
        cur.execute(
            "INSERT INTO authentication_owner (auth_type, affiliation, commentaire, hashkey, "
            "establishment, user_id) VALUES ('local', 'staff', '', %s, 'Etab_1', %s) "
            "RETURNING id", (key, uid))
        cur.execute("INSERT INTO authentication_owner_sites (owner_id, site_id) VALUES (%s, 1)",
                    (cur.fetchone()[0],))
    conn.commit()
    conn.close()


def seed_moodle(name: str, courses: int, recordings: int) -> list[Recording]:
    conn = psycopg2.connect(**PG, dbname=name)
    cur = conn.cursor()
    cur.execute("INSERT INTO mdl_role (shortname, description, sortorder) VALUES "
                "('editingteacher', '', 1), ('student', '', 2) RETURNING id")
    teacher_role = cur.fetchone()[0]
    cur.execute("INSERT INTO mdl_modules (name) VALUES ('bigbluebuttonbn') RETURNING id")
    module = cur.fetchone()[0]
    cur.execute("INSERT INTO mdl_context (contextlevel, instanceid, path) VALUES (10, 0, '/1')")
    users = [(f"teacher{i}", f"First{i}", f"Last{i}", f"teacher{i}@univ.example.org", 1)
             for i in range(courses * 3)]
    execute_values(cur, "INSERT INTO mdl_user (username, firstname, lastname, email, "
                   "mnethostid) VALUES %s", users)
    cur.execute("SELECT username, id FROM mdl_user")
    user_ids = dict(cur.fetchall())
    execute_values(cur, "INSERT INTO mdl_course (fullname, shortname) VALUES %s",
                   [(f"Course {c}", f"C{c}") for c in range(courses)])
    cur.execute("SELECT id FROM mdl_course ORDER BY id")
    course_ids = [r[0] for r in cur.fetchall()]
    execute_values(cur, "INSERT INTO mdl_context (contextlevel, instanceid, path) VALUES %s",
                   [(50, c, None) for c in course_ids])
    cur.execute("UPDATE mdl_context SET path = '/1/' || id WHERE contextlevel = 50")
    cur.execute("SELECT instanceid, id, path FROM mdl_context WHERE contextlevel = 50")
    course_ctx = {r[0]: (r[1], r[2]) for r in cur.fetchall()}
    activities, assignments = [], []
    for n, course in enumerate(course_ids):
        creator = user_ids[f"teacher{3 * n}"]
        for t in (1, 2):
            assignments.append((teacher_role, course_ctx[course][0],
                                user_ids[f"teacher{3 * n + t}"]))
        participants = json.dumps([
            {"selectiontype": "all", "selectionid": "all", "role": "viewer"},
            {"selectiontype": "user", "selectionid": str(creator), "role": "moderator"},
            {"selectiontype": "role", "selectionid": str(teacher_role), "role": "moderator"}])
        for a in range(ACTIVITIES_PER_COURSE):
            activities.append((course, f"Activity {n}.{a}", "<p>intro</p>",
                               hashlib.sha1(f"{n}.{a}".encode()).hexdigest(), participants))
    execute_values(cur, "INSERT INTO mdl_role_assignments (roleid, contextid, userid) VALUES %s",
                   assignments)
    execute_values(cur, "INSERT INTO mdl_bigbluebuttonbn (course, name, intro, meetingid, "
                   "participants) VALUES %s", activities)
    cur.execute("SELECT id, course, meetingid FROM mdl_bigbluebuttonbn ORDER BY id")
    bbbs = cur.fetchall()
    execute_values(cur, "INSERT INTO mdl_course_modules (course, module, instance) VALUES %s",
                   [(c, module, b) for b, c, _ in bbbs])
    cur.execute("SELECT id, course, instance FROM mdl_course_modules")
    execute_values(cur, "INSERT INTO mdl_context (contextlevel, instanceid, path) VALUES %s",
                   [(70, cm, course_ctx[c][1]) for cm, c, _ in cur.fetchall()])
    cur.execute("UPDATE mdl_context SET path = path || '/' || id WHERE contextlevel = 70")
    recs: list[Recording] = []
    links = []
    start = datetime(2024, 1, 1, 8, tzinfo=UTC)
    for i in range(recordings):
        bid, course, seed = bbbs[i % len(bbbs)]
        rid = f"{hashlib.sha1(f'r{i}'.encode()).hexdigest()}-{1700000000000 + i}"
        recs.append(Recording(
            record_id=rid, internal_meeting_id=rid, meeting_id=f"{seed}-{course}-{bid}[0]",
            name=f"Séance {i} du cours {course}", start_time=start + timedelta(hours=i),
            metadata={"bbb-origin-server-name": "moodle.example.org"},
            playbacks=(Playback("presentation",
                                f"https://bbb.example.org/playback/presentation/2.3/{rid}"),)))
        links.append((course, bid, 0, rid, 2))
    execute_values(cur, "INSERT INTO mdl_bigbluebuttonbn_recordings (courseid, "
                   "bigbluebuttonbnid, groupid, recordingid, status) VALUES %s", links)
    conn.commit()
    conn.close()
    return recs


def setup(courses: int, recordings: int) -> tuple[str, str, list[Recording]]:
    pod_ddl = (REPO / "tests/publish/sql/pod-4.1.0-postgresql.sql").read_text()
    moodle_ddl = (REPO / "tests/publish/sql/moodle-4.x-postgresql.sql").read_text()
    pod = create_db("pod", pod_ddl)
    moodle = create_db("moodle", moodle_ddl)
    seed_pod(pod)
    return pod, moodle, seed_moodle(moodle, courses, recordings)


BATCH = 200  # recordings per publish_many call, as the runner's PUBLISH_BATCH


class Entry:
    """One recording as an executor holds it: its plan item and its state."""

    def __init__(self, item: PlanItem) -> None:
        self.item = item
        self.index = item.index
        self.state: RecordingState = initial(item.record_id, item.action)


class PublisherRun:
    """The publisher under test; one instance for the whole run, fed chunk by chunk."""

    def __init__(self, pod: str, moodle: str) -> None:
        os.environ["BENCH_POD_URL"] = f"postgresql://postgres@127.0.0.1:5432/{pod}"
        os.environ["BENCH_MOODLE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{moodle}"
        os.environ["BENCH_POD_KEY"] = SECRET_KEY
        spec = parse_spec({
            "source": {"url": "https://bbb.example.org/bigbluebutton/",
                       "secretRef": {"env": "UNUSED"}},
            "mode": "import-video",
            "pod": {"database": {"urlRef": {"env": "BENCH_POD_URL"}},
                    "secretKeyRef": {"env": "BENCH_POD_KEY"}},
            "moodle": {"databases": {"default": {"urlRef": {"env": "BENCH_MOODLE_URL"}}},
                       "notice": {"enabled": True, "html": NOTICE}},
        })
        started = time.perf_counter()
        self.publisher = Publisher(spec)
        self.publisher.check()
        self.elapsed = time.perf_counter() - started

    def run(self, recs: list[Recording]) -> None:
        entries = [Entry(PlanItem(i + 1, r, Action.PUBLISH_ONLY, "", "presentation",
                                  r.playbacks[0].url)) for i, r in enumerate(recs)]
        started = time.perf_counter()
        while True:  # what the executors do: the core picks a batch, publishes, saves states
            batch, _ = schedule.to_publish(entries, now=time.time(), limit=BATCH)
            if not batch:
                break
            jobs = [publishing.Job(e, e.state, e.item, None) for e in batch]

            def saved(outcome: publishing.Outcome) -> None:
                outcome.entry.state = outcome.state
                if outcome.error:
                    raise SystemExit(f"publisher failed on {outcome.entry.item.record_id}: "
                                     f"{outcome.error}")

            publishing.publish_batch(self.publisher, jobs, max_attempts=3, now=time.time(),
                                     saved=saved)
        self.elapsed += time.perf_counter() - started

    def close(self) -> None:
        self.publisher.close()


class BaselineRun:
    """One statement and one commit per row, as the reference command through Django's ORM."""

    def __init__(self, pod: str, moodle: str) -> None:
        started = time.perf_counter()
        self.p = psycopg2.connect(**PG, dbname=pod)
        self.p.autocommit = True
        self.m = psycopg2.connect(**PG, dbname=moodle)
        self.m.autocommit = True
        self.elapsed = time.perf_counter() - started

    def close(self) -> None:
        self.p.close()
        self.m.close()

    def run(self, recs: list[Recording]) -> None:
        started = time.perf_counter()
        self._run(recs)
        self.elapsed += time.perf_counter() - started

    def _run(self, recs: list[Recording]) -> None:
        pc, mc = self.p.cursor(), self.m.cursor()
        for rec in recs:
            pc.execute("SELECT owner_id, site_id FROM meeting WHERE meeting_id = %s LIMIT 1",
                       (rec.meeting_id,))
            pc.fetchall()
            mc.execute("SELECT b.id, b.intro, b.course, b.participants "
                       "FROM mdl_bigbluebuttonbn_recordings r, mdl_bigbluebuttonbn b "
                       "WHERE r.bigbluebuttonbnid = b.id AND r.recordingid = %s AND r.status = 2",
                       (rec.record_id,))
            activities = mc.fetchall()
            moderators = []
            for bid, _intro, _course, participants in activities:
                for rule in json.loads(participants):
                    if rule["role"] != "moderator":
                        continue
                    if rule["selectiontype"] == "user":
                        ids = [int(rule["selectionid"])]
                    else:  # the role rule, resolved without any cache
                        mc.execute(
                            "SELECT cx.path FROM mdl_course_modules cm JOIN mdl_context cx ON "
                            "cx.contextlevel = 70 AND cx.instanceid = cm.id WHERE cm.instance = %s",
                            (bid,))
                        path = mc.fetchone()[0]
                        ctx = [int(x) for x in path.split("/") if x]
                        mc.execute("SELECT userid FROM mdl_role_assignments WHERE roleid = %s "
                                   "AND contextid = ANY(%s) ORDER BY userid",
                                   (int(rule["selectionid"]), ctx))
                        ids = [r[0] for r in mc.fetchall()]
                    for uid in ids:
                        mc.execute("SELECT id, username, firstname, lastname, email FROM mdl_user "
                                   "WHERE id = %s", (uid,))
                        moderators.append(mc.fetchone())
            for _id, username, first, last, email in moderators:
                pc.execute("SELECT id FROM auth_user WHERE username = %s LIMIT 1", (username,))
                row = pc.fetchone()
                if row is None:
                    now = datetime.now(UTC)
                    pc.execute("INSERT INTO auth_user (password, is_superuser, username, "
                               "first_name, last_name, email, is_staff, is_active, "
                               "date_joined) VALUES ('', false, %s, %s, %s, %s, true, true, "
                               "%s) RETURNING id",
                               (username, first, last, email, now))
                    uid = pc.fetchone()[0]
                    key = hashlib.sha256((SECRET_KEY + username).encode()).hexdigest()
                    pc.execute("INSERT INTO authentication_owner (auth_type, affiliation, "
                               "commentaire, hashkey, establishment, user_id) VALUES "
                               "('local', 'student', '', %s, 'Etab_1', %s) RETURNING id",
                               (key, uid))
                    oid = pc.fetchone()[0]
                    pc.execute("INSERT INTO authentication_owner_sites (owner_id, site_id) "
                               "VALUES (%s, 1)", (oid,))
                    pc.execute("SELECT max(id) FROM playlist_playlist")
                    nxt = (pc.fetchone()[0] or 0) + 1
                    pc.execute("INSERT INTO playlist_playlist (date_created, name, description, "
                               "password, visibility, autoplay, promoted, editable, slug, "
                               "date_updated, owner_id, site_id) VALUES (%s, 'Favorites', '', '', "
                               "'private', true, false, false, %s, %s, %s, 1)",
                               (now, f"{nxt}-favorites", now, uid))
                else:
                    uid = row[0]
                pc.execute("SELECT id FROM import_video_externalrecording WHERE source_url = %s "
                           "AND owner_id = %s LIMIT 1", (rec.playbacks[0].url, uid))
                if pc.fetchone() is None:
                    pc.execute("INSERT INTO import_video_externalrecording (name, start_at, type, "
                               "source_url, owner_id, site_id) VALUES (%s, %s, 'bigbluebutton', "
                               "%s, %s, 1)", (rec.name, rec.start_time, rec.playbacks[0].url, uid))
            for bid, _intro, _course, _participants in activities:
                mc.execute("SELECT intro FROM mdl_bigbluebuttonbn WHERE id = %s", (bid,))
                intro = mc.fetchone()[0] or ""
                if NOTICE not in intro:
                    mc.execute("UPDATE mdl_bigbluebuttonbn SET intro = %s WHERE id = %s",
                               (intro + "<br>" + NOTICE, bid))


def counts(pod: str) -> tuple[int, int, int]:
    conn = psycopg2.connect(**PG, dbname=pod)
    with conn.cursor() as cur:
        out = []
        for table in ("auth_user", "authentication_owner", "import_video_externalrecording"):
            cur.execute(f"SELECT count(*) FROM {table}")
            out.append(cur.fetchone()[0])
    conn.close()
    return tuple(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=10_000)
    parser.add_argument("--courses", type=int, default=500)
    parser.add_argument("--baseline-recordings", type=int, default=None,
                        help="Recordings for the baseline (default: the same number).")
    parser.add_argument("--chunk", type=int, default=500,
                        help="Recordings per turn: the two runs alternate so that load from "
                        "other processes on the machine hits both alike.")
    args = parser.parse_args()
    n_base = args.baseline_recordings or args.recordings
    created: list[str] = []
    try:
        pod, moodle, recs = setup(args.courses, args.recordings)
        bpod, bmoodle, brecs = setup(args.courses, n_base)
        created += [pod, moodle, bpod, bmoodle]
        pub, base = PublisherRun(pod, moodle), BaselineRun(bpod, bmoodle)
        try:
            for at in range(0, max(args.recordings, n_base), args.chunk):
                if at < args.recordings:
                    pub.run(recs[at:at + args.chunk])
                if at < n_base:
                    base.run(brecs[at:at + args.chunk])
        finally:
            pub.close()
            base.close()
        t_pub, t_base = pub.elapsed, base.elapsed
        pub_counts, base_counts = counts(pod), counts(bpod)
    finally:
        for name in created:
            drop_db(name)
    per_pub, per_base = t_pub / args.recordings, t_base / n_base
    print(f"publisher: {args.recordings} recordings in {t_pub:.1f} s "
          f"({per_pub * 1000:.2f} ms each); rows users/owners/external = {pub_counts}")
    print(f"baseline:  {n_base} recordings in {t_base:.1f} s "
          f"({per_base * 1000:.2f} ms each); rows users/owners/external = {base_counts}")
    print(f"ratio (baseline / publisher, per recording): {per_base / per_pub:.2f}x")
    target = "met" if t_pub < 60 else "MISSED"
    print(f"target < 60 s for {args.recordings} recordings: {target}")
    if n_base == args.recordings and pub_counts != base_counts:
        print("WARNING: the two runs wrote different row counts", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
