"""Soak (issue 12): three migrations over one BBB server in one namespace, under faults at once.

- ``iv-a`` and ``iv-b``: import-video of the same 30 recordings, publishing at the same time
  into one Pod (PostgreSQL) and one Moodle (MariaDB): rows and users raced for, every time;
- ``claim``: the same 30 recordings rendered by Jobs (the test plays the kubelet, see
  :class:`kube_helpers.Kubelet`) and claimed into Pod's recorder folder with their claim rows;
- 10 SIGKILLs of the operator at random moments, the Pod database cut for 20 s (a TCP relay
  between the operator and PostgreSQL drops every connection and refuses new ones), a running
  Job deleted by hand, a Published child deleted by hand.

At the end every recording is Published exactly once: one external recording per (recording,
owner), each notice once in Moodle, one claim file (the right one) and one claim row per
recording, one successful Job each; status, Events and metrics give the same counts.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import aiohttp
import pytest
from kube_helpers import (
    BASE,
    BBB_SECRET,
    JOBS,
    Kubelet,
    RequestLog,
    active,
    peak_jobs_in_flight,
    phases,
    wait_for,
)
from pubdb import NOTICE, SECRET_KEY, make_recording, seed, seed_moodle, seed_pod
from test_operator_import_video import _free_port

from bbb_migrate.source.xmlwrite import write_reply

pytestmark = [pytest.mark.db, pytest.mark.slow]

KILLS = 10
OUTAGE_SECONDS = 20.0
PARALLELISM = 5
JOB_SECONDS = 1.0  # how long each Job runs (the kubelet's hold)
RELAY_DELAY = 0.015  # seconds added to each chunk between the operator and PostgreSQL
NAMES = ("iv-a", "iv-b", "claim")


class TcpRelay:
    """127.0.0.1:port → PostgreSQL, each chunk delayed (a slow network, so that faults land
    while rows are being written). :meth:`cut` is the database going away: open connections
    are dropped mid-statement and new ones refused, until :meth:`restore`. It runs its own
    event loop in a thread, so that a busy kmock does not slow the database down."""

    def __init__(self, target_port: int, delay: float) -> None:
        self.target_port = target_port
        self.delay = delay
        self.port = 0
        self.server: asyncio.Server | None = None
        self.open: set[asyncio.StreamWriter] = set()
        self.dropped = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _do(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(10)

    def start(self) -> None:
        self.thread.start()
        self._do(self._listen())

    def cut(self) -> None:
        self._do(self._cut())

    def restore(self) -> None:
        self._do(self._listen())

    def stop(self) -> None:
        self._do(self._cut())
        self._do(self._cancel_all())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _cancel_all(self) -> None:
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    async def _listen(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self.open |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        self.open -= {writer, up_writer}

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                await asyncio.sleep(self.delay)
                sink.write(data)
                await sink.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            sink.close()

    async def _cut(self) -> None:
        if self.server is None:
            return
        self.server.close()  # connection refused from now on
        self.dropped += len(self.open) // 2
        for writer in list(self.open):
            writer.transport.abort()
        await self.server.wait_closed()
        self.server = None


def _world(pod, moodle, shared_root):
    """30 recordings of the seeded Moodle activities (and rec4/rec6: a Pod meeting, the admin
    fallback), the listing both kinds of migration read, and who must own each."""
    world = seed_moodle(moodle)
    c = world.ids["course"]
    activity_owners = {"A1": ["alice", "bob", "carol"], "A2": ["zoe.obrien"], "A3": ["carol"],
                       "A4": ["frank"]}
    owners = {"rec1": activity_owners["A1"], "rec2": ["zoe.obrien"], "rec3": ["carol"],
              "rec4": ["podteacher"], "rec5": activity_owners["A1"], "rec6": ["admin"]}
    recordings = [world.recordings[k] for k in owners]
    expected = {world.recordings[k].playbacks[0].url: v for k, v in owners.items()}
    for n in range(8, 32):  # 24 more, over the four activities
        key = f"A{n % 4 + 1}"
        group = "[12]" if key == "A3" else "[0]"
        rec = make_recording(n, f"{seed(key)}-{c}-{world.ids[key]}{group}")
        recordings.append(rec)
        expected[rec.playbacks[0].url] = activity_owners[key]
    for folder in (shared_root, shared_root / "migr"):
        folder.mkdir(exist_ok=True)
        with (folder / "getRecordings.xml").open("w", encoding="utf-8") as out:
            write_reply(recordings, out)
    return world, expected


def _specs(pod_url: str, recorder_id: int, recorder_path) -> dict[str, dict]:
    source = {"url": "https://bbb.example.org/bigbluebutton/", "cacheFile": "getRecordings.xml",
              "secretRef": {"secretKeyRef": {"name": "bbb", "key": "secret"}}}
    database = {"urlRef": {"secretKeyRef": {"name": "pod", "key": "url"}},
                "statementTimeoutSeconds": 10}
    import_video = {
        "source": source, "mode": "import-video",
        "recorder": {"attempts": 3, "retryDelaySeconds": 1},
        "pod": {"database": database,
                "secretKeyRef": {"secretKeyRef": {"name": "pod", "key": "secret-key"}}},
        "moodle": {"databases": {"default": {"urlRef": {"secretKeyRef": {
                       "name": "moodle", "key": "url"}}}},
                   "notice": {"enabled": True, "html": NOTICE}},
    }
    claim = {
        "source": source, "mode": "claim",
        "volume": {"claimName": "shared", "subPath": "migr"},
        "recorder": {"parallelism": PARALLELISM, "attempts": 3, "retryDelaySeconds": 1},
        "pod": {"database": database,
                "claim": {"recorderId": recorder_id, "recorderPath": str(recorder_path),
                          "registerClaimable": True}},
    }
    return {"iv-a": import_video, "iv-b": import_video, "claim": claim}


async def _metrics(port: int) -> str:
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{port}/metrics") as response:
        return await response.text()


@pytest.fixture
def pod_relay():
    relay = TcpRelay(5432, delay=RELAY_DELAY)
    relay.start()
    yield relay
    relay.stop()


async def test_soak_kills_outage_and_deletions(kmock, cluster, operator_process, dbs, pod_relay,
                                               shared_root, tmp_path):
    RequestLog(kmock)  # kmock routes by scanning its request log: keep it short (see there)
    relay = pod_relay
    seed_value = int(os.environ.get("BBB_MIGRATE_SOAK_SEED", time.time()))
    rng = random.Random(seed_value)
    print(f"soak seed {seed_value} (BBB_MIGRATE_SOAK_SEED to replay)")
    pod = dbs.pod("postgresql", 4)
    ids = seed_pod(pod, 4)
    moodle = dbs.moodle("mysql")
    world, expected = _world(pod, moodle, shared_root)
    recorder_path = tmp_path / "pod-ftp"
    (recorder_path / "bbb").mkdir(parents=True)
    relayed_url = pod.url.replace(":5432/", f":{relay.port}/")
    await cluster.create_secret("bbb", {"secret": BBB_SECRET})
    await cluster.create_secret("pod", {"url": relayed_url, "secret-key": SECRET_KEY})
    await cluster.create_secret("moodle", {"url": moodle.url})
    port = _free_port()
    operator_process.extra_env.update({"BBB_MIGRATE_METRICS_PORT": str(port),
                                       "BBB_MIGRATE_PUBLISH_PER_TICK": "5"})
    await operator_process.start()
    for name, spec in _specs(relayed_url, ids["recorder"], recorder_path).items():
        await cluster.create_migration(name, spec)
    kubelet = Kubelet(cluster, hold=JOB_SECONDS)
    started = time.monotonic()

    async def kills():
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(2.5, 5.0))  # ~2 s of it to start up
            await operator_process.kill()
            await operator_process.start()

    async def outage():
        await asyncio.sleep(rng.uniform(3.0, 8.0))
        for _ in range(50):  # preferably while rows are being written, not between two runs
            if relay.open:
                break
            await asyncio.sleep(0.1)
        relay.cut()
        jobs_before = len(await cluster.jobs())
        away = time.monotonic()
        while time.monotonic() - away < OUTAGE_SECONDS:  # what the claim migration says
            conditions = {c["type"]: c for c in (
                (await cluster.migration("claim")).get("status") or {}).get("conditions", [])}
            if conditions.get("Degraded", {}).get("reason") == "DatabaseUnavailable":
                said_while_away.append((conditions["Progressing"]["status"],
                                        conditions["Degraded"]["message"]))
            await asyncio.sleep(0.5)
        started_while_away.append(len(await cluster.jobs()) - jobs_before)
        relay.restore()

    started_while_away: list[int] = []
    said_while_away: list[tuple[str, str]] = []  # (Progressing, Degraded's message)
    faults = [asyncio.create_task(kills()), asyncio.create_task(outage())]
    deleted_job: dict = {}
    deleted_child: dict = {}
    shown = [0.0]

    async def settled():
        if not deleted_job:  # a running Job deleted by hand: the attempt is lost
            running = [j for j in active(await cluster.jobs())
                       if j["metadata"]["name"] not in kubelet.finished]
            if running:
                deleted_job.update(running[0])
                await cluster._json("delete", f"{JOBS}/{running[0]['metadata']['name']}")
        await kubelet.step()
        items = (await cluster._json("get", f"{BASE}/bbbrecordings"))["items"]
        children = {n: [c for c in items if c["spec"]["migration"] == n] for n in NAMES}
        if not deleted_child:  # a Published child deleted by hand: created again
            done = [c for c in children["iv-a"]
                    if (c.get("status") or {}).get("phase") == "Published"]
            if done:
                deleted_child.update(done[0])
                await cluster._json(
                    "delete", f"{BASE}/bbbrecordings/{done[0]['metadata']['name']}")
                return None
        if time.monotonic() - shown[0] >= 10:  # progress, with -s
            shown[0] = time.monotonic()
            print(f"soak {shown[0] - started:5.1f} s, operator run {operator_process.runs}, "
                  f"database {'away' if relay.server is None else 'up'}: " + "; ".join(
                      f"{n} {phases(children[n])}" for n in NAMES))
        if not all(t.done() for t in faults):
            return None
        migrations = {n: await cluster.migration(n) for n in NAMES}
        if all((m.get("status") or {}).get("phase") == "Completed"
               for m in migrations.values()):
            return migrations, children
        return None

    migrations, children = await wait_for(settled, timeout=240, interval=1.0,
                                          logs=operator_process.logs, what="three Completed")
    for task in faults:
        task.result()  # a fault that raised is the test's error
    print(f"soak: completed {time.monotonic() - started:.1f} s after the start, "
          f"{operator_process.runs} operator starts, {relay.dropped} connection(s) dropped")
    assert operator_process.runs == KILLS + 1
    assert deleted_job and deleted_child
    assert started_while_away[0] >= PARALLELISM  # renders went on while Pod was away
    # and the claim migration said so: Degraded (the database is away) and still Progressing
    # while its renders went on; blocked (Progressing False) once only publishing was left
    going_on = [p for p, message in said_while_away if "renders go on" in message]
    blocked = [p for p, message in said_while_away if "renders go on" not in message]
    assert going_on and set(going_on) == {"True"}, said_while_away
    assert set(blocked) <= {"False"}, said_while_away

    # Every child Published, counts in status as the children say.
    for name in NAMES:
        status = migrations[name]["status"]
        assert phases(children[name]) == {"Published": 30}, name
        assert status["recordings"]["published"] == 30 and status["recordings"]["failed"] == 0
        assert status["message"] == "30 published, 0 skipped, 0 failed"

    # Pod: one external recording per (recording, owner) of the two racing migrations.
    rows = pod.query("SELECT e.source_url, u.username FROM import_video_externalrecording e "
                     "JOIN auth_user u ON u.id = e.owner_id")
    found: dict[str, list[str]] = defaultdict(list)
    for url, username in rows:
        found[url].append(username)
    assert {url: sorted(names) for url, names in found.items()} == expected
    for table, column in (("auth_user", "username"), ("authentication_owner", "user_id"),
                          ("playlist_playlist", "owner_id")):
        counted = Counter(r[0] for r in pod.query(f"SELECT {column} FROM {table}"))
        assert max(counted.values()) == 1, (table, counted.most_common(3))
    # Moodle: the notice once in each activity.
    intros = dict(moodle.query("SELECT id, intro FROM mdl_bigbluebuttonbn"))
    for key in ("A1", "A2", "A3", "A4"):
        assert intros[world.ids[key]].count(NOTICE) == 1, key

    # Claim: one file and one claim row per recording, the file its own Job wrote.
    paths = {c["spec"]["recordId"]: c["status"]["publishedPath"] for c in children["claim"]}
    assert len(set(paths.values())) == 30
    files = [p for p in (recorder_path / "bbb").iterdir() if not p.name.startswith(".")]
    assert sorted(str(p) for p in files) == sorted(paths.values())
    by_record = {c["spec"]["recordId"]: c for c in children["claim"]}
    for record_id, path in paths.items():
        child = by_record[record_id]["metadata"]["name"]
        assert re.search(rb"ftypmp42" + re.escape(child.encode()) + rb"-\d$",
                         Path(path).read_bytes()), record_id
    claim_rows = [r[0] for r in pod.query("SELECT file FROM recorder_recordingfiletreatment")]
    assert sorted(claim_rows) == sorted(paths.values())
    lost = deleted_job["spec"]["template"]["spec"]["containers"][0]["args"]
    lost_id = lost[lost.index("--record-id") + 1]
    assert {r: c["status"]["attempts"] for r, c in by_record.items()} == {
        r: 2 if r == lost_id else 1 for r in by_record}
    assert len(kubelet.finished) == 30 == len(set(kubelet.attempts))  # one Job ran for each
    assert peak_jobs_in_flight(kmock) <= PARALLELISM

    # Events: each migration's Completed says the same counts; no failure was announced.
    events = await cluster.events()
    for name in NAMES:
        done = [e for e in events if e.get("reason") == "Completed"
                and e["involvedObject"]["name"] == name]
        assert done and done[-1]["message"] == "30 published, 0 skipped, 0 failed", name
    reasons = Counter(e.get("reason") for e in events)
    assert reasons["PublishFailed"] == reasons["RecordingFailed"] == 0
    assert reasons["RecordingRetry"] >= 1 and reasons["ChildrenRecreated"] >= 1
    assert reasons["DatabaseUnavailable"] >= 1  # the outage was seen, and said

    # Metrics of the last operator process: the same counts.
    async def gauges():
        try:
            text = await _metrics(port)
        except aiohttp.ClientError:  # the last operator's metrics server is not up yet
            return None
        want = [f'bbb_migrate_recordings{{migration="{n}",namespace="ns1",phase="{p}"}} {v}'
                for n in NAMES for p, v in (("Published", "30.0"), ("Failed", "0.0"),
                                            ("Pending", "0.0"))]
        return all(line in text for line in want)
    await wait_for(gauges, timeout=30, logs=operator_process.logs, what="metrics")

    # One API client serves the three migrations and their creation pools: its connection pool
    # is large enough that no call opened (and threw away) a connection of its own.
    assert "Connection pool is full" not in operator_process.logs()
