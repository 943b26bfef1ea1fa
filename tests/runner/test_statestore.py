"""The SQLite state file: round trips, durability across processes, locking, read-only use."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bbb_migrate.models import Playback, PreviewImage, Recording
from bbb_migrate.plan import PlanItem
from bbb_migrate.runner.statestore import StateError, StateLocked, StateStore
from bbb_migrate.state import Action, Phase, initial, render_started


def _item(index: int, record_id: str, action: Action = Action.RENDER) -> PlanItem:
    recording = Recording(
        record_id=record_id, meeting_id="m-1", name="Cours « 1 » 🐍 'quoted' %s",
        start_time=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        end_time=datetime(2024, 1, 2, 4, 4, 5, tzinfo=UTC),
        metadata={"bbb-origin-server-name": "moodle.example.org", "meetingName": "Cours"},
        playbacks=(Playback("presentation", "http://x/playback/presentation/2.3/" + record_id,
                            length_minutes=60, size=12,
                            previews=(PreviewImage("http://x/p.png", "Slide 1", 176, 136),)),),
    )
    return PlanItem(index=index, recording=recording, action=action, reason="because",
                    playback_type="presentation", source_url=recording.playbacks[0].url)


def test_plan_round_trip_and_replan_keeps_states(tmp_path: Path) -> None:
    items = [_item(1, "rec-a"), _item(2, "rec-b", Action.SKIP)]
    states = [initial(i.record_id, i.action, i.reason) for i in items]
    with StateStore.for_directory(tmp_path) as store:
        assert not store.has_plan()
        assert store.save_plan(items, states, {"excluded": "{}"}) == 2
        started = render_started(states[0], output_path="/out/a.mp4")
        store.save_state(started, event="render-started", process=(123, 456))
    with StateStore.for_directory(tmp_path) as store:  # a new process would see the same
        rows = store.load()
        assert [r.item for r in rows] == items  # the whole Recording survives, as values
        assert rows[0].state == started and (rows[0].pgid, rows[0].pg_start) == (123, 456)
        assert rows[1].state.phase is Phase.SKIPPED
        # --replan: the known recording keeps its state, a new one is added
        again = [_item(1, "rec-new"), _item(2, "rec-a")]
        assert store.save_plan(again, [initial(i.record_id, i.action) for i in again], {}) == 1
        by_id = {r.record_id: r for r in store.load()}
        assert by_id["rec-a"].state.phase is Phase.RENDERING
        assert by_id["rec-new"].state.phase is Phase.PENDING
        assert [e["event"] for e in store.events("rec-a")] == ["render-started"]
        assert store.counts() == {"Rendering": 1, "Skipped": 1, "Pending": 1}


def test_second_writer_is_refused(tmp_path: Path) -> None:
    with StateStore.for_directory(tmp_path) as first:
        first.lock()
        second = StateStore.for_directory(tmp_path)
        with pytest.raises(StateLocked, match=str(os.getpid())):
            second.lock()
        second.close()
    with StateStore.for_directory(tmp_path) as third:  # released on close
        third.lock()


def test_readonly_needs_a_state_and_never_writes(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="no migration state"):
        StateStore.for_directory(tmp_path / "nothing", readonly=True)
    assert not (tmp_path / "nothing").exists()
    with StateStore.for_directory(tmp_path) as store:
        store.save_plan([_item(1, "a")], [initial("a", Action.RENDER)], {})
    with StateStore.for_directory(tmp_path, readonly=True) as ro:
        assert len(ro.load()) == 1
        with pytest.raises(StateError):
            ro.set_meta("x", "y")


def test_kill_9_during_writes_loses_no_committed_transaction(tmp_path: Path) -> None:
    """A writer killed with SIGKILL: every transition it reported committed is in the file."""
    script = textwrap.dedent(f"""
        import sys
        sys.path[:0] = {sys.path!r}
        from tests.runner.test_statestore import _item
        from bbb_migrate.runner.statestore import StateStore
        from bbb_migrate.state import initial, render_started, render_interrupted
        store = StateStore({str(tmp_path / 'state.sqlite')!r})
        items = [_item(i, f"r{{i}}") for i in range(1, 51)]
        store.save_plan(items, [initial(i.record_id, i.action) for i in items], {{}})
        n = 0
        while True:
            for item in items:
                row = store.get(item.record_id)
                new = render_started(render_interrupted(row.state))
                store.save_state(new, event="tick")
                n += 1
                print(n, item.record_id, new.attempts, flush=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.split())
        if len(lines) >= 120:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert sqlite3.connect(tmp_path / "state.sqlite").execute(
        "PRAGMA integrity_check").fetchone()[0] == "ok"
    with StateStore(tmp_path / "state.sqlite") as store:
        for _, record_id, attempts in lines[-50:]:
            # what was printed after its commit is there (or a later attempt, never an earlier)
            assert store.get(record_id).state.attempts >= int(attempts)
        assert len(store.events(event="tick")) >= len(lines)
