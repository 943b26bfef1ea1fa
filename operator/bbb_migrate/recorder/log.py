"""Structured log lines (one JSON object per line) on stdout and in the log file beside the output.

Executors never parse these (they read the exit code and the result JSON); people and log
collectors do, so every line carries the record ID and an event name.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any, TextIO


class EventLog:
    """Writes ``{"ts", "level", "event", "record_id", ...}`` lines; thread-safe."""

    def __init__(self, record_id: str, path: Path | None = None, stream: TextIO | None = None):
        self.record_id = record_id
        self._stream = stream if stream is not None else sys.stdout
        self._file: TextIO | None = None
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = path.open("a", encoding="utf-8")

    def _emit(self, level: str, event: str, to_stdout: bool, fields: dict[str, Any]) -> None:
        now = time.time()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
        stamp += f".{int(now * 1000) % 1000:03d}Z"
        line = json.dumps(
            {"ts": stamp,
             "level": level, "event": event, "record_id": self.record_id, **fields},
            ensure_ascii=False, default=str,
        )
        with self._lock:
            if to_stdout:
                print(line, file=self._stream, flush=True)
            if self._file is not None:
                self._file.write(line + "\n")
                self._file.flush()

    def info(self, event: str, **fields: Any) -> None:
        self._emit("info", event, True, fields)

    def warning(self, event: str, **fields: Any) -> None:
        self._emit("warning", event, True, fields)

    def error(self, event: str, **fields: Any) -> None:
        self._emit("error", event, True, fields)

    def debug(self, event: str, **fields: Any) -> None:
        """File only: child process output and polling details."""
        self._emit("debug", event, False, fields)

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
