"""BBBMigration handlers: lifecycle Events and the per-migration scheduler daemon.

The daemon does the work (:class:`~.scheduler.Scheduler`); create/resume/update/delete
handlers only report and wake it. A daemon per migration is fine: migrations are few, their
recordings are many.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import kopf

from ..spec import API_GROUP, API_VERSION
from . import metrics
from .api import PLURAL
from .scheduler import Scheduler


def plain(value: Any) -> Any:
    """A kopf body view as plain dicts and lists (safe to hand to a worker thread)."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


@kopf.on.create(API_GROUP, API_VERSION, PLURAL, id="accepted")
async def accepted(body: Any, logger: Any, memo: Any, namespace: str, name: str,
                   **_: Any) -> None:
    """A new migration: say so; its scheduler daemon plans it."""
    kopf.info(body, reason="Accepted", message=f"migration accepted, mode {body.spec.get('mode')}")
    logger.info("migration accepted")
    memo.runtime.wakeup(namespace, name).set()


@kopf.on.resume(API_GROUP, API_VERSION, PLURAL, id="resumed")
async def resumed(logger: Any, **_: Any) -> None:
    """The operator (re)started: the daemon re-derives everything from the API server."""
    logger.info("resuming migration from the API server's state")


@kopf.on.update(API_GROUP, API_VERSION, PLURAL, id="spec_changed", field="spec")
async def spec_changed(body: Any, diff: Any, memo: Any, namespace: str, name: str,
                       **_: Any) -> None:
    """A spec change: report which fields, wake the scheduler (it accepts or refuses)."""
    fields = sorted({".".join(str(p) for p in ("spec", *d[1])) for d in diff}) if diff else []
    kopf.info(body, reason="SpecChanged", message=("changed: " + ", ".join(fields))[:1000])
    memo.runtime.wakeup(namespace, name).set()


@kopf.on.delete(API_GROUP, API_VERSION, PLURAL, id="deleted", optional=True)
async def deleted(logger: Any, memo: Any, namespace: str, name: str, **_: Any) -> None:
    """Children and Jobs go with the owner (garbage collection); rendered files stay."""
    metrics.forget(namespace, name)
    memo.runtime.forget(namespace, name)
    logger.info("migration deleted; children and Jobs are garbage-collected, rendered files "
                "on the shared volume are kept")


@kopf.daemon(API_GROUP, API_VERSION, PLURAL, id="scheduler", cancellation_timeout=10.0)
async def scheduler(stopped: Any, body: Any, namespace: str, name: str, uid: str, logger: Any,
                    memo: Any, children: Any, recorder_jobs: Any, **_: Any) -> None:
    """Reconcile the migration until it is deleted (or the operator stops)."""
    runtime = memo.runtime
    from . import jobs

    def post(type_: str, reason: str, message: str) -> None:
        (kopf.info if type_ == "Normal" else kopf.warn)(body, reason=reason, message=message)

    sched = Scheduler(runtime.api(), runtime.config, namespace=namespace, name=name, uid=uid,
                      post=post, logger=logger, stopped=lambda: bool(stopped))
    wake = runtime.wakeup(namespace, name)
    label = jobs.label_value(name)
    try:
        while not stopped:
            wake.clear()
            sched.api = runtime.api()  # the current client (a re-login replaces it)
            kids = list(children.get((namespace, name), []))
            job_views = {j.name: j for j in recorder_jobs.get((namespace, label), [])}
            try:
                delay = await asyncio.to_thread(sched.tick, plain(body), kids, job_views)
            except kopf.TemporaryError:
                raise
            except Exception as exc:  # an API or unexpected error: log, retry, never crash
                logger.exception("scheduler pass failed: %s", exc)
                delay = runtime.config.degraded_retry_seconds
            if delay > 0:
                waiters = [asyncio.ensure_future(wake.wait()),
                           asyncio.ensure_future(stopped.wait())]
                try:
                    await asyncio.wait(waiters, timeout=delay,
                                       return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for waiter in waiters:
                        waiter.cancel()
            else:
                await asyncio.sleep(0)
    finally:
        await asyncio.to_thread(sched.close)
