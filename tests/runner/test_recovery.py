"""Resume semantics, Ctrl-C and retry-failed, over the real simulator, a real Pod (PostgreSQL)
and the documented recorder command running the contract-honouring stand-in."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from runner_helpers import SECRET, SECRET_ENV, publish_db, publish_samples, spec_dict

from bbb_migrate import contract
from bbb_migrate.cli import main
from bbb_migrate.runner.statestore import StateStore
from bbb_migrate.simulator import Simulator, SimulatorConfig
from bbb_migrate.state import Phase, render_started

pub = publish_db()
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world(dbs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, standin: Path):
    """Three sample recordings on the simulator, a seeded Pod, a claim spec file."""
    pod = dbs.pod("postgresql", 4)
    ids = pub.seed_pod(pod, 4)
    published = tmp_path / "published"
    published.mkdir()
    record_ids = publish_samples(published, 3)
    ftp = tmp_path / "ftp"
    (ftp / "bbb").mkdir(parents=True)
    monkeypatch.setenv("POD_URL", pod.url)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = tmp_path / "m.yaml"
        spec.write_text(yaml.safe_dump(spec_dict(
            sim.api_url, tmp_path / "out", "claim",
            pod={"database": {"urlRef": {"env": "POD_URL"}},
                 "claim": {"recorderId": ids["recorder"], "recorderPath": str(ftp)}},
            recorder={"parallelism": 2, "attempts": 2, "retryDelaySeconds": 1})))
        yield {"spec": spec, "ids": record_ids, "out": tmp_path / "out", "ftp": ftp / "bbb",
               "log": standin, "pod": pod}


def _invoke(*args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(main, [*args, "--json"])
    events = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return result.exit_code, events


def _starts(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith("start")]


def _run_failing(world, record_id: str) -> tuple[int, list[dict]]:
    """A run in which the stand-in recorder fails ``record_id`` permanently (not-found)."""
    os.environ["STANDIN_FAIL"] = record_id
    try:
        return _invoke("run", "-f", str(world["spec"]))
    finally:
        del os.environ["STANDIN_FAIL"]


def _cut(world, record_id: str) -> Path:
    """Put a recording back to Rendering, as a runner killed mid-render leaves it."""
    with StateStore.for_directory(world["out"]) as store:
        row = store.get(record_id)
        store.save_state(render_started(row.state), event="test-cut")
    return contract.render_output_path(world["out"], record_id)


def test_finished_render_is_kept_cut_ones_render_again(world) -> None:
    first = world["ids"][0]
    # a first run with the first recording failing, so that it stays unpublished
    code, events = _run_failing(world, first)
    assert code == 1
    # first: the recorder had finished when the runner died (file + verified result)
    output = _cut(world, first)
    content = b"finished by a recorder the runner lost track of"
    output.write_bytes(content)
    contract.RecorderResult(first, "u", str(output), "render", 0, "ok", size_bytes=len(content),
                            sha256=hashlib.sha256(content).hexdigest()).write()
    starts_before = _starts(world["log"])
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 0, events
    recovered = [(e["record_id"], e["outcome"]) for e in events if e["event"] == "recovered"]
    assert recovered == [(first, "render had finished, kept")]
    assert _starts(world["log"]) == starts_before  # not rendered again
    final = json.loads(json.dumps([e for e in events if e["event"] == "published"]))
    assert [e["record_id"] for e in final] == [first]
    assert (Path(final[0]["final_path"])).read_bytes() == content


@pytest.mark.parametrize("damage", ["no-result", "size", "sha", "result-not-ok"])
def test_unfinished_render_is_never_taken(world, damage: str) -> None:
    first = world["ids"][0]
    assert _run_failing(world, first)[0] == 1
    output = _cut(world, first)
    output.write_bytes(b"half a video")
    result = contract.RecorderResult(first, "u", str(output), "render", 0, "ok", size_bytes=12,
                                     sha256=hashlib.sha256(b"half a video").hexdigest())
    if damage == "size":
        result.size_bytes = 99
    elif damage == "sha":
        result.sha256 = "0" * 64
    elif damage == "result-not-ok":
        result.exit_code, result.exit_class = 12, "crash"
    if damage != "no-result":
        result.write()
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 0, events
    assert [e["outcome"] for e in events if e["event"] == "recovered"] == \
        ["render was cut, will render again"]
    assert _starts(world["log"]).count(first) == 2  # the failed attempt, then this one
    published = [e for e in events if e["event"] == "published"]
    assert [e["record_id"] for e in published] == [first]
    assert Path(published[0]["final_path"]).read_bytes() != b"half a video"


def test_failing_recording_does_not_stop_others_and_retry_failed(world) -> None:
    second = world["ids"][1]
    code, events = _run_failing(world, second)
    assert code == 1
    summary = events[-1]
    assert summary["done"] == 2
    assert [(f["record_id"], f["reason"]) for f in summary["failed"]] == \
        [(second, "not-found: playback page answered 404 (stand-in)")]
    status = CliRunner().invoke(main, ["status", "-f", str(world["spec"])])
    assert "playback page answered 404" in status.output and second in status.output
    retried = CliRunner().invoke(main, ["retry-failed", "-f", str(world["spec"])])
    assert retried.exit_code == 0 and "1 failed recording(s) queued" in retried.output
    with StateStore.for_directory(world["out"], readonly=True) as store:
        state = store.get(second).state
    assert state.phase is Phase.PENDING and state.attempts == 0
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 0 and [e["record_id"] for e in events if e["event"] == "published"] == [second]
    assert len(list(world["ftp"].glob("*.mp4"))) == 3


def test_ctrl_c_terminates_recorders_and_saves_state(world) -> None:
    env = dict(os.environ, STANDIN_SECONDS="30", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "run", "-f",
                             str(world["spec"]), "--json"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_starts(world["log"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_starts(world["log"])) == 2
    pids = [int(line.split()[2]) for line in world["log"].read_text().splitlines()]
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    events = [json.loads(line) for line in output.splitlines()]
    assert any(e["event"] == "stopping" for e in events) and events[-1]["event"] == "summary"
    for pid in pids:  # the recorders are gone (and reaped: not even zombies of ours)
        assert not Path(f"/proc/{pid}").exists()
    with StateStore.for_directory(world["out"], readonly=True) as store:
        phases = {r.record_id: r.state.phase for r in store.load()}
        assert set(phases.values()) == {Phase.PENDING}
        assert all(r.pgid is None for r in store.load())
        # Issue 12 item 6: the user's Ctrl-C used no attempt, and sets no backoff.
        assert {r.state.attempts for r in store.load()} == {0}
        assert {r.state.not_before for r in store.load()} == {0.0}
    status = CliRunner().invoke(main, ["status", "-f", str(world["spec"]), "--json"])
    data = json.loads(status.output)
    assert data["running_pid"] is None and data["phases"] == {"Pending": 3}


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def test_recorders_die_with_a_killed_runner_and_render_again(world) -> None:
    # recorders far longer than the wait below: only a signal can end them in time
    env = dict(os.environ, STANDIN_SECONDS="300", PYTHONPATH=os.pathsep.join(sys.path))
    proc = subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "run", "-f",
                             str(world["spec"]), "--json"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60
    while len(_starts(world["log"])) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    started = _starts(world["log"])
    assert len(started) == 2
    pids = [int(line.split()[2]) for line in world["log"].read_text().splitlines()]
    proc.kill()  # no handler runs: only the kernel (PR_SET_PDEATHSIG) can stop the recorders
    proc.wait()
    until = time.monotonic() + 30
    while any(_alive(pid) for pid in pids) and time.monotonic() < until:
        time.sleep(0.1)
    survivors = [pid for pid in pids if _alive(pid)]
    for pid in survivors:  # leave nothing running when the assertion fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
    with StateStore.for_directory(world["out"], readonly=True) as store:
        phases = {r.record_id: r.state.phase for r in store.load()}
    assert {rid: phases[rid] for rid in started} == dict.fromkeys(started, Phase.RENDERING)
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 0, events
    recovered = {e["record_id"]: e["outcome"] for e in events if e["event"] == "recovered"}
    assert recovered == dict.fromkeys(started, "render was cut, will render again")
    starts = _starts(world["log"])
    assert sorted(starts) == sorted([*started, *world["ids"]])  # the cut ones once more
    assert len(list(world["ftp"].glob("*.mp4"))) == 3


def test_a_starved_capture_is_retried_and_named_in_the_summary(world, monkeypatch) -> None:
    starved = world["ids"][0]
    monkeypatch.setenv("STANDIN_STARVE", starved)
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 1
    summary = events[-1]
    (failure,) = summary["failed"]
    assert failure["record_id"] == starved and failure["attempts"] == 2  # retryable: retried
    assert failure["reason"].startswith("cpu-starved after 2 attempt(s): capture ran at 0.54x")
    assert summary["done"] == 2
    monkeypatch.delenv("STANDIN_STARVE")  # a quieter machine: retry-failed then run succeeds
    assert CliRunner().invoke(main, ["retry-failed", "-f", str(world["spec"])]).exit_code == 0
    code, events = _invoke("run", "-f", str(world["spec"]))
    assert code == 0 and events[-1]["done"] == 3
