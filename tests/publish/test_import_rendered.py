"""import-video from rendered files: each owner's external recording points at the served MP4.

Real Pod 3.x / 4.x schemas (PostgreSQL, and 4.x on MariaDB) and Moodle 4.x, as the other
publish tests. The rows must follow Pod's own rules for a "Video file" external recording: type
``video``, a URL ending in a video extension (Pod's ``upload_standard_video_recording_to_pod``
picks its path from it), the site, a non-NULL owner (a NULL owner is never listed).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pubdb import item, make_recording, make_spec, seed_moodle, seed_pod

from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import build_plan
from bbb_migrate.publish import Publisher, PublishError
from bbb_migrate.publish.rendered import media_name
from bbb_migrate.spec import SpecError, parse_spec
from bbb_migrate.state import Action

BASE = "https://media.univ.example.org/bbb"
COMBOS = [("postgresql", 4), ("postgresql", 3), ("mysql", 4)]


def _spec(monkeypatch, pod, moodle, media: Path, *, dry_run: bool = False):
    return make_spec(monkeypatch, pod=pod, moodle=moodle, dry_run=dry_run, notice=False,
                     importVideo={"source": "rendered", "baseUrl": BASE,
                                  "mediaPath": str(media)})


def _world(dbs, tmp_path: Path, engine: str = "postgresql", version: int = 4):
    """A seeded Pod and Moodle on ``engine``, and an empty media folder."""
    pod = dbs.pod(engine, version)
    seed_pod(pod, version)
    moodle = dbs.moodle(engine)
    media = tmp_path / "media"
    media.mkdir()
    return pod, moodle, seed_moodle(moodle), media


def _rendered(tmp_path: Path, record_id: str) -> Path:
    work = tmp_path / "work" / record_id
    work.mkdir(parents=True)
    path = work / "video.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + record_id.encode())
    return path


@pytest.mark.parametrize(("engine", "version"), COMBOS)
def test_rows_point_at_the_served_mp4_for_every_owner(engine, version, dbs, monkeypatch,
                                                      tmp_path):
    pod, moodle, world, media = _world(dbs, tmp_path, engine, version)
    publisher = Publisher(_spec(monkeypatch, pod, moodle, media))
    try:
        publisher.check()
        for rec in world.recordings.values():
            report = publisher.publish(item(rec), _rendered(tmp_path, rec.record_id))
            assert report.final_path == str(media / media_name(rec.record_id))
    finally:
        publisher.close()

    rec1 = world.recordings["rec1"]
    url = f"{BASE}/{rec1.record_id}.mp4"
    rows = pod.query("SELECT u.username, e.type, e.site_id, e.state, e.uploaded_to_pod_by_id "
                     "FROM import_video_externalrecording e JOIN auth_user u "
                     "ON u.id = e.owner_id WHERE e.source_url = %s ORDER BY u.username", (url,))
    assert rows == [(name, "video", 1, None, None) for name in ("alice", "bob", "carol")]
    # Nothing points at the old server any more, every row's MP4 is in the served folder.
    sources = [r[0] for r in pod.query("SELECT source_url FROM import_video_externalrecording")]
    assert len(sources) == 11 and all(s.startswith(BASE + "/") for s in sources)
    assert pod.scalar("SELECT COUNT(*) FROM import_video_externalrecording "
                      "WHERE owner_id IS NULL OR type <> 'video'") == 0
    for source in sources:
        assert source.rsplit(".", 1)[1] == "mp4"  # Pod's VIDEO_ALLOWED_EXTENSIONS test
        assert (media / source.rsplit("/", 1)[1]).read_bytes().endswith(
            source.rsplit("/", 1)[1][:-4].encode())


def test_retry_keeps_the_file_in_place_and_a_missing_file_is_retryable(dbs, monkeypatch,
                                                                      tmp_path):
    pod, moodle, world, media = _world(dbs, tmp_path)
    rec = world.recordings["rec2"]
    publisher = Publisher(_spec(monkeypatch, pod, moodle, media))
    try:
        with pytest.raises(PublishError) as missing:
            publisher.publish(item(rec), tmp_path / "nowhere.mp4")
        assert not missing.value.permanent
        assert pod.count("import_video_externalrecording") == 0
        publisher.publish(item(rec), _rendered(tmp_path, rec.record_id))
        # A second publish (the executor retrying after a lost answer): the file is in place,
        # the rows exist, nothing is duplicated.
        again = publisher.publish(item(rec), None)
        assert not any("inserted" in w for w in again.writes)
    finally:
        publisher.close()
    assert pod.count("import_video_externalrecording") == 1
    assert sorted(p.name for p in media.iterdir()) == [f"{rec.record_id}.mp4"]


def test_dry_run_moves_nothing_and_writes_nothing(dbs, monkeypatch, tmp_path):
    pod, moodle, world, media = _world(dbs, tmp_path)
    rec = world.recordings["rec1"]
    rendered = _rendered(tmp_path, rec.record_id)
    before = pod.dump()
    publisher = Publisher(_spec(monkeypatch, pod, moodle, media, dry_run=True))
    try:
        report = publisher.publish(item(rec), rendered)
    finally:
        publisher.close()
    assert pod.dump() == before and rendered.is_file() and not any(media.iterdir())
    assert any(f"source_url='{BASE}/{rec.record_id}.mp4'" in w and "type='video'" in w
               for w in report.writes), report.writes


def test_the_media_folder_must_exist(dbs, monkeypatch, tmp_path):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    publisher = Publisher(_spec(monkeypatch, pod, None, tmp_path / "absent"))
    try:
        with pytest.raises(Exception, match=r"importVideo\.mediaPath .* not a writable"):
            publisher.check()
    finally:
        publisher.close()


def _data(**import_video):
    return {"source": {"url": "https://bbb.example.org/bigbluebutton/",
                       "secretRef": {"env": "X"}},
            "mode": "import-video", "dryRun": True, "pod": {"importVideo": import_video}}


def test_spec_and_plan():
    with pytest.raises(SpecError, match="source rendered needs baseUrl"):
        parse_spec(_data(source="rendered"))
    with pytest.raises(SpecError, match=r"pod\.importVideo\.baseUrl"):
        parse_spec(_data(source="rendered", baseUrl="ftp://x/"))
    spec = parse_spec(_data(source="rendered", baseUrl="https://m.example.org/bbb"))
    assert spec.pod.import_video.base_url == "https://m.example.org/bbb/"
    assert spec.renders and spec.from_rendered
    pres = make_recording(1, "m1")
    video = Recording(record_id="v1", internal_meeting_id="v1", meeting_id="m2", name="V",
                      start_time=pres.start_time,
                      playbacks=(Playback("video", "https://bbb.example.org/video/v1/"),))
    actions = {i.record_id: i.action for i in build_plan([pres, video], spec).items}
    assert actions == {pres.record_id: Action.RENDER, "v1": Action.DOWNLOAD}
    server = parse_spec(_data())
    assert not server.renders
    assert {i.action for i in build_plan([pres, video], server).items} == {Action.PUBLISH_ONLY}
