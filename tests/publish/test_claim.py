"""claim mode: Pod's file name without Pod's collisions, atomic and idempotent, claimable rows."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pubdb import WriteFaults, item, make_recording, make_spec, seed_pod

from bbb_migrate.publish import PublishConfigError, Publisher, PublishError
from bbb_migrate.publish.claim import RESERVATIONS, move_into_place, pod_file_name, slugify

DAY = datetime(2023, 11, 14, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "expected"), [
    ("Cours  Amphi A 2023-11-14", "cours-amphi-a-2023-11-14"),
    ("Séance n°3 : Algèbre", "seance-n3-algebre"),
    ("Ça va? C'est l'été!", "ca-va-cest-lete"),
    ("  --Hello_World--  ", "hello_world"),
    ("a 😀 b", "a-b"),
    ("ﬁnal ½ «quoted» 100%", "final-12-quoted-100"),
])
def test_slugify_matches_django(value, expected):
    assert slugify(value) == expected


def test_pod_file_name_is_pods():
    name = "Séance n°3 : Algèbre linéaire et géométrie dans l'espace"
    assert pod_file_name(name, DAY, "m4v") == "seance-n3-algebre-lineaire-et-geometr-2023-11-14.m4v"
    assert pod_file_name("Cours  Amphi A", DAY, ".webm") == "cours-amphi-a-2023-11-14.webm"


@pytest.fixture
def other_fs_dir(tmp_path):
    """A folder on another file system than tmp_path (/dev/shm), so os.replace gets EXDEV."""
    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the temporary folder")
    folder = Path(tempfile.mkdtemp(prefix="bbb-migrate-test-", dir="/dev/shm"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_move_across_file_systems_is_a_complete_copy(tmp_path, other_fs_dir):
    source = other_fs_dir / "render.mp4"
    source.write_bytes(b"v" * 3_000_000)
    move_into_place(source, tmp_path / "final.mp4")
    assert (tmp_path / "final.mp4").read_bytes() == b"v" * 3_000_000
    assert not source.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final.mp4"]


def test_failed_move_across_file_systems_leaves_no_partial_file(tmp_path, other_fs_dir):
    source = other_fs_dir / "render.mp4"
    source.write_bytes(b"v" * 1000)
    blocker = tmp_path / "final.mp4"  # a non-empty folder: the last rename must fail
    blocker.mkdir()
    (blocker / "keep").write_text("k")
    with pytest.raises(OSError):
        move_into_place(source, blocker)
    assert source.read_bytes() == b"v" * 1000  # nothing lost
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final.mp4"]  # no .part left


def _rendered(tmp_path, n, content=b"video-bytes"):
    path = tmp_path / "work" / f"render-{n}.mp4"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content * n)
    return path


def _claim_setup(dbs, tmp_path, monkeypatch, engine="postgresql", version=4, *, dry_run=False,
                 register=True, recorder_key="recorder", **claim):
    pod = dbs.pod(engine, version)
    ids = seed_pod(pod, version)
    root = tmp_path / "ftp"
    (root / "bbb").mkdir(parents=True, exist_ok=True)
    settings = {"recorderId": ids.get(recorder_key, 9999), "recorderPath": str(root),
                "registerClaimable": register, **claim}
    spec = make_spec(monkeypatch, mode="claim", pod=pod, dry_run=dry_run, claim=settings)
    return pod, ids, root, spec


@pytest.mark.parametrize(("engine", "version"), [("postgresql", 4), ("postgresql", 3),
                                                 ("mysql", 4), ("mysql", 3)])
def test_claim_names_collisions_rows_and_reruns(engine, version, dbs, tmp_path, monkeypatch):
    # Pod's own path is short and fixed: the 3.x column holds only 100 characters.
    pod, ids, root, spec = _claim_setup(dbs, tmp_path, monkeypatch, engine, version,
                                        podRecorderPath="/data/ftp-pod/ftp/")
    folder = root / "bbb"
    first = make_recording(1, "m1", name="Cours  Amphi A", start=DAY)
    second = make_recording(2, "m2", name="Cours  Amphi A", start=DAY)
    third = make_recording(3, "m3", name="Cours Amphi A", start=DAY)
    (folder / "cours-amphi-a-2023-11-14-3.mp4").write_bytes(b"put there by someone else")

    publisher = Publisher(spec)
    try:
        publisher.check()
        r1 = publisher.publish(item(first, "claim"), _rendered(tmp_path, 1))
        r2 = publisher.publish(item(second, "claim"), _rendered(tmp_path, 2))
        r3 = publisher.publish(item(third, "claim"), _rendered(tmp_path, 3))
    finally:
        publisher.close()
    assert r1.final_path == str(folder / "cours-amphi-a-2023-11-14.mp4")
    assert r2.final_path == str(folder / "cours-amphi-a-2023-11-14-2.mp4")
    assert r3.final_path == str(folder / "cours-amphi-a-2023-11-14-4.mp4")  # -3 was taken
    assert (folder / "cours-amphi-a-2023-11-14-2.mp4").read_bytes() == b"video-bytes" * 2
    assert not (tmp_path / "work" / "render-1.mp4").exists()  # moved, not copied
    # Reservations live in a hidden folder, with an extension Pod's cron skips.
    reserved = sorted(p.name for p in (folder / RESERVATIONS).iterdir())
    assert reserved == sorted(os.path.basename(r.final_path) + ".owner" for r in (r1, r2, r3))
    assert (folder / "cours-amphi-a-2023-11-14-3.mp4").read_bytes() == b"put there by someone else"

    rows = pod.query("SELECT file, file_size, require_manual_claim, email_sent, "
                     "date_email_sent, type, recorder_id FROM recorder_recordingfiletreatment "
                     "ORDER BY id")
    assert [r[0] for r in rows] == [os.path.join("/data/ftp-pod/ftp/", "bbb", os.path.basename(p))
                                    for p in (r1.final_path, r2.final_path, r3.final_path)]
    for (_, size, claimable, sent, sent_at, kind, recorder), n in zip(rows, (1, 2, 3),
                                                                      strict=True):
        assert (size, bool(claimable), bool(sent), sent_at, kind, recorder) == (
            len(b"video-bytes") * n, True, False, None, "video", ids["recorder"])

    # Re-run (new process): same recording → same file, no second row, nothing moved again.
    before = pod.dump()
    files_before = sorted(os.listdir(folder))
    rerun = Publisher(spec)
    try:
        again = rerun.publish(item(first, "claim"), None)
        rerendered = rerun.publish(item(second, "claim"), _rendered(tmp_path, 5))
    finally:
        rerun.close()
    assert again.final_path == r1.final_path and again.writes == []
    assert rerendered.final_path == r2.final_path
    assert any("already published" in w for w in rerendered.warnings)
    assert pod.dump() == before
    assert sorted(os.listdir(folder)) == files_before


def test_claim_dry_run_touches_nothing(dbs, tmp_path, monkeypatch):
    pod, _, root, spec = _claim_setup(dbs, tmp_path, monkeypatch, dry_run=True)
    before = pod.dump()
    rendered = _rendered(tmp_path, 1)
    publisher = Publisher(spec)
    try:
        report = publisher.publish(item(make_recording(1, "m", name="Cours", start=DAY), "claim"),
                                   rendered)
    finally:
        publisher.close()
    assert pod.dump() == before
    assert sorted(os.listdir(root / "bbb")) == []  # no file, no reservation folder
    assert rendered.exists()
    assert report.final_path == str(root / "bbb" / "cours-2023-11-14.mp4")
    assert any(w.startswith("pod recorder_recordingfiletreatment: would insert")
               and "require_manual_claim=True" in w for w in report.writes)
    assert any(w.startswith("file: would move") for w in report.writes)


@pytest.mark.parametrize(("mode", "claim", "needs"), [
    ("claim", {"registerClaimable": True}, "pod.claim.registerClaimable"),
    ("import-video", {}, "mode import-video"),
])
def test_dry_run_without_the_pod_database_it_needs_fails_in_check(mode, claim, needs, tmp_path,
                                                                  monkeypatch):
    # The spec accepts these dry runs; check() must refuse them up front, not the first publish.
    (tmp_path / "ftp" / "bbb").mkdir(parents=True)
    spec = make_spec(monkeypatch, mode=mode, dry_run=True,
                     claim={"recorderPath": str(tmp_path / "ftp"), "recorderDirectory": "bbb",
                            **claim})
    publisher = Publisher(spec)
    with pytest.raises(PublishConfigError, match=rf"{needs} needs pod\.database"):
        publisher.check()
    publisher.close()


def test_claim_dry_run_shows_the_names_a_real_run_would_give(tmp_path, monkeypatch):
    # Without a database (files only): two recordings with the same name and day.
    root = tmp_path / "ftp"
    (root / "bbb").mkdir(parents=True)
    spec = make_spec(monkeypatch, mode="claim", dry_run=True,
                     claim={"recorderPath": str(root), "recorderDirectory": "bbb"})
    same = [make_recording(n, f"m{n}", name="Cours", start=DAY) for n in (1, 2)]
    publisher = Publisher(spec)
    try:
        paths = [publisher.publish(item(rec, "claim"), _rendered(tmp_path, n)).final_path
                 for n, rec in enumerate(same, start=1)]
        again = publisher.publish(item(same[0], "claim"), _rendered(tmp_path, 1)).final_path
    finally:
        publisher.close()
    assert paths == [str(root / "bbb" / "cours-2023-11-14.mp4"),
                     str(root / "bbb" / "cours-2023-11-14-2.mp4")]
    assert again == paths[0]
    assert sorted(os.listdir(root / "bbb")) == []  # still nothing written


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_claim_failure_moves_nothing(engine, dbs, tmp_path, monkeypatch):
    pod, _, root, spec = _claim_setup(dbs, tmp_path, monkeypatch, engine)
    before = pod.dump(sequences=False)
    rendered = _rendered(tmp_path, 1)
    publisher = Publisher(spec)
    faults = WriteFaults(monkeypatch)

    def fail(sql, params):
        raise RuntimeError("injected failure")

    try:
        publisher.check()
        faults.hook = fail
        rec = make_recording(1, "m", name="Cours", start=DAY)
        with pytest.raises(RuntimeError):
            publisher.publish(item(rec, "claim"), rendered)
        assert pod.dump(sequences=False) == before
        assert rendered.exists() and not (root / "bbb" / "cours-2023-11-14.mp4").exists()
        faults.hook = None
        report = publisher.publish(item(rec, "claim"), rendered)
        assert report.final_path == str(root / "bbb" / "cours-2023-11-14.mp4")
    finally:
        publisher.close()
    assert pod.count("recorder_recordingfiletreatment") == 1


def test_pod_side_path_and_column_length(dbs, tmp_path, monkeypatch):
    pod, _, _, spec = _claim_setup(dbs, tmp_path, monkeypatch, "postgresql", 3,
                                   podRecorderPath="/data/ftp-pod/ftp/")
    publisher = Publisher(spec)
    try:
        rec = make_recording(1, "m", name="Cours", start=DAY)
        publisher.publish(item(rec, "claim"), _rendered(tmp_path, 1))
        assert pod.scalar("SELECT file FROM recorder_recordingfiletreatment") == (
            "/data/ftp-pod/ftp/bbb/cours-2023-11-14.mp4")
    finally:
        publisher.close()
    _, _, _, long_spec = _claim_setup(dbs, tmp_path / "b", monkeypatch, "postgresql", 3,
                                         podRecorderPath="/" + "d" * 80 + "/")
    publisher = Publisher(long_spec)
    rendered = _rendered(tmp_path, 2)
    try:
        with pytest.raises(PublishError, match="holds 100"):
            publisher.publish(item(make_recording(2, "m", name="Cours", start=DAY), "claim"),
                              rendered)
    finally:
        publisher.close()
    assert rendered.exists()


@pytest.mark.parametrize(("recorder_key", "message"), [
    ("missing", "no Pod recorder with id 9999"),
    ("managed", "has a manager"),
    ("offsite", "is not linked to site 1"),
])
def test_recorder_checks(recorder_key, message, dbs, tmp_path, monkeypatch):
    _, _, root, spec = _claim_setup(dbs, tmp_path, monkeypatch, recorder_key=recorder_key)
    (root / "managed").mkdir()
    (root / "offsite").mkdir()
    publisher = Publisher(spec)
    try:
        with pytest.raises(PublishConfigError, match=message):
            publisher.check()
    finally:
        publisher.close()


def test_recorder_folder_must_exist(dbs, tmp_path, monkeypatch):
    _, _, root, spec = _claim_setup(dbs, tmp_path, monkeypatch)
    (root / "bbb").rmdir()
    publisher = Publisher(spec)
    try:
        with pytest.raises(PublishConfigError, match=r"recorder folder .* does not exist"):
            publisher.check()
    finally:
        publisher.close()


def test_claim_without_database_uses_the_configured_folder(tmp_path, monkeypatch):
    root = tmp_path / "ftp"
    spec = make_spec(monkeypatch, mode="claim", claim={"recorderPath": str(root)})
    with pytest.raises(PublishConfigError, match=r"needs pod\.claim\.recorderDirectory"):
        Publisher(spec).check()
    spec = make_spec(monkeypatch, mode="claim",
                     claim={"recorderPath": str(root), "recorderDirectory": "bbb"})
    with pytest.raises(PublishConfigError, match=r"recorder folder .*bbb does not exist"):
        Publisher(spec).check()
    (root / "bbb").mkdir(parents=True)
    recording = make_recording(1, "meeting-1", name="Cours  Amphi A", start=DAY)
    publisher = Publisher(spec)
    report = publisher.publish(item(recording, "claim"), _rendered(tmp_path, 1))
    assert report.final_path == str(root / "bbb" / "cours-amphi-a-2023-11-14.mp4")
    assert (root / "bbb" / "cours-amphi-a-2023-11-14.mp4").read_bytes() == b"video-bytes"
    again = publisher.publish(item(recording, "claim"), None)
    assert again.final_path == report.final_path and again.writes == []
