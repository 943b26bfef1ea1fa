"""Moderator lookup in a real Moodle 4.x database, on PostgreSQL and MariaDB."""

from __future__ import annotations

import pytest
from pubdb import ENGINES, make_recording, make_spec, seed_moodle

from bbb_migrate.publish import PublishConfigError, Publisher


@pytest.fixture(params=ENGINES)
def world(request, dbs):
    moodle = dbs.moodle(request.param)
    return moodle, seed_moodle(moodle)


def test_every_moderator_is_found(world, monkeypatch):
    moodle, w = world
    publisher = Publisher(make_spec(monkeypatch, mode="export-csv", moodle=moodle))
    try:
        owners = {key: publisher.moodle_owners(rec) for key, rec in w.recordings.items()}
    finally:
        publisher.close()
    # A1: two user rules (dave is deleted) + the editingteacher role rule (bob; erin suspended);
    # frank is only a viewer of A1 and a moderator of A4, where rec1 was merely imported.
    assert owners["rec1"] == ["Alice Martin (alice)", "Carol Petit (carol)", "Bob Durand (bob)"]
    assert owners["rec5"] == owners["rec1"]
    # A2: participants NULL → Moodle's default rule: the owner (the 'Add' log row).
    assert owners["rec2"] == ["Zoë 😀 O'Brien 100% (zoe.obrien)"]
    # A3: group activity, no recordings row: found by meeting ID; role by shortname at the
    # category context (a parent of the module context).
    assert owners["rec3"] == ["Carol Petit (carol)"]
    assert owners["rec4"] == []  # a Pod meeting, not Moodle
    assert owners["rec6"] == []  # no Moodle activity
    assert owners["rec7"] == []  # ignored origin server


def test_deleted_and_suspended_are_reported(world, monkeypatch):
    moodle, w = world
    publisher = Publisher(make_spec(monkeypatch, mode="export-csv", moodle=moodle))
    try:
        _, found, _ = publisher._moodle.lookup(w.recordings["rec1"])
    finally:
        publisher.close()
    assert [a.found_by for a in found.activities] == ["recordings table", "recordings table"]
    assert [a.imported for a in found.activities] == [False, True]
    text = "\n".join(found.warnings)
    assert "Dave Gone (dave) is deleted" in text
    assert "Erin Away (erin) is suspended" in text


@pytest.mark.parametrize("engine", ENGINES)
def test_custom_table_prefix(engine, dbs, monkeypatch):
    moodle = dbs.moodle(engine, prefix="mo2_")
    w = seed_moodle(moodle, prefix="mo2_")
    spec = make_spec(monkeypatch, mode="export-csv", moodle=moodle, prefix="mo2_")
    publisher = Publisher(spec)
    try:
        publisher.check()
        assert publisher.moodle_owners(w.recordings["rec2"]) == [
            "Zoë 😀 O'Brien 100% (zoe.obrien)"]
    finally:
        publisher.close()
    wrong = Publisher(make_spec(monkeypatch, mode="export-csv", moodle=moodle, prefix="mdl_"))
    with pytest.raises(PublishConfigError, match="tablePrefix 'mdl_'"):
        wrong.check()
    wrong.close()


def test_meeting_id_without_group_suffix_and_wrong_seed(world, monkeypatch):
    moodle, w = world
    ids = w.ids
    publisher = Publisher(make_spec(monkeypatch, mode="export-csv", moodle=moodle))
    try:
        from pubdb import seed
        legacy = make_recording(30, f"{seed('A3')}-{ids['course']}-{ids['A3']}")
        assert publisher.moodle_owners(legacy) == ["Carol Petit (carol)"]
        forged = make_recording(31, f"{seed('other')}-{ids['course']}-{ids['A3']}[0]")
        assert publisher.moodle_owners(forged) == []
    finally:
        publisher.close()


def test_export_csv_mode_fills_the_owners_column(world, monkeypatch, tmp_path):
    from pubdb import item

    from bbb_migrate.csvexport import write_csv

    moodle, w = world
    before = moodle.dump()
    publisher = Publisher(make_spec(monkeypatch, mode="export-csv", moodle=moodle))
    try:
        report = publisher.publish(item(w.recordings["rec1"], "export-csv"))
        assert report.writes == []
        assert report.owners == ["Alice Martin (alice)", "Carol Petit (carol)",
                                 "Bob Durand (bob)"]
        items = [item(w.recordings[k], "export-csv") for k in ("rec1", "rec2", "rec6")]
        write_csv(items, tmp_path / "out.csv", owners=publisher.moodle_owners)
    finally:
        publisher.close()
    lines = (tmp_path / "out.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(";Moodle_owners")
    assert lines[1].endswith("Alice Martin (alice), Carol Petit (carol), Bob Durand (bob)")
    assert "Zoë 😀 O'Brien 100% (zoe.obrien)" in lines[2]
    assert moodle.dump() == before
