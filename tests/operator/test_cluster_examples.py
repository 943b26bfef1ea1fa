"""Every manifest in examples/cluster runs as shipped: the real operator against kmock, the BBB
simulator and real databases.

``kubectl apply -f`` of each file, with only what names a real site replaced: the Secrets'
REPLACE-WITH values (the simulator's secret, the test databases' URLs), ``source.url`` (the
simulator) and, for claim, ``pod.claim.recorderPath`` (a temporary folder with the recorder's
``bbb`` folder). The migrations that write to Pod ship with ``dryRun: true`` and must reach
Ready/DryRun with a plan; export-csv ships without and must write its CSV.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from kube_helpers import BBB_SECRET, wait_for
from pubdb import SECRET_KEY, seed_moodle, seed_pod

pytestmark = pytest.mark.db

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cluster"


async def _apply(cluster, name: str, secrets: dict[tuple[str, str], str], sim,
                 recorder_path: Path | None = None) -> dict:
    documents = [d for d in yaml.safe_load_all((EXAMPLES / name).read_text()) if d]
    for doc in documents:
        if doc["kind"] == "Secret":
            data = {key: secrets[(doc["metadata"]["name"], key)] for key in doc["stringData"]}
            await cluster.create_secret(doc["metadata"]["name"], data)
    (migration,) = [d for d in documents if d["kind"] == "BBBMigration"]
    spec = migration["spec"]
    spec["source"]["url"] = sim.api_url
    if recorder_path is not None:
        spec["pod"]["claim"]["recorderPath"] = str(recorder_path)
    await cluster.create_migration(migration["metadata"]["name"], spec)
    return migration


async def _ready(cluster, name: str, reason: str, operator) -> dict:
    async def check():
        m = await cluster.migration(name)
        for cond in (m.get("status") or {}).get("conditions") or []:
            if cond["type"] == "Degraded" and cond["status"] == "True":
                raise AssertionError(f"{name} is Degraded: {cond['message']}")
            if cond["type"] == "Ready" and cond["status"] == "True" and cond["reason"] == reason:
                return m
        return None
    return await wait_for(check, timeout=60, logs=operator.logs, what=f"{name} Ready/{reason}")


async def test_claim_example(cluster, operator_process, simulator, dbs, tmp_path):
    pod = dbs.pod("postgresql", 4)
    seed_pod(pod, 4)
    ftp = tmp_path / "ftp"
    (ftp / "bbb").mkdir(parents=True)
    await operator_process.start()
    migration = await _apply(
        cluster, "claim.yaml", {("bbb-source", "secret"): BBB_SECRET,
                                ("pod-database", "url"): pod.url},
        simulator, recorder_path=ftp)
    m = await _ready(cluster, migration["metadata"]["name"], "DryRun", operator_process)
    assert m["status"]["plan"]["listed"] >= 29  # the catalogue has one malformed one
    assert await cluster.jobs() == []


async def test_import_video_example(cluster, operator_process, simulator, dbs):
    pod = dbs.pod("mysql", 4)
    seed_pod(pod, 4)
    moodle, moodle2 = dbs.moodle("mysql"), dbs.moodle("postgresql")
    seed_moodle(moodle)
    await operator_process.start()
    migration = await _apply(
        cluster, "import-video.yaml",
        {("bbb-source", "secret"): BBB_SECRET, ("pod-database", "url"): pod.url,
         ("pod-database", "secret-key"): SECRET_KEY,
         ("moodle-databases", "default"): moodle.url, ("moodle-databases", "other"): moodle2.url},
        simulator)
    before = pod.dump(sequences=False)
    m = await _ready(cluster, migration["metadata"]["name"], "DryRun", operator_process)
    assert m["status"]["plan"]["selected"] > 0
    assert pod.dump(sequences=False) == before
    assert await cluster.jobs() == []


async def test_export_csv_example(cluster, operator_process, simulator, dbs, shared_root):
    moodle = dbs.moodle("mysql")
    seed_moodle(moodle)
    await operator_process.start()
    migration = await _apply(
        cluster, "export-csv.yaml", {("bbb-source", "secret"): BBB_SECRET,
                                     ("moodle-databases", "default"): moodle.url}, simulator)
    name = migration["metadata"]["name"]
    m = await _ready(cluster, name, "Completed", operator_process)
    path = shared_root / migration["spec"]["volume"]["subPath"] / f"{name}.csv"
    assert m["status"]["plan"]["csvPath"] == str(path)
    with path.open(newline="", encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) == 1 + 30
