"""The operator's Kubernetes API calls, in one place (the RBAC list in docs/operator.md is this
file's list of verbs).

kopf is not an API client: it logs in (see :mod:`.main`) and watches. This module uses the
``kubernetes`` client, synchronous, so every call runs in a worker thread (``asyncio.to_thread``);
a sync call in the event loop would block the watches.
"""

from __future__ import annotations

import base64
import json
import tempfile
from collections.abc import Iterable
from typing import Any

import kopf
from kubernetes import client
from kubernetes.client.exceptions import ApiException

from ..credentials import SecretError, SecretKeySelector
from ..spec import API_GROUP, API_VERSION
from . import metrics

CHILD_PLURAL = "bbbrecordings"
PLURAL = "bbbmigrations"


def configuration(info: kopf.ConnectionInfo) -> client.Configuration:
    """A client configuration from the credentials kopf logged in with (one source of truth)."""
    config = client.Configuration()
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


class KubeApi:
    """Thin, counted wrappers over the API calls the operator makes."""

    def __init__(self, config: client.Configuration) -> None:
        self.client = client.ApiClient(config)
        self.custom = client.CustomObjectsApi(self.client)
        self.batch = client.BatchV1Api(self.client)
        self.core = client.CoreV1Api(self.client)

    def close(self) -> None:
        """Release the connection pool."""
        self.client.close()

    # -- children ---------------------------------------------------------------------------
    def create_child(self, namespace: str, body: dict[str, Any]) -> bool:
        """Create a BBBRecording; False when it already exists (planned before a restart)."""
        try:
            with metrics.api_call("create", "bbbrecordings"):
                self.custom.create_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, CHILD_PLURAL, body)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def get_child(self, namespace: str, name: str) -> dict[str, Any] | None:
        """One BBBRecording (its full spec, with the listed recording), or None."""
        try:
            with metrics.api_call("get", "bbbrecordings"):
                return self.custom.get_namespaced_custom_object(
                    API_GROUP, API_VERSION, namespace, CHILD_PLURAL, name)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def patch_child_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        """Merge-patch a BBBRecording's status subresource."""
        with metrics.api_call("patch", "bbbrecordings/status"):
            self.custom.patch_namespaced_custom_object_status(
                API_GROUP, API_VERSION, namespace, CHILD_PLURAL, name, {"status": status})

    def patch_migration_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        """Merge-patch a BBBMigration's status subresource."""
        with metrics.api_call("patch", "bbbmigrations/status"):
            self.custom.patch_namespaced_custom_object_status(
                API_GROUP, API_VERSION, namespace, PLURAL, name, {"status": status})

    # -- jobs -------------------------------------------------------------------------------
    def create_job(self, namespace: str, body: dict[str, Any]) -> bool:
        """Create a Job; False when it already exists (deterministic name: no duplicate)."""
        try:
            with metrics.api_call("create", "jobs"):
                self.batch.create_namespaced_job(namespace, body)
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def get_job(self, namespace: str, name: str) -> dict[str, Any] | None:
        """A Job as a plain dict, or None when it is gone (TTL, or never created)."""
        try:
            with metrics.api_call("get", "jobs"):
                job = self.batch.read_namespaced_job(name, namespace)
        except ApiException as exc:
            if exc.status == 404:
                return None
            raise
        return self.client.sanitize_for_serialization(job)

    def job_pods(self, namespace: str, job: str) -> list[dict[str, Any]]:
        """The pods of one Job (for the recorder's exit code when no result JSON exists)."""
        with metrics.api_call("list", "pods"):
            response = self.core.list_namespaced_pod(
                namespace, label_selector=f"batch.kubernetes.io/job-name={job}",
                _preload_content=False)
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
                with metrics.api_call("get", "secrets"):
                    secret = self.core.read_namespaced_secret(selector.name, namespace)
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
