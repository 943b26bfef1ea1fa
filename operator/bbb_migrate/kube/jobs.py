"""Names, labels and the recorder Job manifest: pure functions, no API calls.

Names are deterministic so that an operator restarted at any point recreates *the same* object
and gets HTTP 409 instead of a duplicate: the child of a recording is
``<migration>-<hash(migration, record ID)>`` and its Job for attempt N is ``<child>-<N>``.
Everything stays within 63 characters, because the Job name becomes a pod label value.
"""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import PurePosixPath
from typing import Any

from .. import contract
from ..spec import API_GROUP, API_VERSION, MigrationSpec, RecorderSettings

LABEL_MIGRATION = f"{API_GROUP}/migration"
LABEL_RECORD = f"{API_GROUP}/record-id"
LABEL_CHILD = f"{API_GROUP}/recording"
ANNOTATION_RECORD = f"{API_GROUP}/record-id"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "bbb-migrate-operator"
KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
CHILD_KIND = "BBBRecording"

RECORDER_UID = 10001
DEFAULT_DURATION_SECONDS = 4 * 3600  # when BBB gives no end time nor playback length
STARTUP_ALLOWANCE_SECONDS = 600  # image pull and browser start, on top of the recorder deadline

_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _digest(*parts: str, length: int = 10) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:length]


def _dns_prefix(name: str, max_length: int) -> str:
    return name[:max_length].rstrip("-.") or "m"


def label_value(value: str) -> str:
    """``value`` if it is a valid label value, else a stable hash of it (``h-<hex>``)."""
    if len(value) <= 63 and _LABEL_VALUE.match(value):
        return value
    return "h-" + _digest(value, length=40)


def child_name(migration: str, record_id: str) -> str:
    """The BBBRecording name of one recording (≤ 51 characters, DNS-safe)."""
    return f"{_dns_prefix(migration, 40)}-{_digest(migration, record_id)}"


def job_name(child: str, attempt: int) -> str:
    """The Job of one attempt; a retry is a new Job, so the failed one stays for inspection."""
    return f"{child}-{attempt}"


def selector_labels(migration: str) -> dict[str, str]:
    """Labels that find everything of one migration."""
    return {MANAGED_BY: MANAGED_BY_VALUE, LABEL_MIGRATION: label_value(migration)}


def owner_reference(api_version: str, kind: str, name: str, uid: str) -> dict[str, Any]:
    """A controller owner reference (garbage collection deletes the owned object with it)."""
    return {"apiVersion": api_version, "kind": kind, "name": name, "uid": uid,
            "controller": True, "blockOwnerDeletion": True}


def owner_uid(meta: dict[str, Any]) -> str:
    """The uid of an object's controller owner ("" if none): ownership is by uid, never by
    name, so a child of a deleted migration is not taken for one of its namesake."""
    for ref in meta.get("ownerReferences") or []:
        if ref.get("controller"):
            return str(ref.get("uid") or "")
    return ""


def output_path(mount_path: str, record_id: str) -> str:
    """Where the Job writes the video, as the Job's container sees it."""
    return str(PurePosixPath(str(contract.render_output_path(mount_path, record_id))))


def active_deadline(duration_seconds: float | None, spec: MigrationSpec) -> int:
    """Hard wall-clock limit of the Job: the recorder's own deadline plus a start-up allowance.

    The recorder stops itself at ``duration x factor + margin`` (exit 13, retryable); the Job
    deadline is a backstop for a recorder that hangs, so it must come later.
    """
    duration = duration_seconds if duration_seconds and duration_seconds > 0 else (
        DEFAULT_DURATION_SECONDS)
    rec = spec.recorder
    return math.ceil(duration * rec.deadline_factor + rec.deadline_margin_seconds
                     + STARTUP_ALLOWANCE_SECONDS)


def recorder_args(*, source_url: str, output: str, record_id: str,
                  duration_seconds: float | None, spec: MigrationSpec) -> list[str]:
    """The arguments of ``bbb-migrate record`` (the recorder contract).

    They go into the container's ``args``, not ``command``: the recorder image's entrypoint
    (``tini -- bbb-migrate record``) must stay, so that tini reaps Chromium's zombies and
    forwards the SIGTERM of a Job deadline to the recorder, which then stops cleanly.
    """
    rec = spec.recorder
    command = [
        "--url", source_url,
        "--output", output,
        "--record-id", record_id,
        "--width", str(rec.width), "--height", str(rec.height), "--fps", str(rec.fps),
        "--deadline-factor", str(rec.deadline_factor),
        "--deadline-margin", str(rec.deadline_margin_seconds),
        "--stall-seconds", str(rec.stall_seconds), *rec.engine_args(),
    ]
    if duration_seconds and duration_seconds > 0:
        command += ["--duration", str(math.ceil(duration_seconds))]
    return command


def build_job(*, spec: MigrationSpec, migration: str, namespace: str, child: str,
              child_uid: str, record_id: str, source_url: str, duration_seconds: float | None,
              attempt: int, ttl_seconds: int, default_image: str = "",
              pull_policy: str = "IfNotPresent", service_account: str = "") -> dict[str, Any]:
    """The ``batch/v1`` Job that renders or downloads one recording.

    Hardened for the "restricted" Pod Security Standard. It gets no credential at all: playback
    pages and video files are public URLs, so the BBB secret and the database URLs stay in the
    operator. ``backoffLimit: 0`` because attempts are counted by the operator, which knows
    a permanent exit code (2x) must not be retried.
    """
    if spec.volume is None:
        raise ValueError("a recorder Job needs spec.volume (the shared claim)")
    volume = spec.volume
    output = output_path(volume.mount_path, record_id)
    name = job_name(child, attempt)
    labels = {
        **selector_labels(migration),
        "app.kubernetes.io/name": "bbb-migrate",
        "app.kubernetes.io/component": "recorder",
        LABEL_RECORD: label_value(record_id),
        LABEL_CHILD: child,
    }
    if spec.kueue_queue_name:
        labels[KUEUE_QUEUE_LABEL] = spec.kueue_queue_name
    annotations = {ANNOTATION_RECORD: record_id}
    mount: dict[str, Any] = {"name": "shared", "mountPath": volume.mount_path}
    if volume.sub_path:
        mount["subPath"] = volume.sub_path
    image = spec.recorder.image
    if default_image and image == RecorderSettings.model_fields["image"].default:
        image = default_image  # the spec kept the default: use the chart's pinned image
    container = {
        "name": "recorder",
        "image": image,
        "imagePullPolicy": pull_policy,
        "args": recorder_args(source_url=source_url, output=output, record_id=record_id,
                              duration_seconds=duration_seconds, spec=spec),
        "env": [{"name": "HOME", "value": "/tmp"}],  # noqa: S108 (the pod's own emptyDir)
        "resources": spec.recorder.job_resources(),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "volumeMounts": [
            mount,
            {"name": "dshm", "mountPath": "/dev/shm"},  # noqa: S108 (memory emptyDir)
            {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108 (the pod's own emptyDir)
        ],
    }
    pod_spec = {
        "restartPolicy": "Never",
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "terminationGracePeriodSeconds": 60,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RECORDER_UID,
            "runAsGroup": RECORDER_UID,
            "fsGroup": RECORDER_UID,
            "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container],
        **({"serviceAccountName": service_account} if service_account else {}),
        "volumes": [
            {"name": "shared", "persistentVolumeClaim": {"claimName": volume.claim_name}},
            {"name": "dshm", "emptyDir": {"medium": "Memory",
                                          "sizeLimit": spec.recorder.shm_size}},
            {"name": "tmp", "emptyDir": {}},
        ],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [
                owner_reference(f"{API_GROUP}/{API_VERSION}", CHILD_KIND, child, child_uid)
            ],
        },
        "spec": {
            "backoffLimit": 0,
            "activeDeadlineSeconds": active_deadline(duration_seconds, spec),
            "ttlSecondsAfterFinished": ttl_seconds,
            "template": {
                "metadata": {"labels": dict(labels), "annotations": dict(annotations)},
                "spec": pod_spec,
            },
        },
    }


class JobView:
    """What the scheduler needs to know of a Job, read from its body (watch event or GET)."""

    __slots__ = ("child", "finished", "message", "name", "owner_uid", "reason", "running",
                 "suspended")

    def __init__(self, body: dict[str, Any]) -> None:
        meta = body.get("metadata") or {}
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        self.name: str = meta.get("name", "")
        self.child: str = (meta.get("labels") or {}).get(LABEL_CHILD, "")
        self.owner_uid: str = owner_uid(meta)
        conditions = {c.get("type"): c for c in status.get("conditions") or []
                      if c.get("status") == "True"}
        self.finished: str | None = None
        self.reason = ""
        self.message = ""
        for kind in ("Complete", "Failed"):
            if kind in conditions:
                self.finished = kind
                self.reason = conditions[kind].get("reason") or ""
                self.message = conditions[kind].get("message") or ""
                break
        if self.finished is None and status.get("succeeded"):
            self.finished = "Complete"
        self.suspended: bool = bool(spec.get("suspend")) or "Suspended" in conditions
        self.running: bool = bool(status.get("active") or status.get("startTime")
                                  or status.get("ready"))

    def __repr__(self) -> str:
        return f"JobView({self.name!r}, finished={self.finished!r}, suspended={self.suspended})"


# Job condition reasons the kubelet / Job controller set when the recorder did not say why.
_REASON_EXIT = {
    "DeadlineExceeded": contract.ExitCode.DEADLINE,
    "BackoffLimitExceeded": contract.ExitCode.CRASH,
    "PodFailurePolicy": contract.ExitCode.CRASH,
}


def exit_code_from_job_reason(reason: str) -> int:
    """An exit code for a failed Job whose pod and result JSON are gone (retryable crash)."""
    return int(_REASON_EXIT.get(reason, contract.ExitCode.CRASH))


def exit_code_from_pods(pods: list[dict[str, Any]], job: str) -> int | None:
    """The recorder container's exit code from the Job's pods (terminated state), if any."""
    for pod in pods:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        if labels.get("batch.kubernetes.io/job-name", labels.get("job-name")) != job:
            continue
        for status in (pod.get("status") or {}).get("containerStatuses") or []:
            if status.get("name") != "recorder":
                continue
            for state_key in ("state", "lastState"):
                terminated = (status.get(state_key) or {}).get("terminated")
                if terminated and terminated.get("exitCode") is not None:
                    return int(terminated["exitCode"])
    return None
