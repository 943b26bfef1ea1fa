"""The operator's Kubernetes API calls, in one place (the RBAC list in docs/operator.md is this
file's list of verbs).

kopf is not an API client: it logs in (see :mod:`.main`) and watches. This module uses the
``kubernetes`` client, synchronous, so every call runs in a worker thread (``asyncio.to_thread``);
a sync call in the event loop would block the watches.

Every call carries ``_request_timeout`` (connect, read): an API server that accepts the
connection and never answers would otherwise hold a migration's thread for ever. A call that
times out raises :class:`KubeApiTimeout`, which the scheduler reports (Degraded
``KubernetesAPITimeout``) and retries on its next pass.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import kopf
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from urllib3.exceptions import MaxRetryError, ProtocolError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from ..credentials import SecretError, SecretKeySelector
from ..spec import API_GROUP, API_VERSION
from . import metrics
from .jobs import LABEL_MIGRATION

CHILD_PLURAL = "bbbrecordings"
PLURAL = "bbbmigrations"


# Connections kept open to the API server. One client serves every migration, from the event
# loop's worker threads (up to 32) and each planning migration's creation pool
# (``create_workers``); with the client's default (5 per CPU: 10 on 2 cores) a busy operator
# logged "Connection pool is full, discarding connection" and opened a new TLS connection for
# each call beyond it.
POOL_SIZE = 64


def configuration(info: kopf.ConnectionInfo) -> client.Configuration:
    """A client configuration from the credentials kopf logged in with (one source of truth)."""
    config = client.Configuration()
    config.connection_pool_maxsize = POOL_SIZE
    config.host = info.server.rstrip("/")
    config.verify_ssl = not info.insecure
    if info.ca_path:
        config.ssl_ca_cert = info.ca_path
    elif info.ca_data:
        with tempfile.NamedTemporaryFile("wb", delete=False, suffix=".crt") as handle:
            handle.write(info.ca_data)
        config.ssl_ca_cert = handle.name
    if info.token:
        config.api_key = {"authorization": info.token}
        config.api_key_prefix = {"authorization": info.scheme or "Bearer"}
    if info.certificate_path:
        config.cert_file = info.certificate_path
    if info.private_key_path:
        config.key_file = info.private_key_path
    return config


class KubeApiTimeout(Exception):
    """The API server did not answer one call within its request timeout (retryable)."""


DEFAULT_TIMEOUT = 30.0


class KubeApi:
    """Thin, counted wrappers over the API calls the operator makes."""

    def __init__(self, config: client.Configuration, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.timeout = timeout
        self.client = client.ApiClient(config)
        self.custom = client.CustomObjectsApi(self.client)
        self.batch = client.BatchV1Api(self.client)
        self.core = client.CoreV1Api(self.client)

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()

    @contextmanager
    def _call(self, verb: str, resource: str) -> Iterator[None]:
        """Count one call; a timeout (or a connection that hangs up) becomes KubeApiTimeout."""
        try:
            with metrics.api_call(verb, resource):
                yield
        except (Urllib3Timeout, MaxRetryError, ProtocolError) as exc:
            raise KubeApiTimeout(
                f"Kubernetes API: {verb} {resource}: no answer from the API server "
                f"({type(exc).__name__}; request timeout {self.timeout:g} s)") from exc

    # -- children ---------------------------------------------------------------------------
    def create_child(self, namespace: str, body: dict[str, Any]) -> bool:
        """Create a BBBRecording; False when it already exists (planned before a restart)."""
        try:
            with self._call("create", "bbbrecordings"):
                self.custom.create_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, CHILD_PLURAL, body,
                    _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def get_child(self, namespace: str, name: str) -> dict[str, Any] | None:
        """One BBBRecording (its full spec, with the listed recording), or None."""
        try:
            with self._call("get", "bbbrecordings"):
                return self.custom.get_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, CHILD_PLURAL, name,
                    _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def list_children(self, namespace: str, migration_label: str) -> list[dict[str, Any]]:
        """Every BBBRecording of a migration, full bodies, page by page (used once, for the
        export-csv file at the end)."""
        items: list[dict[str, Any]] = []
        token = None
        while True:
            with self._call("list", "bbbrecordings"):
                page = self.custom.list_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, CHILD_PLURAL, limit=500,
                    label_selector=f"{LABEL_MIGRATION}={migration_label}",
                    _request_timeout=self.timeout, **({"_continue": token} if token else {}))
            items += page.get("items") or []
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def get_migration(self, namespace: str, name: str) -> dict[str, Any] | None:
        """The BBBMigration as the API server has it now (its latest spec), or None."""
        try:
            with self._call("get", "bbbmigrations"):
                return self.custom.get_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, PLURAL, name, _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch_child_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        """Merge-patch a BBBRecording's status subresource."""
        with self._call("patch", "bbbrecordings/status"):
            self.custom.patch_namespaced_custom_object_status(
                API_GROUP, API_VERSION, namespace, CHILD_PLURAL, name, {"status": status},
                _request_timeout=self.timeout)

    def patch_migration_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        """Merge-patch a BBBMigration's status subresource."""
        with self._call("patch", "bbbmigrations/status"):
            self.custom.patch_namespaced_custom_object_status(
                API_GROUP, API_VERSION, namespace, PLURAL, name, {"status": status},
                _request_timeout=self.timeout)

    # -- jobs -------------------------------------------------------------------------------
    def create_job(self, namespace: str, body: dict[str, Any]) -> bool:
        """Create a Job; False when it already exists (deterministic name: no duplicate)."""
        try:
            with self._call("create", "jobs"):
                self.batch.create_namespaced_job(namespace, body,
                                                 _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def get_job(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A Job as a plain dict, or None when it is gone (TTL, or never created)."""
        try:
            with self._call("get", "jobs"):
                job = self.batch.read_namespaced_job(name, namespace,
                                                     _request_timeout=self.timeout)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return self.client.sanitize_for_serialization(job)

    def job_pods(self, namespace: str, job: str) -> list[dict[str, Any]]:
        """The pods of one Job (for the recorder's exit code when no result JSON exists)."""
        with self._call("list", "pods"):
            response = self.core.list_namespaced_pod(
                namespace, label_selector=f"batch.kubernetes.io/job-name={job}",
                _preload_content=False, _request_timeout=self.timeout)
        # Plain JSON: only a few status fields are read, no need for full model validation.
        return json.loads(response.data).get("items") or []

    # -- secrets ----------------------------------------------------------------------------
    def secret_reader(self, namespace: str):
        """A reader for :func:`bbb_migrate.credentials.resolve`, bound to one namespace.

        Read at the moment of use (never cached), so a fixed Secret is picked up on the next
        attempt; errors name the Secret and key, never a value.
        """

        def read(selector: SecretKeySelector) -> str:
            try:
                with self._call("get", "secrets"):
                    secret = self.core.read_namespaced_secret(
                        selector.name, namespace, _request_timeout=self.timeout)
            except ApiException as exc:
                if exc.status == 404:
                    raise SecretError(
                        f"Secret {selector.name} not found in namespace {namespace}") from None
                if exc.status == 403:
                    raise SecretError(
                        f"Secret {selector.name}: the operator may not read it (RBAC)") from None
                raise SecretError(
                    f"Secret {selector.name}: API error {exc.status} {exc.reason}") from None
            data = secret.data or {}
            if selector.key not in data:
                keys = ", ".join(sorted(data)) or "none"
                raise SecretError(
                    f"Secret {selector.name} has no key {selector.key} (keys: {keys})")
            return base64.b64decode(data[selector.key]).decode("utf-8")

        return read


def chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]
