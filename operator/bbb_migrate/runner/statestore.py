"""The local runner's state: one SQLite file beside the outputs.

Why SQLite: one file that survives ``kill -9`` and power loss (WAL journal, ``synchronous=FULL``,
every change in its own transaction), readable by ``bbb-migrate status`` and by ``sqlite3`` while
a run is going on, and without any server to install.

One row per recording holds:

- its :class:`~bbb_migrate.state.RecordingState` (``state_json``, with ``phase`` and ``action``
  copied into columns for queries) — the only thing the state machine needs to resume;
- the plan item it came from (``item_json``: the whole Recording, action, playback URL), so that
  a resumed run neither re-lists the BBB server (which may be slow, or already down) nor sees its
  plan change under its feet;
- the recorder's result of the successful render (duration, size, sha256, timings) and the
  publication report (final path, owners, writes), for the summary and the CSV;
- the process group of a running recorder, so that a run restarted after ``kill -9`` can stop a
  recorder orphaned by the previous one before rendering that recording again.

A second runner on the same state file is refused (an exclusive ``flock`` on ``state.lock``).
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..state import Phase, RecordingState, retry_failed
from .staterows import StoredRecording, decode, item_from_json, item_to_json

__all__ = ["LOCK_FILE", "STATE_FILE", "StateError", "StateLocked", "StateStore",
           "StoredRecording", "item_from_json", "item_to_json"]

STATE_FILE = "state.sqlite"
LOCK_FILE = "state.lock"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS recordings (
    record_id    TEXT PRIMARY KEY,
    position     INTEGER NOT NULL,   -- PlanItem.index: 1-based, newest first
    action       TEXT NOT NULL,      -- copy of state_json.action, for queries
    phase        TEXT NOT NULL,      -- copy of state_json.phase, for queries
    state_json   TEXT NOT NULL,      -- RecordingState.to_dict()
    item_json    TEXT NOT NULL,      -- the PlanItem, to resume without listing again
    result_json  TEXT,               -- RecorderResult of the successful render/download
    publish_json TEXT,               -- PublishReport of the successful publication
    pgid         INTEGER,            -- process group of the running recorder, if any
    pg_start     INTEGER,            -- its leader's start time (epoch ms), against pid reuse
    updated_at   REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_phase ON recordings(phase);
CREATE TABLE IF NOT EXISTS events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        REAL NOT NULL,
    record_id TEXT,
    event     TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);
"""


class StateError(RuntimeError):
    """The state file cannot be used; the message says why and what to do."""


class StateLocked(StateError):
    """Another runner (or ``retry-failed``) holds the state file."""


class StateStore:
    """The SQLite state file of one migration's output directory."""

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._lock_handle: Any = None
        if readonly:
            if not self.path.exists():
                raise StateError(f"no migration state at {self.path} (nothing has run here yet)")
            # `status` and dry runs never change the state. While a runner writes, its -wal and
            # -shm files exist and mode=ro reads a consistent snapshot through them (WAL
            # readers never block writers). With no writer, those files are gone, and even a
            # read-only WAL reader would create them (and leave them): immutable=1 reads the
            # database file alone and creates nothing beside it.
            wal = self.path.with_name(self.path.name + "-wal")
            mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
            uri = f"file:{self.path.resolve()}?{mode}"
            self._conn = sqlite3.connect(uri, uri=True, isolation_level=None)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.row_factory = sqlite3.Row
        if not readonly:
            self._conn.executescript(_SCHEMA)
            version = self.get_meta("schema_version")
            if version is None:
                self.set_meta("schema_version", str(SCHEMA_VERSION))
            elif int(version) > SCHEMA_VERSION:
                raise StateError(f"{self.path} was written by a newer bbb-migrate "
                                 f"(state schema {version}); upgrade bbb-migrate")

    @classmethod
    def for_directory(cls, directory: str | os.PathLike[str], *,
                      readonly: bool = False) -> StateStore:
        """The state file of an output directory (``spec.output.directory``)."""
        return cls(Path(directory) / STATE_FILE, readonly=readonly)

    # --- locking --------------------------------------------------------------------------

    def lock(self) -> None:
        """Take the exclusive lock, or raise :class:`StateLocked` naming the holder's pid."""
        lock_path = self.path.with_name(LOCK_FILE)
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 - held until close()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StateLocked(
                f"{self.path} is in use by pid {holder}: another `bbb-migrate run` (or "
                "retry-failed) is working on this output directory; stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_handle = handle

    def close(self) -> None:
        """Close the database and release the lock."""
        self._conn.close()
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transactions ---------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable write: all of it survives a crash, or none of it."""
        if self.readonly:
            raise StateError("state file opened read-only")
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self._conn
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # --- meta -----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        """A value of the ``meta`` table (plan facts, spec fingerprint…)."""
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a ``meta`` value in its own transaction."""
        with self.transaction() as conn:
            conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    # --- recordings -----------------------------------------------------------------------

    def has_plan(self) -> bool:
        """Whether a plan was stored (by a previous run)."""
        return self.get_meta("planned_at") is not None

    def save_plan(self, items: list[Any], states: list[RecordingState],
                  meta: dict[str, str]) -> int:
        """Store a plan in one transaction; recordings already known keep their state.

        Returns how many recordings were new. Keeping known rows is what makes ``--replan``
        safe: a finished recording is never planned again.
        """
        now = time.time()
        added = 0
        with self.transaction() as conn:
            for item, state in zip(items, states, strict=True):
                cursor = conn.execute(
                    "INSERT INTO recordings(record_id, position, action, phase, state_json, "
                    "item_json, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT(record_id) DO NOTHING",
                    (state.record_id, item.index, str(state.action), str(state.phase),
                     json.dumps(state.to_dict(), sort_keys=True), item_to_json(item), now),
                )
                added += cursor.rowcount
                if not cursor.rowcount:  # known: keep the state, refresh the position only
                    conn.execute("UPDATE recordings SET position = ? WHERE record_id = ?",
                                 (item.index, state.record_id))
            for key, value in {**meta, "planned_at": str(now)}.items():
                conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
            conn.execute("INSERT INTO events(at, record_id, event, detail) VALUES (?, NULL, ?, ?)",
                         (now, "planned", json.dumps({"items": len(items), "added": added})))
        return added

    def load(self) -> list[StoredRecording]:
        """Every recording, in plan order (newest first)."""
        rows = self._conn.execute("SELECT * FROM recordings ORDER BY position, record_id")
        return [decode(row) for row in rows]

    def get(self, record_id: str) -> StoredRecording | None:
        """One recording, or None."""
        row = self._conn.execute("SELECT * FROM recordings WHERE record_id = ?",
                                 (record_id,)).fetchone()
        return decode(row) if row else None

    _UNSET: Any = object()

    def save_state(self, state: RecordingState, *, event: str = "", detail: Any = None,
                   result: Any = _UNSET, publish: Any = _UNSET,
                   process: tuple[int, int] | Any | None = _UNSET) -> None:
        """Persist a transition (and what came with it) atomically, with an audit event.

        ``result``/``publish`` are dicts (or None to clear); ``process`` is the recorder's
        (process group, leader start time), or None once it has ended.
        """
        sets = ["phase = ?", "action = ?", "state_json = ?", "updated_at = ?"]
        now = time.time()
        values: list[Any] = [str(state.phase), str(state.action),
                             json.dumps(state.to_dict(), sort_keys=True), now]
        if result is not self._UNSET:
            sets.append("result_json = ?")
            values.append(json.dumps(result, sort_keys=True) if result is not None else None)
        if publish is not self._UNSET:
            sets.append("publish_json = ?")
            values.append(json.dumps(publish, sort_keys=True) if publish is not None else None)
        if process is not self._UNSET:
            sets += ["pgid = ?", "pg_start = ?"]
            values += list(process) if process is not None else [None, None]
        with self.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE recordings SET {', '.join(sets)} WHERE record_id = ?",  # noqa: S608
                (*values, state.record_id),
            )
            if cursor.rowcount != 1:
                raise StateError(f"recording {state.record_id} is not in {self.path}")
            if event:
                conn.execute(
                    "INSERT INTO events(at, record_id, event, detail) VALUES (?, ?, ?, ?)",
                    (now, state.record_id, event,
                     json.dumps(detail, sort_keys=True) if detail is not None else ""),
                )

    def requeue_failed(self, record_ids: set[str] | None = None) -> tuple[int, set[str]]:
        """Queue Failed recordings again with fresh attempt counters (``retry-failed``).

        Only ``record_ids`` when given. Returns how many were queued and the given IDs this
        migration does not know. Call :meth:`lock` first: a running runner must not race it.
        """
        known: set[str] = set()
        queued = 0
        for row in self.load():
            known.add(row.record_id)
            if record_ids and row.record_id not in record_ids:
                continue
            if row.state.phase is Phase.FAILED:
                self.save_state(retry_failed(row.state), event="retry-requested",
                                detail={"previous_reason": row.state.reason})
                queued += 1
        return queued, set(record_ids or ()) - known

    def counts(self) -> dict[str, int]:
        """Recordings per phase."""
        rows = self._conn.execute("SELECT phase, COUNT(*) AS n FROM recordings GROUP BY phase")
        return {row["phase"]: row["n"] for row in rows}

    def events(self, record_id: str | None = None, event: str | None = None) -> list[dict]:
        """The audit trail (used by ``status`` and by tests counting render starts)."""
        query = "SELECT at, record_id, event, detail FROM events WHERE 1=1"
        args: list[Any] = []
        if record_id is not None:
            query += " AND record_id = ?"
            args.append(record_id)
        if event is not None:
            query += " AND event = ?"
            args.append(event)
        rows = self._conn.execute(query + " ORDER BY id", args)
        return [dict(row) for row in rows]
