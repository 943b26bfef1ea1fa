"""Pure parts of the operator: names, the Job manifest, status helpers, scheduler decisions."""

from __future__ import annotations

from datetime import UTC, datetime

import kubernetes_validate
import pytest

from bbb_migrate import contract
from bbb_migrate.core import counts as core_counts
from bbb_migrate.kube import jobs, recordings, scheduler
from bbb_migrate.kube import status as st
from bbb_migrate.kube.config import OperatorConfig
from bbb_migrate.models import Playback, Recording
from bbb_migrate.spec import SpecError, parse_spec
from bbb_migrate.state import Action, initial, render_started

SECRET = {"secretKeyRef": {"name": "bbb", "key": "secret"}}


def spec(**extra):
    data = {"source": {"url": "https://bbb.example.org/", "secretRef": SECRET}, "mode": "claim",
            "volume": {"claimName": "pod-data", "subPath": "bbb/2026"},
            "recorder": {"parallelism": 3}}
    data.update(extra)
    return parse_spec(data)


def build(s=None, **kw):
    args = dict(spec=s or spec(), migration="m1", namespace="ns", child="m1-abc",
                child_uid="uid-1", record_id="a" * 40 + "-1700000000000",
                source_url="https://bbb.example.org/playback/presentation/2.3/x",
                duration_seconds=3600.0, attempt=1, ttl_seconds=3600)
    args.update(kw)
    return jobs.build_job(**args)


def test_names_are_deterministic_short_and_distinct():
    long_name = "migration-" + "x" * 200
    a = jobs.child_name(long_name, "rec-1")
    assert a == jobs.child_name(long_name, "rec-1")
    assert a != jobs.child_name(long_name, "rec-2")
    assert jobs.child_name("m1", "rec-1") != jobs.child_name("m2", "rec-1")
    assert len(jobs.job_name(a, 20)) <= 63
    assert jobs.job_name(a, 1) != jobs.job_name(a, 2)


def test_label_values_are_hashed_only_when_needed():
    rid = "a" * 40 + "-1700000000000"
    assert jobs.label_value(rid) == rid
    hashed = jobs.label_value("x" * 70)
    assert hashed.startswith("h-") and len(hashed) <= 63
    assert jobs.label_value("bad value/with slash") != "bad value/with slash"


def test_job_manifest_is_valid_and_hardened():
    job = build()
    kubernetes_validate.validate(job, "1.33", strict=True)
    meta, body = job["metadata"], job["spec"]
    assert meta["name"] == "m1-abc-1"
    assert meta["ownerReferences"][0]["kind"] == "BBBRecording"
    assert meta["ownerReferences"][0]["uid"] == "uid-1"
    assert meta["labels"][jobs.LABEL_MIGRATION] == "m1"
    assert meta["labels"][jobs.LABEL_RECORD] == "a" * 40 + "-1700000000000"
    assert body["backoffLimit"] == 0 and body["ttlSecondsAfterFinished"] == 3600
    # recorder deadline (3600 x 1.5 + 300) + start-up allowance
    assert body["activeDeadlineSeconds"] == 3600 * 1.5 + 300 + jobs.STARTUP_ALLOWANCE_SECONDS
    pod = body["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    container = pod["containers"][0]
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    shm = next(v for v in pod["volumes"] if v["name"] == "dshm")
    assert shm["emptyDir"] == {"medium": "Memory", "sizeLimit": "1Gi"}
    shared = next(m for m in container["volumeMounts"] if m["name"] == "shared")
    assert shared == {"name": "shared", "mountPath": "/data", "subPath": "bbb/2026"}
    # no credential of any kind reaches the recorder
    assert all("valueFrom" not in e for e in container["env"])
    assert "secret" not in str(pod).lower().replace("secretkeyref", "")
    command = container["args"]
    assert "command" not in container  # the image's entrypoint (tini -- bbb-migrate record)
    assert command[:2] == ["--url", "https://bbb.example.org/playback/presentation/2.3/x"]
    out = command[command.index("--output") + 1]
    assert out == str(contract.render_output_path("/data", "a" * 40 + "-1700000000000"))
    assert command[command.index("--duration") + 1] == "3600"
    assert "suspend" not in body
    assert jobs.KUEUE_QUEUE_LABEL not in meta["labels"]


def test_kueue_label_and_no_duration():
    job = build(spec(kueueQueueName="lq"), duration_seconds=None)
    assert job["metadata"]["labels"][jobs.KUEUE_QUEUE_LABEL] == "lq"
    assert job["spec"]["template"]["metadata"]["labels"][jobs.KUEUE_QUEUE_LABEL] == "lq"
    assert "suspend" not in job["spec"]
    assert "--duration" not in job["spec"]["template"]["spec"]["containers"][0]["args"]
    assert job["spec"]["activeDeadlineSeconds"] > jobs.DEFAULT_DURATION_SECONDS


def test_job_view_and_exit_codes():
    view = jobs.JobView({"metadata": {"name": "j", "labels": {jobs.LABEL_CHILD: "c"}},
                         "spec": {"suspend": True}, "status": {}})
    assert view.suspended and not view.finished and view.child == "c"
    failed = jobs.JobView({"metadata": {"name": "j"}, "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "DeadlineExceeded"}]}})
    assert failed.finished == "Failed"
    assert jobs.exit_code_from_job_reason(failed.reason) == contract.ExitCode.DEADLINE
    pods = [{"metadata": {"labels": {"batch.kubernetes.io/job-name": "j"}},
             "status": {"containerStatuses": [{"name": "recorder", "state": {
                 "terminated": {"exitCode": 20}}}]}},
            {"metadata": {"labels": {"batch.kubernetes.io/job-name": "other"}},
             "status": {"containerStatuses": [{"name": "recorder", "state": {
                 "terminated": {"exitCode": 0}}}]}}]
    assert jobs.exit_code_from_pods(pods, "j") == 20
    assert jobs.exit_code_from_pods(pods, "nope") is None


def test_conditions_transition_time_moves_only_on_flip():
    c = st.set_condition(None, st.READY, False, "InProgress", "a", 1)
    first = c[0]["lastTransitionTime"]
    c[0]["lastTransitionTime"] = "2000-01-01T00:00:00Z"
    c = st.set_condition(c, st.READY, False, "InProgress", "b", 2)
    assert c[0]["lastTransitionTime"] == "2000-01-01T00:00:00Z" and c[0]["message"] == "b"
    assert c[0]["observedGeneration"] == 2
    c = st.set_condition(c, st.READY, True, "Completed", "done", 2)
    assert c[0]["lastTransitionTime"] != "2000-01-01T00:00:00Z"
    assert first


def test_counts_and_phase():
    states = [initial("a", Action.RENDER), initial("b", Action.SKIP, "no playback"),
              render_started(initial("c", Action.RENDER), job_name="j")]
    counts = core_counts.counts(states)
    assert counts == {"total": 3, "pending": 1, "queued": 0, "rendering": 1, "rendered": 0,
                      "published": 0, "skipped": 1, "failed": 0, "inFlight": 1}
    phase, conds = st.progress_conditions(None, counts, suspended=False, generation=1)
    assert phase == "Running"
    assert st.get_condition(conds, st.PROGRESSING)["status"] == "True"
    phase, _ = st.progress_conditions(None, counts, suspended=True, generation=1)
    assert phase == "Suspended"
    # Issue 12 item 11: a missing Secret blocks everything: Progressing is False, with why.
    phase, conds = st.progress_conditions(None, counts, suspended=False, generation=1,
                                          blocked=("SecretUnavailable", "Secret pod-db"))
    progressing = st.get_condition(conds, st.PROGRESSING)
    assert (phase, progressing["status"], progressing["reason"]) == (
        "Running", "False", "SecretUnavailable")
    done = {"total": 2, "published": 1, "skipped": 0, "failed": 1}
    phase, conds = st.progress_conditions(None, done, suspended=False, generation=1)
    assert phase == "Completed"
    assert st.get_condition(conds, st.READY)["reason"] == "CompletedWithFailures"


def test_kueue_window_is_larger_but_bounded():
    config = OperatorConfig()
    assert config.window(4, kueue=False) == 4
    assert config.window(4, kueue=True) == 16
    assert config.window(500, kueue=True) == config.kueue_window_max


@pytest.mark.parametrize(("extra", "message"), [
    ({"source": {"url": "https://b/", "secretRef": {"env": "X"}}}, "must be a secretKeyRef"),
    ({"volume": {"claimName": "c", "subPath": "../etc"}}, "without '..'"),
    ({"volume": None}, "mode claim needs volume"),
    ({"source": {"url": "https://b/", "secretRef": SECRET, "cacheFile": "/etc/passwd"}},
     "cacheFile: in a cluster, a relative path"),
    ({"source": {"url": "https://b/", "secretRef": SECRET, "cacheFile": "a/../../x.xml"}},
     "cacheFile: in a cluster, a relative path"),
])
def test_cluster_only_spec_rules(extra, message):
    s = spec(**{k: v for k, v in extra.items() if v is not None})
    if extra.get("volume", 1) is None:
        s = s.model_copy(update={"volume": None})
    with pytest.raises(SpecError, match=message):
        scheduler.check_cluster_spec(s)


def test_recording_round_trip_and_child_body():
    rec = Recording(record_id="r1", meeting_id="m", name="Cours", start_time=datetime(
        2024, 1, 2, 3, 4, 5, tzinfo=UTC), end_time=datetime(2024, 1, 2, 4, 4, 5, tzinfo=UTC),
        metadata={"bbb-origin-server-name": "moodle.example.org", "meetingName": "Cours"},
        playbacks=(Playback("presentation", "https://b/p/r1", length_minutes=60),))
    assert recordings.recording_from_dict(recordings.recording_to_dict(rec)) == rec
    assert recordings.duration_of(rec) == 3600.0

    class Item:
        index, recording, action, reason = 4, rec, Action.RENDER, "presentation"
        playback_type, source_url = "presentation", "https://b/p/r1"

    body = recordings.child_body(Item, migration="m1", namespace="ns", owner_uid="u1")
    assert body["metadata"]["name"] == jobs.child_name("m1", "r1")
    assert body["metadata"]["ownerReferences"][0]["uid"] == "u1"
    view = recordings.ChildView.from_body(body)
    assert view.state == initial("r1", Action.RENDER, "presentation")
    new = render_started(view.state, job_name="j", output_path="/data/x")
    body["status"] = recordings.state_to_status(new, 3)
    again = recordings.ChildView.from_body(body)
    assert again.state == new and again.seq == 3


def test_chart_settings_for_recorder_pods():
    job = build(default_image="registry.example.org/recorder:1.2", pull_policy="Always",
                service_account="bbb-recorder")
    pod = job["spec"]["template"]["spec"]
    assert pod["containers"][0]["image"] == "registry.example.org/recorder:1.2"
    assert pod["containers"][0]["imagePullPolicy"] == "Always"
    assert pod["serviceAccountName"] == "bbb-recorder"
    assert pod["automountServiceAccountToken"] is False
    kubernetes_validate.validate(job, "1.33", strict=True)
    pinned = spec(recorder={"image": "mine:1"})
    job = build(pinned, default_image="registry.example.org/recorder:1.2")
    assert job["spec"]["template"]["spec"]["containers"][0]["image"] == "mine:1"
