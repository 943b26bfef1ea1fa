"""The three progress outputs render the same run faithfully."""

from __future__ import annotations

import io
import json
import time

from rich.console import Console

from bbb_migrate.runner.progress import (
    JsonReporter,
    PlainReporter,
    RichReporter,
    RunningRecorder,
    Snapshot,
    format_duration,
    format_size,
    make_reporter,
)
from bbb_migrate.runner.summary import FailedRecording, Summary

PHASES = {"Published": 6, "Rendering": 2, "Failed": 1, "Skipped": 1}


def _snapshot() -> Snapshot:
    now = time.monotonic()
    return Snapshot(
        total=10, phases=PHASES,
        running=[RunningRecorder("rec-1", "Cours « 1 »", "render", 2, now - 65.2, 600.0),
                 RunningRecorder("rec-2", "TD", "download", 1, now - 3, None)],
        eta_seconds=3725,
    )


SUMMARY = Summary(total=10, phases=PHASES, done=6, skipped={"no playback": 1},
                  failed=[FailedRecording("rec-9", "Bad", "not-found: page 404", 1)],
                  remaining=2, recorded_seconds=7200, render_seconds=7560,
                  output_bytes=2_500_000_000)


def test_formatting() -> None:
    assert format_duration(3725) == "1h02m" and format_duration(65) == "1m05s"
    assert format_duration(None) == "?" and format_size(2_500_000_000) == "2.5 GB"
    assert _snapshot().finished == 8
    assert _snapshot().counts_text() == "Rendering 2 · Published 6 · Skipped 1 · Failed 1"


def test_json_events_are_one_object_per_line() -> None:
    out = io.StringIO()
    reporter = JsonReporter(out, every=0)
    reporter.event("render-started", record_id="rec-1", name="x", kind="render", attempt=1)
    reporter.update(_snapshot())
    reporter.summary(SUMMARY)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["event"] for e in lines] == ["render-started", "progress", "summary"]
    assert lines[0]["kind"] == "render" and lines[0]["time"].endswith("Z")
    assert lines[1]["eta_seconds"] == 3725 and len(lines[1]["running"]) == 2
    assert lines[2]["recorded_hours"] == 2.0 and lines[2]["failed"][0]["reason"].startswith("not")


def test_plain_lines_and_summary() -> None:
    out = io.StringIO()
    reporter = PlainReporter(out, every=0)
    reporter.event("failed", record_id="rec-9", name="Bad", reason="not-found: page 404")
    reporter.update(_snapshot())
    reporter.summary(SUMMARY)
    text = out.getvalue()
    assert "rec-9 (Bad): FAILED: not-found: page 404" in text
    assert "progress: 8/10 finished" in text and "ETA 1h02m" in text
    for expected in ("Done (published)", "Skipped: no playback", "Failed: rec-9",
                     "Recorded hours", "2.00", "Render hours", "2.10", "2.5 GB"):
        assert expected in text


def test_rich_display_bar_running_lines_and_table() -> None:
    out = io.StringIO()
    reporter = RichReporter(Console(file=out, force_terminal=True, width=140))
    reporter.update(_snapshot())
    reporter.event("published", record_id="rec-3", final_path="/ftp/x.mp4")
    reporter.summary(SUMMARY)
    text = out.getvalue()
    assert "8/10" in text and "ETA 1h02m" in text
    assert "rec-1" in text and "attempt 2" in text and "1m05s / 10m00s" in text
    assert "rec-3: published → /ftp/x.mp4" in text
    assert "Migration summary" in text and "not-found: page 404" in text


def test_reporter_choice() -> None:
    assert isinstance(make_reporter(json_output=True, stream=io.StringIO()), JsonReporter)
    assert isinstance(make_reporter(json_output=False, stream=io.StringIO()), PlainReporter)


def test_notice_failures_are_counted_in_the_summary() -> None:
    """Moodle notices refused for good (the recordings are Published) are counted and shown."""
    from datetime import UTC, datetime

    from bbb_migrate.models import Recording
    from bbb_migrate.plan import PlanItem
    from bbb_migrate.runner.statestore import StoredRecording
    from bbb_migrate.runner.summary import summarize
    from bbb_migrate.state import Action, initial, published

    def row(record_id: str, refused: int) -> StoredRecording:
        recording = Recording(record_id=record_id, meeting_id="m", name=record_id,
                              start_time=datetime(2024, 1, 2, tzinfo=UTC))
        item = PlanItem(index=1, recording=recording, action=Action.PUBLISH_ONLY, reason="",
                        playback_type="presentation", source_url="http://x/")
        state = published(initial(record_id, Action.PUBLISH_ONLY))
        return StoredRecording(item, state, None, {"notice_failures": refused}, None, None)

    summary = summarize([row("a", 2), row("b", 0), row("c", 1)])
    assert summary.done == 3 and summary.notice_failures == 3
    out = io.StringIO()
    PlainReporter(out, every=0).summary(summary)
    line = next(x for x in out.getvalue().splitlines() if "Moodle notices not written" in x)
    assert line.split()[-1] == "3"


def test_engines_and_fallback_reasons_in_the_summary() -> None:
    """Which engine rendered each recording, and why ``auto`` captured instead of composing,
    are counted in the summary and shown."""
    from datetime import UTC, datetime

    from bbb_migrate.models import Recording
    from bbb_migrate.plan import PlanItem
    from bbb_migrate.runner.statestore import StoredRecording
    from bbb_migrate.runner.summary import summarize
    from bbb_migrate.state import Action, initial, published

    def row(record_id: str, engine: str, reason: str) -> StoredRecording:
        recording = Recording(record_id=record_id, meeting_id="m", name=record_id,
                              start_time=datetime(2024, 1, 2, tzinfo=UTC))
        item = PlanItem(index=1, recording=recording, action=Action.RENDER, reason="",
                        playback_type="presentation", source_url="http://x/")
        state = published(initial(record_id, Action.RENDER))
        result = {"duration_seconds": 60.0, "wall_seconds": 6.0, "size_bytes": 10,
                  "extra": {"engine": engine, "engine_reason": reason}}
        return StoredRecording(item, state, result, None, None, None)

    reason = "tldraw v1 whiteboard (bbb_version 2.7.3, BBB 2.6-2.7)"
    summary = summarize([row("a", "compose", "auto: compose draws every feature"),
                         row("b", "compose", "auto: compose draws every feature"),
                         row("c", "capture", f"auto: {reason}"),
                         row("d", "capture", "asked for (engine: capture)")])
    assert summary.engines == {"compose": 2, "capture": 2}
    assert summary.fallbacks == {reason: 1}
    out = io.StringIO()
    PlainReporter(out, every=0).summary(summary)
    text = out.getvalue()
    assert "capture 2, compose 2" in text
    assert f"Captured instead of composed: {reason}" in text
