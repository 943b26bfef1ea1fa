"""The test's side of the cluster: kmock set-up, the operator process, and the controllers kmock
lacks (the test plays the kubelet/Job controller and the garbage collector).

How Jobs are completed: the test does what the recorder + kubelet + Job controller would do.
It reads the Job's ``--output`` argument, writes a small output file and the result JSON the
recorder would write (``contract.RecorderResult``) at that path on the shared volume, then
patches the Job's ``/status`` as the Job controller does (``Complete`` or ``Failed``). The
recorder itself is not run here (it has its own browser tests).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from bbb_migrate import contract
from bbb_migrate.spec import API_GROUP, API_VERSION

BBB_SECRET = "operator-test-secret"

NS = "ns1"
BASE = f"/apis/{API_GROUP}/{API_VERSION}/namespaces/{NS}"
JOBS = f"/apis/batch/v1/namespaces/{NS}/jobs"
LABEL_MIGRATION = f"{API_GROUP}/migration"


def declare_resources(kmock: Any) -> None:
    """Discovery for the bundled resources and our two CRDs (kmock needs explicit verbs)."""
    kmock.resources.load_bundled()
    verbs = {"get", "list", "watch", "create", "patch", "update", "delete"}
    kmock.resources[f"{API_GROUP}/{API_VERSION}/bbbmigrations"] = kmock.ResourceInfo(
        kind="BBBMigration", namespaced=True, subresources={"status"}, verbs=verbs)
    kmock.resources[f"{API_GROUP}/{API_VERSION}/bbbrecordings"] = kmock.ResourceInfo(
        kind="BBBRecording", namespaced=True, subresources={"status"}, verbs=verbs)


def write_kubeconfig(path: Path, server: str) -> Path:
    """A kubeconfig pointing at kmock: the operator logs in as it would with any cluster."""
    config = {
        "apiVersion": "v1", "kind": "Config", "current-context": "kmock",
        "clusters": [{"name": "kmock", "cluster": {"server": server.rstrip("/")}}],
        "users": [{"name": "test", "user": {"token": "test-token"}}],
        "contexts": [{"name": "kmock", "context": {"cluster": "kmock", "user": "test",
                                                   "namespace": NS}}],
    }
    path.write_text(yaml.safe_dump(config))
    return path


class OperatorProcess:
    """``python -m bbb_migrate -n ns1`` as a child process (killable like a pod)."""

    def __init__(self, kubeconfig: Path, shared_root: Path, log_dir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.kubeconfig = kubeconfig
        self.shared_root = shared_root
        self.log_dir = log_dir
        self.extra_env = env or {}
        self.proc: asyncio.subprocess.Process | None = None
        self.runs = 0

    async def start(self) -> None:
        self.runs += 1
        env = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "BBB_MIGRATE_SHARED_ROOT": str(self.shared_root),
            "BBB_MIGRATE_DISABLE_SCANNING": "1",  # kmock cannot list namespaces (gap 1)
            "BBB_MIGRATE_RECONCILE_SECONDS": "0.5",
            "BBB_MIGRATE_DEGRADED_RETRY_SECONDS": "1",
            "BBB_MIGRATE_SETTLE_SECONDS": "2",
            "BBB_MIGRATE_METRICS_PORT": "0",
            "PYTHONPATH": os.pathsep.join(sys.path),
            **self.extra_env,
        }
        log = (self.log_dir / f"operator-{self.runs}.log").open("wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bbb_migrate", "-n", NS, "--liveness", "",
            "--log-format", "plain", env=env, stdout=log, stderr=log)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.log_dir.glob("operator-*.log")))

    async def kill(self) -> None:
        """SIGKILL, as a node failure or an OOM kill would (no cleanup runs)."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()
        self.proc = None

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self.proc = None


class RequestLog(list):
    """kmock's request log, replaced by one that keeps only the newest request in kmock.

    kmock 0.8 routes every request by scanning its whole request log (``request in
    payload._source``), so each request costs O(requests so far) and 10,000 creates cost
    O(n^2) in the emulator itself. kmock appends a request and routes it synchronously right
    after (no await in between), so keeping only the newest one is enough for routing; the full
    log is kept here (``.log``; :func:`request_log` reads it) for the per-recording counts and
    the tests' replays. A workaround of a kmock gap in the bench and the soak test, not an
    operator change.
    """

    def __init__(self, emu: object) -> None:
        super().__init__()
        self.log: list = []
        emu._requests = self

    def append(self, item: object) -> None:
        self.log.append(item)
        self.clear()
        super().append(item)

    def all(self) -> list:
        return list(self.log)


def request_log(kmock: Any) -> list[Any]:
    """Every request kmock received, in order (the full log when :class:`RequestLog` trims
    kmock's own)."""
    requests = getattr(kmock, "_requests", None)
    return requests.all() if isinstance(requests, RequestLog) else list(kmock)


class Cluster:
    """HTTP access to kmock the way kubectl and the kube controllers would use it."""

    def __init__(self, kmock: Any, shared_root: Path) -> None:
        self.kmock = kmock
        self.shared_root = shared_root
        self.generations: dict[str, int] = {}

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        request = getattr(self.kmock, method)
        kwargs = {"json": body} if body is not None else {}
        async with request(path, **kwargs) as response:
            data = await response.json(content_type=None)
            if response.status >= 400 and response.status != 404:
                raise AssertionError(f"{method} {path}: {response.status} {data}")
            return None if response.status == 404 else data

    # -- objects as kubectl would create them -------------------------------------------------
    async def create_secret(self, name: str, data: dict[str, str]) -> None:
        import base64
        body = {"apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": name, "namespace": NS, "uid": str(uuid.uuid4())},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}
        await self._json("post", f"/api/v1/namespaces/{NS}/secrets", body)

    async def create_migration(self, name: str, spec: dict[str, Any]) -> None:
        # kmock sets no server metadata (gap 2): uid, resourceVersion, generation by hand.
        self.generations[name] = 1
        body = {"apiVersion": f"{API_GROUP}/{API_VERSION}", "kind": "BBBMigration",
                "metadata": {"name": name, "namespace": NS, "uid": str(uuid.uuid4()),
                             "resourceVersion": "1", "generation": 1,
                             "creationTimestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ")},
                "spec": spec}
        await self._json("post", f"{BASE}/bbbmigrations", body)

    async def patch_spec(self, name: str, spec_patch: dict[str, Any]) -> None:
        self.generations[name] += 1  # the apiserver bumps generation on spec changes
        await self._json("patch", f"{BASE}/bbbmigrations/{name}",
                         {"metadata": {"generation": self.generations[name]},
                          "spec": spec_patch})

    async def migration(self, name: str) -> dict[str, Any] | None:
        return await self._json("get", f"{BASE}/bbbmigrations/{name}")

    async def children(self, migration: str) -> list[dict[str, Any]]:
        items = (await self._json("get", f"{BASE}/bbbrecordings"))["items"]
        return [c for c in items if (c.get("spec") or {}).get("migration") == migration]

    async def jobs(self) -> list[dict[str, Any]]:
        return (await self._json("get", JOBS))["items"]

    async def events(self) -> list[dict[str, Any]]:
        """Events the operator posted, from the request log: kmock does not implement
        ``generateName`` (kopf's Events use it), so all but the first get 409 and are not
        stored (a kmock gap, worked around here, not in the operator)."""
        return [r.data for r in request_log(self.kmock)
                if str(r.url.path).endswith(f"/namespaces/{NS}/events")
                and str(getattr(r.method, "value", r.method)).upper() == "POST"
                and isinstance(r.data, dict)]

    # -- the Job controller and kubelet ---------------------------------------------------------
    def host_output(self, job: dict[str, Any]) -> Path:
        """The Job's ``--output`` file as this host sees the shared volume."""
        pod = job["spec"]["template"]["spec"]
        container = pod["containers"][0]
        command = container["args"]
        output = PurePosixPath(command[command.index("--output") + 1])
        mount = next(m for m in container["volumeMounts"] if m["name"] == "shared")
        relative = output.relative_to(mount["mountPath"])
        return self.shared_root / mount.get("subPath", "") / relative

    async def start_job(self, job: dict[str, Any]) -> None:
        name = job["metadata"]["name"]
        await self._json("patch", f"{JOBS}/{name}/status",
                         {"status": {"active": 1, "startTime": "2026-01-01T00:00:00Z"}})

    async def finish_job(self, job: dict[str, Any], exit_code: int = 0, *,
                         write_result: bool = True, message: str = "") -> None:
        """Write what the recorder would, then mark the Job as the Job controller would."""
        name = job["metadata"]["name"]
        command = job["spec"]["template"]["spec"]["containers"][0]["args"]
        output = self.host_output(job)
        output.parent.mkdir(parents=True, exist_ok=True)
        code = contract.classify_exit(exit_code)
        if exit_code == 0:
            tmp = output.with_name("." + output.name + ".part")
            tmp.write_bytes(b"\x00\x00\x00\x18ftypmp42" + name.encode())
            os.replace(tmp, output)
        if write_result:
            duration = float(command[command.index("--duration") + 1]) if (
                "--duration" in command) else 60.0
            contract.RecorderResult(
                record_id=command[command.index("--record-id") + 1],
                source_url=command[command.index("--url") + 1],
                output=command[command.index("--output") + 1], kind="render",
                exit_code=exit_code, exit_class=code.exit_class, message=message,
                duration_seconds=duration if exit_code == 0 else None,
                expected_duration_seconds=duration,
                size_bytes=output.stat().st_size if exit_code == 0 else None,
                wall_seconds=duration * 1.1,
            ).write(contract.result_path(output))
        if exit_code == 0:
            status = {"active": 0, "succeeded": 1, "conditions": [
                {"type": "SuccessCriteriaMet", "status": "True"},
                {"type": "Complete", "status": "True"}]}
        else:
            status = {"active": 0, "failed": 1, "conditions": [
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit"}]}
        await self._json("patch", f"{JOBS}/{name}/status", {"status": status})

    # -- the garbage collector ------------------------------------------------------------------
    async def delete_migration(self, name: str) -> None:
        await self._json("delete", f"{BASE}/bbbmigrations/{name}")

    async def collect_garbage(self) -> int:
        """Delete objects whose owner is gone, as the GC would (children, then their Jobs)."""
        removed = 0
        for _ in range(3):
            migrations = (await self._json("get", f"{BASE}/bbbmigrations"))["items"]
            children = (await self._json("get", f"{BASE}/bbbrecordings"))["items"]
            # kmock sets no uid on objects the operator creates (gap 2): match by kind + name.
            live = {("BBBMigration", o["metadata"]["name"]) for o in migrations}
            live |= {("BBBRecording", o["metadata"]["name"]) for o in children}
            for path, items in ((f"{BASE}/bbbrecordings", children),
                                (JOBS, await self.jobs())):
                for obj in items:
                    owners = obj["metadata"].get("ownerReferences") or []
                    if owners and not any((o["kind"], o["name"]) in live for o in owners):
                        await self._json("delete", f"{path}/{obj['metadata']['name']}")
                        removed += 1
        return removed


async def wait_for(predicate: Callable[[], Any], *, timeout: float = 60, interval: float = 0.2,
                   what: str = "condition", logs: Callable[[], str] | None = None) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await predicate()
        if last:
            return last
        await asyncio.sleep(interval)
    tail = ("\n--- operator log tail ---\n" + logs()[-6000:]) if logs else ""
    raise AssertionError(f"timed out waiting for {what}; last value {last!r}{tail}")


def phases(children: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for child in children:
        phase = (child.get("status") or {}).get("phase") or "Pending"
        counts[phase] = counts.get(phase, 0) + 1
    return counts


def active(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Jobs neither Complete nor Failed."""
    def done(job: dict[str, Any]) -> bool:
        return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
                   for c in (job.get("status") or {}).get("conditions") or [])
    return [j for j in jobs if not done(j)]


def peak_jobs_in_flight(kmock) -> int:
    """Replay the API request log: Job creations up; Complete/Failed status patches, or the
    deletion of a Job still running (by hand, an eviction), down."""
    created: set[str] = set()
    running: set[str] = set()
    peak = 0
    for request in request_log(kmock):  # the request log, in order
        path = str(request.url.path)
        if not path.startswith(JOBS):
            continue
        method = str(request.method.value if hasattr(request.method, "value")
                     else request.method).upper()
        if method == "POST":
            name = (request.data or {}).get("metadata", {}).get("name")
            if name and name not in created:
                created.add(name)
                running.add(name)
                peak = max(peak, len(running))
        elif method == "PATCH" and path.endswith("/status"):
            conditions = ((request.data or {}).get("status") or {}).get("conditions") or []
            if any(c.get("type") in ("Complete", "Failed") for c in conditions):
                running.discard(path.split("/")[-2])
        elif method == "DELETE":
            running.discard(path.rstrip("/").split("/")[-1])
    return peak


class Kubelet:
    """Completes every recorder Job the operator creates; knobs for failures, and ``hold``:
    how long a Job runs (from the step that first saw it) before it completes."""

    def __init__(self, cluster, exit_codes: dict[str, list[int]] | None = None,
                 hold: float = 0.0):
        self.cluster = cluster
        self.exit_codes = exit_codes or {}  # record ID → exit codes of successive attempts
        self.hold = hold
        self.seen: dict[str, float] = {}
        self.finished: set[str] = set()
        self.attempts: dict[str, int] = {}

    async def step(self) -> int:
        done = 0
        for job in active(await self.cluster.jobs()):
            name = job["metadata"]["name"]
            first_seen = self.seen.setdefault(name, time.monotonic())
            if name in self.finished or time.monotonic() - first_seen < self.hold:
                continue
            command = job["spec"]["template"]["spec"]["containers"][0]["args"]
            record_id = command[command.index("--record-id") + 1]
            n = self.attempts.get(record_id, 0)
            self.attempts[record_id] = n + 1
            codes = self.exit_codes.get(record_id, [])
            code = codes[n] if n < len(codes) else 0
            await self.cluster.start_job(job)
            await self.cluster.finish_job(job, code, message=f"simulated exit {code}")
            self.finished.add(name)
            done += 1
        return done


def base_spec(sim, **extra):
    """A claim spec without a Pod database: files go to a recorder folder (created here), so
    the publisher's up-front checks pass (a dry run checks them too)."""
    folder = Path(tempfile.mkdtemp(prefix="bbbm-pod-ftp-"))
    (folder / "bbb").mkdir()
    spec = {
        "source": {"url": sim.api_url,
                   "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
        "mode": "claim",
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": 2},
        "pod": {"claim": {"recorderPath": str(folder), "recorderDirectory": "bbb"}},
        "dryRun": True,
    }
    spec.update(extra)
    return spec


async def wait_condition(cluster, name, type_, status, operator, reason=None, timeout=30):
    async def check():
        m = await cluster.migration(name)
        for cond in (m.get("status") or {}).get("conditions") or []:
            if cond["type"] == type_ and cond["status"] == status and (
                    reason is None or cond["reason"] == reason):
                return cond
        return None
    return await wait_for(check, timeout=timeout, logs=operator.logs,
                          what=f"{type_}={status} on {name}")
