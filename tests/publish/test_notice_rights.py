"""A Moodle account that may not write the notice, on real PostgreSQL and MariaDB users.

The notice is non-blocking, as in Pod's own command: a recording whose Pod rows are committed
is Published with a warning naming the activity, and the refusal (a permission, permanent) is
not retried. ``check()`` refuses to start with notices on and no UPDATE right.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import SimpleNamespace

import psycopg2
import pymysql
import pytest
from pubdb import ENGINES, MY_ADMIN, PG_ADMIN, Db, item, make_spec, seed_moodle, seed_pod

from bbb_migrate.publish import PublishConfigError, Publisher
from bbb_migrate.publish.dberrors import DatabaseError
from bbb_migrate.publish.dberrors import retryable as _retryable


class LimitedUser:
    """A real database account on the Moodle database: SELECT everywhere, UPDATE on demand."""

    NOTICE_TABLES = ("mdl_bigbluebuttonbn", "mdl_course")

    def __init__(self, db: Db) -> None:
        self.db = db
        self.name = f"bbbm_ro_{uuid.uuid4().hex[:10]}"
        if db.engine == "postgresql":
            db.execute(f"CREATE ROLE {self.name} LOGIN")
            db.execute(f"GRANT USAGE ON SCHEMA public TO {self.name}")
            db.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {self.name}")
        else:
            db.execute(f"CREATE USER '{self.name}'@'%' IDENTIFIED BY 'pw'")
            db.execute(f"GRANT SELECT ON {db.name}.* TO '{self.name}'@'%'")

    @property
    def url(self) -> str:
        if self.db.engine == "postgresql":
            return f"postgresql://{self.name}@127.0.0.1:5432/{self.db.name}"
        return f"mysql://{self.name}:pw@127.0.0.1:3306/{self.db.name}"

    def update_right(self, granted: bool) -> None:
        for table in self.NOTICE_TABLES:
            if self.db.engine == "postgresql":
                verb = "GRANT UPDATE ON {t} TO" if granted else "REVOKE UPDATE ON {t} FROM"
                self.db.execute(f"{verb.format(t=table)} {self.name}")
            else:
                verb = "GRANT UPDATE ON {t} TO" if granted else "REVOKE UPDATE ON {t} FROM"
                self.db.execute(f"{verb.format(t=f'{self.db.name}.{table}')} '{self.name}'@'%'")

    def drop(self) -> None:
        if self.db.engine == "postgresql":
            with suppress(Exception):
                self.db.execute(f"DROP OWNED BY {self.name}")
            admin = psycopg2.connect(**PG_ADMIN)
            admin.autocommit = True
            with admin.cursor() as cur:
                cur.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            f"WHERE usename = '{self.name}'")
                cur.execute(f"DROP ROLE IF EXISTS {self.name}")
            admin.close()
        else:
            admin = pymysql.connect(**MY_ADMIN, autocommit=True)
            with admin.cursor() as cur:
                cur.execute(f"DROP USER IF EXISTS '{self.name}'@'%'")
            admin.close()


@contextmanager
def limited_user(db: Db) -> Iterator[LimitedUser]:
    user = LimitedUser(db)
    try:
        yield user
    finally:
        user.drop()


def _world(dbs, engine):
    pod = dbs.pod(engine, 4)
    seed_pod(pod, 4)
    moodle = dbs.moodle(engine)
    return pod, moodle, seed_moodle(moodle)


@pytest.mark.parametrize("engine", ENGINES)
def test_check_refuses_notices_the_account_may_not_write(engine, dbs, monkeypatch):
    pod, moodle, _ = _world(dbs, engine)
    with limited_user(moodle) as user:
        for dry_run in (False, True):
            spec = make_spec(monkeypatch, pod=pod, moodle=SimpleNamespace(url=user.url),
                             dry_run=dry_run)
            publisher = Publisher(spec)
            with pytest.raises(PublishConfigError) as refused:
                publisher.check()
            publisher.close()
            text = str(refused.value)
            assert "cannot write the notice" in text and "mdl_bigbluebuttonbn" in text
            assert "moodle.notice.enabled" in text
        # Notices off: the same read-only account is fine, and the plan says so.
        off = Publisher(make_spec(monkeypatch, pod=pod, moodle=SimpleNamespace(url=user.url),
                                  notice=False, dry_run=True))
        off.check()
        assert "not written" in off.notice_plan
        off.close()
        user.update_right(True)
        allowed = Publisher(make_spec(monkeypatch, pod=pod, moodle=SimpleNamespace(url=user.url),
                                      dry_run=True))
        allowed.check()
        assert allowed.notice_plan.startswith("Moodle notices: would be written")
        allowed.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_refused_notice_publishes_the_recording_with_a_warning(engine, dbs, monkeypatch):
    pod, moodle, world = _world(dbs, engine)
    with limited_user(moodle) as user:
        user.update_right(True)
        publisher = Publisher(make_spec(monkeypatch, pod=pod,
                                        moodle=SimpleNamespace(url=user.url)))
        try:
            publisher.check()
            user.update_right(False)  # the DBA takes the right back mid-run
            report = publisher.publish(item(world.recordings["rec1"]))
            again = publisher.publish(item(world.recordings["rec5"]))  # same activity A1
        finally:
            publisher.close()
    # Pod rows committed and kept; both activities of rec1 (A1, and A4 holding a copy) named.
    assert pod.count("import_video_externalrecording") == 6  # rec1 and rec5: 3 owners each
    assert len(report.notice_failures) == 2
    assert "activity" in report.notice_failures[0] and "'Cours magistral'" in \
        report.notice_failures[0]
    assert any("'Copie'" in m for m in report.notice_failures)
    assert all(m in report.warnings for m in report.notice_failures)
    assert again.notice_failures == []  # refused once per activity, never retried
    intro = moodle.scalar("SELECT intro FROM mdl_bigbluebuttonbn WHERE id = %s",
                          (world.ids["A1"],))
    assert intro == "<p>Cours magistral</p>"


def test_permission_errors_are_permanent_and_lost_connections_retryable():
    denied = pymysql.err.OperationalError(1142, "UPDATE command denied to user 'x'")
    assert not _retryable(denied)
    assert not _retryable(pymysql.err.OperationalError(1045, "Access denied"))
    assert _retryable(pymysql.err.OperationalError(2013, "Lost connection to MySQL server"))
    assert _retryable(pymysql.err.OperationalError(1213, "Deadlock found"))
    assert _retryable(pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"))
    assert _retryable(psycopg2.OperationalError("server closed the connection unexpectedly"))
    assert isinstance(DatabaseError("x"), Exception)
