"""Switch the old server off early: import-video from rendered files, end to end.

The real simulator is the old server, real recorders download its video playbacks, the runner
publishes into Pod 4.1.0's own schema (PostgreSQL) with owners from Moodle (MariaDB), and a
plain HTTP file server plays the administrator's web server over ``mediaPath``. Then the
simulator is switched off, and every owner still reaches every one of their videos at the URL
Pod has for it (GET and HEAD, as Pod's import does); ``shutdown-check`` says no before the run
and yes after it, with the server gone.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests
import yaml
from click.testing import CliRunner
from runner_helpers import SECRET, SECRET_ENV, publish_db, spec_dict, video_recordings

from bbb_migrate.cli import main
from bbb_migrate.simulator import Simulator, SimulatorConfig

pub = publish_db()


@pytest.fixture
def media_server(tmp_path: Path):
    """(folder, base URL): a static file server over a folder, like the chart's mediaServer."""
    from mediaserver import serve_folder  # tests/publish, on the path after publish_db()

    folder = tmp_path / "media"
    folder.mkdir()
    with serve_folder(folder) as base_url:
        yield folder, base_url


def _check(spec: Path) -> tuple[int, dict]:
    result = CliRunner().invoke(main, ["shutdown-check", "-f", str(spec), "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_every_owner_reaches_every_video_after_the_old_server_is_off(
        dbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, media_server) -> None:
    media, base_url = media_server
    pod = dbs.pod("postgresql", 4)
    pub.seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    world = pub.seed_moodle(moodle)
    ids = world.ids
    served = tmp_path / "served"
    served.mkdir()
    record_ids = video_recordings(served, 3, duration=1.0)
    meetings = [f"{pub.seed('A1')}-{ids['course']}-{ids['A1']}[0]",  # alice, carol, bob
                f"{pub.seed('A2')}-{ids['course']}-{ids['A2']}[0]",  # zoe
                "not-a-moodle-meeting"]  # the administrator
    for record_id, meeting in zip(record_ids, meetings, strict=True):
        path = served / record_id / "metadata.xml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            'externalId="video-sample"', f'externalId="{meeting}"'), encoding="utf-8")
    for name, value in ((SECRET_ENV, SECRET), ("POD_URL", pod.url),
                        ("POD_KEY", pub.SECRET_KEY), ("MOODLE_URL", moodle.url)):
        monkeypatch.setenv(name, value)
    spec = tmp_path / "m.yaml"

    with Simulator(SimulatorConfig(secret=SECRET, published_dir=served,
                                   video_dir=served)) as sim:
        spec.write_text(yaml.safe_dump(spec_dict(
            sim.api_url, tmp_path / "out", "import-video",
            pod={"database": {"urlRef": {"env": "POD_URL"}},
                 "secretKeyRef": {"env": "POD_KEY"}, "adminUsername": "admin",
                 "importVideo": {"source": "rendered", "baseUrl": base_url,
                                 "mediaPath": str(media)}},
            moodle={"databases": {"default": {"urlRef": {"env": "MOODLE_URL"}}}},
            recorder={"parallelism": 2, "attempts": 2})))
        result = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
        assert result.exit_code == 0, result.output
        old_host = sim.base_url

    # The old server is off.
    with pytest.raises(requests.ConnectionError):
        requests.get(old_host, timeout=5)
    status, verdict = _check(spec)
    assert status == 0 and verdict["ok"], verdict
    assert verdict["checked"] == {"recordings": 3, "files": 3, "urls": 3,
                                  "old_server_links": 0}

    rows = pod.query("SELECT u.username, e.source_url, e.type FROM "
                     "import_video_externalrecording e JOIN auth_user u ON u.id = e.owner_id")
    reach: dict[str, set[str]] = {}
    for username, url, kind in rows:
        assert kind == "video" and url.startswith(base_url)
        head = requests.head(url, timeout=10)
        body = requests.get(url, timeout=10).content
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(body)
        assert body[4:8] == b"ftyp"  # an MP4, as downloaded and verified by the recorder
        reach.setdefault(username, set()).add(url.rsplit("/", 1)[1].removesuffix(".mp4"))
    first, second, third = record_ids
    assert reach == {"alice": {first}, "carol": {first}, "bob": {first},
                     "zoe.obrien": {second}, "admin": {third}}

    # What blocks it is named: an MP4 the web server no longer serves.
    (media / f"{third}.mp4").rename(media / "moved-away")
    status, verdict = _check(spec)
    assert status == 1 and not verdict["ok"]
    assert any(third in b and "missing" in b for b in verdict["blockers"]), verdict


def test_shutdown_check_says_no_while_pods_links_need_the_server(
        dbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pod = dbs.pod("postgresql", 4)
    pub.seed_pod(pod, 4)
    monkeypatch.setenv("POD_URL", pod.url)
    monkeypatch.setenv("POD_KEY", pub.SECRET_KEY)
    spec = tmp_path / "m.yaml"
    spec.write_text(yaml.safe_dump(spec_dict(
        "https://bbb.example.org/bigbluebutton/", tmp_path / "out", "import-video",
        pod={"database": {"urlRef": {"env": "POD_URL"}}, "secretKeyRef": {"env": "POD_KEY"}})))
    never_run = CliRunner().invoke(main, ["shutdown-check", "-f", str(spec)])
    assert never_run.exit_code == 2 and "bbb-migrate run" in never_run.output
    from bbb_migrate.publish import Publisher
    from bbb_migrate.runner.statestore import StateStore
    from bbb_migrate.spec import load_spec

    with StateStore.for_directory(tmp_path / "out"):
        pass  # an empty run: nothing selected
    publisher = Publisher(load_spec(spec))
    try:
        publisher.publish(pub.item(pub.make_recording(1, "m1", server="")))
    finally:
        publisher.close()
    result = CliRunner().invoke(main, ["shutdown-check", "-f", str(spec)])
    assert result.exit_code == 1, result.output
    assert "pod.importVideo.source is server" in result.output
    assert "1 external recording(s) of 1 owner(s) in Pod still point at the old server" in (
        result.output)
    kept = CliRunner().invoke(main, ["shutdown-check", "-f", str(spec), "--keep-old-links"])
    assert "Note: 1 external recording(s)" in kept.output and kept.exit_code == 1
