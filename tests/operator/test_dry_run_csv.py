"""The operator's dry run in export-csv mode says where the CSV would go and writes nothing."""

from __future__ import annotations

import asyncio

from kube_helpers import BBB_SECRET, wait_for


async def test_export_csv_dry_run_writes_no_csv(cluster, operator_process, simulator,
                                                shared_root):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await operator_process.start()
    spec = {
        "source": {"url": simulator.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "export-csv",
        "volume": {"claimName": "shared", "subPath": "migr"},
        "selection": {"last": 4},
        "dryRun": True,
    }
    await cluster.create_migration("drycsv", spec)

    async def planned():
        m = await cluster.migration("drycsv")
        return m if (m.get("status") or {}).get("phase") == "Planned" else None

    m = await wait_for(planned, timeout=30, logs=operator_process.logs, what="Planned")
    path = shared_root / "migr" / "drycsv.csv"
    assert m["status"]["plan"]["csvPath"] == str(path)  # where the real run will write it
    progressing = next(c for c in m["status"]["conditions"] if c["type"] == "Progressing")
    assert "nothing is rendered or written" in progressing["message"]
    await asyncio.sleep(1.0)
    assert not path.exists()
    assert not (shared_root / "migr").exists()
