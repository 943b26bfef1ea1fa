"""``bbb-migrate record``: render (presentation) or download (video) one BBB playback.

The contract (exit codes, result JSON, log file) is in ``bbb_migrate.contract``; the Kubernetes
Job, the local runner and an administrator retrying one recording by hand all use this command.
Every option can also come from the environment (``BBB_RECORD_<OPTION>``, e.g.
``BBB_RECORD_URL``), which is how the Job passes them.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import click

from ..contract import ExitCode


class Terminated(BaseException):
    """SIGTERM (a Job deadline, a node drain): stop cleanly, children included."""


class _RecordCommand(click.Command):
    """Bad arguments exit with the contract's USAGE code, not click's 2."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.exceptions.UsageError as error:
            error.show()
            sys.exit(int(ExitCode.USAGE))


def _env(name: str) -> str:
    return f"BBB_RECORD_{name}"


@click.command(cls=_RecordCommand)
@click.option("--url", required=True, envvar=_env("URL"),
              help="Playback URL: presentation 2.3 or 2.0 (render) or video (download).")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              envvar=_env("OUTPUT"), help="Output video file (MP4). Result JSON and log go beside.")
@click.option("--record-id", envvar=_env("RECORD_ID"), help="Record ID (default: from the URL).")
@click.option("--width", type=click.IntRange(320, 3840), default=1280, show_default=True,
              envvar=_env("WIDTH"))
@click.option("--height", type=click.IntRange(240, 2160), default=720, show_default=True,
              envvar=_env("HEIGHT"))
@click.option("--fps", type=click.IntRange(1, 60), default=25, show_default=True,
              envvar=_env("FPS"))
@click.option("--crf", type=click.IntRange(0, 51), default=20, show_default=True,
              envvar=_env("CRF"))
@click.option("--preset", default=None, envvar=_env("PRESET"),
              type=click.Choice(["ultrafast", "superfast", "veryfast", "faster", "fast",
                                 "medium"]),
              help="x264 preset [default: veryfast for capture, ultrafast for compose].")
@click.option("--engine", default="auto", show_default=True, envvar=_env("ENGINE"),
              type=click.Choice(["auto", "compose", "capture"]),
              help="Presentation renderer: compose (from the files), capture (the player "
                   "filmed in real time), auto (compose when it draws every feature used).")
@click.option("--layout", default="presentation+webcam", show_default=True,
              envvar=_env("LAYOUT"),
              type=click.Choice(["presentation", "presentation+webcam", "player"]),
              help="Both engines: the presentation alone, with the webcams in a corner (player "
                   "chrome hidden), or the player's own arrangement.")
@click.option("--chat/--no-chat", default=True, show_default=True, envvar=_env("CHAT"),
              help="Layout player: the chat column.")
@click.option("--deadline-factor", type=click.FloatRange(1.0, 100), default=1.5,
              show_default=True, envvar=_env("DEADLINE_FACTOR"),
              help="Stop (exit 13) after duration x factor + margin.")
@click.option("--deadline-margin", type=click.FloatRange(0), default=300, show_default=True,
              envvar=_env("DEADLINE_MARGIN"), help="Seconds added to the deadline.")
@click.option("--stall-seconds", type=click.FloatRange(1), default=30, show_default=True,
              envvar=_env("STALL_SECONDS"),
              help="No playback progress for this long: retryable stall (exit 11).")
@click.option("--duration", type=click.FloatRange(0.1), envvar=_env("DURATION"),
              help="Expected duration in seconds (default: metadata.xml playback/duration).")
@click.option("--load-timeout", type=click.FloatRange(1), default=120, show_default=True,
              envvar=_env("LOAD_TIMEOUT"), help="Seconds for the player and media to load.")
@click.option("--content-rate", type=click.IntRange(0, 100), default=50, show_default=True,
              envvar=_env("CONTENT_RATE"),
              help="bbb-playback f= (content redraws per second; 0 keeps the player's 10).")
@click.option("--audio-delay-ms", type=float, default=0.0, show_default=True,
              envvar=_env("AUDIO_DELAY_MS"),
              help="Shift the sound later (ms, may be negative) against the picture.")
@click.option("--checks/--no-checks", default=True, show_default=True, envvar=_env("CHECKS"),
              help="Content checks of a render (black, frozen, silence, page errors).")
@click.option("--black-max-ratio", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              envvar=_env("BLACK_MAX_RATIO"), help="Fail when black longer than this share.")
@click.option("--black-max-seconds", type=click.FloatRange(0), default=120, show_default=True,
              envvar=_env("BLACK_MAX_SECONDS"),
              help="Fail on one black stretch this long (screen shares excepted).")
@click.option("--frozen-max-seconds", type=click.FloatRange(2), default=20, show_default=True,
              envvar=_env("FROZEN_MAX_SECONDS"),
              help="Fail on a still picture this long across slide/zoom/share changes.")
@click.option("--silence-min-seconds", type=click.FloatRange(1), default=30, show_default=True,
              envvar=_env("SILENCE_MIN_SECONDS"),
              help="Silences this long are compared with the source's sound.")
@click.option("--silence-db", type=click.FloatRange(-90, -10), default=-50, show_default=True,
              envvar=_env("SILENCE_DB"), help="Below this level the output is silent.")
@click.option("--contact-sheet/--no-contact-sheet", default=True, show_default=True,
              envvar=_env("CONTACT_SHEET"), help="Write FILE.sheet.jpg (thumbnails).")
def record(url: str, output: Path, record_id: str | None, width: int, height: int, fps: int,
           crf: int, preset: str | None, engine: str, layout: str, chat: bool,
           deadline_factor: float, deadline_margin: float,
           stall_seconds: float, duration: float | None, load_timeout: float,
           content_rate: int, audio_delay_ms: float, checks: bool, black_max_ratio: float,
           black_max_seconds: float, frozen_max_seconds: float, silence_min_seconds: float,
           silence_db: float, contact_sheet: bool) -> None:
    """Render or download one BBB playback into OUTPUT; the exit code says what happened.

    0 ok; 10 network, 11 stall, 12 crash, 13 deadline, 14 verification (retryable);
    20 not found, 21 invalid URL, 22 unsupported, 23 usage, 24 content (permanent).
    """
    from ..recorder import Limits, RenderOptions, VideoSettings
    from ..recorder import record as run_record

    if width % 2 or height % 2:
        click.echo("Error: --width and --height must be even (yuv420p)", err=True)
        sys.exit(int(ExitCode.USAGE))

    def on_term(signum: int, _frame: Any) -> None:
        raise Terminated(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_term)
    settings = VideoSettings(width=width, height=height, fps=fps, crf=crf, preset=preset)
    options = RenderOptions(settings=settings, stall_seconds=stall_seconds,
                            load_timeout=load_timeout, content_rate=content_rate,
                            audio_delay=audio_delay_ms / 1000, engine=engine, layout=layout,
                            chat=chat)
    try:
        result = run_record(url, output, record_id=record_id, options=options,
                            duration=duration, deadline_factor=deadline_factor,
                            deadline_margin=deadline_margin,
                            checks=Limits(checks, black_max_ratio, black_max_seconds,
                                          frozen_max_seconds, silence_min_seconds, silence_db,
                                          contact_sheet))
    except (Terminated, KeyboardInterrupt):
        sys.exit(int(ExitCode.CRASH))
    sys.exit(result.exit_code)
