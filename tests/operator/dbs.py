"""Real databases for the operator's tests: a uniquely named Pod 4.x database on MariaDB, loaded
from the publish engineer's schema file (tests/publish/sql), created and dropped per test."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from pathlib import Path

import pymysql

SQL = Path(__file__).resolve().parents[1] / "publish" / "sql"


def _server():
    return pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                           autocommit=True, charset="utf8mb4")


@contextmanager
def pod_mariadb(recorder_dir: str = "rec1"):
    """A Pod 4.x database with a site, an administrator and a manager-less recorder."""
    name = f"op_pod_{uuid.uuid4().hex[:10]}"
    server = _server()
    try:
        with server.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn = pymysql.connect(host="127.0.0.1", port=3306, user="root", password="",
                               database=name, autocommit=True, charset="utf8mb4")
        with conn.cursor() as cur:
            script = (SQL / "pod-4.x-mariadb.sql").read_text()
            for statement in script.split(";\n"):
                body = "\n".join(line for line in statement.splitlines()
                                 if not line.strip().startswith("--")).strip()
                if body:
                    cur.execute(body)
            cur.execute("INSERT INTO django_site (id, domain, name) VALUES (1, 'pod.test', 'Pod')")
            cur.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined) VALUES ('!', 1, 'admin', 'Ad', 'Min',"
                " 'admin@pod.test', 1, 1, NOW())")
            cur.execute("INSERT INTO video_type (id, title, slug) VALUES (1, 'Other', 'other')")
            cur.execute(
                "INSERT INTO recorder_recorder (id, name, description, address_ip, salt,"
                " credentials_login, credentials_password, recording_type, publication_auto,"
                " is_draft, is_restricted, cursus, main_lang, transcript, allow_downloading,"
                " is_360, disable_comment, directory, type_id, user_id) VALUES (1, 'BBB', '',"
                " '10.0.0.1', 's', '', '', 'video', 0, 1, 0, '0', 'fr', '', 0, 0, 0, %s, 1,"
                " NULL)", (recorder_dir,))
            cur.execute("INSERT INTO recorder_recorder_sites (recorder_id, site_id) VALUES (1, 1)")
        yield f"mysql://root@127.0.0.1:3306/{name}", conn
        conn.close()
    finally:
        with server.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        server.close()
