"""Fixtures of the operator's tests: kmock as the API server, the operator as a process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "publish"))  # pubdb: the publish helpers

from kube_helpers import (
    BBB_SECRET,
    Cluster,
    OperatorProcess,
    declare_resources,
    write_kubeconfig,
)

from bbb_migrate.simulator import Simulator, SimulatorConfig


def _publish_fixtures():
    """The publish engineer's database fixtures (tests/publish/conftest.py), reused as is."""
    import importlib.util

    path = Path(__file__).parents[1] / "publish" / "conftest.py"
    spec = importlib.util.spec_from_file_location("publish_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["publish_fixtures"] = module
    spec.loader.exec_module(module)
    return module


publish_fixtures = _publish_fixtures()
pod_templates = publish_fixtures.pod_templates
dbs = publish_fixtures.dbs


@pytest.fixture
def shared_root(tmp_path: Path) -> Path:
    root = tmp_path / "shared"
    root.mkdir()
    return root


@pytest.fixture
async def cluster(kmock, shared_root: Path) -> Cluster:
    declare_resources(kmock)
    return Cluster(kmock, shared_root)


@pytest.fixture
async def operator_process(kmock, cluster: Cluster, tmp_path: Path, shared_root: Path):
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", str(kmock.url))
    op = OperatorProcess(kubeconfig, shared_root, tmp_path)
    yield op
    await op.stop()


@pytest.fixture
def simulator():
    with Simulator(SimulatorConfig(secret=BBB_SECRET, catalogue_size=30)) as sim:
        yield sim
