"""Pod-compatible CSV export."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import pytest

from bbb_migrate.csvexport import HEADER, write_csv
from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import build_plan
from bbb_migrate.spec import parse_spec

POD_HEADER = ("meeting_name;recording_name;start_date;origin;origin_server_name;origin_version;"
              "origin_context;origin_id;origin_label;description;published;state;source_url")


def _items():
    recs = [
        Recording(record_id="rec1-1699970000000", meeting_id="m1", name=" Cours  Amphi A ",
                  start_time=datetime(2023, 11, 14, 13, 53, tzinfo=UTC), internal_meeting_id="rec1",
                  metadata={"bbb-origin": "Moodle", "bbb-origin-server-name": "moodle.univ.fr",
                            "bbb-origin-version": "4.1", "bbb-context": "Maths L1",
                            "bbb-recording-name": "Séance 1"},
                  playbacks=(Playback("presentation", "https://bbb.univ.fr/playback/presentation/"
                                      "2.0/playback.html?meetingId=rec1"),)),
        Recording(record_id="rec2-1600000000000", meeting_id="m2", name='Droit; "civil" 🎓',
                  start_time=datetime(2020, 9, 13, 12, 26, 40, tzinfo=UTC), state="unpublished",
                  published=False, metadata={"bbb-recording-description": "ligne1\nligne2"}),
    ]
    spec = parse_spec({"source": {"url": "https://bbb.univ.fr/", "secretRef": {"env": "S"},
                                  "rewritePlayback20To23": True}, "mode": "export-csv"})
    return build_plan(recs, spec).items


def test_pod_header_separator_and_row(tmp_path):
    target = tmp_path / "out" / "recordings.csv"
    assert write_csv(_items(), target) == 2
    assert target.stat().st_mode & 0o777 == 0o600  # names of people: not world-readable
    raw = target.read_bytes()
    lines = raw.decode("utf-8").split("\r\n")
    assert lines[0] == POD_HEADER == ";".join(HEADER)
    assert lines[1] == ("Cours  Amphi A;Séance 1;2023-11-14;Moodle;moodle.univ.fr;4.1;Maths L1;;;;"
                        "true;published;https://bbb.univ.fr/playback/presentation/2.3/rec1"
                        "?meetingId=rec1")
    rows = list(csv.reader(target.open(encoding="utf-8", newline=""), delimiter=";"))
    assert rows[2][0] == 'Droit; "civil" 🎓'  # quoted, round-trips
    assert rows[2][9] == "ligne1\nligne2"
    assert rows[2][10:12] == ["false", "unpublished"] and rows[2][12] == ""


def test_owners_column_is_a_readable_list(tmp_path):
    target = tmp_path / "owners.csv"
    owners = {"m1": ["Jane Doe (jdoe)", "Jean Dupré (jdupre)"], "m2": []}
    write_csv(_items(), target, owners=lambda r: owners[r.meeting_id])
    rows = list(csv.reader(target.open(encoding="utf-8", newline=""), delimiter=";"))
    assert rows[0][-1] == "Moodle_owners" and len(rows[0]) == len(HEADER) + 1
    assert rows[1][-1] == "Jane Doe (jdoe), Jean Dupré (jdupre)"
    assert rows[2][-1] == ""


def test_write_is_atomic(tmp_path):
    target = tmp_path / "recordings.csv"
    target.write_text("previous export\n", encoding="utf-8")

    def failing_owners(recording):
        if recording.meeting_id == "m1":
            raise RuntimeError("Moodle went away")
        return []

    with pytest.raises(RuntimeError, match="Moodle went away"):
        write_csv(_items(), target, owners=failing_owners)
    assert target.read_text(encoding="utf-8") == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["recordings.csv"]
