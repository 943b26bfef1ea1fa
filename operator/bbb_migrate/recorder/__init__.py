"""The recorder: one BBB playback in, one verified video file out (the contract in contract.py).

``record()`` is the whole program; ``bbb-migrate record`` (cli/record.py) is a thin shell
around it, and both executors (the Kubernetes Job and the local runner) run that command.

Modules, in the order a render uses them: ``source`` (what the URL is, the duration from
metadata.xml), ``display`` (Xvfb, PulseAudio), ``browser`` (Chromium over CDP), ``players``
(the two BBB players' contract), ``capture`` (ffmpeg), ``render`` (the sequence), ``download``
(video playbacks), ``verify`` (the output checks), ``procs`` (children that never outlive us),
``log`` (structured lines).
"""

from __future__ import annotations

import os
import subprocess
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

from ..contract import (
    ExitCode,
    RecorderResult,
    file_sha256,
    log_path,
    result_path,
    safe_name,
    sheet_path,
)
from .capture import VideoSettings
from .checks import Limits, raise_for, run_checks
from .engine import render_presentation
from .errors import RecorderError
from .log import EventLog
from .procs import TreeMeter
from .render import RenderOptions
from .source import classify, fetch_duration, metadata_url
from .verify import verify

__all__ = ["Limits", "RecorderError", "RenderOptions", "VideoSettings", "record"]


def ffmpeg_version() -> str | None:
    """``ffmpeg version 5.1.x`` or None."""
    try:
        out = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = out.stdout.splitlines()[0] if out.stdout else ""
    return " ".join(first.split()[:3]) or None


def part_path(output: Path) -> Path:
    """The temporary name the output is written under, renamed atomically at the end."""
    return output.with_name(f".{output.name}.part")


def record(url: str, output: str | os.PathLike[str], *, record_id: str | None = None,
           settings: VideoSettings | None = None, options: RenderOptions | None = None,
           duration: float | None = None, deadline_factor: float = 1.5,
           deadline_margin: float = 300.0, download_timeout: float = 60.0,
           log: EventLog | None = None, checks: Limits | None = None) -> RecorderResult:
    """Render or download one playback into ``output``; never raises for a recording's fault.

    The exit code, message and facts are in the returned (and written) result.
    """
    started_wall = time.time()
    started = time.monotonic()
    output = Path(output).absolute()
    options = options or RenderOptions()
    if settings is not None:
        options.settings = settings
    meter = TreeMeter()
    result = RecorderResult(
        record_id=record_id or "", source_url=url, output=str(output), kind="render",
        exit_code=int(ExitCode.CRASH), exit_class=ExitCode.CRASH.exit_class,
        started_at=datetime.fromtimestamp(started_wall, UTC).isoformat(),
    )
    own_log = log is None
    output.parent.mkdir(parents=True, exist_ok=True)
    log = log or EventLog(record_id or "", log_path(output))
    part = part_path(output)
    keep_part = False
    context = None
    try:
        target = classify(url)
        result.kind = target.kind
        result.record_id = record_id or target.record_id or safe_name(output.stem)
        log.record_id = result.record_id
        log.info("start", url=url, kind=target.kind, output=str(output))
        if target.kind == "render":
            meta = metadata_url(target)
            expected = duration or fetch_duration(meta or "")
            assert expected is not None
            result.expected_duration_seconds = expected
            deadline = started + expected * deadline_factor + deadline_margin
            log.info("duration", seconds=expected, deadline_seconds=round(deadline - started))
            part.unlink(missing_ok=True)
            facts = render_presentation(target, part, expected, options, log, deadline, meter)
            context = facts.pop("_context", None)
            result.extra.update(facts)
            result.chromium_version = result.extra.pop("chromium_version", None)
            need_audio = True
        else:
            from .download import download

            meta = metadata_url(target)
            expected = duration or (fetch_duration(meta, required=False) if meta else None)
            result.expected_duration_seconds = expected
            deadline = started + (expected or 3600) * deadline_factor + deadline_margin
            keep_part = True
            result.extra.update(download(url, part, log, timeout=download_timeout,
                                         deadline=deadline))
            if expected is None:  # a token URL: metadata.xml sits beside the media file
                beside = urljoin(result.extra["media_url"], "metadata.xml")
                result.expected_duration_seconds = fetch_duration(beside, required=False)
            need_audio = True
        # a render is the recording's length to two frames (both engines cut at its end); a
        # downloaded file is BBB's own, whose length may differ from metadata.xml by a second
        frames = 2.0 / options.settings.fps
        probe = verify(part, result.expected_duration_seconds, need_audio=need_audio,
                       check_black=target.kind == "render" and not (checks or Limits()).enabled,
                       **({"tolerance_ratio": 0.0, "tolerance_seconds": frames}
                          if target.kind == "render" else {}))
        result.duration_seconds = round(probe.duration, 3)
        if target.kind == "render" and context is not None:
            result.checks, sheet = run_checks(part, probe.duration, context, checks or Limits(),
                                              sheet_path(output))
            if sheet is not None:
                result.extra["contact_sheet"] = sheet.name
            log.info("checks", **{k: v["status"] if isinstance(v, dict) else v
                                  for k, v in result.checks.items()})
            raise_for(result.checks, context.engine)
        result.extra["video"] = {"codec": probe.video_codec, "width": probe.width,
                                 "height": probe.height, "frames": probe.frames,
                                 "audio_codec": probe.audio_codec}
        result.size_bytes = part.stat().st_size
        result.sha256 = file_sha256(part)
        os.replace(part, output)
        keep_part = False
        result.exit_code = int(ExitCode.OK)
        result.exit_class = ExitCode.OK.exit_class
        result.message = "ok"
    except RecorderError as error:
        result.exit_code = int(error.code)
        result.exit_class = error.code.exit_class
        result.message = error.message
        if error.code in (ExitCode.VERIFY, ExitCode.CPU_STARVED):
            keep_part = False
    except Exception as error:  # a bug or an unexpected environment: retryable crash
        result.exit_code = int(ExitCode.CRASH)
        result.exit_class = ExitCode.CRASH.exit_class
        result.message = f"{type(error).__name__}: {error}"
        log.debug("traceback", text=traceback.format_exc())
    except BaseException as error:  # SIGTERM (see cli/record.py) or Ctrl-C: stop cleanly
        result.exit_code = int(ExitCode.CRASH)
        result.exit_class = ExitCode.CRASH.exit_class
        result.message = f"interrupted ({type(error).__name__}: {error})"
        _finish(result, started, started_wall, meter, log, part, keep_part, own_log)
        raise
    _finish(result, started, started_wall, meter, log, part, keep_part, own_log)
    return result


def _finish(result: RecorderResult, started: float, started_wall: float, meter: TreeMeter,
            log: EventLog, part: Path, keep_part: bool, own_log: bool) -> None:
    if not keep_part:
        part.unlink(missing_ok=True)
    meter.sample()
    result.wall_seconds = round(time.monotonic() - started, 3)
    result.cpu_seconds = round(meter.cpu_seconds, 3)
    result.extra["peak_rss_bytes"] = meter.peak_rss
    result.ffmpeg_version = ffmpeg_version()
    result.finished_at = datetime.fromtimestamp(started_wall + result.wall_seconds,
                                                UTC).isoformat()
    result.write(result_path(result.output))
    level = log.info if result.ok else log.error
    level("finished", exit_code=result.exit_code, exit_class=result.exit_class,
          message=result.message, duration=result.duration_seconds,
          wall_seconds=result.wall_seconds, cpu_seconds=result.cpu_seconds)
    if own_log:
        log.close()
