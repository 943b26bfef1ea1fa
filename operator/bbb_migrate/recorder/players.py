"""How the recorder drives BBB's two presentation players (the contract in docs/recorder.md).

bbb-playback (BBB >= 2.3, URL ``/playback/presentation/2.3/<id>``) and the legacy player (URL
``/playback/presentation/2.0/playback.html?meetingId=<id>``) differ in their elements but offer
the same four things a recorder needs: a readiness/error signal, a media element whose
``currentTime`` is the playback clock (its ``ended`` event is the end signal), a play control
that a scripted DOM click can press, and overlays to hide for a clean frame.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

RECORD_ID_23 = re.compile(r"^/playback/presentation/2\.3/([^/?#]+)/?$")
RECORD_ID_20 = re.compile(r"^/playback/presentation/2\.0/playback\.html$")

# Never show the pointer or react to it (no hover states, no tooltips), never scroll.
_COMMON_CSS = """
html, body { overflow: hidden !important; }
::-webkit-scrollbar { display: none !important; width: 0 !important; height: 0 !important; }
*, *::before, *::after { cursor: none !important; pointer-events: none !important;
  caret-color: transparent !important; }
"""


@dataclass(frozen=True)
class PlayerForm:
    """One player's contract, as selectors and page-side JavaScript."""

    name: str
    ready_js: str  # → {"ready": bool} or {"error": text}
    media_selector: str  # the element whose currentTime is the playback clock
    play_selector: str  # the control a click on which starts playback
    hide_css: str


# The media clock as the recorder polls it; called with the form's media selector.
STATUS_JS = (
    "(sel) => { const m = document.querySelector(sel); if (!m) return null;"
    " return {t: m.currentTime, ended: m.ended, paused: m.paused, rs: m.readyState,"
    " ns: m.networkState, err: m.error ? m.error.code : 0, dur: m.duration,"
    " buf: m.buffered.length ? m.buffered.end(m.buffered.length - 1) : 0,"
    " now: Date.now() / 1000}; }"
)

# Press play at a given Unix time (seconds); resolves with the time of the click.
PLAY_AT_JS = (
    "([at, playSel, mediaSel]) => new Promise((resolve) => {"
    " const fire = () => { const b = document.querySelector(playSel);"
    " const m = document.querySelector(mediaSel);"
    " if (b) b.click(); if (m && m.paused) m.play().catch(() => {});"
    " resolve(Date.now() / 1000); };"
    " const wait = at * 1000 - Date.now(); if (wait > 0) setTimeout(fire, wait); else fire(); })"
)

# Seek to 0 so the content for t=0 is drawn before the first frame is kept.
PRIME_JS = (
    "(sel) => new Promise((resolve) => { const m = document.querySelector(sel);"
    " const done = () => resolve(m.readyState);"
    " m.addEventListener('seeked', done, {once: true}); m.currentTime = 0;"
    " setTimeout(done, 3000); })"
)


BBB_PLAYBACK_23 = PlayerForm(
    name="2.3",
    ready_js=(
        "() => { const e = document.querySelector('#error .error-code');"
        " if (e) return {error: e.textContent.trim()};"
        " return {ready: !!(document.querySelector('#player .vjs-play-control')"
        " && document.querySelector('#webcams video'))}; }"
    ),
    media_selector="#webcams video",
    play_selector=".vjs-play-control",
    hide_css=_COMMON_CSS + """
.vjs-control-bar, .vjs-big-play-button, .vjs-loading-spinner, .fullscreen-button,
.vjs-text-track-display { display: none !important; }
.player-wrapper { padding-bottom: 0 !important; }
""",
)

LEGACY_PLAYER_20 = PlayerForm(
    name="2.0",
    ready_js=(
        "() => { if (document.title === 'Error') { const m = document.querySelector('#load-msg');"
        " return {error: m ? m.textContent.trim() : 'Error'}; }"
        " return {ready: document.title === 'Recording Playback'"
        " && !!document.querySelector('#video')}; }"
    ),
    media_selector="#video",
    play_selector=".acorn-play-button",
    hide_css=_COMMON_CSS + """
.acorn-controls, #copyright, #navbar { display: none !important; }
""",
)


def style_script(css: str) -> str:
    """An init script adding ``css`` to every document before the page's own scripts run."""
    return (
        "(() => { const add = () => { const s = document.createElement('style');"
        f" s.textContent = {json.dumps(css)};"
        " (document.head || document.documentElement).appendChild(s); };"
        " if (document.documentElement) add();"
        " else document.addEventListener('DOMContentLoaded', add); })();"
    )


def player_form(url: str) -> tuple[PlayerForm, str] | None:
    """The player form and record ID of a presentation playback URL, or None."""
    parts = urlsplit(url)
    match = RECORD_ID_23.match(parts.path)
    if match:
        return BBB_PLAYBACK_23, match.group(1)
    if RECORD_ID_20.match(parts.path):
        meeting = parse_qs(parts.query).get("meetingId", [""])[0]
        if meeting:
            return LEGACY_PLAYER_20, meeting
    return None


def with_content_rate(url: str, rate: int) -> str:
    """Add bbb-playback's ``f=`` (content renders per second) unless the URL sets it.

    bbb-playback redraws slides, zoom, cursor and annotations on a timer (10 per second by
    default), which makes a slide change land up to 100 ms after its sound; a higher rate
    keeps the picture within the sync tolerance.
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if "f" in query or rate <= 0:
        return url
    query["f"] = [str(rate)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
