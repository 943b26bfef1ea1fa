"""In-memory indexes fed by kopf's watches: the scheduler reads them instead of listing.

The children of a migration and its Jobs arrive through one watch each (no list per pass, no
request per child per pass), which keeps the API load flat at 10,000 recordings.
"""

from __future__ import annotations

from typing import Any

import kopf

from ..spec import API_GROUP, API_VERSION
from . import jobs
from .recordings import ChildView


@kopf.index(API_GROUP, API_VERSION, "bbbrecordings", id="children")
async def children(namespace: str, body: Any, **_: Any) -> dict[tuple[str, str], ChildView]:
    """(namespace, migration) → the views of its children."""
    view = ChildView.from_body(body)
    return {(namespace, view.migration): view}


@kopf.index("batch", "v1", "jobs", id="recorder_jobs",
            labels={jobs.MANAGED_BY: jobs.MANAGED_BY_VALUE})
async def recorder_jobs(namespace: str, body: Any, labels: Any,
                        **_: Any) -> dict[tuple[str, str], jobs.JobView]:
    """(namespace, migration label) → the views of its recorder Jobs."""
    return {(namespace, labels.get(jobs.LABEL_MIGRATION, "")): jobs.JobView(body)}


@kopf.on.event("batch", "v1", "jobs", labels={jobs.MANAGED_BY: jobs.MANAGED_BY_VALUE},
               id="job_event")
async def job_event(namespace: str, labels: Any, memo: Any, **_: Any) -> None:
    """A Job changed (started, finished, suspended): wake its migration's scheduler now."""
    runtime = getattr(memo, "runtime", None)
    if runtime is not None:
        runtime.poke(namespace, labels.get(jobs.LABEL_MIGRATION, ""))
