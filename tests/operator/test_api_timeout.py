"""A Kubernetes API server that accepts connections and never answers cannot hold the operator.

Every call carries ``_request_timeout``; past it the call fails with the named, retryable
:class:`KubeApiTimeout`, which the scheduler reports as Degraded ``KubernetesAPITimeout``.
"""

from __future__ import annotations

import socket
import threading

import pytest
from kubernetes import client

from bbb_migrate.kube.api import KubeApi, KubeApiTimeout


@pytest.fixture
def silent_api_server():
    """A TCP server on loopback that accepts every connection and never writes a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.mark.parametrize("call", ["get_child", "patch_child_status", "create_job", "secret"])
def test_a_hung_api_server_is_a_named_retryable_error(call, silent_api_server):
    config = client.Configuration()
    config.host = silent_api_server
    api = KubeApi(config, timeout=0.5)
    outcome: dict[str, object] = {}

    def run():
        try:
            if call == "get_child":
                api.get_child("ns", "child")
            elif call == "patch_child_status":
                api.patch_child_status("ns", "child", {"phase": "Published"})
            elif call == "create_job":
                api.create_job("ns", {"metadata": {"name": "job"}})
            else:
                from bbb_migrate.credentials import SecretKeySelector

                api.secret_reader("ns")(SecretKeySelector(name="pod-db", key="url"))
        except KubeApiTimeout as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(30)  # without a request timeout the call waits as long as the server does
    api.close()
    assert not worker.is_alive(), "the API call is still waiting"
    error = outcome.get("error")
    assert isinstance(error, KubeApiTimeout), outcome
    assert "no answer from the API server" in str(error) and "request timeout 0.5 s" in str(error)
