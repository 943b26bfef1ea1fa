"""A hung database fails a recording in bounded time with a named, retryable error.

Another connection holds a lock the publisher needs (what a long migration, a backup or a
stuck session does in real life): with ``statementTimeoutSeconds: 1`` the publisher gives up
with :class:`DatabaseTimeout` instead of blocking its thread for ever, and the next attempt,
once the lock is gone, publishes normally on a new connection.
"""

from __future__ import annotations

import threading

import psycopg2
import pymysql
import pytest
from pubdb import ENGINES, MY_ADMIN, PG_ADMIN, item, make_spec, seed_moodle, seed_pod

from bbb_migrate.publish import Publisher, PublishError
from bbb_migrate.publish.db import DatabaseTimeout


def _with_timeout(spec, seconds: int):
    database = spec.pod.database.model_copy(update={"statement_timeout_seconds": seconds})
    return spec.model_copy(update={"pod": spec.pod.model_copy(update={"database": database})})


def _hold_admin_row(pod):
    """Another session locks the Pod administrator's row and keeps its transaction open."""
    if pod.engine == "postgresql":
        conn = psycopg2.connect(**{**PG_ADMIN, "dbname": pod.name})
    else:
        conn = pymysql.connect(**MY_ADMIN, database=pod.name)
        conn.begin()
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM auth_user WHERE username = 'admin' FOR UPDATE")
    return conn


@pytest.mark.parametrize("engine", ENGINES)
def test_a_lock_held_elsewhere_is_a_retryable_timeout(engine, dbs, monkeypatch):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    moodle = dbs.moodle(engine)
    world = seed_moodle(moodle)
    spec = _with_timeout(make_spec(monkeypatch, pod=pod, moodle=moodle), 1)
    publisher = Publisher(spec)
    outcome: dict[str, object] = {}

    def publish_admin_fallback():
        try:
            outcome["report"] = publisher.publish(item(world.recordings["rec6"]))
        except PublishError as exc:
            outcome["error"] = exc

    holder = _hold_admin_row(pod)
    try:
        publisher.check()
        worker = threading.Thread(target=publish_admin_fallback, daemon=True)
        worker.start()
        worker.join(60)  # without a timeout it would wait as long as the lock is held
        assert not worker.is_alive(), "the publisher is still blocked on the lock"
    finally:
        holder.rollback()
        holder.close()
    error = outcome.get("error")
    assert isinstance(error, PublishError), outcome
    assert error.permanent is False
    assert isinstance(error.__cause__, DatabaseTimeout)
    assert "no answer within 1 s (statementTimeoutSeconds)" in str(error)
    try:
        report = publisher.publish(item(world.recordings["rec6"]))  # lock gone: a new connection
    finally:
        publisher.close()
    assert report.owners == ["Admin Pod (admin)"]
    assert pod.count("import_video_externalrecording") == 1


def test_postgresql_statement_timeout_keeps_the_url_options(dbs, monkeypatch):
    """``?options=`` of the URL (search_path...) is kept beside the statement timeout."""
    from bbb_migrate.publish.db import Connection

    pod = dbs.pod("postgresql", 4)
    url = pod.url + "?options=-c%20application_name%3Dbbbm-test"
    conn = Connection(url, statement_timeout=2)
    try:
        assert conn.scalar("SHOW statement_timeout") == "2s"
        assert conn.scalar("SHOW application_name") == "bbbm-test"
        with pytest.raises(DatabaseTimeout):
            conn.query("SELECT pg_sleep(10)")
        assert conn.scalar("SELECT 1") == 1  # a timed-out statement leaves the session usable
    finally:
        conn.close()
