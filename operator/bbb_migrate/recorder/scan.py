"""One ffmpeg pass over a finished render: black, still and silent stretches, and the contact
sheet, from a single decode of the file.

A render is decoded once more after it is encoded (the cost of looking at every frame): each
frame is shrunk to 160x90 first, so the detectors cost little next to the decoder, and the
audio is only measured. The colour planes are kept: two slides of the same brightness in other
colours (the 10-minute lecture's slides 13 and 14) look alike in grey, and a grey scan took a
good render for a frozen one. The contact sheet (the frames at chosen instants, side by side, with
their times) comes out of the same pass. ``source_volume`` measures the source's sound over a
few windows, and is only called for the output's long silences.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

THUMB = (160, 90)
SHEET_COLUMNS = 8
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
Span = tuple[float, float]

_BLACK = re.compile(r"black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)")
_FREEZE = re.compile(r"freezedetect\.freeze_(start|end):\s*([\d.]+)")
_SILENCE = re.compile(r"silence_(start|end):\s*(-?[\d.]+)")
_MEAN = re.compile(r"mean_volume:\s*(-?[\d.]+|-inf) dB")


@dataclass
class Found:
    """What the pass saw: spans in seconds of the output's own timeline."""

    black: list[Span] = field(default_factory=list)
    still: list[Span] = field(default_factory=list)
    silent: list[Span] = field(default_factory=list)
    sheet: Path | None = None
    seconds: float = 0.0


def _pairs(marks: list[tuple[str, float]], duration: float) -> list[Span]:
    """start/end marks into spans; a span still open at the end lasts to the end."""
    spans: list[Span] = []
    start: float | None = None
    for kind, value in marks:
        if kind == "start":
            start = max(0.0, value)
        elif start is not None:
            spans.append((start, value))
            start = None
    if start is not None and duration > start:
        spans.append((start, duration))
    return spans


def _select(instants: list[float]) -> str:
    """A select expression keeping the first frame at or after each instant (frames of a
    compose render are sparse: the first one at an instant is the picture shown from then)."""
    last = "if(isnan(prev_selected_t),-1,prev_selected_t)"
    terms = [f"gte(t,{t:.3f})*lt({last},{t:.3f})" for t in instants]
    return "+".join(terms).replace(",", r"\,")


def command(path: Path, duration: float, *, black_min: float, still_min: float,
            silence_min: float, silence_db: float, has_audio: bool,
            sheet: Path | None, instants: list[float]) -> list[str]:
    """The ffmpeg command of the pass (the detectors print their findings on stderr)."""
    w, h = THUMB
    video = (f"[0:v]scale={w}:{h}:flags=area,split[d][s];"
             f"[d]format=yuv420p,blackdetect=d={black_min}:pix_th=0.10,"
             f"freezedetect=n=-60dB:d={still_min}[vo]")
    argv = ["ffmpeg", "-hide_banner", "-nostats", "-v", "info", "-i", str(path)]
    maps = ["-map", "[vo]", "-f", "null", "-"]
    if has_audio:
        video += f";[0:a]silencedetect=n={silence_db}dB:d={silence_min}[ao]"
        maps += ["-map", "[ao]", "-f", "null", "-"]
    if sheet is not None and instants:
        stamp = ""
        if FONT.is_file():
            stamp = (f",drawtext=fontfile={FONT}:text='%{{pts\\:hms}}':fontsize=11:"
                     "fontcolor=white:box=1:boxcolor=black@0.6:x=3:y=3")
        rows = math.ceil(len(instants) / SHEET_COLUMNS)
        cols = min(len(instants), SHEET_COLUMNS)
        video += (f";[s]select='{_select(instants)}'{stamp},"
                  f"tile={cols}x{rows}:padding=2:color=white[sheet]")
        maps += ["-map", "[sheet]", "-frames:v", "1", "-update", "1", "-q:v", "5", "-y",
                 str(sheet)]
    else:
        video += ";[s]nullsink"
    return [*argv, "-filter_complex", video, *maps]


def scan(path: Path, duration: float, *, black_min: float = 2.0, still_min: float = 2.0,
         silence_min: float = 30.0, silence_db: float = -50.0, has_audio: bool = True,
         sheet: Path | None = None, instants: list[float] | None = None,
         timeout: float = 3600.0) -> Found:
    """Run the pass over ``path``; raise ``RuntimeError`` when ffmpeg cannot read it."""
    import time

    began = time.monotonic()
    instants = sorted(t for t in (instants or []) if 0 <= t < duration)
    argv = command(path, duration, black_min=black_min, still_min=still_min,
                   silence_min=silence_min, silence_db=silence_db, has_audio=has_audio,
                   sheet=sheet, instants=instants)
    if sheet is not None:
        sheet.unlink(missing_ok=True)
    out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    if out.returncode != 0:
        raise RuntimeError(f"ffmpeg could not scan the output: {out.stderr[-300:]}")
    black = [(float(a), float(b)) for a, b in _BLACK.findall(out.stderr)]
    still = _pairs([(k, float(v)) for k, v in _FREEZE.findall(out.stderr)], duration)
    silent = _pairs([(k, float(v)) for k, v in _SILENCE.findall(out.stderr)], duration)
    return Found(black=black, still=still, silent=silent,
                 sheet=sheet if sheet is not None and sheet.is_file() else None,
                 seconds=round(time.monotonic() - began, 3))


def source_volume(url: str, start: float, length: float, timeout: float = 120.0
                  ) -> float | None:
    """The mean volume (dB) of the source's sound over one window, read over HTTP with a
    seek (only that window is fetched and decoded); None when it cannot be read."""
    argv = ["ffmpeg", "-hide_banner", "-nostats", "-v", "info", "-ss", f"{start:.3f}",
            "-t", f"{length:.3f}", "-i", url, "-vn", "-af", "volumedetect", "-f", "null", "-"]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = _MEAN.search(out.stderr)
    if out.returncode != 0 or not found:
        return None
    return -math.inf if found.group(1) == "-inf" else float(found.group(1))
