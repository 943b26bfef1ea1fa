from __future__ import annotations

from conftest import BBB_SECRET
from kube_helpers import wait_for


def spec_for(sim, **extra):
    spec = {
        "source": {"url": sim.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim",
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 4},
    }
    spec.update(extra)
    return spec


async def test_dry_run_smoke(cluster, operator_process, simulator):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    await cluster.create_migration("m1", spec_for(simulator, dryRun=True))

    async def planned():
        m = await cluster.migration("m1")
        return m if (m.get("status") or {}).get("phase") == "Planned" else None

    m = await wait_for(planned, timeout=30, logs=operator_process.logs)
    print(m["status"])
    assert m["status"]["plan"]["listed"] == 30
