"""Greenlight as a source of owners, on real PostgreSQL with Greenlight v2's and v3's schemas
(``tests/publish/sql/greenlight-v{2,3}-postgresql.sql``, from each version's ``db/schema.rb``),
alone and merged with Moodle's moderators, into a real Pod 4.1.0 schema."""

from __future__ import annotations

from datetime import datetime

import pytest
from pubdb import SQL, item, make_recording, make_spec, seed_moodle, seed_pod

from bbb_migrate.publish import PublishConfigError, Publisher
from bbb_migrate.spec import parse_spec

ROOM = "a" * 40  # Greenlight's meeting IDs: 40 random lowercase alphanumerics
EMPTY_ROOM = "b" * 40


def _greenlight(dbs, version: str, extra_room: str | None = None):
    """A room owned by Alice, shared with Paul (a Pod user), Nina (new) and, in v2, a deleted
    user; the optional second room (Dave's) takes a Moodle recording's meeting ID."""
    db = dbs.create("postgresql", f"gl{version}")
    dbs.run_script(db, (SQL / f"greenlight-{version}-postgresql.sql").read_text())
    now = datetime(2024, 1, 1)
    stamp = {"created_at": now, "updated_at": now}
    people = [("Alice Martin", "alice@univ.example.org", "alice"),
              ("Paul Prof", "PodTeacher@POD.example.org", "podteacher"),
              ("Nina Neuve", "nina@univ.example.org", "nina"),
              ("Dave Durand", "dave@univ.example.org", "dave")]
    if version == "v2":
        people.append(("Gone User", "gone@univ.example.org", "gone"))
    ids = {}
    for name, email, login in people:
        if version == "v2":
            values = {"name": name, "email": email, "username": login, "social_uid": login,
                      "provider": "cas", "uid": f"gl-{login}", "deleted": login == "gone"}
        else:
            values = {"name": name, "email": email, "external_id": login, "provider": "openid",
                      "language": "fr"}
        db.execute(f"INSERT INTO users ({', '.join([*values, *stamp])}) "
                   f"VALUES ({', '.join(['%s'] * (len(values) + 2))})",
                   [*values.values(), *stamp.values()])
        ids[login] = db.scalar("SELECT id FROM users WHERE email = %s", (email,))

    def room(meeting_id: str, owner: str, shared: list[str]) -> None:
        if version == "v2":
            values = {"name": f"Room of {owner}", "uid": f"{owner}-x", "bbb_id": meeting_id,
                      "user_id": ids[owner]}
        else:
            values = {"name": f"Room of {owner}", "friendly_id": f"{owner}-x",
                      "meeting_id": meeting_id, "user_id": ids[owner]}
        db.execute(f"INSERT INTO rooms ({', '.join([*values, *stamp])}) "
                   f"VALUES ({', '.join(['%s'] * (len(values) + 2))})",
                   [*values.values(), *stamp.values()])
        room_id = db.scalar("SELECT id FROM rooms WHERE name = %s", (f"Room of {owner}",))
        for login in shared:
            db.execute("INSERT INTO shared_accesses (room_id, user_id, created_at, updated_at) "
                       "VALUES (%s, %s, %s, %s)", (room_id, ids[login], now, now))

    room(ROOM, "alice", ["podteacher", "nina"] + (["gone"] if version == "v2" else []))
    if extra_room:
        room(extra_room, "dave", [])
    db.conn.commit()
    return db


def _spec(monkeypatch, pod, greenlight_db, *, match_by: str, moodle=None, version="auto"):
    base = make_spec(monkeypatch, pod=pod, moodle=moodle, notice=False).to_yaml_dict()
    monkeypatch.setenv("GL_URL_TEST", greenlight_db.url)
    base["greenlight"] = {"database": {"urlRef": {"env": "GL_URL_TEST"}}, "matchBy": match_by,
                          "version": version}
    return parse_spec(base)


def _owners(pod, url: str) -> list[str]:
    return [r[0] for r in pod.query(
        "SELECT u.username FROM import_video_externalrecording e JOIN auth_user u "
        "ON u.id = e.owner_id WHERE e.source_url = %s ORDER BY u.username", (url,))]


def _publish(spec, recordings):
    publisher = Publisher(spec)
    try:
        publisher.check()
        return [publisher.publish(item(rec)) for rec in recordings]
    finally:
        publisher.close()


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_room_owner_and_shared_accesses_by_identity_provider_id(version, dbs, monkeypatch):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    gl = _greenlight(dbs, version)
    made = make_recording(8, ROOM, server="greenlight.univ.example.org")
    nobody = make_recording(9, EMPTY_ROOM, server="greenlight.univ.example.org")
    reports = _publish(_spec(monkeypatch, pod, gl, match_by="externalId"), [made, nobody])
    # Owner, then co-owners; Alice and Nina created in Pod, Paul found; the deleted one said.
    assert _owners(pod, made.playbacks[0].url) == ["alice", "nina", "podteacher"]
    assert reports[0].owners[0] == "Alice Martin (alice)"
    nina = pod.query("SELECT first_name, last_name, email, is_staff FROM auth_user "
                     "WHERE username = 'nina'")
    assert nina == [("Nina", "Neuve", "nina@univ.example.org", True)]
    if version == "v2":
        assert any("Gone User (gone) is deleted" in w for w in reports[0].warnings)
    # A meeting Greenlight does not know falls back to the administrator, as with Moodle.
    assert _owners(pod, nobody.playbacks[0].url) == ["admin"]


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_match_by_email_finds_existing_pod_users_only(version, dbs, monkeypatch):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    gl = _greenlight(dbs, version)
    made = make_recording(8, ROOM, server="greenlight.univ.example.org")
    users_before = pod.count("auth_user")
    (report,) = _publish(_spec(monkeypatch, pod, gl, match_by="email"), [made])
    # Paul's Greenlight e-mail differs in case only from his Pod one; nobody is created.
    assert _owners(pod, made.playbacks[0].url) == ["podteacher"]
    assert pod.count("auth_user") == users_before
    assert any("alice@univ.example.org" in w and "no Pod account" in w for w in report.warnings)


def test_owners_from_moodle_and_greenlight_are_merged(dbs, monkeypatch):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    moodle = dbs.moodle("postgresql")
    world = seed_moodle(moodle)
    rec1 = world.recordings["rec1"]
    gl = _greenlight(dbs, "v3", extra_room=rec1.meeting_id)
    _publish(_spec(monkeypatch, pod, gl, match_by="externalId", moodle=moodle), [rec1])
    assert _owners(pod, rec1.playbacks[0].url) == ["alice", "bob", "carol", "dave"]


def test_schema_and_key_problems_stop_before_the_first_recording(dbs, monkeypatch):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    gl = _greenlight(dbs, "v3")
    with pytest.raises(PublishConfigError, match="v3 users have no username"):
        _publish(_spec(monkeypatch, pod, gl, match_by="username"), [])
    with pytest.raises(PublishConfigError, match="Greenlight database"):
        _publish(_spec(monkeypatch, pod, gl, match_by="email", version="v2"), [])
    not_greenlight = dbs.moodle("postgresql")
    with pytest.raises(PublishConfigError, match="not a Greenlight database"):
        _publish(_spec(monkeypatch, pod, not_greenlight, match_by="email"), [])
