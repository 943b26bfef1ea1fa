"""The migration core's decisions, on plain values: the rules both executors follow."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bbb_migrate.core import counts, export, guard, publishing, schedule
from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import PlanItem
from bbb_migrate.publish import PublishConfigError, PublishError, PublishReport
from bbb_migrate.spec import parse_spec
from bbb_migrate.state import Action, Phase, RecordingState, initial, render_started

SECRET = {"secretKeyRef": {"name": "bbb", "key": "secret"}}
BASE = {"source": {"url": "https://bbb.example.org/", "secretRef": SECRET}, "mode": "claim",
        "volume": {"claimName": "pod-data", "subPath": "bbb/2026"}}


def spec(**extra):
    """A claim spec with ``extra`` top-level fields replaced."""
    return parse_spec({**BASE, **extra})


@dataclass
class Entry:
    index: int
    state: RecordingState


def test_to_start_respects_window_order_backoff_and_suspend():
    pending = [Entry(i, initial(f"r{i}", Action.RENDER)) for i in range(10, 0, -1)]
    running = [Entry(0, render_started(initial("rx", Action.RENDER), job_name="j"))]
    backing_off = Entry(0, RecordingState("rb", Action.RENDER, Phase.PENDING, attempts=1,
                                          not_before=2e9))
    entries = pending + running + [backing_off]
    assert [e.index for e in schedule.to_start(entries, window=4, now=1e9)] == [1, 2, 3]
    assert schedule.to_start(entries, window=1, now=1e9) == []
    assert schedule.to_start(entries, window=4, now=1e9, suspended=True) == []
    assert len(schedule.to_start(entries, window=4, now=1e9, running=0)) == 4
    published = [Entry(1, RecordingState("rp", Action.RENDER, Phase.PUBLISHED))]
    assert schedule.to_start(published, window=4, now=1e9) == []
    only_publish = [Entry(1, initial("ro", Action.PUBLISH_ONLY))]
    assert schedule.to_start(only_publish, window=4, now=1e9) == []


def test_to_publish_batches_in_plan_order_and_holds_new_work_while_paused():
    rendered = RecordingState("r1", Action.RENDER, Phase.RENDERED)
    entries = [Entry(3, initial("p3", Action.PUBLISH_ONLY)), Entry(2, rendered),
               Entry(1, initial("p1", Action.PUBLISH_ONLY))]
    batch, more = schedule.to_publish(entries, now=0, limit=2)
    assert [e.index for e in batch] == [1, 2] and more
    batch, more = schedule.to_publish(entries, now=0, rendered_only=True)
    assert [e.index for e in batch] == [2] and not more


def test_plan_guard_names_what_changed():
    base = spec()
    planned = guard.encode(guard.plan_parts(base))
    assert guard.changed(planned, guard.plan_parts(base)) == []
    tuned = spec(recorder={"parallelism": 9}, suspend=True)
    assert guard.changed(planned, guard.plan_parts(tuned)) == []
    other = spec(selection={"last": 3}, volume={"claimName": "other"})
    assert guard.changed(planned, guard.plan_parts(other)) == ["selection", "volume"]
    rotated = spec(source={"url": "https://bbb.example.org/",
                           "secretRef": {"secretKeyRef": {"name": "new", "key": "k"}}})
    assert guard.changed(planned, guard.plan_parts(rotated)) == []
    states = spec(source={"url": "https://bbb.example.org/", "secretRef": SECRET,
                          "states": ["published"]})
    assert guard.changed(planned, guard.plan_parts(states)) == ["listing"]
    assert set(guard.changed(planned, guard.plan_parts(spec(mode="export-csv")))) == {"mode"}


def _item(index: int, action: Action = Action.PUBLISH_ONLY) -> PlanItem:
    rec = Recording(record_id=f"r{index}", meeting_id="m", name=f"Cours {index}",
                    start_time=datetime(2024, 1, index, tzinfo=UTC),
                    playbacks=(Playback("presentation", f"https://b/p/r{index}"),))
    return PlanItem(index, rec, action, "", "presentation", f"https://b/p/r{index}")


class ScriptedPublisher:
    """A publisher answering from a script (the database layer has its own tests)."""

    dry_run = False

    def __init__(self, answers):
        self.answers = answers
        self.batches = []

    def publish_many(self, items, on_result=None):
        items = list(items)
        self.batches.append([item.record_id for item, _ in items])
        results = []
        for item, _ in items:
            answer = self.answers.get(item.record_id, "ok")
            if isinstance(answer, PublishConfigError):
                raise answer
            result = answer if isinstance(answer, PublishError) else PublishReport(
                item.record_id, owners=["Jane Doe (jdoe)"])
            results.append(result)
            on_result(item, result)
        return results


def test_publish_batch_one_call_and_the_error_ladder():
    items = [_item(i) for i in (1, 2, 3)]
    jobs = [publishing.Job(i.record_id, initial(i.record_id, i.action), i, None)
            for i in items]
    publisher = ScriptedPublisher({
        "r2": PublishError("unexpected KeyError: 'x'", permanent=False),
        "r3": PublishError("no such recorder", permanent=True)})
    saved = []
    outcomes = publishing.publish_batch(publisher, jobs, max_attempts=3, now=100,
                                        saved=saved.append)
    assert publisher.batches == [["r1", "r2", "r3"]]  # one batch call, not one per recording
    assert saved == outcomes
    first, second, third = (o.state for o in outcomes)
    assert first.phase is Phase.PUBLISHED
    assert second.phase is Phase.PENDING and second.not_before > 100  # retried after backoff
    assert second.last_error == "unexpected KeyError: 'x'"
    assert third.phase is Phase.FAILED and third.reason == "publish: no such recorder"


def test_publish_batch_stops_on_a_configuration_problem_after_saving_the_rest():
    items = [_item(i) for i in (1, 2)]
    jobs = [publishing.Job(i.record_id, initial(i.record_id, i.action), i, None)
            for i in items]
    publisher = ScriptedPublisher({"r2": PublishConfigError("pod.database.urlRef: Secret x")})
    saved = []
    with pytest.raises(publishing.PublishStopped) as stopped:
        publishing.publish_batch(publisher, jobs, max_attempts=3, now=0, saved=saved.append)
    assert stopped.value.reason == "PublishConfigError"
    assert [o.entry for o in saved] == ["r1"]


def test_csv_holds_published_recordings_in_plan_order(tmp_path):
    items = {i: _item(i) for i in (1, 2, 3)}
    records = [(items[3], RecordingState("r3", Action.PUBLISH_ONLY, Phase.PUBLISHED), ["B"]),
               (items[2], RecordingState("r2", Action.PUBLISH_ONLY, Phase.FAILED), None),
               (items[1], RecordingState("r1", Action.PUBLISH_ONLY, Phase.PUBLISHED), ["A"])]
    rows = export.rows(records)
    assert [(item.index, owners) for item, owners in rows] == [(1, ["A"]), (3, ["B"])]
    path = tmp_path / "out.csv"
    with_moodle = spec(mode="export-csv", moodle={"databases": {"default": {
        "urlRef": {"env": "X"}}}})
    assert export.write(path, rows, with_moodle) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(";Moodle_owners") and lines[1].endswith(";A")


def test_counts_keep_the_rendered_phase_apart():
    states = [RecordingState("a", Action.RENDER, Phase.RENDERED),
              RecordingState("b", Action.RENDER, Phase.PUBLISHED)]
    by_phase = counts.by_phase(states)
    assert by_phase[Phase.RENDERED] == 1 and by_phase[Phase.PUBLISHED] == 1
    status = counts.counts(states)
    assert status["rendered"] == 2  # the printer column: rendered or published
    assert counts.remaining(status) == 1
    assert counts.done_message(status) == "1 published, 0 skipped, 0 failed"
