"""import-video mode end to end on real Pod (3.x, 4.x) and Moodle 4.x databases, both engines."""

from __future__ import annotations

import hashlib
from datetime import UTC
from types import SimpleNamespace

import pytest
from pubdb import (
    NOTICE,
    SECRET_KEY,
    WriteFaults,
    item,
    make_recording,
    make_spec,
    seed_moodle,
    seed_pod,
)

from bbb_migrate.publish import PublishConfigError, Publisher, PublishError

COMBOS = [("postgresql", 4), ("postgresql", 3), ("mysql", 4), ("mysql", 3)]
NEW_USERS = {"alice", "carol", "bob", "zoe.obrien"}


def _setup(dbs, engine, version, moodle_engine=None):
    pod = dbs.pod(engine, version)
    pod_ids = seed_pod(pod, version)
    moodle = dbs.moodle(moodle_engine or engine)
    world = seed_moodle(moodle)
    return pod, pod_ids, moodle, world


def _publish_all(spec, world):
    publisher = Publisher(spec)
    try:
        publisher.check()
        return {key: publisher.publish(item(rec)) for key, rec in world.recordings.items()}
    finally:
        publisher.close()


def _ext_owners(pod, record_key_url):
    rows = pod.query(
        "SELECT u.username FROM import_video_externalrecording e "
        "JOIN auth_user u ON u.id = e.owner_id WHERE e.source_url = %s ORDER BY u.username",
        (record_key_url,))
    return [r[0] for r in rows]


@pytest.mark.parametrize(("engine", "version"), COMBOS)
def test_import_video_rows_as_pod_writes_them(engine, version, dbs, monkeypatch):
    pod, _pod_ids, moodle, world = _setup(dbs, engine, version)
    spec = make_spec(monkeypatch, pod=pod, moodle=moodle)
    reports = _publish_all(spec, world)

    # Owners in Pod's order: Pod meeting, then every Moodle moderator, then the administrator.
    url = {k: r.playbacks[0].url for k, r in world.recordings.items()}
    assert _ext_owners(pod, url["rec1"]) == ["alice", "bob", "carol"]
    assert _ext_owners(pod, url["rec5"]) == ["alice", "bob", "carol"]
    assert _ext_owners(pod, url["rec2"]) == ["zoe.obrien"]
    assert _ext_owners(pod, url["rec3"]) == ["carol"]
    assert _ext_owners(pod, url["rec4"]) == ["podteacher"]
    assert _ext_owners(pod, url["rec6"]) == ["admin"]
    assert _ext_owners(pod, url["rec7"]) == ["admin"]
    assert pod.count("import_video_externalrecording") == 11
    assert reports["rec1"].owners == ["Alice Martin (alice)", "Carol Petit (carol)",
                                      "Bob Durand (bob)"]
    assert reports["rec4"].owners == ["Paul Prof (podteacher)"]
    assert reports["rec6"].owners == ["Admin Pod (admin)"]

    # External recording rows: Pod's values, start in UTC, site 1.
    row = pod.query("SELECT name, type, state, site_id, uploaded_to_pod_by_id, start_at "
                    "FROM import_video_externalrecording WHERE source_url = %s",
                    (url["rec2"],))[0]
    start = row[5] if row[5].tzinfo else row[5].replace(tzinfo=UTC)
    assert row[:5] == ("Recording 2", "bigbluebutton", None, 1, None)
    assert start == world.recordings["rec2"].start_time

    # Users created once each, as Pod's User.objects.create + signals would.
    users = pod.query("SELECT id, username, first_name, last_name, email, is_staff, is_active, "
                      "is_superuser, password, last_login FROM auth_user "
                      "WHERE username NOT IN ('admin', 'podteacher') ORDER BY username")
    assert {u[1] for u in users} == NEW_USERS and len(users) == 4
    zoe = next(u for u in users if u[1] == "zoe.obrien")
    assert zoe[2:5] == ("Zoë 😀", "O'Brien 100%", "zoe.obrien@univ.example.org")
    for uid, username, *_rest, staff, active, superuser, password, last_login in users:
        assert (bool(staff), bool(active), bool(superuser), password, last_login) == (
            True, True, False, "", None)
        owner = pod.query("SELECT id, auth_type, affiliation, commentaire, hashkey, "
                          "establishment, accepts_notifications, userpicture_id "
                          "FROM authentication_owner WHERE user_id = %s", (uid,))
        assert len(owner) == 1
        oid, *values = owner[0]
        expected_key = hashlib.sha256((SECRET_KEY + username).encode()).hexdigest()
        assert values == ["local", "student", "", expected_key, "Etab_1", None, None]
        assert pod.query("SELECT site_id FROM authentication_owner_sites WHERE owner_id = %s",
                         (oid,)) == [(1,)]
        # The report names the real rows written.
        all_writes = [w for r in reports.values() for w in r.writes]
        assert sum(w.startswith(f"pod authentication_owner: inserted id={oid} ")
                   and f"user_id={uid}," in w for w in all_writes) == 1
        playlists = pod.query(
            "SELECT id, name, slug, visibility, autoplay, promoted, editable, password, site_id "
            "FROM playlist_playlist WHERE owner_id = %s", (uid,))
        assert len(playlists) == 1
        pid, name, slug, visibility, autoplay, promoted, editable, pwd, site = playlists[0]
        assert (name, slug, visibility, pwd, site) == ("Favorites", f"{pid}-favorites",
                                                       "private", "", 1)
        assert (bool(autoplay), bool(promoted), bool(editable)) == (True, False, False)

    # The Moodle notice: once in each activity of the migrated recordings, cache revision bumped.
    intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
    for key in ("A1", "A2", "A3", "A4"):
        assert intros[world.ids[key]].count(NOTICE) == 1, key
    assert intros[world.ids["A1"]] == f"<p>Cours magistral</p><br>{NOTICE}"
    assert moodle.scalar("SELECT cacherev FROM mdl_course") > 1000

    # A second run (new process) changes nothing at all in either database.
    before = (pod.dump(), moodle.dump())
    again = _publish_all(make_spec(monkeypatch, pod=pod, moodle=moodle), world)
    assert (pod.dump(), moodle.dump()) == before
    assert all(r.writes == [] for r in again.values())
    assert again["rec1"].owners == reports["rec1"].owners


@pytest.mark.parametrize(("engine", "version"), COMBOS)
def test_dry_run_writes_nothing_and_reports_every_row(engine, version, dbs, monkeypatch):
    pod, _, moodle, world = _setup(dbs, engine, version)
    before = (pod.dump(), moodle.dump())
    reports = _publish_all(make_spec(monkeypatch, pod=pod, moodle=moodle, dry_run=True), world)
    assert (pod.dump(), moodle.dump()) == before

    writes = [w for r in reports.values() for w in r.writes]
    text = "\n".join(writes)
    for username in NEW_USERS:
        assert f"username={username!r}" in text
        assert hashlib.sha256((SECRET_KEY + username).encode()).hexdigest() in text
    assert sum(w.startswith("pod auth_user: would insert") for w in writes) == 4
    assert sum(w.startswith("pod authentication_owner: would insert") for w in writes) == 4
    assert sum(w.startswith("pod authentication_owner_sites: would insert") for w in writes) == 4
    assert sum(w.startswith("pod playlist_playlist: would insert") for w in writes) == 4
    assert sum(w.startswith("pod import_video_externalrecording: would insert")
               for w in writes) == 11
    assert sum("would append the notice" in w for w in writes) == 4
    assert reports["rec5"].owners == reports["rec1"].owners


@pytest.mark.parametrize(("engine", "version"), [("postgresql", 4), ("mysql", 4)])
def test_failure_mid_recording_leaves_nothing_and_the_run_goes_on(engine, version, dbs,
                                                                  monkeypatch):
    pod, _, moodle, world = _setup(dbs, engine, version)
    before = (pod.dump(sequences=False), moodle.dump(sequences=False))
    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    faults = WriteFaults(monkeypatch)
    inserts: list[str] = []

    def fail_at_external_recordings(sql, params):
        inserts.append(sql)
        if "import_video_externalrecording" in sql:
            raise RuntimeError("injected failure")

    try:
        publisher.check()
        faults.hook = fail_at_external_recordings
        with pytest.raises(RuntimeError, match="injected"):
            publisher.publish(item(world.recordings["rec1"]))
        # The 3 users (user, owner, site link, playlist + its slug) were written before the fault.
        tables = [sql.split()[2 if sql.startswith("INSERT") else 1].strip('"`') for sql in inserts]
        assert list(dict.fromkeys(tables)) == [
            "auth_user", "authentication_owner", "authentication_owner_sites",
            "playlist_playlist", "import_video_externalrecording"]
        if engine == "postgresql":  # one multi-row statement per table (MySQL: one per row)
            assert len(inserts) == 6
        # Users, owners, playlists and two external recordings were written, then rolled back.
        assert (pod.dump(sequences=False), moodle.dump(sequences=False)) == before

        faults.hook = None
        ok = publisher.publish(item(world.recordings["rec2"]))  # the run goes on
        assert ok.owners == ["Zoë 😀 O'Brien 100% (zoe.obrien)"]
        retried = publisher.publish(item(world.recordings["rec1"]))  # no stale cached user id
        assert len([w for w in retried.writes if w.startswith("pod auth_user")]) == 3
    finally:
        publisher.close()
    url = world.recordings["rec1"].playbacks[0].url
    assert _ext_owners(pod, url) == ["alice", "bob", "carol"]


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_database_error_mid_recording_is_a_publish_error(engine, dbs, monkeypatch):
    pod, _, moodle, world = _setup(dbs, engine, 4)
    # A row Pod would never have: an owner hashkey that collides with bob's, created out of band.
    bob_key = hashlib.sha256((SECRET_KEY + "bob").encode()).hexdigest()
    pod.execute("UPDATE authentication_owner SET hashkey = %s WHERE user_id = "
                "(SELECT id FROM auth_user WHERE username = 'podteacher')", (bob_key,))
    before = pod.dump(sequences=False)
    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    try:
        with pytest.raises(PublishError) as failure:
            publisher.publish(item(world.recordings["rec1"]))
        assert "authentication_owner" in str(failure.value) or "hashkey" in str(failure.value)
        assert pod.dump(sequences=False) == before
        assert NOTICE not in moodle.scalar("SELECT intro FROM mdl_bigbluebuttonbn WHERE id = %s",
                                           (world.ids["A1"],))
    finally:
        publisher.close()


@pytest.mark.parametrize(("engine", "charset"), [("postgresql", None), ("mysql", "utf8mb4"),
                                                 ("mysql", "utf8mb3")])
def test_awkward_names_go_through_or_are_cleanly_truncated(engine, charset, dbs, monkeypatch):
    pod = dbs.pod(engine, 4, charset=charset or "utf8mb4")
    seed_pod(pod, 4)
    head = "L'amphi « 100% » \"quoted\" 😀 — "
    long_name = head + "x" * 300
    short_name = "Réunion d'équipe 50% 🎓"
    recs = [make_recording(40, "unknown-1", name=long_name),
            make_recording(41, "unknown-2", name=short_name)]
    publisher = Publisher(make_spec(monkeypatch, pod=pod))
    try:
        reports = [publisher.publish(item(r)) for r in recs]
    finally:
        publisher.close()
    names = dict(pod.query("SELECT source_url, name FROM import_video_externalrecording"))
    stored_long, stored_short = (names[r.playbacks[0].url] for r in recs)
    if charset == "utf8mb3":  # Pod on a 3-byte MySQL charset: emoji cannot be stored
        head, short_name = head.replace("😀", "\ufffd"), short_name.replace("🎓", "\ufffd")
        assert any("shortened" in w or "fit" in w for w in reports[1].warnings)
    assert stored_short == short_name
    assert len(stored_long) == 250
    assert stored_long.startswith(head) and stored_long.endswith("x…")
    assert any("shortened to fit import_video_externalrecording.name" in w
               for w in reports[0].warnings)


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_unknown_schema_is_refused(engine, dbs, monkeypatch):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    pod.execute("DROP TABLE import_video_externalrecording")
    publisher = Publisher(make_spec(monkeypatch, pod=pod))
    with pytest.raises(PublishConfigError, match="missing import_video_externalrecording"):
        publisher.check()
    publisher.close()

    empty = dbs.create(engine, "empty")
    publisher = Publisher(make_spec(monkeypatch, pod=empty))
    with pytest.raises(PublishConfigError, match=r"not a Pod 3\.x/4\.x schema"):
        publisher.check()
    publisher.close()


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_missing_admin_is_a_config_error(engine, dbs, monkeypatch):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    publisher = Publisher(make_spec(monkeypatch, pod=pod, adminUsername="nobody"))
    with pytest.raises(PublishConfigError, match="'nobody'"):
        publisher.check()
    publisher.close()


@pytest.mark.parametrize("scheme", ["postgresql", "mysql"])
def test_unusable_database_url_is_a_config_error_without_the_password(scheme, monkeypatch):
    # A typo in the port used to escape as a bare ValueError from urllib.
    bad = SimpleNamespace(url=f"{scheme}://pod:S3cretPw@127.0.0.1:54x2/pod")
    publisher = Publisher(make_spec(monkeypatch, pod=bad, moodle=bad))
    with pytest.raises(PublishConfigError, match="port is not a number") as info:
        publisher.check()
    assert "S3cretPw" not in str(info.value)
    publisher.close()


def test_pod_on_postgresql_with_moodle_on_mariadb(dbs, monkeypatch):
    pod, _, moodle, world = _setup(dbs, "postgresql", 4, moodle_engine="mysql")
    reports = _publish_all(make_spec(monkeypatch, pod=pod, moodle=moodle), world)
    assert reports["rec3"].owners == ["Carol Petit (carol)"]
    assert pod.count("import_video_externalrecording") == 11


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_lost_connection_is_retryable_and_reconnects(engine, dbs, monkeypatch):
    pod, _, moodle, world = _setup(dbs, engine, 4)
    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    try:
        publisher.publish(item(world.recordings["rec2"]))
        conn = publisher._pod.conn
        if engine == "postgresql":
            backend = conn.scalar("SELECT pg_backend_pid()")
            pod.execute("SELECT pg_terminate_backend(%s)", (backend,))
        else:
            pod.execute(f"KILL {int(conn.scalar('SELECT CONNECTION_ID()'))}")
        with pytest.raises(PublishError) as lost:
            publisher.publish(item(world.recordings["rec1"]))
        assert lost.value.permanent is False
        report = publisher.publish(item(world.recordings["rec1"]))  # reconnected
        assert report.owners == ["Alice Martin (alice)", "Carol Petit (carol)",
                                 "Bob Durand (bob)"]
    finally:
        publisher.close()


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_publish_many_matches_publish_and_isolates_failures(engine, dbs, monkeypatch):
    pod, _, moodle, world = _setup(dbs, engine, 4)
    # The second item's URL does not fit source_url (500): that item fails, the others go on.
    broken = make_recording(50, "unknown")
    broken_item = item(broken)
    broken_item = type(broken_item)(**{**broken_item.__dict__,
                                       "source_url": "https://x/" + "y" * 600})
    keys = ["rec1", "rec2", "rec3", "rec4", "rec5", "rec6", "rec7"]
    batch = [(item(world.recordings["rec1"]), None), (broken_item, None)]
    batch += [(item(world.recordings[k]), None) for k in keys[1:]]
    seen = []
    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    try:
        results = publisher.publish_many(batch, on_result=lambda i, r: seen.append(r))
    finally:
        publisher.close()
    assert seen == results and len(results) == 8
    assert isinstance(results[1], PublishError) and results[1].permanent
    assert "longer than import_video_externalrecording.source_url" in str(results[1])
    reports = dict(zip(["rec1", "broken", *keys[1:]], results, strict=True))
    assert reports["rec1"].owners == ["Alice Martin (alice)", "Carol Petit (carol)",
                                      "Bob Durand (bob)"]
    assert reports["rec3"].owners == ["Carol Petit (carol)"]  # meeting-ID fallback
    assert reports["rec6"].owners == ["Admin Pod (admin)"]
    assert pod.count("import_video_externalrecording") == 11


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_two_publishers_racing_for_the_same_new_users(engine, dbs, monkeypatch):
    import threading

    pod, _, moodle, world = _setup(dbs, engine, 4)
    first = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    second = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    entered, gate = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold_before_external_rows(sql, params):  # users written, not yet committed
        if threading.current_thread().name != "first":
            return
        if "import_video_externalrecording" in sql and not entered.is_set():
            entered.set()
            assert gate.wait(20)

    def run(key, publisher, rec):
        try:
            outcome[key] = publisher.publish(item(rec))
        except PublishError as exc:
            outcome[key] = exc

    try:
        first.check()
        second.check()
        WriteFaults(monkeypatch).hook = hold_before_external_rows
        a = threading.Thread(target=run, args=("a", first, world.recordings["rec1"]),
                             name="first")
        a.start()
        assert entered.wait(20)
        b = threading.Thread(target=run, args=("b", second, world.recordings["rec5"]))
        b.start()
        b.join(1.0)  # b now waits on a's uncommitted user rows (same usernames)
        gate.set()
        a.join(30)
        b.join(60)
        assert not isinstance(outcome["a"], PublishError)
        if isinstance(outcome["b"], PublishError):  # lost the race: retryable, and a retry works
            assert outcome["b"].permanent is False
            outcome["b"] = second.publish(item(world.recordings["rec5"]))
        assert outcome["b"].owners == outcome["a"].owners
    finally:
        gate.set()
        first.close()
        second.close()
    assert pod.scalar("SELECT count(*) FROM auth_user WHERE username IN "
                      "('alice', 'bob', 'carol')") == 3
    assert pod.count("authentication_owner") == 5
    assert pod.count("import_video_externalrecording") == 6


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_a_recording_failing_inside_a_batch_rolls_back_alone(engine, dbs, monkeypatch):
    """One Pod transaction per batch: a write failing for one recording undoes that recording
    only (its savepoint), the others commit, and its notice is not written."""
    from bbb_migrate.publish.db import DatabaseError

    pod, _, moodle, world = _setup(dbs, engine, 4)
    keys = ["rec1", "rec2", "rec3"]
    doomed = world.recordings["rec2"].playbacks[0].url  # zoe.obrien, a new user, activity A2

    def refuse_rec2(sql, params):
        if "import_video_externalrecording" in sql and doomed in params:
            raise DatabaseError("injected: value refused", retryable=False)

    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle))
    try:
        publisher.check()
        WriteFaults(monkeypatch).hook = refuse_rec2
        results = publisher.publish_many([(item(world.recordings[k]), None) for k in keys])
    finally:
        publisher.close()
    reports = dict(zip(keys, results, strict=True))
    assert isinstance(reports["rec2"], PublishError) and reports["rec2"].permanent
    assert "injected" in str(reports["rec2"])
    assert reports["rec1"].owners == ["Alice Martin (alice)", "Carol Petit (carol)",
                                      "Bob Durand (bob)"]
    assert reports["rec3"].owners == ["Carol Petit (carol)"]
    # rec2's user and rows were rolled back with its savepoint; the others' are committed.
    assert pod.scalar("SELECT count(*) FROM auth_user WHERE username = 'zoe.obrien'") == 0
    assert _ext_owners(pod, doomed) == []
    assert _ext_owners(pod, world.recordings["rec1"].playbacks[0].url) == ["alice", "bob",
                                                                          "carol"]
    assert pod.count("import_video_externalrecording") == 4
    # Each recording's report tells only its own rows, written once.
    assert sum(w.startswith("pod import_video_externalrecording: inserted")
               for w in reports["rec1"].writes) == 3
    assert NOTICE not in moodle.scalar("SELECT intro FROM mdl_bigbluebuttonbn WHERE id = %s",
                                       (world.ids["A2"],))
    assert NOTICE in moodle.scalar("SELECT intro FROM mdl_bigbluebuttonbn WHERE id = %s",
                                   (world.ids["A1"],))
