"""Degraded conditions, dry run, export-csv, Kueue and refused spec changes, end to end."""

from __future__ import annotations

import asyncio
import csv

from kube_helpers import BBB_SECRET, JOBS, base_spec, phases, wait_condition, wait_for


async def test_missing_secret_is_degraded_then_recovers(cluster, operator_process, simulator):
    await operator_process.start()
    await cluster.create_migration("nosecret", base_spec(simulator))
    cond = await wait_condition(cluster, "nosecret", "Degraded", "True", operator_process)
    assert cond["reason"] == "SecretUnavailable"
    assert "Secret bbb not found in namespace ns1" in cond["message"]
    # fixing it is picked up without a restart (Secrets are read at the moment of use)
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await wait_condition(cluster, "nosecret", "Degraded", "False", operator_process)
    m = await cluster.migration("nosecret")
    assert m["status"]["phase"] == "Planned"
    assert operator_process.proc.returncode is None  # no crash


async def test_missing_key_and_wrong_bbb_secret(cluster, operator_process, simulator):
    await cluster.create_secret("bbb", {"other": "x"})
    await cluster.create_secret("bbb-wrong", {"secret": "not-the-secret"})
    await operator_process.start()
    await cluster.create_migration("nokey", base_spec(simulator))
    cond = await wait_condition(cluster, "nokey", "Degraded", "True", operator_process)
    assert "Secret bbb has no key secret (keys: other)" in cond["message"]

    spec = base_spec(simulator)
    spec["source"]["secretRef"] = {"secretKeyRef": {"name": "bbb-wrong", "key": "secret"}}
    await cluster.create_migration("wrong", spec)
    cond = await wait_condition(cluster, "wrong", "Degraded", "True", operator_process)
    assert cond["reason"] == "BBBChecksumError"
    assert "Secret bbb-wrong key secret is wrong" in cond["message"]
    assert "not-the-secret" not in cond["message"]
    reasons = [e.get("reason") for e in await cluster.events()]
    assert "BBBChecksumError" in reasons


async def test_invalid_spec_is_degraded(cluster, operator_process, simulator):
    await operator_process.start()
    spec = base_spec(simulator)
    spec["source"]["secretRef"] = {"file": "/var/run/secrets/kubernetes.io/serviceaccount/token"}
    await cluster.create_migration("badspec", spec)
    cond = await wait_condition(cluster, "badspec", "Degraded", "True", operator_process)
    assert cond["reason"] == "SpecInvalid"
    assert "must be a secretKeyRef" in cond["message"]


async def test_dry_run_writes_nothing_then_runs(cluster, operator_process, simulator,
                                                shared_root, tmp_path):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    (tmp_path / "pod-ftp" / "bbb").mkdir(parents=True)
    await operator_process.start()
    await cluster.create_migration("dry", base_spec(
        simulator, selection={"last": 5},
        pod={"claim": {"recorderPath": str(tmp_path / "pod-ftp"), "recorderDirectory": "bbb"}}))
    cond = await wait_condition(cluster, "dry", "Ready", "True", operator_process, reason="DryRun")
    m = await cluster.migration("dry")
    plan = m["status"]["plan"]
    assert plan["listed"] >= 29 and plan["selected"] == 5
    assert [s["index"] for s in plan["sample"]] == [1, 2, 3, 4, 5]
    assert "5 selected" in cond["message"]
    await asyncio.sleep(1.5)
    assert await cluster.children("dry") == []
    assert await cluster.jobs() == []
    assert not (shared_root / "migr").exists()
    events = await cluster.events()
    reasons = [e.get("reason") for e in events]
    assert "DryRunPlanned" in reasons and reasons.count("DryRunItem") == 5
    # the core's dry run: each item says what it would fetch and write, nothing was written
    items = [e["message"] for e in events if e.get("reason") == "DryRunItem"]
    assert all("would move" in message for message in items), items
    assert list((tmp_path / "pod-ftp" / "bbb").iterdir()) == []
    # reviewed: switch dry run off, the same plan is carried out
    await cluster.patch_spec("dry", {"dryRun": False})

    async def started():
        return len(await cluster.jobs()) == 2 and len(await cluster.children("dry")) == 5
    await wait_for(started, timeout=30, logs=operator_process.logs)


async def test_export_csv(cluster, operator_process, simulator, shared_root):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, mode="export-csv", dryRun=False, selection={"last": 7})
    await cluster.create_migration("csv", spec)
    await wait_condition(cluster, "csv", "Ready", "True", operator_process, reason="Completed")
    m = await cluster.migration("csv")
    path = shared_root / "migr" / "csv.csv"
    assert m["status"]["plan"]["csvPath"] == str(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == 1 + 7  # header + one row per selected recording
    # the same rule as the runner's: one child per recording, published (owners looked up),
    # the CSV written from the Published ones at the end
    assert await cluster.jobs() == []
    assert phases(await cluster.children("csv")) == {"Published": 7}
    assert m["status"]["message"].startswith("CSV of 7 recording(s) written to")


async def test_export_csv_dry_run_writes_no_csv(cluster, operator_process, simulator,
                                                shared_root):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, mode="export-csv", selection={"last": 4})
    await cluster.create_migration("drycsv", spec)
    await wait_condition(cluster, "drycsv", "Ready", "True", operator_process, reason="DryRun")
    m = await cluster.migration("drycsv")
    path = shared_root / "migr" / "drycsv.csv"
    assert m["status"]["plan"]["csvPath"] == str(path)  # where the real run will write it
    progressing = next(c for c in m["status"]["conditions"] if c["type"] == "Progressing")
    assert "nothing is rendered or written" in progressing["message"]
    await asyncio.sleep(1.0)
    assert not path.exists() and not (shared_root / "migr").exists()


async def test_unusable_shared_volume_is_degraded(cluster, operator_process, simulator,
                                                  shared_root):
    (shared_root / "migr").write_text("a file where the migration's directory should be")
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, mode="export-csv", dryRun=False, selection={"last": 2})
    await cluster.create_migration("vol", spec)
    cond = await wait_condition(cluster, "vol", "Degraded", "True", operator_process,
                            reason="SharedVolumeError")
    assert str(shared_root / "migr") in cond["message"]
    (shared_root / "migr").unlink()  # fixed: picked up on the next retry, no restart
    await wait_condition(cluster, "vol", "Ready", "True", operator_process, reason="Completed")
    assert (shared_root / "migr" / "vol.csv").is_file()
    assert operator_process.proc.returncode is None


async def test_kueue_label_mode(cluster, operator_process, simulator):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, dryRun=False, kueueQueueName="team-a", pod={})
    spec["mode"] = "claim"
    await cluster.create_migration("kq", spec)

    async def window():
        jobs = await cluster.jobs()
        return jobs if len(jobs) == 8 else None  # parallelism 2 x Kueue window factor 4
    jobs = await wait_for(window, timeout=30, logs=operator_process.logs)
    for job in jobs:
        assert job["metadata"]["labels"]["kueue.x-k8s.io/queue-name"] == "team-a"
        assert "suspend" not in job["spec"]  # the operator never suspends a Job itself
        # Kueue's webhook would suspend them at creation (kmock has no admission): do it here.
        await cluster._json("patch", f"{JOBS}/{job['metadata']['name']}",
                            {"spec": {"suspend": True}})

    async def queued():
        return phases(await cluster.children("kq")).get("Queued") == 8
    await wait_for(queued, timeout=30, logs=operator_process.logs)
    # Kueue admits two: unsuspended and started
    for job in jobs[:2]:
        await cluster._json("patch", f"{JOBS}/{job['metadata']['name']}",
                            {"spec": {"suspend": False}})
        await cluster.start_job(job)

    async def admitted():
        counts = phases(await cluster.children("kq"))
        return counts if counts.get("Rendering") == 2 and counts.get("Queued") == 6 else None
    await wait_for(admitted, timeout=30, logs=operator_process.logs)
    await asyncio.sleep(1.5)
    assert len(await cluster.jobs()) == 8  # bounded window, no more


async def test_spec_change_refused(cluster, operator_process, simulator):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, dryRun=False, pod={}, selection={"last": 6})
    await cluster.create_migration("chg", spec)

    async def started():
        return len(await cluster.jobs()) == 2
    await wait_for(started, timeout=30, logs=operator_process.logs)
    await cluster.patch_spec("chg", {"selection": {"last": 20}})
    cond = await wait_condition(cluster, "chg", "Degraded", "True", operator_process,
                            reason="SpecChangeRefused")
    assert "selection" in cond["message"] and "revert" in cond["message"]
    m = await cluster.migration("chg")
    assert m["status"]["conditions"][0]["observedGeneration"] == 2
    # allowed change: parallelism applies to new Jobs once the refused change is reverted
    await cluster.patch_spec("chg", {"selection": {"last": 6},
                                     "recorder": {"parallelism": 3}})
    await wait_condition(cluster, "chg", "Degraded", "False", operator_process)

    async def three():
        return len(await cluster.jobs()) == 3
    await wait_for(three, timeout=30, logs=operator_process.logs)
    # dry run switched on after planning: refused too (Jobs and rows exist already), and the
    # running migration is still followed, not replaced by a new dry-run plan
    await cluster.patch_spec("chg", {"dryRun": True})
    cond = await wait_condition(cluster, "chg", "Degraded", "True", operator_process,
                            reason="SpecChangeRefused")
    assert "dryRun" in cond["message"]
    m = await cluster.migration("chg")
    assert m["status"]["phase"] == "Running"
    assert len(await cluster.jobs()) == 3 and len(await cluster.children("chg")) == 6
