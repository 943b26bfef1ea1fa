"""The runner and the operator make the same decisions (issue 15): the same attempt outcomes
fed to both give the same states, the same published files and the same CSV.

The runner runs its recorders as subprocesses (the stand-in recorder, scripted per attempt);
the operator runs Jobs, which this test finishes with the same scripted exit codes. Both are
the real executors (the runner's CLI, the operator process on kmock).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from kube_helpers import BBB_SECRET, active, wait_for

from bbb_migrate.contract import ExitCode
from bbb_migrate.plan import build_plan
from bbb_migrate.runner.statestore import StateStore
from bbb_migrate.source import list_recordings
from bbb_migrate.spec import parse_spec

REPO = Path(__file__).resolve().parents[2]
STANDIN = REPO / "tests" / "runner" / "standin_recorder.py"
RUNNER_SECRET_ENV = "BBB_MIGRATE_EQUIVALENCE_SECRET"


def _spec(sim, mode: str, **extra):
    spec = {"source": {"url": sim.api_url,
                       "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}},
            "mode": mode, "selection": {"last": 4},
            "recorder": {"parallelism": 2, "attempts": 2, "retryDelaySeconds": 1}}
    spec.update(extra)
    return spec


def _local(spec: dict, out: Path) -> dict:
    """The same spec for the runner: env secret, a local output directory."""
    local = json.loads(json.dumps(spec))
    local["source"]["secretRef"] = {"env": RUNNER_SECRET_ENV}
    local.pop("volume", None)
    local["output"] = {"directory": str(out)}
    return local


async def _run_runner(spec: dict, tmp: Path, env: dict[str, str]) -> None:
    path = tmp / "spec.json"
    path.write_text(json.dumps(spec))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bbb_migrate.cli", "run", "-f", str(path), "--json",
        env={**os.environ, **env, RUNNER_SECRET_ENV: BBB_SECRET,
             "BBB_MIGRATE_RECORDER_CMD": f"{sys.executable} {STANDIN}",
             "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await proc.communicate()
    assert proc.returncode in (0, 1), output.decode()[-3000:]


def _runner_states(out: Path) -> dict[str, tuple]:
    with StateStore.for_directory(out, readonly=True) as store:
        return {r.record_id: (str(r.state.phase), r.state.attempts, r.state.exit_class)
                for r in store.load()}


def _operator_states(children: list[dict]) -> dict[str, tuple]:
    return {c["spec"]["recordId"]: ((c.get("status") or {}).get("phase"),
                                    (c.get("status") or {}).get("attempts", 0),
                                    (c.get("status") or {}).get("exitClass", ""))
            for c in children}


async def test_same_outcomes_same_states_files_and_csv(cluster, operator_process, simulator,
                                                      tmp_path, shared_root):
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    plan = build_plan(list_recordings(parse_spec(_local(_spec(simulator, "claim"), tmp_path))
                                      .source, BBB_SECRET),
                      parse_spec(_local(_spec(simulator, "claim"), tmp_path)))
    ids = [item.record_id for item in plan.items]
    assert len(ids) == 4
    # attempt outcomes: success; a crash then success; permanent; two network failures
    script = {ids[1]: [int(ExitCode.CRASH)], ids[2]: [int(ExitCode.NOT_FOUND)],
              ids[3]: [int(ExitCode.NETWORK), int(ExitCode.NETWORK)]}
    (tmp_path / "script.json").write_text(json.dumps(script))
    folders = {}
    for side in ("runner", "operator"):
        folders[side] = tmp_path / side / "ftp"
        (folders[side] / "bbb").mkdir(parents=True)

    def claim(side: str, **extra) -> dict:
        return _spec(simulator, "claim", pod={"claim": {
            "recorderPath": str(folders[side]), "recorderDirectory": "bbb"}},
            volume={"claimName": "shared", "subPath": "migr"}, **extra)

    async def operator_side() -> list[dict]:
        await operator_process.start()
        await cluster.create_migration("same", claim("operator"))

        async def settled():
            for job in active(await cluster.jobs()):
                args = job["spec"]["template"]["spec"]["containers"][0]["args"]
                record = args[args.index("--record-id") + 1]
                attempt = int(job["metadata"]["name"].rsplit("-", 1)[1])
                codes = script.get(record, [])
                await cluster.finish_job(job, codes[attempt - 1] if attempt <= len(codes)
                                         else 0)
            children = await cluster.children("same")
            done = len(children) == 4 and all(
                (c.get("status") or {}).get("phase") in ("Published", "Failed")
                for c in children)
            return children if done else None
        return await wait_for(settled, timeout=180, logs=operator_process.logs)

    runner_env = {"STANDIN_SCRIPT": str(tmp_path / "script.json"),
                  "STANDIN_LOG": str(tmp_path / "standin.log")}
    children, _ = await asyncio.gather(
        operator_side(),
        _run_runner(_local(claim("runner"), tmp_path / "runner" / "out"), tmp_path / "runner",
                    runner_env))

    runner_states = _runner_states(tmp_path / "runner" / "out")
    assert runner_states == _operator_states(children)
    assert runner_states == {
        ids[0]: ("Published", 1, "ok"), ids[1]: ("Published", 2, "ok"),
        ids[2]: ("Failed", 1, "not-found"), ids[3]: ("Failed", 2, "network")}
    names = {side: sorted(p.name for p in (folders[side] / "bbb").iterdir()
                          if not p.name.startswith(".")) for side in folders}
    assert names["runner"] == names["operator"] and len(names["runner"]) == 2

    # export-csv: the same CSV, byte for byte (Published recordings, plan order)
    await cluster.create_migration("csv", _spec(simulator, "export-csv", volume={
        "claimName": "shared", "subPath": "migr"}))
    csv_out = tmp_path / "csv-runner"
    await _run_runner(_local(_spec(simulator, "export-csv"), csv_out), tmp_path, {})

    async def exported():
        path = shared_root / "migr" / "csv.csv"
        return path if path.exists() else None
    operator_csv = await wait_for(exported, timeout=60, logs=operator_process.logs)
    runner_csv = (csv_out / "recordings.csv").read_bytes()
    assert operator_csv.read_bytes() == runner_csv
    assert runner_csv.count(b"\r\n") == 1 + 4
