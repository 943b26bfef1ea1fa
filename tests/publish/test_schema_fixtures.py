"""The Pod schema fixtures agree with Pod: the MariaDB translation with Pod's PostgreSQL DDL, and
(for maintainers, where Pod's full dumps are at hand) the PostgreSQL DDL with Pod's dumps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from podddl import REPO, VERSIONS, cut

_COLUMNS = ("SELECT table_name, column_name, is_nullable, character_maximum_length "
            "FROM information_schema.columns WHERE table_schema = {schema}")


def schema_facts_dir() -> Path | None:
    """Pod's full dumps from the maintainers' research notes, when this checkout has them.

    ``$BBB_MIGRATE_POD_SCHEMA_DIR``, else the notes beside the repository. A user's clone has
    neither: this module's maintainers' test then skips, and nothing else reads them.
    """
    override = os.environ.get("BBB_MIGRATE_POD_SCHEMA_DIR")
    candidates = [Path(override) if override
                  else REPO.parent / "shared" / "research" / "pod-schema"]
    for candidate in candidates:
        if all((candidate / dump).is_file() for dump, _ in VERSIONS.values()):
            return candidate
    return None


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_postgresql_fixture_is_cut_unchanged_from_pods_dump(version):
    """Maintainers: regenerate with ``python tests/publish/podddl.py DIR`` when this fails."""
    facts = schema_facts_dir()
    if facts is None:
        pytest.skip("maintainers' check: Pod's schema dumps (pod-schema/pod-*-full.sql) are not "
                    "beside this checkout; set BBB_MIGRATE_POD_SCHEMA_DIR to run it")
    dump, fixture = VERSIONS[version]
    expected = cut((facts / dump).read_text(encoding="utf-8"), version)
    assert fixture.read_text(encoding="utf-8") == expected, (
        f"{fixture.name} differs from the cut of {dump}: run tests/publish/podddl.py {facts}")


def _columns(db) -> dict[tuple[str, str], tuple[bool, int | None]]:
    schema = "'public'" if db.engine == "postgresql" else "DATABASE()"
    return {(table, column): (nullable == "YES", length)
            for table, column, nullable, length in db.query(_COLUMNS.format(schema=schema))}


@pytest.mark.parametrize("version", [4, 3])
def test_mariadb_translation_has_pods_columns(dbs, version):
    """Every table and column of Pod's DDL, with its NULL-ability and length, on MariaDB too.

    The MariaDB files are a hand translation (Pod publishes no MySQL DDL); the stub image and
    file tables (``main_custom*model``) keep only the columns the others reference.
    """
    postgresql = _columns(dbs.pod("postgresql", version))
    mariadb = _columns(dbs.pod("mysql", version))
    stubs = {"main_customimagemodel", "main_customfilemodel"}
    assert {t for t, _ in postgresql} == {t for t, _ in mariadb}
    # text and inet have no length on PostgreSQL (longtext and char(39) on MariaDB).
    differences = {
        key: (facts, mariadb.get(key)) for key, facts in postgresql.items()
        if key[0] not in stubs and (key not in mariadb or mariadb[key][0] != facts[0]
                                    or (facts[1] is not None and mariadb[key][1] != facts[1]))
    }
    assert differences == {}
    assert {k for k in mariadb if k[0] not in stubs} <= set(postgresql)
