"""Issue 12 items 9-11 on the real operator (kopf on kmock): children by owner uid, the latest
spec before Jobs start, and what status and metrics say."""

from __future__ import annotations

import asyncio
import logging

from kube_helpers import BASE, BBB_SECRET, JOBS, NS, base_spec, wait_condition, wait_for
from kubernetes import client

from bbb_migrate.core import counts
from bbb_migrate.kube import metrics
from bbb_migrate.kube.api import KubeApi
from bbb_migrate.kube.config import OperatorConfig
from bbb_migrate.kube.jobs import JobView
from bbb_migrate.kube.recordings import ChildView
from bbb_migrate.kube.scheduler import Scheduler
from bbb_migrate.state import Action, Phase, RecordingState


def _claim(sim, **extra):
    return base_spec(sim, **{"dryRun": False, "selection": {"last": 3}, **extra})


def _owner(obj) -> str:
    return obj["metadata"]["ownerReferences"][0]["uid"]


async def test_children_belong_to_a_migration_by_uid(cluster, operator_process, simulator):
    """A migration deleted and re-created with the same name does not adopt the old children
    (Degraded ForeignChildren, an Event); once they are gone, its own are created. A child
    deleted by hand is created again. A child not yet started shows Pending."""
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    await cluster.create_migration("dup", _claim(simulator, recorder={"parallelism": 1}))

    async def three():
        # item 11: children not yet started show Pending in the Phase column (status.phase)
        children = await cluster.children("dup")
        shown = sorted(str((c.get("status") or {}).get("phase")) for c in children)
        return children if shown == ["Pending", "Pending", "Rendering"] else None
    children = await wait_for(three, timeout=30, logs=operator_process.logs)
    old_uid = _owner(children[0])

    # item 9: deleted and created again before the garbage collector ran
    await cluster.delete_migration("dup")

    async def gone():  # kopf removes its finalizer once the scheduler daemon has stopped
        return await cluster.migration("dup") is None
    await wait_for(gone, timeout=30, logs=operator_process.logs)
    await cluster.create_migration("dup", _claim(simulator, recorder={"parallelism": 1}))
    new_uid = (await cluster.migration("dup"))["metadata"]["uid"]
    cond = await wait_condition(cluster, "dup", "Degraded", "True", operator_process,
                            reason="ForeignChildren")
    assert "never adopted" in cond["message"]
    assert {_owner(c) for c in await cluster.children("dup")} == {old_uid}  # not adopted
    assert "ForeignChildren" in [e.get("reason") for e in await cluster.events()]
    # the garbage collector removes the old children and their Job (by uid)
    for child in await cluster.children("dup"):
        await cluster._json("delete", f"{BASE}/bbbrecordings/{child['metadata']['name']}")
    for job in await cluster.jobs():
        await cluster._json("delete", f"{JOBS}/{job['metadata']['name']}")

    async def recreated():
        kids = await cluster.children("dup")
        ok = len(kids) == 3 and {_owner(c) for c in kids} == {new_uid}
        return kids if ok and len(await cluster.jobs()) == 1 else None
    kids = await wait_for(recreated, timeout=60, logs=operator_process.logs)
    await wait_condition(cluster, "dup", "Degraded", "False", operator_process)

    # a child deleted by hand is created again
    lost = next(c for c in kids if (c.get("status") or {}).get("phase") == "Pending")
    await cluster._json("delete", f"{BASE}/bbbrecordings/{lost['metadata']['name']}")

    async def back():
        names = {c["metadata"]["name"] for c in await cluster.children("dup")}
        return lost["metadata"]["name"] in names and len(names) == 3
    await wait_for(back, timeout=60, logs=operator_process.logs)
    assert "ChildrenRecreated" in [e.get("reason") for e in await cluster.events()]


async def test_lowered_parallelism_applies_to_the_pass_already_running(
        kmock, cluster, operator_process, simulator, shared_root):
    """Item 10: a pass that read ``parallelism: 3`` starts no Job once it was lowered to 1."""
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    await cluster.create_migration("par", _claim(simulator, selection={"last": 5},
                                                 recorder={"parallelism": 3}))

    async def three_jobs():
        jobs = await cluster.jobs()
        return jobs if len(jobs) == 3 else None
    jobs = await wait_for(three_jobs, timeout=30, logs=operator_process.logs)
    await operator_process.kill()
    old_body = await cluster.migration("par")  # what a pass started before the change read
    await cluster.patch_spec("par", {"recorder": {"parallelism": 1}})
    await cluster.finish_job(jobs[0], 0)  # two left in flight: more than the new window

    config = client.Configuration()
    config.host = str(kmock.url).rstrip("/")
    api = KubeApi(config)
    sched = Scheduler(api, OperatorConfig(shared_root=shared_root), namespace=NS, name="par",
                      uid=old_body["metadata"]["uid"], post=lambda *a: None,
                      logger=logging.getLogger("test"))
    children = [ChildView.from_body(c) for c in await cluster.children("par")]
    job_views = {j["metadata"]["name"]: JobView(j) for j in await cluster.jobs()}
    try:
        await asyncio.to_thread(sched.tick, old_body, children, job_views)
    finally:
        await asyncio.to_thread(api.close)
    assert len(await cluster.jobs()) == 3  # no new Job: the latest spec said 1


async def test_missing_pod_secret_blocks_progress(cluster, operator_process, simulator):
    """Item 11: a Pod Secret that does not exist is SecretUnavailable (not PublishConfigError)
    and Progressing is False while nothing can progress."""
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = base_spec(simulator, mode="import-video", dryRun=False, selection={"last": 2},
                     pod={"database": {"urlRef": {"secretKeyRef": {"name": "pod-db",
                                                                   "key": "url"}}},
                          "secretKeyRef": {"secretKeyRef": {"name": "pod-db", "key": "key"}}})
    await cluster.create_migration("nopod", spec)
    cond = await wait_condition(cluster, "nopod", "Progressing", "False", operator_process,
                            reason="SecretUnavailable")
    assert "Secret pod-db not found" in cond["message"]
    degraded = await wait_condition(cluster, "nopod", "Degraded", "True", operator_process)
    assert degraded["reason"] == "SecretUnavailable"


def test_rendered_phase_has_its_own_series():
    """Item 11: bbb_migrate_recordings{phase="Rendered"} exists, apart from Published."""
    states = [RecordingState("a", Action.RENDER, Phase.RENDERED),
              RecordingState("b", Action.RENDER, Phase.PUBLISHED),
              RecordingState("c", Action.RENDER, Phase.PUBLISHED)]
    metrics.set_recordings("ns", "m-rendered", counts.by_phase(states), 0)
    assert metrics.RECORDINGS.labels("ns", "m-rendered", "Rendered")._value.get() == 1
    assert metrics.RECORDINGS.labels("ns", "m-rendered", "Published")._value.get() == 2


async def test_export_csv_moodle_error_does_not_stall_planning(cluster, operator_process,
                                                               simulator):
    """Item 8: a Moodle database that cannot be used no longer leaves an export-csv migration in
    Planning with only a log line: it is planned, and Degraded says why nothing progresses."""
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("moodle-db", {
        "url": "postgresql://postgres@127.0.0.1:5432/bbbm_no_such_moodle_database"})
    await operator_process.start()
    spec = base_spec(simulator, mode="export-csv", dryRun=False, selection={"last": 2},
                     moodle={"databases": {"default": {"urlRef": {"secretKeyRef": {
                         "name": "moodle-db", "key": "url"}}}}})
    await cluster.create_migration("nomoodle", spec)
    cond = await wait_condition(cluster, "nomoodle", "Degraded", "True", operator_process,
                                reason="PublishConfigError", timeout=90)
    assert "bbbm_no_such_moodle_database" in cond["message"]
    m = await cluster.migration("nomoodle")
    assert m["status"]["phase"] == "Running"  # planned: two children wait, nothing is lost
    progressing = next(c for c in m["status"]["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "PublishConfigError")
    assert len(await cluster.children("nomoodle")) == 2
