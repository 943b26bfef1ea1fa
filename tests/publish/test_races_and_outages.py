"""Found by the operator's soak (tests/operator/test_soak.py), checked here on both engines:

- two publishers creating the same Moodle user in Pod at once: the loser's INSERT waits for the
  winner's commit, then fails on the unique username. The recording is run again at once (it
  now finds the user) instead of using a publish attempt and waiting a backoff;
- a Pod database that cannot be reached is ``DatabaseUnavailable`` (an outage: publishing stops
  and is tried again), not ``PublishConfigError`` (something to fix in the spec); a database
  that does not exist stays a configuration error.
"""

from __future__ import annotations

import socket

import pytest
from pubdb import ENGINES, WriteFaults, item, make_spec, pod_user, seed_moodle, seed_pod

from bbb_migrate.publish import (
    PublishConfigError,
    Publisher,
    PublishError,
    PublishReport,
    PublishUnavailable,
)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_user_created_meanwhile_by_another_publisher_is_found(engine, dbs, monkeypatch):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    moodle = dbs.moodle(engine)
    world = seed_moodle(moodle)
    publisher = Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle, notice=False))
    raced: list[str] = []

    def other_publisher_wins(sql, params):
        # Just before our INSERT of the first new user, another publisher commits the same one.
        head = sql.split("(", 1)[0].replace('"', "").replace("`", "")
        if head.strip() == "INSERT INTO auth_user" and not raced:
            username = params[3]
            raced.append(username)
            pod_user(pod, username)

    try:
        publisher.check()
        WriteFaults(monkeypatch).hook = other_publisher_wins
        [result] = publisher.publish_many([(item(world.recordings["rec1"]), None)])
    finally:
        publisher.close()
    assert raced  # the race did happen
    assert isinstance(result, PublishReport), result  # published, not a retry with backoff
    owners = pod.query("SELECT u.username FROM import_video_externalrecording e JOIN auth_user u"
                       " ON u.id = e.owner_id ORDER BY u.username")
    assert [r[0] for r in owners] == ["alice", "bob", "carol"]
    assert pod.scalar("SELECT COUNT(*) FROM auth_user WHERE username = %s", (raced[0],)) == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("engine", ENGINES)
def test_an_unreachable_pod_database_is_unavailable_not_misconfigured(engine, dbs,
                                                                     monkeypatch):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    default_port = ":5432/" if engine == "postgresql" else ":3306/"
    away = pod.url.replace(default_port, f":{_closed_port()}/")
    spec = make_spec(monkeypatch, pod=pod)
    variable = spec.pod.database.url_ref.env  # the Pod URL, read when connecting
    monkeypatch.setenv(variable, away)
    with pytest.raises(PublishUnavailable) as caught:
        Publisher(spec).check()
    assert caught.value.reason == "DatabaseUnavailable"
    assert "cannot connect to the Pod database" in str(caught.value)

    missing = pod.url.rsplit("/", 1)[0] + "/bbbm_no_such_pod_database"
    monkeypatch.setenv(variable, missing)
    with pytest.raises(PublishConfigError) as caught:
        Publisher(spec).check()
    assert caught.value.reason == "PublishConfigError"
    assert not isinstance(caught.value, PublishUnavailable)
    assert isinstance(caught.value, PublishError)
