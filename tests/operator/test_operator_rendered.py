"""import-video from rendered files through the operator: one recorder Job per recording, then
the operator moves each MP4 from the shared volume into ``mediaPath`` and writes the owner's
external recording (Pod type ``video``) pointing at ``baseUrl``; ``shutdown-check -n NS``
then reads the children through the API and says yes, and no once an MP4 is gone; ``cleanup
-n NS`` from the same manifest removes the row whose MP4 its owner imported."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml
from click.testing import CliRunner
from kube_helpers import BBB_SECRET, NS, phases
from mediaserver import serve_folder
from pubdb import SECRET_KEY, seed_pod
from test_migration import Kubelet, _completed, _run_until

from bbb_migrate.cli import main
from bbb_migrate.spec import API_GROUP, API_VERSION

pytestmark = pytest.mark.db


async def _shutdown_check(manifest) -> tuple[int, dict]:
    # kmock answers from this test's event loop: the command runs in a thread.
    result = await asyncio.to_thread(CliRunner().invoke, main, [
        "shutdown-check", "-f", str(manifest), "-n", NS, "--json"])
    assert result.exit_code < 2, result.output
    return result.exit_code, json.loads(result.stdout)


async def test_rendered_mp4s_land_in_the_media_folder_and_rows_point_at_them(
        cluster, operator_process, simulator, shared_root, dbs, monkeypatch):
    media = shared_root / "media"
    media.mkdir()
    with serve_folder(media) as base:
        await _rendered_run(cluster, operator_process, simulator, dbs, monkeypatch, media, base)


async def _rendered_run(cluster, operator_process, simulator, dbs, monkeypatch, media,
                        base) -> None:
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod", {"url": pod.url, "secret-key": SECRET_KEY})
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "import-video",
        "selection": {"last": 4},
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 2, "attempts": 1},
        "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod", "key": "url"}}},
                "secretKeyRef": {"secretKeyRef": {"name": "pod", "key": "secret-key"}},
                "importVideo": {"source": "rendered", "baseUrl": base,
                                "mediaPath": str(media)}},
    }
    await operator_process.start()
    await cluster.create_migration("rendered", spec)
    kubelet = Kubelet(cluster)
    _m, children = await _run_until(cluster, kubelet, "rendered", _completed, operator_process)
    assert phases(children) == {"Published": 4}
    assert len(kubelet.finished) == 4  # every recording rendered or downloaded by a Job
    record_ids = sorted(c["spec"]["recordId"] for c in children)
    assert sorted(p.name for p in media.iterdir()) == [f"{r}.mp4" for r in record_ids]
    rows = pod.query("SELECT e.source_url, e.type, u.username FROM "
                     "import_video_externalrecording e JOIN auth_user u ON u.id = e.owner_id "
                     "ORDER BY 1")
    assert rows == [(f"{base}{r}.mp4", "video", "admin") for r in record_ids]

    # The administrator's machine: the manifest, a kubeconfig, and the MP4s' URLs.
    manifest = media.parent / "rendered.yaml"
    manifest.write_text(yaml.safe_dump({
        "apiVersion": f"{API_GROUP}/{API_VERSION}", "kind": "BBBMigration",
        "metadata": {"name": "rendered", "namespace": NS}, "spec": spec}))
    monkeypatch.setenv("KUBECONFIG", str(operator_process.kubeconfig))
    status, verdict = await _shutdown_check(manifest)
    assert (status, verdict["blockers"]) == (0, []), verdict
    assert verdict["checked"] == {"recordings": 4, "files_recorded": 4, "urls": 4,
                                  "old_server_links": 0}
    (media / f"{record_ids[0]}.mp4").unlink()  # the web server no longer has it
    status, verdict = await _shutdown_check(manifest)
    assert status == 1 and len(verdict["blockers"]) == 1
    assert verdict["blockers"][0].startswith("1 MP4(s) not served at pod.importVideo.baseUrl")
    assert f"{record_ids[0]} ({base}{record_ids[0]}.mp4: HTTP 404)" in verdict["blockers"][0]

    # A teacher imported one MP4 into Pod; the administrator cleans up from their machine,
    # against the same manifest (Pod's database URL read from the namespace's Secret).
    imported = f"{base}{record_ids[1]}.mp4"
    pod.execute("UPDATE import_video_externalrecording SET uploaded_to_pod_by_id = owner_id "
                "WHERE source_url = %s", (imported,))
    cleanup = ["cleanup", "-f", str(manifest), "-n", NS]
    dry = await asyncio.to_thread(CliRunner().invoke, main, [*cleanup, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 1 (0 old-server, 1 imported)" in dry.output
    assert pod.count("import_video_externalrecording") == 4
    removed = media.parent / "removed.csv"
    done = await asyncio.to_thread(CliRunner().invoke, main, [*cleanup, "--csv", str(removed)])
    assert done.exit_code == 0 and "Removed 1 external recording(s)" in done.output
    assert imported in removed.read_text()
    left = [url for (url,) in pod.query("SELECT source_url FROM import_video_externalrecording "
                                        "ORDER BY 1")]
    assert left == [f"{base}{r}.mp4" for r in record_ids if f"{base}{r}.mp4" != imported]
