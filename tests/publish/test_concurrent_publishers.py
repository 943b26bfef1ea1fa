"""Two publishers of the same recordings at once never write two rows for one (URL, owner).

A second BBBMigration over the same server, an operator beside a local run: both publish the
same recordings into the same Pod. Each round starts both publishers together on fresh
recordings; a fault hook makes each one linger a few milliseconds before inserting, which
widens the window in which the other one checks for existing rows (without the fix, PostgreSQL
let a second row in within the first rounds).
"""

from __future__ import annotations

import random
import threading

import pytest
from pubdb import WriteFaults, item, make_recording, make_spec, seed_moodle, seed_pod

from bbb_migrate.publish import Publisher, PublishError

COMBOS = [("postgresql", 4), ("postgresql", 3), ("mysql", 4), ("mysql", 3)]
ROUNDS = 12


def _publish_retrying(publisher: Publisher, items: list, errors: list) -> None:
    for entry in items:
        for _attempt in range(5):
            try:
                publisher.publish(entry)
                break
            except PublishError as exc:  # a deadlock or lock timeout: retried like executors do
                if exc.permanent:
                    errors.append(exc)
                    break
        else:
            errors.append(RuntimeError(f"{entry.record_id}: still failing after 5 attempts"))


@pytest.mark.parametrize(("engine", "version"), COMBOS)
def test_two_publishers_of_the_same_recordings_write_one_row_per_owner(engine, version, dbs,
                                                                     monkeypatch):
    pod = dbs.pod(engine, version)
    seed_pod(pod, version)
    moodle = dbs.moodle(engine)
    world = seed_moodle(moodle)
    a1_meeting = world.recordings["rec1"].meeting_id
    publishers = [Publisher(make_spec(monkeypatch, pod=pod, moodle=moodle, notice=False))
                  for _ in range(2)]
    rng = random.Random(12)

    def linger(sql, params):
        if "import_video_externalrecording" in sql:
            threading.Event().wait(rng.uniform(0, 0.02))

    try:
        publishers[0].publish(item(world.recordings["rec1"]))  # Moodle users now exist in Pod
        for publisher in publishers:
            publisher.check()
        WriteFaults(monkeypatch).hook = linger  # both publishers: every write statement
        expected: dict[str, int] = {}
        for round_no in range(ROUNDS):
            recordings = []
            for k, (meeting, owners) in enumerate(((a1_meeting, 3), ("0001-pod-room", 1),
                                                   ("not-a-moodle-meeting", 1))):
                rec = make_recording(1000 + round_no * 10 + k, meeting)
                recordings.append(rec)
                expected[rec.playbacks[0].url] = owners
            items = [item(rec) for rec in recordings]
            errors: list[BaseException] = []
            barrier = threading.Barrier(2)

            def run(publisher, items=items, errors=errors, barrier=barrier):
                barrier.wait(10)
                _publish_retrying(publisher, items, errors)

            threads = [threading.Thread(target=run, args=(p,)) for p in publishers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            assert not errors, errors
    finally:
        for publisher in publishers:
            publisher.close()
    duplicates = pod.query(
        "SELECT source_url, owner_id, count(*) FROM import_video_externalrecording "
        "GROUP BY source_url, owner_id HAVING count(*) > 1")
    assert duplicates == []
    for url, owners in expected.items():
        assert pod.scalar("SELECT count(*) FROM import_video_externalrecording "
                          "WHERE source_url = %s", (url,)) == owners, url
