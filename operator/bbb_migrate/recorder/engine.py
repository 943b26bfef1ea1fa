"""Which engine renders a presentation: ``compose`` (drawn from the files) or ``capture``.

``auto`` (the default) fetches the recording's files once and composes when compose draws every
feature the recording uses; otherwise it captures the player, and the reason goes into the
result JSON (``extra.engine_reason``), the log, and from there the status and summaries.
A layout other than what the player shows (``presentation``, ``presentation+webcam``) exists
only in compose; capture always records the player's own arrangement.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .capture import VideoSettings
from .compose import Recording, compose, open_recording, support
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
        return Choice("capture", f"auto: {missing}")
    return Choice("compose", "auto: compose draws every feature this recording uses",
                  recording)


def render_presentation(target: Target, part: Path, duration: float, options: RenderOptions,
                        log: EventLog, deadline: float, meter: TreeMeter) -> dict[str, Any]:
    """Render with the chosen engine; the facts for the result's ``extra``."""
    choice = choose(target, options, log)
    log.info("engine", engine=choice.engine, reason=choice.reason)
    facts: dict[str, Any] = {"engine": choice.engine, "engine_reason": choice.reason}
    if choice.recording is None:
        facts.update(render(target, part, duration, options, log, deadline, meter))
        return facts
    settings: VideoSettings = options.settings
    try:
        facts.update(compose(choice.recording, part, duration, settings, layout=options.layout,
                             chat=options.chat, log=log, deadline=deadline, meter=meter))
    finally:
        choice.recording.close()
    return facts
