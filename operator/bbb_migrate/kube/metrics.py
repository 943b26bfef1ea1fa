"""Prometheus metrics of the operator (served by ``prometheus_client`` on its own port).

No record-ID label anywhere: 10,000 recordings must not become 10,000 time series.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

from kubernetes.client.exceptions import ApiException
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from ..state import Phase

RECORDINGS = Gauge("bbb_migrate_recordings", "Recordings by phase",
                   ["namespace", "migration", "phase"])
JOBS_IN_FLIGHT = Gauge("bbb_migrate_jobs_in_flight", "Recorder Jobs queued or running",
                       ["namespace", "migration"])
JOBS_CREATED = Counter("bbb_migrate_jobs_created_total", "Recorder Jobs created")
PUBLISHED = Counter("bbb_migrate_published_total", "Recordings published", ["mode"])
FAILURES = Counter("bbb_migrate_failures_total",
                   "Failed attempts (render or publish), by reason", ["reason"])
RENDER_RATIO = Histogram(
    "bbb_migrate_render_seconds_per_recorded_second",
    "Recorder wall seconds per second of recording",
    buckets=(0.1, 0.25, 0.5, 0.75, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0),
)
RENDERED_MEDIA = Counter("bbb_migrate_rendered_media_seconds_total",
                         "Seconds of recording rendered or downloaded (throughput)", ["engine"])
RENDER_WALL = Counter("bbb_migrate_render_wall_seconds_total",
                      "Recorder wall seconds of the renders kept (speed = media / wall)",
                      ["engine"])
CHECK_FAILURES = Counter("bbb_migrate_content_check_failures_total",
                         "Renders refused by a content check (recorder/checks.py)", ["check"])
ETA = Gauge("bbb_migrate_eta_seconds", "Estimated seconds until every recording is rendered",
            ["namespace", "migration"])
DEGRADED = Gauge("bbb_migrate_degraded", "1 while the migration's Degraded condition is True "
                 "(reason: the condition's)", ["namespace", "migration", "reason"])
SUSPENDED = Gauge("bbb_migrate_suspended", "1 while spec.suspend is true (no new Job starts)",
                  ["namespace", "migration"])
_degraded_reason: dict[tuple[str, str], str] = {}
API_REQUESTS = Counter("bbb_migrate_api_requests_total", "Kubernetes API calls",
                       ["verb", "resource"])
API_ERRORS = Counter("bbb_migrate_api_errors_total", "Kubernetes API errors",
                     ["verb", "resource"])
NOTICE_FAILURES = Counter("bbb_migrate_notice_failures_total",
                          "Moodle notices refused for good (the recordings were published)")
DB_ERRORS = Counter("bbb_migrate_db_errors_total", "Pod / Moodle database errors on publish")
BBB_ERRORS = Counter("bbb_migrate_bbb_errors_total", "BBB API errors", ["key"])

_EXPECTED = (404, 409)


@contextmanager
def api_call(verb: str, resource: str) -> Iterator[None]:
    """Count one API call, and its failure unless it is an expected 404/409."""
    API_REQUESTS.labels(verb, resource).inc()
    try:
        yield
    except ApiException as exc:
        if exc.status not in _EXPECTED:
            API_ERRORS.labels(verb, resource).inc()
        raise
    except Exception:
        API_ERRORS.labels(verb, resource).inc()
        raise


def set_recordings(namespace: str, migration: str, by_phase: dict[Phase, int],
                   in_flight: int) -> None:
    """Refresh the per-phase gauges of one migration (every phase, Rendered included)."""
    for phase, value in by_phase.items():
        RECORDINGS.labels(namespace, migration, str(phase)).set(value)
    JOBS_IN_FLIGHT.labels(namespace, migration).set(in_flight)


def set_degraded(namespace: str, migration: str, reason: str | None) -> None:
    """One series while Degraded (its reason), none otherwise: an alert can wait N minutes."""
    old = _degraded_reason.pop((namespace, migration), None)
    if old is not None and old != reason:
        with suppress(KeyError):
            DEGRADED.remove(namespace, migration, old)
    if reason:
        DEGRADED.labels(namespace, migration, reason).set(1)
        _degraded_reason[(namespace, migration)] = reason


def forget(namespace: str, migration: str) -> None:
    """Drop the series of a deleted migration."""
    for phase in Phase:
        with suppress(KeyError):
            RECORDINGS.remove(namespace, migration, str(phase))
    set_degraded(namespace, migration, None)
    for gauge in (JOBS_IN_FLIGHT, ETA, SUSPENDED):
        with suppress(KeyError):
            gauge.remove(namespace, migration)


def serve(port: int) -> None:
    """Start the metrics HTTP server (a daemon thread); port 0 disables it."""
    if port:
        start_http_server(port)
