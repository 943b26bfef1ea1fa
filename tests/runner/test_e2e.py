"""End to end: the CLI over the real simulator, real PostgreSQL / MariaDB with Pod's and Moodle's
schemas (the publish tests' fixtures) and real recorders (renders in the slow test, downloads in
the crash-resume test), checked in the databases and on disk.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from runner_helpers import (
    HERE,
    SECRET,
    SECRET_ENV,
    publish_db,
    publish_samples,
    skip_if_cpu_starved,
    spec_dict,
    video_recordings,
)

from bbb_migrate.cli import main
from bbb_migrate.runner.statestore import StateStore
from bbb_migrate.simulator import Simulator, SimulatorConfig

pub = publish_db()
REPO = Path(__file__).resolve().parents[2]
LOGGING_RECORDER = HERE / "logging_recorder.py"


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _claim_spec(api_url: str, out: Path, ftp: Path, recorder_id: int, url_env: str,
                **recorder: Any) -> dict[str, Any]:
    return spec_dict(api_url, out, "claim", pod={
        "database": {"urlRef": {"env": url_env}},
        "claim": {"recorderId": recorder_id, "recorderPath": str(ftp),
                  "podRecorderPath": "/data/ftp-pod/ftp/", "registerClaimable": True},
    }, recorder={"parallelism": 2, "attempts": 2, **recorder})


def _files(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.mp4"))}


def _claimable(db: Any) -> list[tuple]:
    return sorted(db.query("SELECT file, file_size, require_manual_claim, type, recorder_id "
                           "FROM recorder_recordingfiletreatment"))


# --- crash-resume -----------------------------------------------------------------------------


def _runner_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        SECRET_ENV: SECRET,
        # the documented way to wrap the recorder: here a wrapper logging each invocation
        "BBB_MIGRATE_RECORDER_CMD": f"{sys.executable} {LOGGING_RECORDER}",
        "PYTHONPATH": os.pathsep.join(sys.path),
    })
    env.update(extra)
    return env


def _run_cli(spec: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bbb_migrate.cli", "run", "-f", str(spec),
                             "--json"], env=env, cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def test_crash_resume_equals_uninterrupted_run(dbs, tmp_path: Path) -> None:
    """SIGKILL the runner at random points (10+ times) during a claim migration of 14
    recordings (real recorders downloading video playbacks, through a logging wrapper); then
    let it finish.

    The end state equals an uninterrupted run's: the same files (names and bytes), the same
    claimable rows, the same Pod row counts; no recording whose download had finished was
    downloaded again (the recorder wrapper logs every invocation and exit status).
    """
    served = tmp_path / "served"
    served.mkdir()
    record_ids = video_recordings(served, 14, duration=3.0)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    config = SimulatorConfig(secret=SECRET, published_dir=served, video_dir=served)
    with Simulator(config) as sim:
        results = {}
        for label in ("reference", "crashed"):
            db = dbs.pod("postgresql", 4)
            ids = pub.seed_pod(db, 4)
            base = tmp_path / label
            ftp = base / "ftp"
            (ftp / "bbb").mkdir(parents=True)
            log = base / "recorder.log"
            env = _runner_env({"POD_URL": db.url, "RECORDER_LOG": str(log)})
            spec = _write(base / "m.yaml", _claim_spec(sim.api_url, base / "out", ftp,
                                                       ids["recorder"], "POD_URL"))
            kills = 0
            if label == "crashed":
                # Each recorder takes 2 s more while killing: 12 runs of at most 1.6 s cannot
                # finish 14 x 2.5 s of work at parallelism 2, so every kill lands in the middle
                # of the migration (startup, listing, downloads, publications).
                slow = {**env, "RECORDER_WRAPPER_DELAY": "2"}
                for _ in range(40):
                    proc = _run_cli(spec, slow)
                    time.sleep(rng.uniform(0.3, 1.6))
                    if proc.poll() is not None:  # finished on its own
                        proc.communicate()
                        break
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.communicate()
                    kills += 1
                    if kills >= 12:
                        break
            final = _run_cli(spec, env)
            output, _ = final.communicate(timeout=300)
            assert final.returncode == 0, output
            summary = _events(output)[-1]
            assert summary["event"] == "summary" and summary["done"] == 14, summary
            lines = [line.split() for line in log.read_text().splitlines()]
            with StateStore.for_directory(base / "out", readonly=True) as store:
                published_events = store.events(event="published")
            results[label] = {
                "files": _files(ftp / "bbb"), "claimable": _claimable(db), "kills": kills,
                "finished": [w[1] for w in lines if w[0] == "exit" and w[2] == "0"],
                "started": [w[1] for w in lines if w[0] == "start"],
                "published_events": len(published_events),
                "counts": {t: db.count(t) for t in ("recorder_recordingfiletreatment",
                                                    "auth_user", "authentication_owner")},
            }
    ref, crashed = results["reference"], results["crashed"]
    info = f"seed {seed}, {crashed['kills']} kills, {len(crashed['started'])} recorder starts"
    print(info)  # shown with -s: how much the kills cut
    assert crashed["kills"] >= 10, f"the migration ended too early: {info}"
    assert len(ref["files"]) == 14 and sorted(ref["finished"]) == sorted(record_ids)
    assert crashed["files"] == ref["files"], info
    assert crashed["claimable"] == ref["claimable"], info
    assert crashed["counts"] == ref["counts"], info
    assert crashed["published_events"] == 14, info
    # no recording whose recorder had finished was recorded again
    assert len(crashed["finished"]) == len(set(crashed["finished"])), info


# --- import-video: Pod on PostgreSQL, Moodle on MariaDB ----------------------------------------


def test_import_video_rows_in_pod_notice_in_moodle(dbs, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pod = dbs.pod("postgresql", 4)
    pub.seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    world = pub.seed_moodle(moodle)
    ids = world.ids
    course = ids["course"]
    published = tmp_path / "published"
    published.mkdir()
    meetings = [f"{pub.seed('A1')}-{course}-{ids['A1']}[0]",  # alice, carol, bob
                f"{pub.seed('A2')}-{course}-{ids['A2']}[0]",  # the owner, zoe
                "not-a-moodle-meeting"]  # → the administrator
    record_ids = publish_samples(published, 3, meeting_ids=meetings)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("POD_URL", pod.url)
    monkeypatch.setenv("POD_KEY", pub.SECRET_KEY)
    monkeypatch.setenv("MOODLE_URL", moodle.url)
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = _write(tmp_path / "m.yaml", spec_dict(
            sim.api_url, tmp_path / "out", "import-video",
            pod={"database": {"urlRef": {"env": "POD_URL"}},
                 "secretKeyRef": {"env": "POD_KEY"}, "adminUsername": "admin"},
            moodle={"databases": {"default": {"urlRef": {"env": "MOODLE_URL"}}},
                    "notice": {"enabled": True, "html": "<p>moved to Pod</p>"}}))
        before = pod.dump(sequences=False)
        dry = CliRunner().invoke(main, ["run", "-f", str(spec), "--dry-run", "--json"])
        assert dry.exit_code == 0, dry.output
        assert pod.dump(sequences=False) == before and not (tmp_path / "out").exists()
        would = [e for e in _events(dry.output) if e["event"] == "would"]
        assert {e["record_id"] for e in would} == set(record_ids)
        assert any("import_video_externalrecording" in w for e in would for w in e["writes"])

        result = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
        assert result.exit_code == 0, result.output
        rows = pod.query("SELECT e.source_url, u.username FROM import_video_externalrecording e "
                         "JOIN auth_user u ON u.id = e.owner_id ORDER BY 1, 2")
        by_url: dict[str, set[str]] = {}
        for url, username in rows:
            by_url.setdefault(url, set()).add(username)
        urls = {rid: f"{sim.base_url}/playback/presentation/2.3/{rid}" for rid in record_ids}
        assert by_url == {urls[record_ids[0]]: {"alice", "carol", "bob"},
                          urls[record_ids[1]]: {"zoe.obrien"},
                          urls[record_ids[2]]: {"admin"}}
        intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
        assert intros[ids["A1"]].count("moved to Pod") == 1
        assert intros[ids["A2"]].count("moved to Pod") == 1
        assert "moved to Pod" not in intros[ids["A3"]]

        # Forced to publish everything again (state file gone): nothing is duplicated.
        (tmp_path / "out" / "state.sqlite").unlink()
        for suffix in ("-wal", "-shm"):
            Path(str(tmp_path / "out" / "state.sqlite") + suffix).unlink(missing_ok=True)
        again = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
        assert again.exit_code == 0, again.output
        assert sorted(pod.query("SELECT e.source_url, u.username FROM "
                                "import_video_externalrecording e JOIN auth_user u ON "
                                "u.id = e.owner_id ORDER BY 1, 2")) == sorted(rows)
        assert pod.count("auth_user") == 2 + 4  # admin, podteacher + alice, carol, bob, zoe
        intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
        assert intros[ids["A1"]].count("moved to Pod") == 1


# --- export-csv with Moodle owners, Moodle on PostgreSQL ---------------------------------------


def test_export_csv_with_moodle_owners(dbs, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    moodle = dbs.moodle("postgresql")
    world = pub.seed_moodle(moodle)
    ids = world.ids
    published = tmp_path / "published"
    published.mkdir()
    record_ids = publish_samples(
        published, 2, meeting_ids=[f"{pub.seed('A1')}-{ids['course']}-{ids['A1']}[0]",
                                   "no-activity"],
        names=["Cours; « 1 »", 'Quote "2"'])
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("MOODLE_URL", moodle.url)
    csv_path = tmp_path / "export" / "pod.csv"
    with Simulator(SimulatorConfig(secret=SECRET, published_dir=published)) as sim:
        spec = _write(tmp_path / "m.yaml", spec_dict(
            sim.api_url, tmp_path / "out", "export-csv",
            moodle={"databases": {"default": {"urlRef": {"env": "MOODLE_URL"}}}},
            output={"directory": str(tmp_path / "out"), "csvPath": str(csv_path)}))
        result = CliRunner().invoke(main, ["run", "-f", str(spec)])
    assert result.exit_code == 0, result.output
    with csv_path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert [r["meeting_name"] for r in rows] == ["Cours; « 1 »", 'Quote "2"']
    assert rows[0]["source_url"].endswith(record_ids[0])
    owners = rows[0]["Moodle_owners"]
    for person in ("(alice)", "(carol)", "(bob)"):
        assert person in owners
    assert rows[1]["Moodle_owners"] == ""


# --- claim mode with the real recorder (Chromium, Xvfb, PulseAudio, ffmpeg) ---------------------


def _ffprobe_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                          "-of", "default=nw=1:nk=1", str(path)], capture_output=True,
                         text=True, check=True)
    return float(out.stdout.strip())


@pytest.mark.slow
def test_claim_mode_real_recorder_with_a_failing_recording(dbs, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch):
    """Two sample recordings rendered for real into Pod's recorder folder (MariaDB Pod, with
    claimable rows); a third one's playback is gone (404): it fails with its reason, in the
    summary and in ``status``, and does not stop the others."""
    pod = dbs.pod("mysql", 4)
    ids = pub.seed_pod(pod, 4)
    published = tmp_path / "published"
    published.mkdir()
    record_ids = publish_samples(published, 3)
    gone = record_ids[1]
    ftp = tmp_path / "ftp"
    (ftp / "bbb").mkdir(parents=True)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setenv("POD_URL", pod.url)
    monkeypatch.delenv("BBB_MIGRATE_RECORDER_CMD", raising=False)
    config = SimulatorConfig(secret=SECRET, published_dir=published)
    config.faults.playback_404_ids = {gone}
    with Simulator(config) as sim:
        spec = _write(tmp_path / "m.yaml", _claim_spec(sim.api_url, tmp_path / "out", ftp,
                                                       ids["recorder"], "POD_URL"))
        result = CliRunner().invoke(main, ["run", "-f", str(spec), "--json"])
    events = _events(result.output)
    summary = events[-1]
    skip_if_cpu_starved(summary)
    assert result.exit_code == 1, result.output  # finished, with a failure
    assert summary["done"] == 2 and [f["record_id"] for f in summary["failed"]] == [gone]
    assert "not-found" in summary["failed"][0]["reason"]
    files = sorted((ftp / "bbb").glob("*.mp4"))
    assert len(files) == 2
    for video in files:
        assert abs(_ffprobe_duration(video) - 20.0) < 1.0
    rows = _claimable(pod)
    assert sorted(r[0] for r in rows) == sorted(f"/data/ftp-pod/ftp/bbb/{f.name}" for f in files)
    assert all(r[2] for r in rows)  # require_manual_claim
    status = CliRunner().invoke(main, ["status", "-f", str(spec)])
    assert gone in status.output and "not-found" in status.output
    # the run wrote its report: every recording, the renders with their contact sheets
    report = tmp_path / "out" / "report" / "index.html"
    page = report.read_text()
    assert page.count("<tr data-phase=") == 3 and 'data-phase="Failed"' in page
    sheets = re.findall(r'<img loading="lazy" alt="contact sheet" src="([^"]+)"', page)
    assert len(sheets) == 2 and all((report.parent / s).is_file() for s in sheets)
