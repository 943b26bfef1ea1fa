"""ffmpeg screen + sound capture, encoded straight to the output file.

Timing: ffmpeg's two device inputs are stamped with the wall clock (x11grab at grab time,
PulseAudio at capture time minus its latency), but ffmpeg normally shifts each input to start
at zero on its own, which leaves the sound ~58 ms early (the pulse input opens later; research
note bbb-players.md §6). With ``-copyts`` both keep their wall-clock stamps, and one trim at an
instant chosen in advance (``start_at``, when the recorder also presses play) cuts both streams
at the same moment. So the file starts when playback starts, with no skew to guess. The trim
also ends both streams at ``end_at`` (the play instant plus the recording's duration), where
ffmpeg stops by itself once it has encoded every frame up to it: a busy encoder catches up
instead of losing its backlog to a ``q``, and the file is the recording's length to the frame.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import ExitCode
from .errors import RecorderError
from .procs import Child

LOST_TOLERANCE_FRAMES = 2
"""How much of the recording a capture may lose (in frames) before the render is refused as
``cpu-starved``: the same margin as the duration check of a render in :func:`verify.verify`.

A screen capture cannot catch up: what ffmpeg could not encode while the player played is lost
(the demo on a loaded machine wrote 11.6 s of a 20 s recording, at 0.54x). So the recorder
measures it and fails with the named, retryable ``cpu-starved`` instead of a vague duration
mismatch; the next attempt, on a less busy machine or with less parallelism, succeeds."""

CAPTURE_PRESET = "veryfast"
_INPUT = re.compile(r"^Input #(\d+),")
_START = re.compile(r"start: (-?\d+(?:\.\d+)?)")


@dataclass
class VideoSettings:
    """Output encoding (H.264 High yuv420p CFR + AAC-LC 48 kHz, +faststart)."""

    width: int = 1280
    height: int = 720
    fps: int = 25
    crf: int = 20
    preset: str | None = None  # None: the engine's own (capture veryfast, compose ultrafast)
    audio_bitrate: str = "128k"
    gop_seconds: int = 2


@dataclass
class CaptureState:
    """What ffmpeg said about itself while running."""

    input_starts: dict[int, float] = field(default_factory=dict)
    progress: dict[str, str] = field(default_factory=dict)
    last_lines: list[str] = field(default_factory=list)


def ffmpeg_command(display: str, pulse_server: str, source: str, output: Path,
                   settings: VideoSettings, start_at: float, audio_delay: float,
                   end_at: float | None = None) -> list[str]:
    """The capture command; ``start_at`` and ``end_at`` are Unix times (the file's first and
    end instants), ``audio_delay`` seconds (may be < 0)."""
    s = settings
    audio_start = start_at - audio_delay
    end = f":end={end_at:.6f}" if end_at is not None else ""
    audio_end = f":end={end_at - audio_delay:.6f}" if end_at is not None else ""
    graph = (
        f"[0:v]trim=start={start_at:.6f}{end},setpts=PTS-{start_at:.6f}/TB,"
        f"fps={s.fps}:start_time=0,format=yuv420p[v];"
        f"[1:a]atrim=start={audio_start:.6f}{audio_end},asetpts=PTS-{audio_start:.6f}/TB,"
        "aresample=48000:async=1:first_pts=0[a]"
    )
    return [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "info", "-y",
        "-progress", "pipe:2", "-stats_period", "1",
        "-thread_queue_size", "512", "-f", "x11grab", "-draw_mouse", "0",
        "-framerate", str(s.fps), "-video_size", f"{s.width}x{s.height}", "-i", f"{display}.0+0,0",
        "-thread_queue_size", "512", "-f", "pulse", "-server", pulse_server,
        "-sample_rate", "48000", "-channels", "2", "-fragment_size", "3840", "-i", source,
        "-copyts", "-filter_complex", graph, "-map", "[v]", "-map", "[a]",
        "-c:v", "libx264", "-preset", s.preset or CAPTURE_PRESET, "-crf", str(s.crf),
        "-profile:v", "high",
        "-pix_fmt", "yuv420p", "-g", str(s.fps * s.gop_seconds), "-r", str(s.fps),
        "-fps_mode", "cfr",
        "-c:a", "aac", "-b:a", s.audio_bitrate, "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart", "-f", "mp4", str(output),
    ]


class Capture:
    """One running ffmpeg capture."""

    def __init__(self, command: list[str], on_line: Callable[[str, str], None]):
        self.state = CaptureState()
        self.input_skew: float | None = None  # pulse start - x11grab start (s), for the record
        self._lock = threading.Lock()
        self._current_input: int | None = None
        self._on_line = on_line
        self.child = Child("ffmpeg", command, on_line=self._line, stdin=True)

    def _line(self, name: str, line: str) -> None:
        with self._lock:
            if "=" in line and " " not in line.strip():
                key, _, value = line.strip().partition("=")
                self.state.progress[key] = value
                return
            match = _INPUT.match(line)
            if match:
                self._current_input = int(match.group(1))
            elif self._current_input is not None and "Duration:" in line:
                start = _START.search(line)
                if start:
                    self.state.input_starts[self._current_input] = float(start.group(1))
                self._current_input = None
            self.state.last_lines = [*self.state.last_lines[-19:], line]
        self._on_line(name, line)

    def wait_inputs(self, deadline: float) -> dict[int, float]:
        """Block until both inputs are open (their wall-clock start stamps known)."""
        while time.time() < deadline:
            with self._lock:
                if len(self.state.input_starts) >= 2:
                    return dict(self.state.input_starts)
            if not self.child.alive():
                raise RecorderError(ExitCode.CRASH, "ffmpeg exited at start: "
                                    + " | ".join(self.state.last_lines[-3:]))
            time.sleep(0.05)
        raise RecorderError(ExitCode.CRASH, "ffmpeg did not open its inputs in time")

    def progress(self) -> dict[str, str]:
        with self._lock:
            return dict(self.state.progress)

    def finish(self, timeout: float, until: float | None = None) -> int:
        """Let ffmpeg end by itself (its trim's end) until the Unix time ``until``, else ask it
        to stop (``q``); let it write the index (+faststart), return its status."""
        proc = self.child.proc
        if until is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.0, until - time.time()))
        if proc.poll() is None and proc.stdin is not None:
            try:
                proc.stdin.write(b"q")
                proc.stdin.flush()
                proc.stdin.close()
            except (BrokenPipeError, OSError):
                pass
        try:
            return proc.wait(timeout)
        except Exception:
            self.child.stop()
            raise RecorderError(ExitCode.CRASH, "ffmpeg did not finish the file") from None


def capture_speed(written: float | None, start_at: float, stopped_at: float) -> float | None:
    """Seconds of video ffmpeg wrote per second of real time since the play instant.

    ``written`` is the finished file's duration (ffprobe: ffmpeg's own ``-progress`` lines can
    be two seconds stale when it exits); ``start_at`` the trim instant (the file's t=0);
    ``stopped_at`` the moment the file had to reach (the media's end, ``q`` at the latest).
    1.0 means it kept up; ffmpeg's ``speed`` also counts the lead before play, so it is not
    used. None when the duration is unknown (then the verification refuses the file).
    """
    wall = stopped_at - start_at
    if written is None or wall <= 0:
        return None
    return written / wall


def check_capture_speed(speed: float | None, wall: float, fps: int = 25) -> None:
    """Raise the named ``cpu-starved`` failure when the capture fell behind real time by more
    than the duration check tolerates (``wall``: seconds since the play instant)."""
    if speed is None:
        return
    lost = wall * (1.0 - speed)
    if lost > LOST_TOLERANCE_FRAMES / fps:
        raise RecorderError(
            ExitCode.CPU_STARVED,
            f"capture ran at {speed:.2f}x of real time, {lost:.1f} s of "
            f"{wall:.1f} s lost (the machine was too busy to encode as the recording played; "
            "retried later, or lower recorder.parallelism)")
