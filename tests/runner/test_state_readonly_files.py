"""Reading a state file beside a finished run (dry run, ``status``) leaves no file behind."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import PlanItem
from bbb_migrate.runner.statestore import STATE_FILE, StateStore
from bbb_migrate.state import Action, initial


def _plan(tmp_path: Path) -> None:
    recording = Recording(record_id="rec-a", meeting_id="m", name="Cours",
                          start_time=datetime(2024, 1, 2, tzinfo=UTC),
                          playbacks=(Playback("video", "http://x/playback/video/rec-a/"),))
    item = PlanItem(index=1, recording=recording, action=Action.DOWNLOAD, reason="",
                    playback_type="video", source_url=recording.playbacks[0].url)
    with StateStore.for_directory(tmp_path) as store:
        store.save_plan([item], [initial("rec-a", Action.DOWNLOAD)], {})


def test_readonly_beside_a_finished_run_creates_no_wal_or_shm(tmp_path: Path) -> None:
    _plan(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert f"{STATE_FILE}-wal" not in before and f"{STATE_FILE}-shm" not in before
    with StateStore.for_directory(tmp_path, readonly=True) as ro:
        assert [r.record_id for r in ro.load()] == ["rec-a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_readonly_beside_a_running_writer_reads_its_latest_commit(tmp_path: Path) -> None:
    _plan(tmp_path)
    with StateStore.for_directory(tmp_path) as writer:  # a runner still at work: WAL files
        writer.set_meta("marker", "fresh")
        with StateStore.for_directory(tmp_path, readonly=True) as ro:
            assert ro.get_meta("marker") == "fresh"
