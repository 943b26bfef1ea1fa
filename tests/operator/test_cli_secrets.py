"""The one-off commands read a cluster migration's secretKeyRef Secrets with the user's
kubeconfig (``-n NS``): ``cleanup`` run against the BBBMigration manifest itself, over kmock and
a real Pod schema on PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
import yaml
from click.testing import CliRunner
from kube_helpers import NS, write_kubeconfig
from pubdb import item, make_recording, make_spec, seed_pod

from bbb_migrate.cli import main
from bbb_migrate.publish import Publisher

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
