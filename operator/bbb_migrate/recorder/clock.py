"""The media clock against the wall clock: when media t=0 was, how far the clock slipped, and
whether the file's timeline is the recording's.

The recorder polls ``currentTime`` with the page's ``Date.now()`` (every 0.25 s). Each poll gives
an estimate of the wall time of media t=0 (``now - t``); it reads late by up to ~20 ms, because
Chromium advances ``currentTime`` in steps of its audio output. The earliest estimate is the
epoch. A slip (the player stalled: a busy machine, a slow media server) moves every later
estimate by its length, so the slip is measured on the earliest estimate of each 4 s window
against the earliest before it: the steps' noise cancels (a healthy render measures 0-5 ms)
and a 20 ms stall shows.
"""

from __future__ import annotations

import math
from typing import Any

from ..contract import ExitCode
from .errors import RecorderError

WINDOW_POLLS = 16  # 4 s of polls at 0.25 s


class MediaClock:
    """Epoch and slip of the media clock, from ``(now, t)`` polls; constant memory."""

    def __init__(self) -> None:
        self.epoch = math.inf  # wall time of media t=0 (earliest estimate)
        self.slip = 0.0  # the largest delay of a window's earliest estimate over earlier ones
        self._floor = math.inf  # earliest window minimum so far
        self._window = math.inf
        self._count = 0

    def add(self, now: float, t: float) -> None:
        estimate = now - t
        self.epoch = min(self.epoch, estimate)
        self._window = min(self._window, estimate)
        self._count += 1
        if self._count >= WINDOW_POLLS:
            self._close()

    def _close(self) -> None:
        if self._count:
            self._floor = min(self._floor, self._window)
            self.slip = max(self.slip, self._window - self._floor)
        self._window, self._count = math.inf, 0

    def result(self, fallback_epoch: float) -> tuple[float, float]:
        """(epoch, slip); ``fallback_epoch`` when the clock was never seen moving."""
        self._close()
        if self.epoch == math.inf:
            return fallback_epoch, 0.0
        return self.epoch, self.slip


DEFAULT_PLAY_LATENCY = 0.05  # s from the play click to media t=0, when priming could not tell
MAX_PLAY_LATENCY = 0.3


def play_latency(measured: float | None) -> float:
    """How early to press play so that media t=0 falls on the file's first instant: the
    latency measured on the page while priming (45-70 ms here), within sane bounds."""
    if measured is None or not measured >= 0:
        return DEFAULT_PLAY_LATENCY
    return min(float(measured), MAX_PLAY_LATENCY)


def check_timeline(offset: float, slip: float, fps: int, log: Any = None) -> None:
    """Refuse (retryable) a file whose timeline is off the recording's by more than the file
    can show: the media clock slipped more than half a frame behind real time (the picture
    froze there and every later instant is late), or media t=0 is more than two frames from
    the file's first instant, which also decides what the last frame shows (``offset``: media
    t=0 minus the file's start, on the wall clock; ``slip``: the clock's total slip)."""
    frame = 1.0 / fps
    if slip > frame / 2:
        if log is not None:
            log.warning("clock-slip", seconds=round(slip, 4))
        raise RecorderError(
            ExitCode.STALL,
            f"the media clock slipped {slip * 1000:.0f} ms behind real time while playing (more "
            f"than half a frame, {frame * 500:.0f} ms): the picture froze there and the rest "
            "came late (a busy machine or a slow media server); retried")
    if offset + slip > 2 * frame:
        raise RecorderError(
            ExitCode.VERIFY,
            f"the end of the recording is missing: playback started {offset * 1000:.0f} ms "
            f"after the file did, so its last frame shows {offset + slip:.3f} s before the end")
    if offset < -2 * frame:
        raise RecorderError(
            ExitCode.VERIFY,
            f"the start of the recording is missing: playback started {-offset * 1000:.0f} ms "
            "before the file did")
