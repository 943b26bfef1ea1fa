"""End to end: the real operator process (kopf) against kmock, the BBB simulator and MariaDB.

The test plays the kubelet and Job controller (see kube_helpers): it writes the output and the
result JSON the recorder would write, then patches the Job status.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from kube_helpers import BBB_SECRET, Kubelet, peak_jobs_in_flight, phases, wait_for
from pubdb import seed_pod

pytestmark = pytest.mark.db


def claim_spec(sim, recorder_path: Path, recorder_id: int = 1, **extra):
    spec = {
        "source": {"url": sim.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim",
        "volume": {"claimName": "shared", "subPath": "migr"},
        # a short retry delay (30 s by default) keeps the tests of retries quick
        "recorder": {"parallelism": 4, "attempts": 2, "retryDelaySeconds": 1},
        "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod-db", "key": "url"}}},
                "claim": {"recorderId": recorder_id, "recorderPath": str(recorder_path),
                          "registerClaimable": True}},
    }
    spec.update(extra)
    return spec


def _pod(dbs, tmp_path):
    """A Pod 4.x on MariaDB seeded by the publish tests' helpers; its recorder's folder."""
    pod = dbs.pod("mysql", 4)
    ids = seed_pod(pod, 4)
    recorder_path = tmp_path / "pod-ftp"
    (recorder_path / "bbb").mkdir(parents=True)
    return recorder_path, pod, ids["recorder"]


async def _secrets(cluster, pod_url):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod-db", {"url": pod_url})


async def _run_until(cluster, kubelet, name, predicate, operator, timeout=120):
    async def check():
        await kubelet.step()
        children = await cluster.children(name)
        m = await cluster.migration(name)
        return (m, children) if predicate(m, children) else None
    return await wait_for(check, timeout=timeout, interval=0.3, logs=operator.logs,
                          what=f"migration {name}")


def _completed(m, children):
    return (m.get("status") or {}).get("phase") == "Completed"


async def test_thirty_recordings_parallelism_four(kmock, cluster, operator_process, simulator,
                                                  shared_root, tmp_path, dbs):
    recorder_path, pod, recorder_id = _pod(dbs, tmp_path)
    await _secrets(cluster, pod.url)
    await operator_process.start()
    await cluster.create_migration("m30", claim_spec(simulator, recorder_path, recorder_id))
    kubelet = Kubelet(cluster)
    m, children = await _run_until(cluster, kubelet, "m30", _completed, operator_process)

    total = m["status"]["plan"]["selected"]
    assert total == len(children) >= 29
    assert phases(children) == {"Published": total}
    assert m["status"]["recordings"]["published"] == total
    ready = {c["type"]: c for c in m["status"]["conditions"]}
    assert ready["Ready"]["status"] == "True"
    assert ready["Degraded"]["status"] == "False"
    assert peak_jobs_in_flight(kmock) <= 4
    assert len(kubelet.finished) == total  # one Job per recording, no duplicate
    # Pod: one claimable row per recording, each file moved into the recorder's folder.
    rows = [r[0] for r in pod.query("SELECT file FROM recorder_recordingfiletreatment")]
    assert len(rows) == total == len(set(rows))
    files = sorted(p.name for p in (recorder_path / "bbb").iterdir() if p.is_file())
    assert len([f for f in files if not f.startswith(".")]) == total
    assert {Path(r).name for r in rows} <= set(files)
    # Jobs: owned by their child, hardened.
    job = (await cluster.jobs())[0]
    assert job["metadata"]["ownerReferences"][0]["kind"] == "BBBRecording"
    assert job["spec"]["backoffLimit"] == 0
    events = {e.get("reason") for e in await cluster.events()}
    assert {"Planned", "Completed"} <= events


async def test_retryable_then_permanent_failures(kmock, cluster, operator_process, simulator,
                                                 shared_root, tmp_path, dbs):
    recorder_path, pod, recorder_id = _pod(dbs, tmp_path)
    await _secrets(cluster, pod.url)
    await operator_process.start()
    spec = claim_spec(simulator, recorder_path, recorder_id,
                      selection={"first": 1, "last": 3})
    await cluster.create_migration("mf", spec)

    async def listed():  # all three: they are created in parallel, in any order
        children = await cluster.children("mf")
        return children if len(children) == 3 else None
    children = await wait_for(listed, timeout=30, logs=operator_process.logs)
    by_index = sorted(children, key=lambda c: c["spec"]["index"])
    retry_id, permanent_id = by_index[0]["spec"]["recordId"], by_index[1]["spec"]["recordId"]
    kubelet = Kubelet(cluster, {retry_id: [10], permanent_id: [20]})
    # the backoff after a retryable failure (recorder.retryDelaySeconds, 1 s here) is honoured
    m, children = await _run_until(cluster, kubelet, "mf", _completed, operator_process,
                                   timeout=90)
    by_id = {c["spec"]["recordId"]: c["status"] for c in children}
    assert by_id[retry_id]["phase"] == "Published"
    assert by_id[retry_id]["attempts"] == 2
    assert by_id[permanent_id]["phase"] == "Failed"
    assert by_id[permanent_id]["attempts"] == 1
    assert by_id[permanent_id]["exitClass"] == "not-found"
    assert kubelet.attempts[permanent_id] == 1
    assert m["status"]["recordings"]["failed"] == 1
    ready = {c["type"]: c for c in m["status"]["conditions"]}["Ready"]
    assert ready["status"] == "False" and ready["reason"] == "CompletedWithFailures"
    reasons = [e.get("reason") for e in await cluster.events()]
    assert "RecordingRetry" in reasons and "RecordingFailed" in reasons


async def test_suspend_resume_and_delete(kmock, cluster, operator_process, simulator,
                                         shared_root, tmp_path, dbs):
    recorder_path, pod, recorder_id = _pod(dbs, tmp_path)
    await _secrets(cluster, pod.url)
    await operator_process.start()
    await cluster.create_migration("ms", claim_spec(simulator, recorder_path, recorder_id,
                                                    suspend=True))

    async def suspended():
        m = await cluster.migration("ms")
        return (m.get("status") or {}).get("phase") == "Suspended"
    await wait_for(suspended, timeout=30, logs=operator_process.logs)
    await asyncio.sleep(2)
    assert await cluster.jobs() == []  # suspended: planned, nothing started
    await cluster.patch_spec("ms", {"suspend": False})

    async def started():
        return len(await cluster.jobs()) == 4
    await wait_for(started, timeout=30, logs=operator_process.logs)
    kubelet = Kubelet(cluster)
    await kubelet.step()
    await cluster.patch_spec("ms", {"suspend": True})
    await wait_for(suspended, timeout=30, logs=operator_process.logs)
    jobs_while_suspended = len(await cluster.jobs())
    await kubelet.step()  # the running Jobs finish while suspended

    async def collected():  # ...and are still published (nothing left to the Job TTL)
        return phases(await cluster.children("ms")).get("Published", 0) == jobs_while_suspended
    await wait_for(collected, timeout=30, logs=operator_process.logs)
    await asyncio.sleep(2)
    assert len(await cluster.jobs()) == jobs_while_suspended  # but no new Job

    rendered = list((shared_root / "migr" / "renders").glob("*"))
    await cluster.delete_migration("ms")

    async def gone():  # kopf removes its finalizer once the scheduler daemon has stopped
        return await cluster.migration("ms") is None
    await wait_for(gone, timeout=30, logs=operator_process.logs)
    assert await cluster.collect_garbage() >= 5
    assert await cluster.children("ms") == []
    assert await cluster.jobs() == []
    # rendered files are never deleted by the operator
    assert rendered == list((shared_root / "migr" / "renders").glob("*"))
