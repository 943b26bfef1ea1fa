"""import-video through the operator: children publish-only, rows in Pod (PostgreSQL) and
Moodle (MariaDB) exactly as the publisher writes them, no Job."""

from __future__ import annotations

import socket

import aiohttp
import pytest
from kube_helpers import BBB_SECRET, phases, wait_for
from pubdb import NOTICE, SECRET_KEY, seed_moodle, seed_pod

from bbb_migrate.source.xmlwrite import write_reply

pytestmark = pytest.mark.db


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ext_owners(pod, url):
    rows = pod.query(
        "SELECT u.username FROM import_video_externalrecording e "
        "JOIN auth_user u ON u.id = e.owner_id WHERE e.source_url = %s ORDER BY u.username",
        (url,))
    return [r[0] for r in rows]


async def _import_video_world(cluster, dbs, shared_root):
    """Pod (PostgreSQL), Moodle (MariaDB), their Secrets, the listing, and the spec."""
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    world = seed_moodle(moodle)
    # The listing, as Pod's USE_CACHE would reuse it; in a cluster cacheFile is relative to the
    # migration's directory on the shared volume (no volume here: the shared root).
    cache = shared_root / "getRecordings.xml"
    with cache.open("w", encoding="utf-8") as out:
        write_reply(world.recordings.values(), out)
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod", {"url": pod.url, "secret-key": SECRET_KEY})
    await cluster.create_secret("moodle", {"url": moodle.url})
    spec = {
        "source": {"url": "https://bbb.example.org/bigbluebutton/", "cacheFile": cache.name,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "import-video",
        "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod", "key": "url"}}},
                "secretKeyRef": {"secretKeyRef": {"name": "pod", "key": "secret-key"}}},
        "moodle": {"databases": {"default": {"urlRef": {"secretKeyRef": {
                       "name": "moodle", "key": "url"}}}},
                   "ignoredServers": ["ignored.example.org"],
                   "notice": {"enabled": True, "html": NOTICE}},
    }
    return pod, moodle, world, spec


async def _completed(cluster, operator_process, name):
    async def done():
        m = await cluster.migration(name)
        return m if (m.get("status") or {}).get("phase") == "Completed" else None
    return await wait_for(done, timeout=60, logs=operator_process.logs)


async def _metrics(port):
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}/metrics") as response:
        return await response.text()


async def test_import_video_rows_in_pod_and_moodle(cluster, operator_process, dbs, shared_root):
    pod, moodle, world, spec = await _import_video_world(cluster, dbs, shared_root)
    port = _free_port()
    operator_process.extra_env["BBB_MIGRATE_METRICS_PORT"] = str(port)
    await operator_process.start()
    await cluster.create_migration("iv", spec)
    m = await _completed(cluster, operator_process, "iv")
    children = await cluster.children("iv")
    assert phases(children) == {"Published": 7}
    assert m["status"]["recordings"]["published"] == 7
    assert await cluster.jobs() == []
    url = {k: r.playbacks[0].url for k, r in world.recordings.items()}
    assert _ext_owners(pod, url["rec1"]) == ["alice", "bob", "carol"]
    assert _ext_owners(pod, url["rec2"]) == ["zoe.obrien"]
    assert _ext_owners(pod, url["rec3"]) == ["carol"]
    assert _ext_owners(pod, url["rec4"]) == ["podteacher"]
    assert _ext_owners(pod, url["rec6"]) == ["admin"]
    assert pod.count("import_video_externalrecording") == 11
    intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
    assert intros[world.ids["A1"]] == f"<p>Cours magistral</p><br>{NOTICE}"
    # Publishing reads the recordings from the watched children: no GET of any child.
    gets = [str(r.url.path) for r in list(cluster.kmock)
            if str(getattr(r.method, "value", r.method)).upper() == "GET"
            and "/bbbrecordings/" in str(r.url.path)]
    assert gets == []
    # Prometheus metrics of the operator process
    text = await _metrics(port)
    assert 'bbb_migrate_published_total{mode="import-video"} 7.0' in text
    assert ('bbb_migrate_recordings{migration="iv",namespace="ns1",phase="Published"} 7.0'
            in text)
    assert 'bbb_migrate_jobs_in_flight{migration="iv",namespace="ns1"} 0.0' in text
    assert "bbb_migrate_api_requests_total" in text


async def test_a_refused_notice_publishes_and_is_counted(cluster, operator_process, dbs,
                                                        shared_root):
    """The Moodle server refuses the notice of one activity for good (a trigger, as a DBA
    protecting a table would write one): the recording is Published all the same, and the
    refusal is said (Event naming the activity), counted (status, metric) and not retried."""
    pod, moodle, world, spec = await _import_video_world(cluster, dbs, shared_root)
    moodle.execute(
        "CREATE TRIGGER no_notice BEFORE UPDATE ON mdl_bigbluebuttonbn FOR EACH ROW "
        f"IF OLD.id = {world.ids['A1']} THEN SIGNAL SQLSTATE '45000' "
        "SET MESSAGE_TEXT = 'descriptions are frozen'; END IF")
    port = _free_port()
    operator_process.extra_env["BBB_MIGRATE_METRICS_PORT"] = str(port)
    await operator_process.start()
    await cluster.create_migration("nf", spec)
    m = await _completed(cluster, operator_process, "nf")
    assert phases(await cluster.children("nf")) == {"Published": 7}
    # rec1 and rec5 both belong to A1: refused once (once per activity), A4 got its notice.
    assert m["status"]["recordings"]["noticeFailures"] == 1
    assert m["status"]["recordings"]["failed"] == 0
    assert pod.count("import_video_externalrecording") == 11
    intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
    assert intros[world.ids["A1"]] == "<p>Cours magistral</p>"
    assert intros[world.ids["A4"]].endswith(NOTICE)
    notices = [e for e in await cluster.events() if e.get("reason") == "NoticeFailed"]
    assert len(notices) == 1 and notices[0]["type"] == "Warning"
    assert "'Cours magistral'" in notices[0]["message"]
    assert "descriptions are frozen" in notices[0]["message"]
    assert "bbb_migrate_notice_failures_total 1.0" in await _metrics(port)
