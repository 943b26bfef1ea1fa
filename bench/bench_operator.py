"""Benchmark: a BBBMigration of 10,000 recordings planned and its children created, against kmock.

The operator runs as its own process (``python -m bbb_migrate``) so its peak memory (VmHWM) is
its own; kmock and the BBB simulator run here. Printed:

* time from ``kubectl apply`` to all children created, and until the operator has seen them all;
* the operator's peak RSS, and its ratio to the same process idle (baseline, same run);
* API requests per recording, by verb and resource (kmock's request log): bounded, no list storm;
* ratios against baselines measured in the same run: listing the simulator in-process, and
  creating the same number of objects with a bare client (8 threads), without the operator.

Targets: < 2 min, < 300 MB, a constant number of requests per recording.
Usage: ``python bench/bench_operator.py [--recordings 10000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import kmock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "operator"))
from kube_helpers import (
    Cluster,
    OperatorProcess,
    RequestLog,
    declare_resources,
    write_kubeconfig,
)

from bbb_migrate.kube.api import KubeApi
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.source import list_recordings
from bbb_migrate.spec import API_GROUP, API_VERSION, parse_spec

SECRET = "bench-secret"


def _rss_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its own cost, whatever the emulator's speed)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _breakdown(requests: list) -> Counter:
    counts: Counter = Counter()
    for r in requests:
        method = str(getattr(r.method, "value", r.method)).upper()
        path = str(r.url.path)
        parts = [p for p in path.split("/") if p]
        if "watch" in r.params.get("watch", "") or r.params.get("watch") in ("true", "1"):
            method = "WATCH"
        resource = "other"
        if "namespaces" in parts:
            rest = parts[parts.index("namespaces") + 2:]
            resource = "/".join(x for i, x in enumerate(rest) if i != 1) if rest else "ns"
        elif parts:
            resource = parts[-1]
        counts[f"{method} {resource}"] += 1
    return counts


async def main(n: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-operator-"))
    shared = tmp / "shared"
    shared.mkdir()
    print(f"generating a simulator catalogue of {n} recordings…", flush=True)
    # A server whose pages show every format (BBB < 2.6 or Scalelite-like): the bench measures
    # the operator, not the source client's BBB 2.6 format re-reading (bench_listing covers it).
    config = SimulatorConfig(secret=SECRET, catalogue_size=n, paging_drops_formats=False)
    with Simulator(config) as sim:
        spec = {"source": {"url": sim.api_url,
                           "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
                "mode": "claim", "volume": {"claimName": "shared", "subPath": "bench"},
                "recorder": {"parallelism": 4}}
        # Baseline 1: the listing alone, in-process.
        t0 = time.perf_counter()
        listed = list_recordings(parse_spec(spec).source, SECRET)
        t_list = time.perf_counter() - t0
        # Baseline 2: creating n objects with a bare client (8 threads), no operator, in an
        # emulator of its own (kmock scans every stored object on each create).
        async with kmock.KubernetesEmulator() as base_emu, kmock.Server(base_emu):
            declare_resources(base_emu)
            RequestLog(base_emu)
            from kubernetes import client
            config = client.Configuration()
            config.host = str(base_emu.url).rstrip("/")
            api = KubeApi(config)
            bodies = [{"apiVersion": f"{API_GROUP}/{API_VERSION}", "kind": "BBBRecording",
                       "metadata": {"name": f"base-{i}", "namespace": "baseline"},
                       "spec": {"recordId": f"r{i}", "action": "render"}} for i in range(n)]
            t0 = time.perf_counter()
            with ThreadPoolExecutor(8) as pool:
                await asyncio.get_running_loop().run_in_executor(
                    None, lambda: list(pool.map(lambda b: api.create_child("baseline", b),
                                                bodies)))
            t_create = time.perf_counter() - t0
            api.close()
        async with kmock.KubernetesEmulator() as emu, kmock.Server(emu):
            declare_resources(emu)
            reqlog = RequestLog(emu)
            cluster = Cluster(emu, shared)
            kubeconfig = write_kubeconfig(tmp / "kubeconfig", str(emu.url))
            await cluster.create_secret("bbb", {"secret": SECRET})
            op = OperatorProcess(kubeconfig, shared, tmp,
                                 env={"BBB_MIGRATE_RECONCILE_SECONDS": "1"})
            await op.start()
            await asyncio.sleep(4)  # start-up, watches open
            idle_rss = _rss_kib(op.proc.pid, "VmRSS")
            idle_cpu = _cpu_seconds(op.proc.pid)
            before = len(reqlog.all())
            t0 = time.perf_counter()
            await cluster.create_migration("bench", spec)
            t_created = t_seen = None
            while time.perf_counter() - t0 < 600:
                m = await cluster.migration("bench")
                status = (m or {}).get("status") or {}
                if t_created is None and status.get("plannedTotal"):
                    t_created = time.perf_counter() - t0
                rec = status.get("recordings") or {}
                if t_created and rec.get("observed") == status["plannedTotal"]:
                    t_seen = time.perf_counter() - t0
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)
            peak = _rss_kib(op.proc.pid, "VmHWM")
            op_cpu = _cpu_seconds(op.proc.pid) - idle_cpu
            requests = reqlog.all()[before:]
            await op.stop()
            total = int(status.get("plannedTotal") or 0)
            jobs = len(await cluster.jobs())
            # the bench's own polling is not the operator's
            ops = [r for r in requests if not (
                str(r.url.path).endswith("/bbbmigrations/bench")
                and str(getattr(r.method, "value", r.method)).upper() == "GET")]

    print(f"\nrecordings listed {len(listed)}, children created {total}, Jobs {jobs}")
    if t_created is None or t_seen is None:
        print("DID NOT FINISH in 600 s")
        print(op.logs()[-3000:])
        return
    print(f"time to all children created : {t_created:7.1f} s")
    print(f"time until operator saw all  : {t_seen:7.1f} s   (target < 120 s)")
    print(f"baseline listing (in-process): {t_list:7.1f} s")
    print(f"baseline bare create x{n}   : {t_create:7.1f} s")
    print(f"ratio operator / (list + bare create): {t_seen / (t_list + t_create):.2f}")
    print(f"operator CPU (user+system)   : {op_cpu:7.1f} s   "
          f"= {op_cpu / total * 1000:.2f} ms per recording")
    print(f"operator peak RSS            : {peak / 1024:7.1f} MiB (target < 300 MiB)")
    print(f"operator idle RSS (baseline) : {idle_rss / 1024:7.1f} MiB, ratio {peak / idle_rss:.2f}")
    print(f"API requests (operator)      : {len(ops)}  = {len(ops) / total:.3f} per recording")
    for key, count in _breakdown(ops).most_common(12):
        print(f"    {key:45s} {count:7d}  ({count / total:.3f}/recording)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.recordings))
