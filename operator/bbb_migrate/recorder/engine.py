"""Which engine renders a presentation: ``compose`` (drawn from the files) or ``capture``.

``auto`` (the default) fetches the recording's files once and composes when compose draws every
feature the recording uses; otherwise it captures the player, and the reason goes into the
result JSON (``extra.engine_reason``), the log, and from there the status and summaries.
Both engines make the same layouts (``presentation``, ``presentation+webcam``, ``player``): compose
draws them, capture has the player lay itself out so (``players.layout_css``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .capture import VideoSettings
from .checks import Context, picture_events
from .compose import Recording, compose, open_recording, presentation_base, support
from .compose.files import AUDIO_ONLY, WEBCAMS, Fetcher
from .compose.timeline import Timeline
from .log import EventLog
from .procs import TreeMeter
from .render import RenderOptions, render
from .source import Target

ENGINES = ("auto", "compose", "capture")


@dataclass
class Choice:
    engine: str  # compose | capture
    reason: str
    recording: Recording | None = None
    timeline: Timeline | None = None  # auto's fallback keeps what it read (content checks)


def choose(target: Target, options: RenderOptions, log: EventLog) -> Choice:
    """The engine for ``target`` (fetching its files when compose may be used)."""
    if options.engine == "capture":
        return Choice("capture", "asked for (engine: capture)")
    recording = open_recording(target)
    missing = support(recording)
    if options.engine == "compose":
        reason = "asked for (engine: compose)"
        if missing:
            reason += f"; drawn without: {missing}"
            log.warning("compose-unsupported", feature=missing)
        return Choice("compose", reason, recording)
    if missing:
        recording.close()
        return Choice("capture", f"auto: {missing}", timeline=recording.timeline)
    return Choice("compose", "auto: compose draws every feature this recording uses",
                  recording)


def render_presentation(target: Target, part: Path, duration: float, options: RenderOptions,
                        log: EventLog, deadline: float, meter: TreeMeter) -> dict[str, Any]:
    """Render with the chosen engine; the facts for the result's ``extra``, and what the
    content checks need (``checks.Context``) under the key ``"_context"`` (not JSON: the
    caller pops it)."""
    choice = choose(target, options, log)
    log.info("engine", engine=choice.engine, reason=choice.reason)
    facts: dict[str, Any] = {"engine": choice.engine, "engine_reason": choice.reason}
    base = presentation_base(target)
    if choice.recording is None:
        facts.update(render(target, part, duration, options, log, deadline, meter))
        timeline = choice.timeline or _read_timeline(base)
        events, shares = picture_events(timeline) if timeline else ([], [])
        facts["_context"] = Context("capture", events, shares,
                                    [base + name for name in (*WEBCAMS, *AUDIO_ONLY)],
                                    facts.pop("page_errors", []))
        return facts
    settings: VideoSettings = options.settings
    recording = choice.recording
    try:
        facts.update(compose(recording, part, duration, settings, layout=options.layout,
                             chat=options.chat, log=log, deadline=deadline, meter=meter))
        events, shares = picture_events(recording.timeline)
        published = recording.published
        media = published.media
        sound = [base + media.relative_to(published.folder).as_posix()] if media else []
        missing = [{"url": base + slide.href, "status": 404}
                   for slide in recording.timeline.slides
                   if slide.href and published.local(slide.href) is None]
        facts["_context"] = Context("compose", events, shares, sound, missing)
    finally:
        recording.close()
    return facts


def _read_timeline(base: str) -> Timeline | None:
    """The recording's timeline for the checks of a capture (the small text files only; None
    when they cannot be read: the frozen check then has no events to compare with)."""
    from .compose.files import TEXT_FILES

    with tempfile.TemporaryDirectory(prefix="bbb-checks-") as folder:
        fetcher = Fetcher(base, Path(folder), timeout=30)
        try:
            texts = {name: fetcher.text(name) for name in TEXT_FILES}
            return Timeline.read(texts)
        except Exception:  # the checks are then judged without events
            return None
