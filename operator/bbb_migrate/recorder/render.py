"""Render one presentation playback: Xvfb + PulseAudio + Chromium + ffmpeg, real time.

Order of events (each step has its own failure and exit code):
1. private display, sound server and browser; the page loaded over CDP (HTTP 404 → permanent);
2. the player's ready or error signal (its "404" → permanent), overlays hidden, clock at 0;
3. ffmpeg opened on both devices, then play pressed at an instant chosen in advance, which is
   also where ffmpeg cuts both streams (see capture.py): the file starts with playback;
4. the media clock watched: ``ended`` or the metadata duration ends it, no progress for
   ``stall_seconds`` is a retryable stall, a dead child a retryable crash;
5. ffmpeg stopped cleanly (it writes the index), every child stopped on every path.
Nothing is kept per frame or per poll, so memory stays flat however long the recording.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from ..contract import ExitCode
from .browser import start_chromium
from .capture import (
    Capture,
    VideoSettings,
    capture_speed,
    check_capture_speed,
    ffmpeg_command,
)
from .checks import image_errors
from .clock import MediaClock, check_timeline, play_latency
from .display import SINK, start_pulseaudio, start_xvfb
from .errors import RecorderError
from .log import EventLog
from .players import (
    BBB_PLAYBACK_23,
    PLAY_AT_JS,
    PRIME_JS,
    STATUS_JS,
    layout_css,
    style_script,
    with_content_rate,
)
from .procs import Child, TreeMeter
from .source import Target, http_failure
from .verify import written_seconds
from .watchdog import GuardedPage, Watchdog

POLL_SECONDS = 0.25
METER_SECONDS = 2.0
_MEDIA_ERRORS = {1: "aborted", 2: "network error", 3: "decode error", 4: "source not supported"}


@dataclass
class RenderOptions:
    settings: VideoSettings = field(default_factory=VideoSettings)
    stall_seconds: float = 30.0
    load_timeout: float = 120.0
    content_rate: int = 50  # bbb-playback f= (content redraws per second)
    audio_delay: float = 0.0  # seconds added to the sound's position (see docs/recorder.md)
    lead_seconds: float = 2.0  # ffmpeg opens its devices this long before play
    evaluate_timeout: float = 30.0  # one page.evaluate; the browser is killed past it
    engine: str = "auto"  # auto | compose | capture (see recorder/engine.py)
    layout: str = "presentation+webcam"  # presentation | presentation+webcam | player
    chat: bool = True  # layout "player": the chat column


def render(target: Target, output: Path, duration: float, options: RenderOptions,
           log: EventLog, deadline: float, meter: TreeMeter) -> dict[str, Any]:
    """Capture ``target`` into ``output``; return facts for the result's ``extra``."""
    form = target.form
    assert form is not None
    s = options.settings
    work = Path(tempfile.mkdtemp(prefix="bbb-record-"))
    children: list[Child] = []
    facts: dict[str, Any] = {"player": form.name, "layout": options.layout}
    watchdog: Watchdog | None = None

    def child_line(name: str, line: str) -> None:
        log.debug("child-output", child=name, line=line[:500])

    def check_deadline(stage: str) -> None:
        if time.monotonic() > deadline:
            raise RecorderError(ExitCode.DEADLINE, f"deadline passed while {stage}")

    try:
        xvfb, display = start_xvfb(s.width, s.height, child_line)
        children.append(xvfb)
        pulse, pulse_server = start_pulseaudio(work / "pulse", child_line)
        children.append(pulse)
        chromium, endpoint = start_chromium(s.width, s.height, work / "profile", display,
                                            pulse_server, child_line)
        children.append(chromium)
        log.info("started", display=display, chromium_pid=chromium.pid)
        # Every Playwright call below is bounded: by its own timeout and never past the deadline.
        watchdog = Watchdog(chromium.stop, deadline)
        with sync_playwright() as playwright:
            with watchdog.bound(65, "connecting to Chromium"):
                browser = playwright.chromium.connect_over_cdp(endpoint, timeout=60_000)
            facts["chromium_version"] = f"Chromium {browser.version}"
            with watchdog.bound(options.evaluate_timeout, "preparing the page"):
                context = browser.contexts[0]
                page = context.pages[0] if context.pages else context.new_page()
                # The layout, overlays and pointer hidden from the first paint: a pointer resting
                # over the play button when the page appears would leave a native tooltip in the
                # frame, and the player lays its content out in the boxes it first gets.
                css = layout_css(form, options.layout, s.width, s.height, options.chat)
                context.add_init_script(script=style_script(css))
                if form.init_js:
                    context.add_init_script(script=form.init_js)
            guarded = GuardedPage(page, watchdog, options.evaluate_timeout)
            crashed: list[bool] = []
            page.on("crash", lambda _page: crashed.append(True))
            facts["page_errors"] = []  # images the page failed to load (checks.py judges)
            page.on("response", image_errors(facts["page_errors"]))
            url = target.url
            if form is BBB_PLAYBACK_23:
                url = with_content_rate(url, options.content_rate)
            log.info("loading", url=url)
            try:
                with watchdog.bound(options.load_timeout + 5, "loading the page"):
                    response = page.goto(url, wait_until="domcontentloaded",
                                         timeout=options.load_timeout * 1000)
            except PlaywrightError as error:
                raise http_failure(error, None, "playback page") from error
            if response is None or response.status >= 400:
                raise http_failure(None, response.status if response else None, "playback page")
            _wait_ready(guarded, form, options.load_timeout, check_deadline)
            _wait_media(guarded, form.media_selector, options.load_timeout,
                        options.stall_seconds, check_deadline)
            log.info("media-ready")
            primed = guarded.evaluate(PRIME_JS, [form.media_selector,
                                                 f"/presentation/{target.record_id}/"],
                                      timeout=options.load_timeout)
            log.info("primed", **(primed or {}))
            _wait_media(guarded, form.media_selector, options.load_timeout,
                        options.stall_seconds, check_deadline, loaded=True)
            primed = primed or {}
            facts["slides_preloaded"] = primed.get("slides", 0)
            latency = play_latency(primed.get("latency"))
            log.info("ready", player=form.name)

            capture, start_at = _start_capture(display, pulse_server, output, options, log,
                                               child_line, duration)
            end_at = start_at + duration
            children.append(capture.child)
            facts["input_skew_seconds"] = capture.input_skew
            # pressed early by the latency measured while priming, so that media t=0 falls on
            # the file's first instant (and the media's end on its last)
            clicked = guarded.evaluate(PLAY_AT_JS, [start_at - latency, form.play_selector,
                                                    form.media_selector])
            log.info("playing", click_delay=round(clicked - (start_at - latency), 4),
                     lead=latency)
            epoch, slip = _watch(guarded, form.media_selector, duration, options, log, deadline,
                                 meter, crashed, children, capture, end_at)
            facts["play_latency_seconds"] = round(epoch - start_at, 4)
            facts["clock_slip_seconds"] = round(slip, 4)
            status = capture.finish(timeout=max(120.0, duration * 0.05),
                                    until=end_at + 10 + duration * 0.02)
            facts["ffmpeg_progress"] = {
                k: v for k, v in capture.progress().items()
                if k in ("frame", "dup_frames", "drop_frames", "speed", "out_time")
            }
            if status != 0:
                raise RecorderError(ExitCode.CRASH, f"ffmpeg exited with status {status}: "
                                    + " | ".join(capture.state.last_lines[-3:]))
            # the file must hold the recording from media t=0 to its end
            speed = capture_speed(written_seconds(output), start_at, end_at)
            facts["capture_speed"] = round(speed, 4) if speed is not None else None
            log.info("captured", speed=facts["capture_speed"])
            check_capture_speed(speed, duration, s.fps)
            facts["end_media_seconds"] = round(duration - (epoch - start_at) - slip, 3)
            check_timeline(epoch - start_at, slip, s.fps, log)
            with contextlib.suppress(PlaywrightError, RecorderError), \
                    watchdog.bound(10, "closing the browser"):
                browser.close()  # the file is done: past the deadline, the finally stops it
        return facts
    finally:
        if watchdog is not None:
            watchdog.stop()
        meter.sample()
        for child in reversed(children):
            child.stop()
        shutil.rmtree(work, ignore_errors=True)


def _start_capture(display: str, pulse_server: str, output: Path, options: RenderOptions,
                   log: EventLog, child_line: Any, duration: float) -> tuple[Capture, float]:
    """Start ffmpeg so that both devices are open before the chosen play instant.

    The instant is part of ffmpeg's command (the trim), so if a starved machine opens the
    devices too late, that ffmpeg is replaced by one with a later instant (twice the lead).
    """
    lead = options.lead_seconds
    for attempt in (1, 2):
        start_at = time.time() + lead
        command = ffmpeg_command(display, pulse_server, f"{SINK}.monitor", output,
                                 options.settings, start_at, options.audio_delay,
                                 end_at=start_at + duration)
        capture = Capture(command, child_line)
        try:
            starts = capture.wait_inputs(start_at + 10)
        except RecorderError:
            capture.child.stop()
            raise
        capture.input_skew = round(starts.get(1, 0) - starts.get(0, 0), 4)
        late = max(starts.values()) - (start_at - 0.1)
        if late <= 0 or attempt == 2:
            if late > 0:
                log.warning("capture-late", by_seconds=round(late, 3))
            return capture, start_at
        log.warning("capture-restart", reason="devices opened too late", by_seconds=round(late, 3))
        capture.child.stop()
        lead *= 2
    raise AssertionError("unreachable")


def _wait_ready(page: Any, form: Any, timeout: float, check_deadline: Any) -> None:
    """Wait for the player's ready signal; its error signal maps to the contract."""
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        check_deadline("loading the player")
        try:
            state = page.evaluate(form.ready_js)
        except PlaywrightError:
            state = {"ready": False}  # a navigation in progress
        if state.get("error") is not None:
            text = str(state["error"])
            if text in ("404", "Recording not found"):
                raise RecorderError(ExitCode.NOT_FOUND, f"player says: {text}")
            if text == "400":
                raise RecorderError(ExitCode.INVALID_URL, "player says: 400 (bad record ID)")
            raise RecorderError(ExitCode.NETWORK, f"player error: {text}")
        if state.get("ready"):
            return
        time.sleep(0.2)
    raise RecorderError(ExitCode.NETWORK, f"player not ready after {timeout:.0f} s")


def _wait_media(page: Any, selector: str, timeout: float, stall_seconds: float,
                check_deadline: Any, loaded: bool = False) -> None:
    """Wait until the media clock can play (HAVE_FUTURE_DATA); no loading progress is a stall.

    Before its metadata is parsed a media element shows no progress at all, so loading gets
    a more lenient stall limit than playback (at least 30 s); once it has played (``loaded``:
    after priming) the playback limit applies.
    """
    stall_seconds = stall_seconds if loaded else max(stall_seconds, 30.0)
    until = time.monotonic() + timeout
    seen: tuple[int, float] | None = None
    moved = time.monotonic()
    while time.monotonic() < until:
        check_deadline("loading the media")
        status = page.evaluate(STATUS_JS, selector)
        if status and status["err"]:
            raise _media_error(status["err"], started=False)
        if status and status["rs"] >= 3:
            return
        state = (status["rs"], status["buf"]) if status else None
        if state != seen:
            seen, moved = state, time.monotonic()
        elif time.monotonic() - moved > stall_seconds:
            raise RecorderError(ExitCode.STALL,
                                f"media loading made no progress for {stall_seconds:.0f} s")
        time.sleep(0.2)
    raise RecorderError(ExitCode.NETWORK, f"media not playable after {timeout:.0f} s")


def _media_error(code: int, *, started: bool) -> RecorderError:
    text = f"media element: {_MEDIA_ERRORS.get(code, code)}"
    if code == 3 or (code == 4 and not started):
        return RecorderError(ExitCode.UNSUPPORTED, text)
    return RecorderError(ExitCode.NETWORK, text)


def _watch(page: Any, selector: str, duration: float, options: RenderOptions, log: EventLog,
           deadline: float, meter: TreeMeter, crashed: list[bool], children: list[Child],
           capture: Capture, end_at: float) -> tuple[float, float]:
    """Follow the media clock to the end (or to ffmpeg's own end, at ``end_at``).

    Returns the wall time at which media t was 0, and the clock slip: how far the media clock
    fell behind the wall clock during playback (0 when it never hesitated). A slip means the
    player starved (CPU or network) and the file has a stutter there.
    """
    last_t = -1.0
    last_move = time.monotonic()
    next_meter = 0.0
    next_report = time.monotonic() + 60
    clock = MediaClock()
    while True:
        now = time.monotonic()
        if now > deadline:
            raise RecorderError(ExitCode.DEADLINE, f"deadline passed at media t={last_t:.1f} s")
        if crashed:
            raise RecorderError(ExitCode.CRASH, "the page crashed")
        if not capture.child.alive() and capture.child.proc.returncode == 0 \
                and time.time() >= end_at - 1.0:
            log.info("ended", media_t=round(last_t, 3), by="capture")  # ffmpeg's trim ended
            return clock.result(time.time() - last_t)
        for child in children:
            if not child.alive():
                raise RecorderError(ExitCode.CRASH, f"{child.name} exited "
                                    f"({child.proc.returncode}) at media t={last_t:.1f} s")
        try:
            status = page.evaluate(STATUS_JS, selector)
        except PlaywrightError as error:
            raise RecorderError(ExitCode.CRASH, f"lost the browser: {error}") from error
        if status is None:
            raise RecorderError(ExitCode.CRASH, "the media element disappeared")
        if status["err"]:
            raise _media_error(status["err"], started=True)
        t = float(status["t"])
        if t > last_t + 1e-3:
            last_t, last_move = t, now
            if not status["paused"] and t > 0.2:
                clock.add(status["now"], t)
        elif now - last_move > options.stall_seconds:
            raise RecorderError(
                ExitCode.STALL,
                f"no playback progress for {options.stall_seconds:.0f} s at media t={t:.1f} s")
        if status["ended"] or t >= duration:
            log.info("ended", media_t=round(t, 3), by="ended" if status["ended"] else "duration")
            return clock.result(time.time() - t)
        remaining = duration - t
        if now >= next_meter:
            rss = meter.sample()
            next_meter = now + METER_SECONDS
            if now >= next_report:
                next_report = now + 60
                log.info("progress", media_t=round(t, 1), rss_mb=rss // 2**20,
                         ffmpeg=capture.progress().get("speed"))
        if remaining < POLL_SECONDS * 2 and not status["paused"]:
            time.sleep(max(0.0, remaining))  # stop on the metadata duration, not a poll later
            continue
        time.sleep(POLL_SECONDS)
