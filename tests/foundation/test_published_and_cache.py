"""Recordings served from a published folder, and the listing cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from simhelpers import SECRET, client, write_published

from bbb_migrate.plan import build_plan
from bbb_migrate.source import BBBError, list_recordings
from bbb_migrate.spec import parse_spec
from bbb_migrate.state import Action


def _spec(url, **source):
    return parse_spec({"source": {"url": url, "secretRef": {"env": "X"}, **source},
                       "mode": "claim"})


def test_published_folder_with_video_playback(make_sim, tmp_path):
    published, videos = tmp_path / "published", tmp_path / "video"
    first = write_published(published, "course-1-meeting", 1_700_000_000_000)
    second = write_published(published, "course-2-meeting", 1_700_000_500_000, name="Deux")
    (published / "not-a-recording").mkdir()  # no metadata.xml: ignored
    (videos / second).mkdir(parents=True)
    sim = make_sim(published_dir=published, video_dir=videos)
    recordings = {r.record_id: r for r in client(sim).list_recordings()}
    assert set(recordings) == {first, second}
    one = recordings[first]
    assert one.name == "Séance « 1 »" and one.meeting_id == "course-1-meeting"
    assert one.start_time == datetime.fromtimestamp(1_700_000_000, tz=UTC)
    assert one.duration_seconds == 20
    assert one.origin_server_name == "moodle.example.org"
    [presentation] = one.playbacks
    assert presentation.url == f"{sim.base_url}/playback/presentation/2.3/{first}"
    assert presentation.size == 98765 and presentation.processing_time_ms == 4321
    assert presentation.previews[0].url.startswith(f"{sim.base_url}/presentation/{first}/")
    assert [p.type for p in recordings[second].playbacks] == ["presentation", "video"]
    plan = build_plan(recordings.values(), _spec(sim.api_url))
    assert [(i.record_id, i.action) for i in plan.items] == [
        (second, Action.DOWNLOAD), (first, Action.RENDER)]
    assert plan.items[0].source_url == f"{sim.base_url}/playback/video/{second}/"


def test_reload_sees_a_new_published_recording(make_sim, tmp_path):
    sim = make_sim(published_dir=tmp_path)
    assert client(sim).list_recordings() == []
    rid = write_published(tmp_path, "late", 1_600_000_000_000)
    sim.reload()
    assert [r.record_id for r in client(sim).list_recordings()] == [rid]


def test_cache_file_is_written_then_reused(make_sim, tmp_path):
    sim = make_sim(catalogue_size=60)
    cache = tmp_path / "cache" / "getRecordings.xml"
    spec = _spec(sim.api_url, cacheFile=str(cache), states=["any"])
    first = list_recordings(spec.source, SECRET)
    assert cache.exists() and len(first) == 60
    assert not list(cache.parent.glob("*.tmp"))
    requests_before = sim.server.api_requests
    again = list_recordings(spec.source, "wrong secret: the server is not asked")
    assert sim.server.api_requests == requests_before
    assert again == first  # every field survives the round trip


def test_cache_file_from_a_failed_reply_is_a_clear_error(tmp_path):
    cache = tmp_path / "getRecordings.xml"
    cache.write_text("<response><returncode>FAILED</returncode><messageKey>checksumError"
                     "</messageKey><message>Checksums do not match</message></response>")
    spec = _spec("http://127.0.0.1:9/", cacheFile=str(cache))
    with pytest.raises(BBBError, match="checksumError") as info:
        list_recordings(spec.source, SECRET)
    assert str(cache) in str(info.value)


def test_no_cache_written_when_listing_fails(make_sim, tmp_path):
    sim = make_sim(catalogue_size=5)
    cache = tmp_path / "c.xml"
    with pytest.raises(BBBError):
        list_recordings(_spec(sim.api_url, cacheFile=str(cache), retries=0).source, "bad")
    assert not cache.exists()


def test_broken_or_hostile_metadata_xml_is_ignored(make_sim, tmp_path, caplog):
    good = write_published(tmp_path, "fine", 1_650_000_000_000)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metadata.xml").write_text("<recording><id>broken</id>")
    (tmp_path / "bomb").mkdir()
    (tmp_path / "bomb" / "metadata.xml").write_text(
        '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">]><recording><id>&a;</id></recording>')
    (tmp_path / "far-future").mkdir()
    (tmp_path / "far-future" / "metadata.xml").write_text(
        f"<recording><id>far-future</id><start_time>{'9' * 30}</start_time></recording>")
    sim = make_sim(published_dir=tmp_path)
    assert [r.record_id for r in sim.recordings] == [good]
    assert "broken" in caplog.text and "bomb" in caplog.text and "far-future" in caplog.text
