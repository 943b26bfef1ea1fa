"""Measurements on a rendered file, made from the file alone (as a reviewer would).

Frame colours come from ffmpeg decoding a small region of every frame; beep onsets from the
decoded audio's envelope. Both use the file's own timestamps (the output is constant frame
rate, so frame i is at i / fps).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np


def region_colours(path: Path, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float]:
    """Mean RGB of ``box`` (x, y, w, h) for every frame; and the frame rate."""
    x, y, w, h = box
    fps = frame_rate(path)
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-an",
         "-vf", f"crop={w}:{h}:{x}:{y},scale=4:4:flags=area", "-f", "rawvideo",
         "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True, check=True)
    frames = np.frombuffer(out.stdout, dtype=np.uint8).reshape(-1, 16, 3).astype(float)
    return frames.mean(axis=1), fps


def frame_rate(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=r_frame_rate", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True)
    num, _, den = out.stdout.strip().partition("/")
    return float(num) / float(den or 1)


def frame_at(path: Path, t: float) -> np.ndarray:
    """The full RGB frame at ``t`` seconds (H x W x 3)."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True)
    w, h = (int(v) for v in probe.stdout.strip().split(","))
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"],
        capture_output=True, check=True)
    return np.frombuffer(out.stdout, dtype=np.uint8).reshape(h, w, 3)


def audio_onsets(path: Path, threshold: float = 0.05, quiet: float = 0.3) -> list[float]:
    """Times (s) where the sound rises above ``threshold`` after ``quiet`` s of silence."""
    rate = 48000
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(rate),
         "-f", "f32le", "pipe:1"], capture_output=True, check=True)
    samples = np.abs(np.frombuffer(out.stdout, dtype=np.float32))
    loud = np.flatnonzero(samples > threshold)
    onsets: list[float] = []
    last = -1e9
    for index in loud:
        if index - last > quiet * rate:
            onsets.append(index / rate)
        last = index
    return onsets


def first_change(colours: np.ndarray, fps: float, rgb: tuple[int, int, int], after: float,
                 tolerance: float = 40.0) -> float | None:
    """Time of the first frame at or after ``after`` s whose colour is close to ``rgb``."""
    target = np.array(rgb, dtype=float)
    start = max(0, int(after * fps))
    for index in range(start, len(colours)):
        if np.abs(colours[index] - target).max() <= tolerance:
            return index / fps
    return None


def closest(colour: np.ndarray, palette: dict[str, tuple[int, int, int]]) -> str:
    """The palette name nearest to a colour."""
    return min(palette, key=lambda k: float(np.abs(colour - np.array(palette[k])).sum()))
