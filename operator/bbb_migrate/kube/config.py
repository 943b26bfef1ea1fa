"""Operator settings from the environment (the Helm chart sets them; tests override them)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw not in (None, "") else default


@dataclass(frozen=True)
class OperatorConfig:
    """Knobs of the operator process (not of a migration: those are in the spec)."""

    shared_root: Path = Path("/shared")
    """Where the operator mounts the shared claim's root; ``spec.volume.subPath`` is below it."""
    job_ttl_seconds: int = 86400
    reconcile_seconds: float = 10.0
    """Longest pause of a migration's scheduler; Job and child events wake it sooner."""
    degraded_retry_seconds: float = 60.0
    """Pause before retrying after a missing Secret, a bad BBB secret or an unreachable server."""
    create_batch: int = 200
    """Children created per batch (progress is written to the status between batches)."""
    create_workers: int = 8
    publish_per_tick: int = 50
    settle_seconds: float = 30.0
    """After creating children, how long before one still missing is created again (the
    watch must have delivered them first); also the pause between two such attempts."""
    kueue_window_factor: int = 4
    kueue_window_max: int = 1000
    metrics_port: int = 8080
    api_timeout_seconds: float = 30.0
    """``_request_timeout`` of every Kubernetes API call (a hung API server fails the pass)."""
    recorder_image: str = ""
    """Recorder image used when the spec keeps the default one (the chart pins its version)."""
    recorder_pull_policy: str = "IfNotPresent"
    recorder_service_account: str = ""
    """Service account of recorder pods (its token is not mounted either way)."""

    @classmethod
    def from_env(cls) -> OperatorConfig:
        """Read ``BBB_MIGRATE_*`` variables (documented in docs/operator.md)."""
        return cls(
            shared_root=Path(os.environ.get("BBB_MIGRATE_SHARED_ROOT", "/shared")),
            job_ttl_seconds=_env_int("BBB_MIGRATE_JOB_TTL_SECONDS", 86400),
            reconcile_seconds=_env_float("BBB_MIGRATE_RECONCILE_SECONDS", 10.0),
            degraded_retry_seconds=_env_float("BBB_MIGRATE_DEGRADED_RETRY_SECONDS", 60.0),
            create_batch=_env_int("BBB_MIGRATE_CREATE_BATCH", 200),
            create_workers=_env_int("BBB_MIGRATE_CREATE_WORKERS", 8),
            publish_per_tick=_env_int("BBB_MIGRATE_PUBLISH_PER_TICK", 50),
            settle_seconds=_env_float("BBB_MIGRATE_SETTLE_SECONDS", 30.0),
            kueue_window_factor=_env_int("BBB_MIGRATE_KUEUE_WINDOW_FACTOR", 4),
            kueue_window_max=_env_int("BBB_MIGRATE_KUEUE_WINDOW_MAX", 1000),
            metrics_port=_env_int("BBB_MIGRATE_METRICS_PORT", 8080),
            api_timeout_seconds=_env_float("BBB_MIGRATE_API_TIMEOUT_SECONDS", 30.0),
            recorder_image=os.environ.get("BBB_MIGRATE_RECORDER_IMAGE", ""),
            recorder_pull_policy=os.environ.get("BBB_MIGRATE_RECORDER_IMAGE_PULL_POLICY",
                                                "IfNotPresent"),
            recorder_service_account=os.environ.get("BBB_MIGRATE_RECORDER_SERVICE_ACCOUNT", ""),
        )

    def window(self, parallelism: int, kueue: bool) -> int:
        """Jobs in flight at most: ``parallelism``, or a larger bounded backlog for Kueue."""
        if not kueue:
            return parallelism
        return min(self.kueue_window_max, parallelism * self.kueue_window_factor)
