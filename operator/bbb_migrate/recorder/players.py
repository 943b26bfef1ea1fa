"""How the recorder drives BBB's two presentation players (the contract in docs/recorder.md).

bbb-playback (BBB >= 2.3, URL ``/playback/presentation/2.3/<id>``) and the legacy player (URL
``/playback/presentation/2.0/playback.html?meetingId=<id>``) differ in their elements but offer
the same four things a recorder needs: a readiness/error signal, a media element whose
``currentTime`` is the playback clock (its ``ended`` event is the end signal), a play control
that a scripted DOM click can press, and overlays to hide for a clean frame.

The picture is arranged by CSS added before the player's own scripts run (``layout_css``): the
player's arrangement with its chrome (layout ``player``), or its presentation area filling the
frame, chrome hidden, with the webcams video in the bottom-right corner
(``presentation+webcam``, as compose draws it) or hidden (``presentation``). The player keeps
laying out and drawing its own content inside the boxes it is given.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from .compose.layout import geometry

RECORD_ID_23 = re.compile(r"^/playback/presentation/2\.3/([^/?#]+)/?$")
RECORD_ID_20 = re.compile(r"^/playback/presentation/2\.0/playback\.html$")

# Never show the pointer or react to it (no hover states, no tooltips), never scroll; the page
# exactly the capture's size (the window is a pixel larger: browser.py).
_COMMON_CSS = """
html, body { overflow: hidden !important; width: FRAME_W !important; height: FRAME_H !important; }
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
    overlay_css: str  # controls and overlays, hidden in every layout
    fill_css: str  # chrome hidden and the presentation area filling the frame
    webcams_box: str  # the element holding the webcams video (moved to the corner or hidden)
    chat_selector: str  # the chat, emptied in layout "player" without chat
    # run before the player's own scripts: globals the player then keeps (the 2.0 player's
    # content clock on the media clock, and no playback it starts by itself)
    init_js: str = ""


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

# Before the capture starts: every slide image of the recording fetched once (bbb-playback
# requests ``slide-N.png`` only when slide N becomes current, so a slide change would otherwise
# wait for the network, a decode and a paint: 83-243 ms after its sound on the real 2.3 player);
# then the content for t=0 drawn and painted. Both real players show only their BBB logo until
# their content clock first ticks, which happens only while playing (80-240 ms after play), so
# the media is played for an instant (nothing is recorded yet), paused and sent back to 0
# (bbb-playback redraws on ``seeked``; the 2.0 player keeps the t=0 content it drew), and the
# page is given three animation frames to paint. Called with [media selector, recording base
# path]; resolves with {rs: readyState, slides: images fetched, failed: images that failed,
# latency: seconds from play() to media t=0 on the wall clock, measured on that instant of play}.
PRIME_JS = """
async ([sel, base]) => {
  const m = document.querySelector(sel);
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));
  const within = (p, ms) => Promise.race([p, wait(ms)]);
  const frames = (n) => new Promise((r) => {
    const step = () => (n-- <= 0 ? r() : requestAnimationFrame(step));
    requestAnimationFrame(step);
  });
  const keep = window.__bbbRecorderSlides = [];
  let failed = 0;
  try {
    const text = await (await fetch(base + 'shapes.svg')).text();
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const hrefs = new Set();
    for (const img of doc.querySelectorAll('image')) {
      const href = img.getAttribute('xlink:href') || img.getAttribute('href') || '';
      if (href && !/^[a-z][a-z0-9+.-]*:|^[/]|[.][.]/i.test(href)) hrefs.add(base + href);
    }
    await Promise.all(Array.from(hrefs).slice(0, 600).map((url) => new Promise((r) => {
      const img = new Image(); keep.push(img);
      img.onload = () => r(); img.onerror = () => { failed += 1; r(); }; img.src = url;
    })));
  } catch (e) { failed = -1; }
  const clock = window.__bbbRecorderClock;
  const rewind = () => within(new Promise((r) => {
    m.addEventListener('seeked', r, {once: true}); m.currentTime = 0;
  }), 3000);
  // Play until `until` (media seconds) or a redraw of the 2.0 player, pause, back at 0. The
  // wall time of media t=0 is measured as the recorder's watch does (the earliest of
  // now - currentTime once past 0.2 s: Chromium's clock settles on the audio output by then).
  const playUntil = async (until, draw) => {
    const started = Date.now();
    const drawn = clock ? clock.draws : 0;
    let epoch = Infinity;
    try { await within(m.play(), 3000); } catch (e) { /* refused: the content stays */ }
    while (Date.now() - started < 3000
           && !(m.currentTime >= until && (!draw || clock.draws > drawn))) {
      if (m.currentTime > 0.2) epoch = Math.min(epoch, Date.now() - m.currentTime * 1000);
      await wait(2);
    }
    m.pause();
    await rewind();
    return Number.isFinite(epoch) ? (epoch - started) / 1000 : null;
  };
  // The first play of a page opens the audio output (~0.3 s late); a second one is timed as
  // the recorded play will be; then an instant (less than the 2.0 player's 0.1 s step) for
  // the 2.0 player to draw t=0.
  await playUntil(0.25, false);
  const latency = await playUntil(0.5, false);
  if (clock) { clock.invalidate(); await playUntil(0.03, true); }
  await frames(3);
  return {rs: m.readyState, slides: keep.length, failed, latency};
}
"""


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
    # video.js's control bar is fixed at the bottom and the wrapper keeps 30 px for it
    overlay_css="""
.vjs-control-bar, .vjs-big-play-button, .vjs-loading-spinner, .fullscreen-button,
.vjs-text-track-display { display: none !important; }
.player-wrapper { padding-bottom: 0 !important; }
""",
    # bbb-playback's grid (research note bbb-players.md §4) set aside: the content column
    # (presentation and screen share over the thumbnails) fixed over the whole frame
    fill_css="""
.top-bar, .application, .bottom-content, .bottom-bar { display: none !important; }
.player-wrapper { display: block !important; }
.content { position: fixed !important; left: 0 !important; top: 0 !important;
  width: FRAME_W !important; height: FRAME_H !important; margin: 0 !important; }
.top-content { width: 100% !important; height: 100% !important; background: #fff !important; }
""",
    webcams_box=".media",
    chat_selector="#chat",
)

# The 2.0 player (lib/writing.js ``runPopcorn``) redraws its content from an animation-frame loop
# only when ``Math.abs(currentTime - lastFrameTime) >= 0.1``, with the time rounded by
# ``toFixed(1)``. ``lastFrameTime`` is a global ``var`` of that script, so the phase of its
# redraws drifts at random: a slide change at 11.0 s lands anywhere from 10.95 to ~11.07 s of
# media time (50 ms early to 70 ms late), before paint and the 40 ms frame grid are added.
# This accessor, defined before the player's scripts run (its ``var`` then keeps it), makes the
# loop redraw on the first animation frame of every new tenth of a second of the media clock,
# and only then: the content for 11.0 s (BBB's publisher rounds event times to 0.1 s) appears
# 0-17 ms after the clock reaches 11.0 s, every time. The player's own code is not touched.
_CLOCK_20 = """
(() => {
  let kept = 0.0;
  const tenth = (t) => Math.floor(t * 10 + 1e-6);
  const clock = window.__bbbRecorderClock = {
    draws: 0,  // redraws of the player (it sets lastFrameTime when it redraws)
    invalidate() { kept = NaN; },  // the next animation frame redraws
  };
  Object.defineProperty(window, 'lastFrameTime', {
    configurable: true,
    get() {
      const m = document.getElementById('video');
      if (m && !(tenth(m.currentTime) === tenth(kept))) return -1e9;
      return kept;
    },
    set(value) { kept = Number(value); clock.draws += 1; },
  });
})();
"""

# The 2.0 player (playback.js ``setMediaListeners``, and ``setMediaSync`` with a screen share)
# resumes playback by itself at the first ``canplay`` after any seek made once the media has
# played (its global ``var mediaSeeked``), even when the media was paused. The priming above
# plays, pauses and seeks back to 0, so the real player then started playing on its own, about
# 2 s before the recorder's play instant: every render failed verification ("the start of the
# recording is missing: playback started 2009 ms before the file did"). The recorder alone
# starts playback and never seeks once it has, so this accessor, defined before the player's
# scripts run, keeps the flag false; the player's resync after a ``waiting`` (its own
# ``mediaSyncing`` flag) is untouched.
_NO_RESUME_20 = """
Object.defineProperty(window, 'mediaSeeked', {
  configurable: true, get() { return false; }, set(value) { /* the recorder starts playback */ },
});
"""

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
    overlay_css="""
.acorn-controls { display: none !important; }
""",
    # the main section (playback.css: 10 px padding, 25 px under the slides, a grey ground)
    # fixed over the whole frame, its presentation area filling it on white
    fill_css="""
#navbar, #copyright, #chat-area { display: none !important; }
#main-section { position: fixed !important; left: 0 !important; top: 0 !important;
  width: FRAME_W !important; height: FRAME_H !important; max-width: none !important;
  margin: 0 !important; padding: 0 !important; border: 0 !important; float: none !important;
  background: #fff !important; }
#presentation-area { position: absolute !important; inset: 0 !important; width: auto !important;
  height: auto !important; margin: 0 !important; background: #fff !important; }
""",
    webcams_box="#side-section",
    chat_selector="#chat-area",
    init_js=_CLOCK_20 + _NO_RESUME_20,
)

# The webcams video in the bottom-right corner, as compose places it (compose/layout.py): a
# quarter of the frame wide, fitted to that width (to the frame's height if taller), the rest
# of its box transparent over the presentation. BOX and VIDEO are the form's selectors.
_CORNER_CSS = """
BOX { position: fixed !important; left: BOX_X !important; top: 0 !important;
  width: BOX_W !important; height: FRAME_H !important; max-width: none !important;
  margin: 0 !important; padding: 0 !important; border: 0 !important; float: none !important;
  z-index: 50 !important; background: transparent !important; }
BOX > *:not(:has(VIDEO)):not(VIDEO) { display: none !important; }
BOX *, BOX { background: transparent !important; }
BOX *:has(VIDEO) { position: absolute !important; inset: 0 !important; width: auto !important;
  height: auto !important; margin: 0 !important; padding: 0 !important; }
BOX VIDEO { position: absolute !important; inset: 0 !important; width: 100% !important;
  height: 100% !important; object-fit: contain !important; object-position: 100% 100% !important; }
"""


def layout_css(form: PlayerForm, layout: str, width: int, height: int, chat: bool = True) -> str:
    """The CSS that arranges ``form``'s page as ``layout`` in the captured ``width`` x ``height``
    (module docstring). Boxes are in pixels of the capture, not of the viewport: the browser
    window is a pixel larger than the capture (browser.py), and a slide fitted to the viewport
    would leave a blended row at the frame's edge."""
    css = _COMMON_CSS + form.overlay_css
    frame = geometry(layout, width, height)  # (a ValueError for an unknown layout)
    if layout == "player":
        if not chat:
            css += f"{form.chat_selector} {{ visibility: hidden !important; }}"
    elif frame.webcam is None:
        css += form.fill_css + (f"{form.webcams_box} {{ position: fixed !important;"
                                " visibility: hidden !important; }")
    else:
        box_x, _, box_w, _ = frame.webcam
        video = form.media_selector.split()[-1]  # the media element, inside the box
        corner = _CORNER_CSS.replace("BOX_X", f"{box_x}px").replace("BOX_W", f"{box_w}px")
        css += form.fill_css + corner.replace("BOX", form.webcams_box).replace("VIDEO", video)
    return css.replace("FRAME_W", f"{width}px").replace("FRAME_H", f"{height}px")


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
