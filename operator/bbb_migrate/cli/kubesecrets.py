"""``-n/--namespace`` of the one-off commands (cleanup, shutdown-check): read the spec's
``secretKeyRef`` Secrets from that namespace with the user's own kubeconfig.

So an administrator runs them against a cluster migration's own manifest (whose every secret is
a ``secretKeyRef``) from a machine with ``kubectl`` access, without copying a password into an
environment variable. Needs the ``[operator]`` extra (the ``kubernetes`` client).
"""

from __future__ import annotations

import os
from typing import Any

import click

from ..credentials import SecretError


def namespace_option() -> Any:
    return click.option(
        "-n", "--namespace", default=None, metavar="NS",
        help="Read the spec's secretKeyRef Secrets from this namespace, with your kubeconfig "
        "($KUBECONFIG or ~/.kube/config).")


def kube_api() -> Any:
    """The Kubernetes API with the user's kubeconfig (SecretError when it cannot be used)."""
    try:
        from kubernetes import client, config

        from ..kube.api import KubeApi
    except ImportError:
        raise SecretError("--namespace needs the kubernetes client: pip install "
                          "'bbb-migrate[operator]'") from None
    configuration = client.Configuration()
    try:
        # $KUBECONFIG read now: the client reads it once, when it is imported.
        config.load_kube_config(config_file=os.environ.get("KUBECONFIG", "~/.kube/config"),
                                client_configuration=configuration)
    except Exception as exc:  # the kubernetes client raises plain exceptions for a bad config
        raise SecretError(f"cannot load your kubeconfig: {exc}") from None
    return KubeApi(configuration)


def reader(namespace: str | None) -> Any:
    """A :func:`~bbb_migrate.credentials.resolve` reader for ``namespace``, or None."""
    if namespace is None:
        return None
    return kube_api().secret_reader(namespace)
