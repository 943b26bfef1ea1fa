"""Jobs that vanish while the operator is down (TTL, eviction) and failures known only from the
pod: judged from the shared volume and the pod's terminated state, nothing lost."""

from __future__ import annotations

import uuid

import pytest
from kube_helpers import BBB_SECRET, JOBS, NS, phases, wait_for
from pubdb import seed_pod

pytestmark = pytest.mark.db


async def test_vanished_jobs_and_pod_exit_codes(cluster, operator_process, simulator, dbs,
                                                tmp_path):
    pod = dbs.pod("mysql", 4)
    ids = seed_pod(pod, 4)
    recorder_path = tmp_path / "pod-ftp"
    (recorder_path / "bbb").mkdir(parents=True)
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod-db", {"url": pod.url})
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim", "selection": {"last": 3},
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 3, "attempts": 2, "retryDelaySeconds": 1},
        "pod": {"database": {"urlRef": {"secretKeyRef": {"name": "pod-db", "key": "url"}}},
                "claim": {"recorderId": ids["recorder"], "recorderPath": str(recorder_path)}},
    }
    await operator_process.start()
    await cluster.create_migration("lost", spec)

    async def three_jobs():
        jobs = await cluster.jobs()
        return jobs if len(jobs) == 3 else None
    jobs = sorted(await wait_for(three_jobs, timeout=30, logs=operator_process.logs),
                  key=lambda j: j["metadata"]["name"])
    await operator_process.kill()
    done, evicted, oom = jobs
    # 1: finished and removed by the TTL controller while the operator was down
    await cluster.finish_job(done, 0)
    await cluster._json("delete", f"{JOBS}/{done['metadata']['name']}")
    # 2: its node died, the Job was deleted: no result, no Job (the attempt is lost)
    await cluster._json("delete", f"{JOBS}/{evicted['metadata']['name']}")
    # 3: failed without a result JSON; only the pod says why (a permanent exit code)
    await cluster._json("post", f"/api/v1/namespaces/{NS}/pods", {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": oom["metadata"]["name"] + "-abcde", "namespace": NS,
                     "uid": str(uuid.uuid4()),
                     "labels": {"batch.kubernetes.io/job-name": oom["metadata"]["name"]}},
        "spec": {"containers": [{"name": "recorder", "image": "x"}]},
        "status": {"phase": "Failed", "containerStatuses": [{
            "name": "recorder", "state": {"terminated": {"exitCode": 22}}}]}})
    await cluster.finish_job(oom, 22, write_result=False)
    await operator_process.start()

    def record_of(job):
        command = job["spec"]["template"]["spec"]["containers"][0]["args"]
        return command[command.index("--record-id") + 1]

    async def settled():
        children = await cluster.children("lost")
        by_id = {c["spec"]["recordId"]: c.get("status") or {} for c in children}
        retry = [j for j in await cluster.jobs() if j["metadata"]["name"].endswith("-2")]
        for job in retry:  # the lost one is rendered again, as attempt 2
            if not (job.get("status") or {}).get("succeeded"):
                await cluster.finish_job(job, 0)
        if by_id[record_of(evicted)].get("phase") == "Published" and by_id[
                record_of(done)].get("phase") == "Published" and by_id[
                record_of(oom)].get("phase") == "Failed":
            return by_id
        return None
    # the lost attempt counts and backs off (retryDelaySeconds) before attempt 2 (issue 12 item 6)
    by_id = await wait_for(settled, timeout=120, logs=operator_process.logs)
    assert by_id[record_of(done)]["attempts"] == 1
    assert by_id[record_of(evicted)]["attempts"] == 2
    assert by_id[record_of(evicted)]["exitClass"] == "ok"  # the retry succeeded
    assert by_id[record_of(oom)]["exitClass"] == "unsupported"
    assert by_id[record_of(oom)]["attempts"] == 1
    assert phases(await cluster.children("lost")) == {"Published": 2, "Failed": 1}
    files = [p for p in (recorder_path / "bbb").iterdir() if not p.name.startswith(".")]
    assert len(files) == 2


async def test_job_created_just_before_a_kill_is_adopted(cluster, operator_process, simulator):
    """Killed between creating a Job and writing its child's status: the new operator adopts
    that Job (attempt 1, no second Job) and counts it in the window, so ``parallelism`` holds."""
    from bbb_migrate.kube import jobs
    from bbb_migrate.spec import parse_spec

    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim", "selection": {"last": 3}, "suspend": True, "pod": {},
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 2},
    }
    await operator_process.start()
    await cluster.create_migration("adopt", spec)

    async def planned():
        m = await cluster.migration("adopt")
        children = await cluster.children("adopt")
        suspended = (m.get("status") or {}).get("phase") == "Suspended"
        return children if suspended and len(children) == 3 else None
    children = await wait_for(planned, timeout=30, logs=operator_process.logs)
    await operator_process.kill()
    # What the killed operator had just done for the last child in plan order: its Job exists,
    # its status does not say so yet. Without adoption, the two first children would start too.
    last = max(children, key=lambda c: c["spec"]["index"])
    orphan = jobs.build_job(
        spec=parse_spec({**spec, "suspend": False}), migration="adopt", namespace=NS,
        child=last["metadata"]["name"], child_uid=last["metadata"].get("uid", ""),
        record_id=last["spec"]["recordId"], source_url=last["spec"]["sourceUrl"],
        duration_seconds=last["spec"]["durationSeconds"], attempt=1, ttl_seconds=60)
    await cluster._json("post", JOBS, orphan)
    await cluster.patch_spec("adopt", {"suspend": False})
    await operator_process.start()

    async def two_in_flight():
        children = await cluster.children("adopt")
        return children if phases(children).get("Rendering") == 2 else None
    children = await wait_for(two_in_flight, timeout=30, logs=operator_process.logs)
    by_name = {c["metadata"]["name"]: c.get("status") or {} for c in children}
    assert by_name[last["metadata"]["name"]]["phase"] == "Rendering"
    assert by_name[last["metadata"]["name"]]["jobName"] == orphan["metadata"]["name"]
    assert by_name[last["metadata"]["name"]]["attempts"] == 1
    names = sorted(j["metadata"]["name"] for j in await cluster.jobs())
    assert len(names) == 2 and orphan["metadata"]["name"] in names  # the window, no more


async def test_planning_resumes_after_a_kill(kmock, cluster, operator_process, simulator):
    """Killed while creating children (``plannedSpecHash`` not yet written): the next operator
    creates only the children still missing, not every one again (with kills a few seconds
    apart, a planning that starts over each time would never end)."""
    from kube_helpers import BASE, request_log

    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim", "selection": {"last": 6}, "suspend": True, "pod": {},
        "volume": {"claimName": "shared", "subPath": "migr"},
    }
    await operator_process.start()
    await cluster.create_migration("resume", spec)

    async def planned():
        m = await cluster.migration("resume")
        return (m.get("status") or {}).get("plannedSpecHash") and len(
            await cluster.children("resume")) == 6
    await wait_for(planned, timeout=30, logs=operator_process.logs)
    await operator_process.kill()
    # As if killed before the end of planning: two children missing, no plannedSpecHash.
    for child in (await cluster.children("resume"))[:2]:
        await cluster._json("delete", f"{BASE}/bbbrecordings/{child['metadata']['name']}")
    await cluster._json("patch", f"{BASE}/bbbmigrations/resume/status",
                        {"status": {"plannedSpecHash": None, "phase": "Planning"}})
    before = len(request_log(kmock))
    await operator_process.start()
    await wait_for(planned, timeout=30, logs=operator_process.logs)
    creates = [r for r in request_log(kmock)[before:]
               if str(getattr(r.method, "value", r.method)).upper() == "POST"
               and str(r.url.path).endswith("/bbbrecordings")]
    assert len(creates) == 2  # the two missing, not all six again
