"""Content checks of a render: is the picture there, does it move when the recording says it
should, is there sound where the source has sound, did the page show what it should?

ffprobe (``verify``) proves a file is whole; these checks judge what is in it, so that an
administrator does not have to watch 10,000 videos. Each check has a named result in the
result JSON (``checks``: ``black``, ``frozen``, ``silence``, ``page``) with its numbers; a failed
one fails the attempt with a message naming it. Whether another attempt can change the outcome
decides the exit code: what the compose engine drew from the recording's files is drawn the
same way again (``content``, permanent), while a capture can film a glitch that does not recur
(``verify``, retryable). Missing slides (HTTP 404/410) are permanent for both engines.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..contract import ExitCode
from .errors import RecorderError
from .scan import Found, Span, scan, source_volume

CHECKS = ("black", "frozen", "silence", "page")
THUMBS_FIXED = 8  # contact sheet: evenly spaced instants
THUMBS_EVENTS = 8  # contact sheet: the first picture events (slide changes, shares)


@dataclass
class Limits:
    """Thresholds of the content checks (``recorder.checks`` in the spec)."""

    enabled: bool = True
    black_max_ratio: float = 0.5  # black for more than this share of the duration: failed
    black_max_seconds: float = 120.0  # one black stretch this long, outside screen shares
    frozen_max_seconds: float = 20.0  # a still picture this long across picture events
    silence_min_seconds: float = 30.0  # silences this long are compared with the source
    silence_db: float = -50.0  # below this the output counts as silent
    contact_sheet: bool = True


@dataclass
class Context:
    """What the render knew: picture events (media seconds), screen-share spans, where the
    source sound is, and the page's errors seen during the capture."""

    engine: str
    events: list[float]
    shares: list[Span]
    sound_urls: list[str]
    page_errors: list[dict[str, Any]]


def picture_events(timeline: Any) -> tuple[list[float], list[Span]]:
    """The instants where the whole picture must change (another slide image, a zoom, a share
    starting or stopping), and the share spans. Annotations and cursor moves are left out: a
    pointer or a small stroke changes too few pixels for the still detector to tell (its noise
    floor, -60 dB, is about 0.1 % of the picture)."""
    events: set[float] = set()
    previous = None
    for slide in timeline.slides:
        if previous is not None and slide.href != previous and slide.start > 0:
            events.add(slide.start)
        previous = slide.href
    last_box = None
    for t, box in timeline.panzooms:
        if last_box is not None and box != last_box and t > 0:
            events.add(t)
        last_box = box
    for start, stop in timeline.shares:
        events.update((start, stop))
    return sorted(t for t in events if math.isfinite(t)), list(timeline.shares)


def sheet_instants(duration: float, events: list[float]) -> list[float]:
    """Evenly spaced instants plus the first picture events (just after each, so the new
    picture is on screen), none closer than a second to another."""
    fixed = [duration * (i + 0.5) / THUMBS_FIXED for i in range(THUMBS_FIXED)]
    chosen: list[float] = []
    for t in sorted(fixed + [e + 0.5 for e in events[:THUMBS_EVENTS]]):
        if t < duration and all(abs(t - c) >= 1.0 for c in chosen):
            chosen.append(round(t, 3))
    return chosen


def _overlap(span: Span, others: list[Span]) -> float:
    return sum(max(0.0, min(span[1], b) - max(span[0], a)) for a, b in others)


def judge_black(found: Found, duration: float, shares: list[Span], limits: Limits
                ) -> dict[str, Any]:
    total = sum(b - a for a, b in found.black)
    outside = [b - a - _overlap((a, b), shares) for a, b in found.black]
    longest = max(outside, default=0.0)
    result = {"black_seconds": round(total, 2), "longest_seconds": round(longest, 2),
              "max_ratio": limits.black_max_ratio, "max_seconds": limits.black_max_seconds}
    if duration > 0 and total / duration > limits.black_max_ratio:
        why = f"black for {total:.0f} s of {duration:.0f} s ({total / duration:.0%})"
    elif longest > limits.black_max_seconds:
        why = f"black for {longest:.0f} s in one stretch"
    else:
        return {"status": "ok", **result}
    return {"status": "failed", "detail": why, **result}


def judge_frozen(found: Found, events: list[float], limits: Limits) -> dict[str, Any]:
    """A still stretch that outlasts the limit while the recording changes the picture."""
    worst: tuple[Span, int] | None = None
    for a, b in found.still:
        inside = sum(1 for t in events if a + 0.5 < t < b - 0.5)
        if inside and b - a >= limits.frozen_max_seconds and (worst is None or b - a >
                                                               worst[0][1] - worst[0][0]):
            worst = ((a, b), inside)
    longest = max((b - a for a, b in found.still), default=0.0)
    result = {"longest_still_seconds": round(longest, 2), "picture_events": len(events),
              "max_seconds": limits.frozen_max_seconds}
    if worst is None:
        return {"status": "ok", **result}
    (a, b), inside = worst
    return {"status": "failed", "detail": f"the picture stays still from {a:.0f} s to {b:.0f} s "
            f"across {inside} slide/zoom/share change(s)", "span": [round(a, 2), round(b, 2)],
            **result}


def judge_silence(found: Found, sound_urls: list[str], limits: Limits,
                  volume: Callable[[str, float, float], float | None] = source_volume
                  ) -> dict[str, Any]:
    """Long silences of the output, compared with the source's sound over the same windows
    (the four longest are measured; a source that cannot be read leaves the check unknown)."""
    silent = sorted(found.silent, key=lambda s: s[0] - s[1])[:4]
    result: dict[str, Any] = {"silent_seconds": round(sum(b - a for a, b in found.silent), 2),
                              "compared": [], "silence_db": limits.silence_db}
    for a, b in silent:
        level = None
        for url in sound_urls:
            level = volume(url, a, b - a)
            if level is not None:
                break
        result["compared"].append({"span": [round(a, 2), round(b, 2)],
                                   "source_db": None if level is None or math.isinf(level)
                                   else round(level, 1)})
        if level is not None and level > limits.silence_db + 10:
            return {"status": "failed", "detail": f"silent from {a:.0f} s to {b:.0f} s while "
                    f"the source has sound there ({level:.0f} dB)", **result}
    if silent and not sound_urls:
        return {"status": "unknown", "detail": "no source sound to compare with", **result}
    return {"status": "ok", **result}


def judge_page(errors: list[dict[str, Any]]) -> dict[str, Any]:
    missing = [e for e in errors if e.get("status") in (404, 410)]
    if missing:
        names = ", ".join(sorted({Path(str(e.get("url", ""))).name for e in missing})[:5])
        return {"status": "failed", "detail": f"{len(missing)} slide image(s) missing on the "
                f"server ({names})", "errors": errors[:20], "permanent": True}
    if errors:
        return {"status": "failed", "detail": f"{len(errors)} image(s) failed to load "
                f"(HTTP {errors[0].get('status')})", "errors": errors[:20]}
    return {"status": "ok", "errors": []}


def run_checks(path: Path, duration: float, context: Context, limits: Limits,
               sheet: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The named results of every check, and the contact sheet written (or None)."""
    if not limits.enabled:
        return {name: {"status": "skipped"} for name in CHECKS}, None
    instants = sheet_instants(duration, context.events) if limits.contact_sheet else []
    found = scan(path, duration, silence_min=limits.silence_min_seconds,
                 silence_db=limits.silence_db, sheet=sheet if instants else None,
                 instants=instants, timeout=max(600.0, duration))
    results = {
        "black": judge_black(found, duration, context.shares, limits),
        "frozen": judge_frozen(found, context.events, limits),
        "silence": judge_silence(found, context.sound_urls, limits),
        "page": judge_page(context.page_errors),
        "scan_seconds": found.seconds,
    }
    return results, found.sheet


def raise_for(results: dict[str, Any], engine: str) -> None:
    """Fail the attempt on the first failed check: permanent when a new attempt draws the same
    (compose, or slides missing on the server), retryable for a capture."""
    failed = [(name, results[name]) for name in CHECKS
              if isinstance(results.get(name), dict) and results[name]["status"] == "failed"]
    if not failed:
        return
    permanent = engine == "compose" or any(r.get("permanent") for _, r in failed)
    message = "; ".join(f"{name}: {r['detail']}" for name, r in failed)
    raise RecorderError(ExitCode.CONTENT if permanent else ExitCode.VERIFY,
                        f"content check failed: {message}")


def limits_dict(limits: Limits) -> dict[str, Any]:
    return asdict(limits)


def image_errors(errors: list[dict[str, Any]]) -> Callable[[Any], None]:
    """A Playwright ``response`` listener noting the recording's images (slides, thumbnails,
    under ``/presentation/<recordID>/``) that the page failed to load: a slide the server lost
    shows as an empty area in the player, with no other sign."""

    def on_response(response: Any) -> None:
        with suppress(Exception):  # a listener must never break the capture
            url = response.url
            if response.status >= 400 and response.request.resource_type == "image" \
                    and "/presentation/" in url and "/playback/" not in url \
                    and len(errors) < 100:
                errors.append({"url": url, "status": response.status})

    return on_response
