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
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

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
    CONTENT = 24  # a content check failed and another attempt draws the same (recorder/checks.py)

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
_HASH = 12  # hex digits of sha256 after "~": 48 bits, no accidental collision among millions


def safe_name(value: str, max_length: int = 120) -> str:
    """A file-name-safe form of a record ID or name: never a path, never hidden, never empty.

    Distinct values always give distinct names, so two recordings never share an output path:
    a value that is already safe (``[A-Za-z0-9._-]``, not starting or ending with ``.``, ``_``
    or ``-``, at most ``max_length`` long) is kept as it is; any other gets ``~`` and a short
    hash of the whole value after what is left of it. ``~`` is never in a kept value, so a
    kept value cannot equal a hashed one (``.`` and ``..`` become ``unnamed~<hash>``, each its
    own).
    """
    cleaned = _UNSAFE.sub("_", value).strip("._-")
    if cleaned == value and 0 < len(value) <= max_length:
        return value
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:_HASH]
    head = cleaned[:max(0, max_length - _HASH - 1)].rstrip("._-") or "unnamed"
    return f"{head}~{digest}"


def render_output_path(work_dir: str | os.PathLike[str], record_id: str) -> Path:
    """Where the recorder writes one recording's video, keyed by its (sanitised) record ID."""
    return Path(work_dir) / "renders" / f"{safe_name(record_id)}.mp4"


def result_path(output: str | os.PathLike[str]) -> Path:
    """The result JSON written beside an output file."""
    output = Path(output)
    return output.with_name(output.name + ".result.json")


def sheet_path(output: str | os.PathLike[str]) -> Path:
    """The contact sheet (thumbnails at chosen instants) beside an output file."""
    output = Path(output)
    return output.with_name(output.name + ".sheet.jpg")


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
    checks: dict[str, Any] = field(default_factory=dict)  # named content checks (renders)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the output file is finished and verified."""
        return self.exit_code == ExitCode.OK

    def write(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically (temporary file + rename), so a reader never sees half a JSON."""
        target = Path(path) if path is not None else result_path(self.output)
        with atomic_write(target) as handle:
            json.dump(_RESULT.dump_python(self, mode="json"), handle, indent=2, sort_keys=True)
            handle.write("\n")
        return target

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> RecorderResult:
        """Read a result JSON; unknown keys (from a newer recorder) go to ``extra``."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RecorderResult:
        """A result from its JSON mapping (as stored by an executor); validated the same way."""
        known = {f for f in cls.__dataclass_fields__}
        extra = {k: v for k, v in data.items() if k not in known}
        fields = {k: v for k, v in data.items() if k in known}
        fields["extra"] = {**(fields.get("extra") or {}), **extra}
        return _RESULT.validate_python(fields)  # a wrong type is a ValueError here


_RESULT: TypeAdapter[RecorderResult] = TypeAdapter(RecorderResult)


def failed_checks(result: RecorderResult) -> list[str]:
    """The names of the content checks a render failed (``recorder/checks.py``)."""
    return sorted(name for name, value in result.checks.items()
                  if isinstance(value, dict) and value.get("status") == "failed")


class Refused(str):
    """A reason that no attempt can fix by itself: the result is about another recording."""


def result_mismatch(result: RecorderResult, output: Path, record_id: str | None) -> str:
    """Why a result is not about the recording whose output this is ("" when it is).

    ``record_id`` is the recording the executor asked for; without it, the output's name says
    which one (:func:`render_output_path` names outputs by :func:`safe_name`, one per ID).
    """
    if record_id is not None:
        if result.record_id != record_id:
            return Refused(f"the result JSON names recording {result.record_id!r}, not "
                           f"{record_id!r}: refused")
        return ""
    if output.suffix == ".mp4" and output.parent.name == "renders" \
            and output.stem != safe_name(result.record_id):
        return Refused(f"the result JSON names recording {result.record_id!r}, whose output "
                       f"is not {output.name}: refused")
    return ""


def verified_result(output: str | os.PathLike[str], record_id: str | None = None
                    ) -> tuple[RecorderResult | None, str]:
    """The recorder's result if it proves a finished file, else (result or None, why not).

    Finished means: the result JSON is about this recording (:func:`result_mismatch`) and says
    OK, and the file at the output path exists with the size and sha256 that the result names.
    Anything else (another recording's result, a temporary file, a file from an older attempt,
    a truncated copy) is not taken. Both executors ask this before they publish, so a render is
    trusted by one rule whether it ran as a Job or as a local process.
    """
    output = Path(output)
    path = result_path(output)
    try:
        result = RecorderResult.read(path)
    except FileNotFoundError:
        return None, "no result JSON"
    except (OSError, ValueError, TypeError) as exc:
        return None, f"unreadable result JSON {path.name}: {exc}"
    mismatch = result_mismatch(result, output, record_id)
    if mismatch:
        return None, mismatch
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


def judge_attempt(exit_code: int | None, output: str | os.PathLike[str],
                  record_id: str | None = None) -> tuple[int | None, str, RecorderResult | None]:
    """What one finished recorder attempt amounts to: (exit code, message, result).

    The exit code is what ``state.render_finished`` gets. Both executors ask this, so one rule
    decides everywhere: a file proven by :func:`verified_result` is a success whatever the
    process status; a result reporting a failure gives the recorder's own code and message; a
    recorder that claimed success (``exit_code`` 0, or an OK result) without a file that proves
    it is a retryable verification failure. With no result at all, ``exit_code`` is all there
    is (None: unknown, for the executor to find out; the message is then empty).
    """
    result, why_not = verified_result(output, record_id)
    if isinstance(why_not, Refused):  # another recording's result: never published
        return int(ExitCode.VERIFY), f"{why_not} ({Path(output).name})", None
    if result is not None and not why_not:
        return int(ExitCode.OK), "", result
    if result is not None and not result.ok:
        return result.exit_code, why_not, result
    if exit_code == 0 or result is not None:
        return int(ExitCode.VERIFY), f"{why_not} ({Path(output).name})", result
    return exit_code, "", None
