"""The recorder's contract, shared by the recorder program and both executors.

One program renders (presentation) or downloads (video) one recording. Its inputs come as
arguments (see ``bbb-migrate record --help``); its outputs are the video file, a result JSON next
to it and an exit code. Executors never parse logs: they read the exit code and the result JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from .atomicfile import atomic_write


class ExitCode(IntEnum):
    """Recorder exit codes. 1x are retryable, 2x are permanent."""

    OK = 0
    NETWORK = 10  # server unreachable, 5xx, connection cut: retry later
    STALL = 11  # the player stopped making progress
    CRASH = 12  # Chromium, Xvfb, PulseAudio or ffmpeg died
    DEADLINE = 13  # the recorder's own deadline passed
    VERIFY = 14  # the output failed verification (duration, audio, black frames)
    CPU_STARVED = 15  # the capture fell behind real time: the machine was too busy
    NOT_FOUND = 20  # the recording or its playback page does not exist
    INVALID_URL = 21  # the URL is not a BBB playback URL
    UNSUPPORTED = 22  # a playback format the recorder cannot handle
    USAGE = 23  # bad arguments

    @property
    def retryable(self) -> bool:
        """Whether another attempt may succeed."""
        return 10 <= self.value < 20

    @property
    def exit_class(self) -> str:
        """A short stable label for status, metrics and logs."""
        return self.name.lower().replace("_", "-")


def classify_exit(code: int | None) -> ExitCode:
    """Map any process exit status to an :class:`ExitCode`.

    A status the recorder never uses (a signal, an OOM kill as 137, a Python traceback as 1) is
    a crash: retryable, since a fresh container usually gets further.
    """
    if code is None:
        return ExitCode.CRASH
    try:
        return ExitCode(code)
    except ValueError:
        return ExitCode.CRASH


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(value: str, max_length: int = 120) -> str:
    """A file-name-safe form of a record ID or name: never a path, never hidden, never empty."""
    cleaned = _UNSAFE.sub("_", value).strip("._-")[:max_length]
    return cleaned or "unnamed"


def render_output_path(work_dir: str | os.PathLike[str], record_id: str) -> Path:
    """Where the recorder writes one recording's video, keyed by its (sanitised) record ID."""
    return Path(work_dir) / "renders" / f"{safe_name(record_id)}.mp4"


def result_path(output: str | os.PathLike[str]) -> Path:
    """The result JSON written beside an output file."""
    output = Path(output)
    return output.with_name(output.name + ".result.json")


def log_path(output: str | os.PathLike[str]) -> Path:
    """The recorder's log file beside an output file."""
    output = Path(output)
    return output.with_name(output.name + ".log")


def file_sha256(path: str | os.PathLike[str]) -> str:
    """A file's sha256, streamed: a two-hour video is never held in memory.

    The recorder writes it into the result JSON; executors recompute it before trusting a
    render found after a restart.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class RecorderResult:
    """What the recorder says about one attempt; written as JSON beside the output."""

    record_id: str
    source_url: str
    output: str
    kind: str  # "render" or "download"
    exit_code: int
    exit_class: str
    message: str = ""
    duration_seconds: float | None = None
    expected_duration_seconds: float | None = None
    size_bytes: int | None = None
    sha256: str | None = None
    wall_seconds: float | None = None
    cpu_seconds: float | None = None
    chromium_version: str | None = None
    ffmpeg_version: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the output file is finished and verified."""
        return self.exit_code == ExitCode.OK

    def write(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically (temporary file + rename), so a reader never sees half a JSON."""
        target = Path(path) if path is not None else result_path(self.output)
        with atomic_write(target) as handle:
            json.dump(asdict(self), handle, indent=2, sort_keys=True)
            handle.write("\n")
        return target

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> RecorderResult:
        """Read a result JSON; unknown keys (from a newer recorder) go to ``extra``."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        known = {f for f in cls.__dataclass_fields__}
        extra = {k: v for k, v in data.items() if k not in known}
        fields = {k: v for k, v in data.items() if k in known}
        fields.setdefault("extra", {}).update(extra)
        return cls(**fields)


def verified_result(output: str | os.PathLike[str]) -> tuple[RecorderResult | None, str]:
    """The recorder's result if it proves a finished file, else (result or None, why not).

    Finished means: the result JSON says OK, and the file at the output path exists with the
    size and sha256 that the result names. Anything else (a temporary file, a file from an older
    attempt, a truncated copy) is not taken. Both executors ask this before they publish, so a
    render is trusted by one rule whether it ran as a Job or as a local process.
    """
    output = Path(output)
    path = result_path(output)
    try:
        result = RecorderResult.read(path)
    except FileNotFoundError:
        return None, "no result JSON"
    except (OSError, ValueError, TypeError) as exc:
        return None, f"unreadable result JSON {path.name}: {exc}"
    if not result.ok:
        return result, result.message or f"recorder reported {result.exit_class}"
    try:
        size = output.stat().st_size
    except FileNotFoundError:
        return result, f"result says OK but {output.name} is missing"
    if result.size_bytes is not None and size != result.size_bytes:
        return result, f"{output.name} has {size} bytes, the result says {result.size_bytes}"
    if result.sha256 and file_sha256(output) != result.sha256:
        return result, f"{output.name} does not match the sha256 in its result JSON"
    return result, ""


def judge_attempt(exit_code: int | None, output: str | os.PathLike[str]
                  ) -> tuple[int | None, str, RecorderResult | None]:
    """What one finished recorder attempt amounts to: (exit code, message, result).

    The exit code is what ``state.render_finished`` gets. Both executors ask this, so one rule
    decides everywhere: a file proven by :func:`verified_result` is a success whatever the
    process status; a result reporting a failure gives the recorder's own code and message; a
    recorder that claimed success (``exit_code`` 0, or an OK result) without a file that proves
    it is a retryable verification failure. With no result at all, ``exit_code`` is all there
    is (None: unknown, for the executor to find out; the message is then empty).
    """
    result, why_not = verified_result(output)
    if result is not None and not why_not:
        return int(ExitCode.OK), "", result
    if result is not None and not result.ok:
        return result.exit_code, why_not, result
    if exit_code == 0 or result is not None:
        return int(ExitCode.VERIFY), f"{why_not} ({Path(output).name})", result
    return exit_code, "", None
