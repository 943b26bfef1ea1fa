"""Plan: ordering, window, filters, actions per mode, playback choice, outputs."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from bbb_migrate.models import Playback, Recording
from bbb_migrate.plan import build_plan, choose_playback, rewrite_20_to_23, write_csv, write_json
from bbb_migrate.simulator.catalogue import generate
from bbb_migrate.spec import parse_spec
from bbb_migrate.state import Action

BASE = datetime(2024, 1, 1, tzinfo=UTC)
PRES23 = Playback("presentation", "https://bbb/playback/presentation/2.3/{id}")
PRES20 = Playback("presentation", "https://bbb/playback/presentation/2.0/playback.html?meetingId={id}")
VIDEO = Playback("video", "https://bbb/playback/video/{id}/")
NOTES = Playback("notes", "https://bbb/notes/{id}/notes.html")


def rec(n: int, *formats: Playback, state="published", server="moodle.a.fr", meeting=None,
        start=None) -> Recording:
    rid = f"{n:040x}-{1700000000000 + n}"
    return Recording(
        record_id=rid, meeting_id=meeting or f"meeting-{n}", name=f"Rec {n}",
        start_time=start or BASE + timedelta(hours=n), state=state,
        published=state == "published",
        metadata={"bbb-origin-server-name": server},
        playbacks=tuple(Playback(p.type, p.url.format(id=rid)) for p in formats),
    )


def spec(mode="claim", selection=None, **source):
    return parse_spec({"source": {"url": "https://bbb/bigbluebutton/",
                                  "secretRef": {"env": "S"}, **source},
                       "mode": mode, "selection": selection or {}, "dryRun": True})


def test_newest_first_whatever_the_server_order_with_record_id_tie_break():
    same = BASE + timedelta(days=10)
    recs = [rec(3, PRES23), rec(1, PRES23), rec(7, PRES23, start=same), rec(5, PRES23),
            rec(8, PRES23, start=same)]
    plan = build_plan(recs, spec())
    assert [i.recording.name for i in plan.items] == ["Rec 8", "Rec 7", "Rec 5", "Rec 3",
                                                     "Rec 1"]
    assert [i.index for i in plan.items] == [1, 2, 3, 4, 5]


def test_window_counts_over_all_recordings_and_excluded_by_reason():
    recs = [rec(n, PRES23, state="unpublished" if n % 2 else "published") for n in range(10)]
    plan = build_plan(recs, spec(selection={"first": 2, "last": 6, "states": ["published"]}))
    # newest first: 9 8 7 6 5 4 3 2 1 0 → window #2..#6 = 8 7 6 5 4 → published: 8 6 4
    assert [(i.index, i.recording.name) for i in plan.items] == [(2, "Rec 8"), (4, "Rec 6"),
                                                                 (6, "Rec 4")]
    assert plan.total_listed == 10
    assert plan.excluded == {"window": 5, "state": 2}
    assert "10 recordings listed, 3 selected" in plan.summary()


def test_no_silent_cap_at_10000():
    recordings = generate(10_500, seed=7)
    plan = build_plan(recordings, spec(mode="export-csv",
                                       selection={"first": 10_001, "last": 10_500}))
    assert len(plan.items) == 500
    assert plan.items[0].index == 10_001 and plan.items[-1].index == 10_500
    assert plan.excluded == {"window": 10_000}
    oldest = min(recordings, key=lambda r: (r.start_time, r.record_id))
    assert plan.items[-1].record_id == oldest.record_id
    assert len(build_plan(recordings, spec(mode="export-csv")).items) == 10_500


def test_duplicate_record_ids_count_once():
    plan = build_plan([rec(1, PRES23), rec(1, PRES23)], spec())
    assert plan.total_listed == 1 and len(plan.items) == 1


def test_date_meeting_record_and_server_filters():
    recs = [rec(n, PRES23, server=s, meeting=m) for n, s, m in [
        (1, "moodle.a.fr", "m1"), (2, "moodle.b.fr", "m1"), (3, "test.a.fr", "m2"),
        (4, "moodle.a.fr", "m2"), (5, "", "m3")]]
    after = (BASE + timedelta(hours=2)).replace(tzinfo=None).isoformat()  # naive = UTC
    before = (BASE + timedelta(hours=5)).isoformat()
    plan = build_plan(recs, spec(selection={"startAfter": after, "startBefore": before}))
    assert [i.recording.name for i in plan.items] == ["Rec 4", "Rec 3", "Rec 2"]
    assert plan.excluded == {"date": 2}
    plan = build_plan(recs, spec(selection={"meetingIds": ["m2"]}))
    assert [i.recording.name for i in plan.items] == ["Rec 4", "Rec 3"]
    plan = build_plan(recs, spec(selection={"recordIds": [recs[0].record_id]}))
    assert [i.recording.name for i in plan.items] == ["Rec 1"]
    plan = build_plan(recs, spec(selection={"originServers": ["moodle.a.fr", "moodle.b.fr"]}))
    assert [i.recording.name for i in plan.items] == ["Rec 4", "Rec 2", "Rec 1"]
    plan = build_plan(recs, spec(selection={"ignoredServers": ["test.a.fr"]}))
    assert [i.recording.name for i in plan.items] == ["Rec 5", "Rec 4", "Rec 2", "Rec 1"]
    assert plan.excluded == {"ignored-server": 1}


def test_actions_per_mode():
    recs = [rec(1, PRES23), rec(2, PRES23, VIDEO), rec(3, NOTES), rec(4),
            rec(5, PRES23, state="deleted"), rec(6, VIDEO, state="unpublished")]
    claim = {i.recording.name: i for i in build_plan(recs, spec("claim")).items}
    assert claim["Rec 1"].action is Action.RENDER and claim["Rec 1"].playback_type == \
        "presentation"
    assert claim["Rec 2"].action is Action.DOWNLOAD and claim["Rec 2"].playback_type == "video"
    assert claim["Rec 3"].action is Action.SKIP and "notes" in claim["Rec 3"].reason
    assert claim["Rec 4"].action is Action.SKIP and "formats: none" in claim["Rec 4"].reason
    assert claim["Rec 5"].action is Action.SKIP and "deleted" in claim["Rec 5"].reason
    assert claim["Rec 6"].action is Action.DOWNLOAD and "unpublished" in claim["Rec 6"].reason
    imported = {i.recording.name: i for i in build_plan(recs, spec("import-video")).items}
    assert imported["Rec 1"].action is Action.PUBLISH_ONLY
    assert imported["Rec 2"].action is Action.PUBLISH_ONLY
    assert imported["Rec 2"].source_url.endswith("/playback/video/" + recs[1].record_id + "/")
    assert imported["Rec 3"].action is Action.SKIP
    exported = build_plan(recs, spec("export-csv")).items
    assert {i.action for i in exported} == {Action.PUBLISH_ONLY} and len(exported) == 6


def test_playback_20_kept_by_default_and_rewritten_like_pod_on_request():
    r = rec(1, PRES20)
    rid = r.record_id
    assert choose_playback(r) == (
        "presentation", f"https://bbb/playback/presentation/2.0/playback.html?meetingId={rid}")
    assert choose_playback(r, rewrite_20=True) == (
        "presentation", f"https://bbb/playback/presentation/2.3/{rid}?meetingId={rid}")
    plan = build_plan([r, rec(2, PRES23)], spec(rewritePlayback20To23=True))
    assert plan.items[1].source_url == f"https://bbb/playback/presentation/2.3/{rid}?meetingId={rid}"
    assert plan.items[0].source_url == f"https://bbb/playback/presentation/2.3/{rec(2).record_id}"
    assert rewrite_20_to_23("https://x/playback/presentation/2.3/a", "a") == \
        "https://x/playback/presentation/2.3/a"


def test_video_preferred_and_last_format_of_a_type_wins():
    r = rec(1, VIDEO, PRES23, Playback("video", "https://bbb/second-video/"))
    assert choose_playback(r) == ("video", "https://bbb/second-video/")


def test_json_and_csv_outputs():
    plan = build_plan([rec(1, PRES23), rec(2, NOTES)], spec())
    out = io.StringIO()
    write_json(plan, out)
    rows = json.loads(out.getvalue())
    assert [r["name"] for r in rows] == ["Rec 2", "Rec 1"]
    for key in ("record_id", "meeting_id", "name", "start_time", "state", "origin_server_name",
                "playback_type", "source_url", "action", "reason"):
        assert key in rows[0]
    assert rows[1]["start_time"] == "2024-01-01T01:00:00Z"
    assert rows[0]["action"] == "skip" and rows[0]["playback_type"] is None
    out = io.StringIO()
    write_csv(plan, out)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["action"] for r in parsed] == ["skip", "render"]


@pytest.mark.parametrize("selection, field", [
    ({"first": 0}, "selection.first"),
    ({"first": 5, "last": 2}, "selection"),
    ({"frist": 1}, "selection.frist"),
])
def test_spec_errors_name_the_field(selection, field):
    from bbb_migrate.spec import SpecError

    with pytest.raises(SpecError) as info:
        spec(selection=selection)
    assert f"  {field}" in str(info.value)
