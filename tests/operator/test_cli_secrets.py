"""The one-off commands read a cluster migration's secretKeyRef Secrets with the user's
kubeconfig (``-n NS``): ``cleanup`` run against the BBBMigration manifest itself, over kmock and
a real Pod schema on PostgreSQL."""

from __future__ import annotations

import asyncio
import json

import pytest
import yaml
from click.testing import CliRunner
from kube_helpers import BASE, NS, write_kubeconfig
from pubdb import item, make_recording, make_spec, record_id, seed_pod

from bbb_migrate.cli import main
from bbb_migrate.kube.jobs import child_name
from bbb_migrate.kube.recordings import child_body
from bbb_migrate.plan import PlanItem
from bbb_migrate.publish import Publisher
from bbb_migrate.state import Action

pytestmark = pytest.mark.db


async def test_cleanup_reads_the_pod_secret_from_the_namespace(kmock, cluster, dbs, tmp_path,
                                                               monkeypatch):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    publisher = Publisher(make_spec(monkeypatch, pod=pod))
    try:
        publisher.publish(item(make_recording(1, "m1", server="")))  # a link to the old server
    finally:
        publisher.close()
    await cluster.create_secret("pod", {"url": pod.url})
    manifest = {
        "apiVersion": "bbb-migrate.esup-portail.org/v1alpha1", "kind": "BBBMigration",
        "metadata": {"name": "m", "namespace": NS},
        "spec": {"source": {"url": "https://bbb.example.org/bigbluebutton/",
                            "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
                 "mode": "import-video", "dryRun": True,
                 "output": {"directory": str(tmp_path / "out")},
                 "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod",
                                                                   "key": "url"}}}}},
    }
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(manifest))
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig",
                                                          str(kmock.url))))
    without = CliRunner().invoke(main, ["cleanup", "-f", str(path), "--dry-run"])
    assert without.exit_code == 2 and "can only be read by the operator" in without.output
    # kmock answers from this test's event loop: the command runs in a thread.
    missing = await asyncio.to_thread(CliRunner().invoke, main,
                                      ["cleanup", "-f", str(path), "--dry-run", "-n", "other"])
    assert missing.exit_code == 2 and "Secret pod not found in namespace other" in missing.output
    result = await asyncio.to_thread(CliRunner().invoke, main,
                                     ["cleanup", "-f", str(path), "-n", NS])
    assert result.exit_code == 0, result.output
    assert "Removed 1 external recording(s)" in result.output
    assert pod.count("import_video_externalrecording") == 0


def _claim_manifest(path, selection: int) -> dict:
    manifest = {
        "apiVersion": "bbb-migrate.esup-portail.org/v1alpha1", "kind": "BBBMigration",
        "metadata": {"name": "c", "namespace": NS},
        "spec": {"source": {"url": "https://bbb.example.org/bigbluebutton/",
                            "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
                 "mode": "claim", "selection": {"last": selection},
                 "pod": {"claim": {"recorderDirectory": "bbb"}}},
    }
    path.write_text(yaml.safe_dump(manifest))
    return manifest["spec"]


async def _child(cluster, owner_uid: str, n: int, status: dict) -> None:
    item = PlanItem(index=n, recording=make_recording(n, f"m{n}"), action=Action.RENDER,
                    reason="", playback_type="presentation", source_url="https://x/")
    body = child_body(item, migration="c", namespace=NS, owner_uid=owner_uid)
    await cluster._json("post", f"{BASE}/bbbrecordings", body)
    await cluster._json("patch", f"{BASE}/bbbrecordings/{body['metadata']['name']}/status",
                        {"status": status})


async def test_shutdown_check_reads_a_cluster_migrations_children(kmock, cluster, tmp_path,
                                                                  monkeypatch):
    """Claim mode in a cluster: the children's phases decide, a planned child not yet created
    blocks, and the recorder folder (on the shared volume, out of reach) is a named blocker
    until the administrator accepts the operator's check."""
    path = tmp_path / "c.yaml"
    spec = _claim_manifest(path, 3)
    await cluster.create_migration("c", spec)
    uid = (await cluster.migration("c"))["metadata"]["uid"]
    monkeypatch.setenv("KUBECONFIG", str(write_kubeconfig(tmp_path / "kubeconfig",
                                                          str(kmock.url))))

    async def check(*extra: str) -> tuple[int, dict]:
        result = await asyncio.to_thread(CliRunner().invoke, main, [
            "shutdown-check", "-f", str(path), "-n", NS, "--json", *extra])
        return result.exit_code, (json.loads(result.stdout) if result.exit_code < 2
                                  else {"error": result.output})

    status, verdict = await check()
    assert status == 1
    assert any("has not planned its recordings yet" in b for b in verdict["blockers"])

    await cluster._json("patch", f"{BASE}/bbbmigrations/c/status",
                        {"status": {"phase": "Running", "plannedTotal": 3}})
    done = {"phase": "Published", "publishedPath": "/data/ftp-pod/ftp/bbb/r.mp4"}
    await _child(cluster, uid, 1, done)
    await _child(cluster, uid, 2, {"phase": "Failed", "reason": "render failed twice"})
    await _child(cluster, "an-older-migration", 3, done)  # same name, not ours: not counted
    status, verdict = await check()
    blockers = "\n".join(verdict["blockers"])
    assert status == 1 and verdict["checked"]["recordings"] == 2
    assert "1 of the 3 planned recording(s) have no BBBRecording yet" in blockers
    assert f"1 recording(s) failed (bbb-migrate retry-failed, then run): {record_id(2)} " \
           "(render failed twice)" in blockers
    assert "1 file(s) in the recorder folder not checked" in blockers

    await cluster._json("delete", f"{BASE}/bbbrecordings/{child_name('c', record_id(3))}")
    await _child(cluster, uid, 3, done)
    await cluster._json("patch", f"{BASE}/bbbrecordings/{child_name('c', record_id(2))}/status",
                        {"status": {**done, "reason": ""}})
    status, verdict = await check()
    assert status == 1 and len(verdict["blockers"]) == 1
    assert verdict["blockers"][0].startswith("3 file(s) in the recorder folder not checked")
    status, verdict = await check("--accept-unchecked-files")
    assert status == 0, verdict
    assert any("accepted with --accept-unchecked-files" in n for n in verdict["notes"])

    _claim_manifest(path, 5)  # not the manifest the cluster has
    status, verdict = await check("--accept-unchecked-files")
    assert status == 1 and "differs from BBBMigration c's spec" in verdict["blockers"][0]
    missing = await asyncio.to_thread(CliRunner().invoke, main, [
        "shutdown-check", "-f", str(path), "-n", "other"])
    assert missing.exit_code == 2 and "BBBMigration c not found in namespace other" in \
        missing.output
