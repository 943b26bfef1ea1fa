"""Fixtures of the publish tests; the helpers and seeds live in :mod:`pubdb`."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2
import pytest
from podddl import VERSIONS
from pubdb import PG_ADMIN, Databases, _pg_admin, _strip_psql_meta, _unique


@pytest.fixture(scope="session")
def pod_templates() -> Iterator[dict[str, str]]:
    """Pod's own PostgreSQL DDL, loaded once per session into template databases."""
    files = {"pod4": VERSIONS["4.1.0"][1], "pod3": VERSIONS["3.8.4"][1]}
    names: dict[str, str] = {}
    admin = _pg_admin()
    try:
        for key, path in files.items():
            name = _unique(f"tpl_{key}")
            with admin.cursor() as cur:
                cur.execute(f"CREATE DATABASE {name} ENCODING 'UTF8'")
            names[key] = name
            conn = psycopg2.connect(**{**PG_ADMIN, "dbname": name})
            with conn.cursor() as cur:
                cur.execute(_strip_psql_meta(path.read_text(encoding="utf-8")))
            conn.commit()
            conn.close()
        yield names
    finally:
        for name in names.values():
            with admin.cursor() as cur:
                cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


@pytest.fixture
def dbs(pod_templates: dict[str, str]) -> Iterator[Databases]:
    databases = Databases(pod_templates)
    try:
        yield databases
    finally:
        databases.drop_all()
