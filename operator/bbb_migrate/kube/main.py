"""The operator's entry point: ``kopf run -m bbb_migrate.kube.main`` or ``bbb-migrate operator``.

Only settings, login, probes and the import of the handler modules live here (crate-operator's
layout); the handlers are in :mod:`.migration` and :mod:`.indexes`.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

import kopf

from ..spec import API_GROUP
from . import indexes, jobs, metrics, migration  # noqa: F401  (registers the handlers)
from .config import OperatorConfig
from .runtime import Runtime

log = logging.getLogger(__name__)


@kopf.on.startup()
async def startup(settings: kopf.OperatorSettings, memo: Any, **_: Any) -> None:
    """Own annotation prefix and finalizer, server-side Job filter, metrics server."""
    config = OperatorConfig.from_env()
    memo.runtime = Runtime(config, connection=getattr(memo, "connection", None))
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=API_GROUP, v1=False)
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=API_GROUP, key="last-handled-configuration", v1=False)
    settings.persistence.finalizer = f"{API_GROUP}/finalizer"
    settings.posting.reporting_component = "bbb-migrate-operator"
    settings.posting.reporting_instance = os.environ.get("POD_NAME", socket.gethostname())
    settings.watching.label_selectors["batch", "jobs"] = (
        f"{jobs.MANAGED_BY}={jobs.MANAGED_BY_VALUE}")
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330
    if os.environ.get("BBB_MIGRATE_DISABLE_SCANNING", "").lower() in ("1", "true", "yes"):
        # Explicit namespaces only (no globs); no RBAC on namespaces and CRDs needed.
        settings.scanning.disabled = True
    metrics.serve(config.metrics_port)
    log.info("bbb-migrate operator started (shared volume root %s)", config.shared_root)


@kopf.on.login()
def login(memo: Any, **kwargs: Any) -> kopf.ConnectionInfo | None:
    """In-cluster service account, else ``$KUBECONFIG`` / ``~/.kube/config``; the operator's
    own client uses the same credentials."""
    info = kopf.login_with_service_account(**kwargs) or kopf.login_with_kubeconfig(**kwargs)
    if info is not None:
        memo.connection = info
        if getattr(memo, "runtime", None) is not None:
            memo.runtime.relogin(info)
    return info


@kopf.on.probe(id="migrations")
async def probe_migrations(memo: Any, **_: Any) -> int:
    """Liveness detail: how many migrations this operator schedules."""
    runtime = getattr(memo, "runtime", None)
    return len(runtime.wakeups) if runtime is not None else 0


@kopf.on.cleanup()
async def cleanup(memo: Any, **_: Any) -> None:
    """Close the API client."""
    runtime = getattr(memo, "runtime", None)
    if runtime is not None:
        runtime.close()
