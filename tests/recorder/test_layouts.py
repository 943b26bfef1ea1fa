"""The capture engine's layouts on both players' pages, in headless Chromium: where the layout
CSS (``players.layout_css``) puts the presentation, the webcams and the chrome, in all three
layouts (the render tests film the default one and ``player``; this checks every box, quickly)."""

from __future__ import annotations

import shutil
import time

import pytest
from playwright.sync_api import sync_playwright
from rechelpers import url_20, url_23

from bbb_migrate.recorder.players import (
    BBB_PLAYBACK_23,
    LEGACY_PLAYER_20,
    layout_css,
    style_script,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium needed")

W, H = 1280, 720
FORMS = {"2.3": BBB_PLAYBACK_23, "2.0": LEGACY_PLAYER_20}
PRESENTATION = {"2.3": "#presentation", "2.0": "#presentation-area"}
CHROME = {"2.3": (".top-bar", ".application", ".bottom-content", ".bottom-bar"),
          "2.0": ("#navbar", "#chat-area", "#copyright")}
WEBCAMS = {"2.3": ".media", "2.0": "#side-section"}

# Each selector's box (x, y, w, h) and whether it is seen (laid out and visible).
BOXES_JS = """
(selectors) => Object.fromEntries(selectors.map((sel) => {
  const el = document.querySelector(sel);
  if (!el) return [sel, null];
  const r = el.getBoundingClientRect();
  const seen = el.checkVisibility({visibilityProperty: true}) && r.width > 0 && r.height > 0;
  return [sel, {box: [r.x, r.y, r.width, r.height].map(Math.round), seen}];
}))
"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        # a window a pixel larger than the capture, as the recorder's (browser.py)
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def boxes(browser, simulator, form: str, layout: str, chat: bool = True) -> dict:
    player = FORMS[form]
    context = browser.new_context(viewport={"width": W + 1, "height": H + 1})
    try:
        context.add_init_script(script=style_script(layout_css(player, layout, W, H, chat)))
        page = context.new_page()
        page.goto(url_23(simulator) if form == "2.3" else url_20(simulator))
        deadline = time.monotonic() + 30
        while not page.evaluate(player.ready_js).get("ready"):
            assert time.monotonic() < deadline, f"{form} page never ready"
            time.sleep(0.1)
        selectors = [PRESENTATION[form], WEBCAMS[form], player.media_selector,
                     player.chat_selector, *CHROME[form]]
        return page.evaluate(BOXES_JS, selectors)
    finally:
        context.close()


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("layout", ["presentation", "presentation+webcam"])
def test_presentation_fills_the_capture_and_chrome_is_hidden(browser, simulator, form, layout):
    seen = boxes(browser, simulator, form, layout)
    assert seen[PRESENTATION[form]] == {"box": [0, 0, W, H], "seen": True}
    for selector in CHROME[form]:
        assert not seen[selector]["seen"], f"{form} {layout}: {selector} shown"
    webcams, video = seen[WEBCAMS[form]], seen[FORMS[form].media_selector]
    if layout == "presentation":
        assert not webcams["seen"] and not video["seen"], "webcams shown"
    else:  # a quarter of the width, at the right edge; the picture sits at its bottom
        assert webcams == video == {"box": [W - W // 4, 0, W // 4, H], "seen": True}


@pytest.mark.parametrize("form", FORMS)
def test_player_layout_keeps_the_players_arrangement(browser, simulator, form):
    seen = boxes(browser, simulator, form, "player")
    for selector in (PRESENTATION[form], WEBCAMS[form], *CHROME[form]):
        assert seen[selector]["seen"], f"{form}: {selector} hidden in layout player"
    if form == "2.3":  # bbb-playback at 1280x720, its control bar's 30 px given to the content
        assert seen["#presentation"]["box"] == [320, 60, 960, 530 + 30]
        assert seen[".media"]["box"] == [0, 0, 320, 240]
        assert seen[".top-bar"]["box"] == [320, 0, 960, 60]
    else:  # the 2.0 player: presentation left, webcams and chat in the right third
        x, y, w, _ = seen["#presentation-area"]["box"]
        assert x < 20 and 48 <= y < 70 and w > 800
        assert seen["#side-section"]["box"][0] >= 850


@pytest.mark.parametrize("form", FORMS)
def test_player_layout_without_chat_leaves_the_column_empty(browser, simulator, form):
    seen = boxes(browser, simulator, form, "player", chat=False)
    assert not seen[FORMS[form].chat_selector]["seen"]
    assert seen[WEBCAMS[form]]["seen"]
