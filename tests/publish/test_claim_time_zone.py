"""Claim file names: one explicit rule for the date, whatever the executor's local time zone.

23:30 UTC is already the next day in Europe/Paris. The date is the recording's start in
``pod.claim.timeZone`` (default UTC), so the operator's pod (no TZ) and a runner on a laptop in
Paris name the same recording the same way.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from pubdb import item, make_recording, make_spec

from bbb_migrate.publish import Publisher
from bbb_migrate.publish.claim import pod_file_name
from bbb_migrate.spec import SpecError, parse_spec

LATE = datetime(2023, 11, 14, 23, 30, tzinfo=UTC)


@pytest.fixture
def paris(monkeypatch):
    """The executing process in Europe/Paris, as a runner on a French laptop would be."""
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _publish(tmp_path, monkeypatch, **claim):
    root = tmp_path / "ftp"
    (root / "bbb").mkdir(parents=True, exist_ok=True)
    spec = make_spec(monkeypatch, mode="claim",
                     claim={"recorderPath": str(root), "recorderDirectory": "bbb", **claim})
    rendered = tmp_path / f"render-{len(claim)}.mp4"
    rendered.write_bytes(b"video")
    publisher = Publisher(spec)
    try:
        recording = make_recording(len(claim) + 1, "m", name="Cours tardif", start=LATE)
        return publisher.publish(item(recording, "claim"), rendered).final_path
    finally:
        publisher.close()


def test_default_rule_is_utc_whatever_the_local_zone(paris, tmp_path, monkeypatch):
    assert time.strftime("%Z") in ("CET", "CEST")  # the process really is in Paris
    assert pod_file_name("Cours tardif", LATE, "mp4") == "cours-tardif-2023-11-14.mp4"
    assert _publish(tmp_path, monkeypatch).endswith("/bbb/cours-tardif-2023-11-14.mp4")


def test_time_zone_named_in_the_spec(paris, tmp_path, monkeypatch):
    path = _publish(tmp_path, monkeypatch, timeZone="Europe/Paris")
    assert path.endswith("/bbb/cours-tardif-2023-11-15.mp4")
    assert pod_file_name("Cours tardif", LATE, "mp4", "America/New_York") == \
        "cours-tardif-2023-11-14.mp4"


def test_unknown_time_zone_is_a_spec_error():
    with pytest.raises(SpecError, match="unknown time zone 'Europe/Pariss'"):
        parse_spec({"source": {"url": "https://bbb.example.org/bigbluebutton/",
                               "secretRef": {"env": "X"}},
                    "mode": "claim", "pod": {"claim": {"timeZone": "Europe/Pariss"}}})
