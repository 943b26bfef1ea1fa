"""Check an output file before it is called a success: duration, streams, not all black."""

from __future__ import annotations

import json
import statistics
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..contract import ExitCode
from .errors import RecorderError


@dataclass
class Probe:
    duration: float
    video_codec: str | None
    audio_codec: str | None
    width: int | None
    height: int | None
    frames: int | None
    brightness: list[float]


def ffprobe(path: Path) -> dict:
    """ffprobe's JSON for a file (format + streams)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    if out.returncode != 0:
        raise RecorderError(ExitCode.VERIFY, f"ffprobe cannot read the output: {out.stderr[-300:]}")
    return json.loads(out.stdout)


def written_seconds(path: Path) -> float | None:
    """The duration of a finished file, or None when ffprobe cannot tell (verify refuses it)."""
    try:
        return float(ffprobe(path).get("format", {}).get("duration", "nan")) or None
    except (RecorderError, ValueError):
        return None


def frame_luma(path: Path, at: float, size: tuple[int, int] = (64, 36)) -> list[int] | None:
    """The grey pixels of one small frame at ``at`` seconds (None when there is none)."""
    w, h = size
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1",
         "-vf", f"scale={w}:{h},format=gray", "-f", "rawvideo", "pipe:1"],
        capture_output=True, timeout=120,
    )
    if out.returncode != 0 or len(out.stdout) < w * h:
        return None
    return list(out.stdout[: w * h])


def verify(path: Path, expected: float | None, *, need_audio: bool = True,
           tolerance_ratio: float = 0.01, tolerance_seconds: float = 1.0,
           check_black: bool = True, samples: int = 8) -> Probe:
    """Raise ``RecorderError(VERIFY)`` unless the file is what a viewer should get."""
    info = ffprobe(path)
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    try:
        duration = float(info.get("format", {}).get("duration", "nan"))
    except ValueError:
        duration = float("nan")
    if video is None:
        raise RecorderError(ExitCode.VERIFY, "no video stream in the output")
    if need_audio and audio is None:
        raise RecorderError(ExitCode.VERIFY, "no audio stream in the output")
    if not duration > 0:
        raise RecorderError(ExitCode.VERIFY, "the output has no duration")
    if expected:
        tolerance = max(expected * tolerance_ratio, tolerance_seconds)
        if abs(duration - expected) > tolerance:
            raise RecorderError(
                ExitCode.VERIFY,
                f"duration {duration:.2f} s, expected {expected:.2f} s (± {tolerance:.2f} s)")
    brightness: list[float] = []
    if check_black:
        lit = False
        for i in range(samples):
            frame = frame_luma(path, duration * (i + 0.5) / samples)
            if frame:
                brightness.append(round(statistics.fmean(frame), 1))
                # bright, or dark but with contrast (a dark theme is not a black screen)
                if statistics.fmean(frame) > 24 or max(frame) - min(frame) > 24:
                    lit = True
                    break
        if not lit:
            raise RecorderError(ExitCode.VERIFY, "the output is black in every sampled frame")
    frames = video.get("nb_frames")
    return Probe(
        duration=duration, video_codec=video.get("codec_name"),
        audio_codec=audio.get("codec_name") if audio else None,
        width=video.get("width"), height=video.get("height"),
        frames=int(frames) if frames and str(frames).isdigit() else None,
        brightness=brightness,
    )
