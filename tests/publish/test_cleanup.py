"""``bbb-migrate cleanup``: after the old server is gone, the external recordings that lead
nowhere are exported then removed, on real Pod schemas (PostgreSQL 4.1.0, MariaDB 4.x); a dry
run changes nothing; rows pointing elsewhere, not yet imported MP4s and Pod's other tables
are never touched."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pubdb import item, make_recording, make_spec, now_for, seed_pod

from bbb_migrate.cli import main
from bbb_migrate.publish import Publisher

BASE = "https://media.univ.example.org/bbb/"


def _world(dbs, engine: str, monkeypatch, tmp_path: Path) -> tuple[object, dict, Path]:
    """Pod with: 2 old-server links (server mode), 2 rendered rows (one imported by its
    owner), a YouTube row and a video on another host (both kept)."""
    pod = dbs.pod(engine, 4)
    ids = seed_pod(pod, 4)
    server = make_spec(monkeypatch, pod=pod)
    publisher = Publisher(server)
    try:
        for n in (1, 2):
            publisher.publish(item(make_recording(n, f"m{n}", server="")))
    finally:
        publisher.close()
    media = tmp_path / "media"
    media.mkdir()
    rendered = make_spec(monkeypatch, pod=pod, importVideo={
        "source": "rendered", "baseUrl": BASE, "mediaPath": str(media)})
    publisher = Publisher(rendered)
    try:
        for n in (3, 4):
            rec = make_recording(n, f"m{n}", server="")
            path = tmp_path / f"r{n}.mp4"
            path.write_bytes(b"mp4")
            publisher.publish(item(rec), path)
    finally:
        publisher.close()
    # The owner of recording 3 imported it into Pod (what Pod's upload does to the row).
    pod.execute("UPDATE import_video_externalrecording SET uploaded_to_pod_by_id = owner_id "
                "WHERE source_url LIKE %s", (f"%{make_recording(3, 'x').record_id}%",))
    for name, kind, url in (("Talk", "youtube", "https://www.youtube.com/watch?v=x"),
                            ("Lecture", "video", "https://videos.example.net/a.mp4")):
        pod.insert("import_video_externalrecording", {
            "name": name, "start_at": now_for(pod), "type": kind, "source_url": url,
            "state": None, "owner_id": ids["podteacher"], "site_id": 1,
            "uploaded_to_pod_by_id": None})
    spec = rendered.to_yaml_dict()
    spec["output"] = {"directory": str(tmp_path / "out")}
    spec_path = tmp_path / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec))
    return pod, ids, spec_path


def _urls(pod) -> list[str]:
    return sorted(r[0] for r in pod.query("SELECT source_url FROM import_video_externalrecording"))


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_dry_run_then_cleanup_exports_and_removes_only_dead_or_imported_rows(
        engine, dbs, monkeypatch, tmp_path):
    pod, _ids, spec_path = _world(dbs, engine, monkeypatch, tmp_path)
    assert pod.count("import_video_externalrecording") == 6
    before = pod.dump()

    dry = CliRunner().invoke(main, ["cleanup", "-f", str(spec_path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would remove 3 (2 old-server, 1 imported)" in dry.output
    assert pod.dump() == before and not (tmp_path / "out").exists()

    out = tmp_path / "removed.csv"
    real = CliRunner().invoke(main, ["cleanup", "-f", str(spec_path), "--csv", str(out)])
    assert real.exit_code == 0, real.output
    assert "Removed 3 external recording(s)" in real.output
    kept = _urls(pod)
    rec4 = make_recording(4, "x").record_id
    assert kept == sorted([f"{BASE}{rec4}.mp4", "https://videos.example.net/a.mp4",
                           "https://www.youtube.com/watch?v=x"])
    # Only external recording rows changed: users, owners, playlists... are as they were.
    after = pod.dump(sequences=False)
    for table, rows in before.items():
        if table != "import_video_externalrecording" and table in after:
            assert after[table] == rows, table
    with out.open(newline="", encoding="utf-8") as handle:
        removed = list(csv.DictReader(handle, delimiter=";"))
    assert sorted(r["reason"] for r in removed) == ["imported", "old-server", "old-server"]
    assert all(r["owner"] == "admin" and r["source_url"] for r in removed)
    assert next(r for r in removed if r["reason"] == "imported")["imported_by"] == "admin"

    again = CliRunner().invoke(main, ["cleanup", "-f", str(spec_path), "--dry-run"])
    assert "would remove 0" in again.output


def test_only_one_kind_and_a_default_csv(dbs, monkeypatch, tmp_path):
    pod, _ids, spec_path = _world(dbs, "postgresql", monkeypatch, tmp_path)
    result = CliRunner().invoke(main, ["cleanup", "-f", str(spec_path), "--only", "imported"])
    assert result.exit_code == 0, result.output
    assert pod.count("import_video_externalrecording") == 5
    (written,) = (tmp_path / "out").glob("cleanup-*.csv")
    assert len(written.read_text(encoding="utf-8").splitlines()) == 2


def test_a_csv_that_cannot_be_written_removes_nothing(dbs, monkeypatch, tmp_path):
    pod, _ids, spec_path = _world(dbs, "postgresql", monkeypatch, tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(main, ["cleanup", "-f", str(spec_path),
                                       "--csv", str(blocker / "x.csv")])
    assert result.exit_code == 2 and "nothing was removed" in result.output
    assert pod.count("import_video_externalrecording") == 6
