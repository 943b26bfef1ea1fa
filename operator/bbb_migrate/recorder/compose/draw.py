"""Draw each distinct still picture once: the presentation area (svgstate) in its layout.

A still is identified by what it shows (slide, viewBox, visible annotations, whiteboard
shapes, chat lines shown, screen share on), so a state that comes back (a slide shown again,
an annotation undone) reuses its file. The ``player`` layout's frame around the presentation
(title bar, chat column, thumbnail strip, bottom bars) is drawn with Pillow in the colours and
boxes of bbb-playback 2.3 (see layout.py); the webcams and screen-share videos and the cursor
are not in the stills: ffmpeg puts them on top (encode.py).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Hashable
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .layout import Geometry
from .svgstate import FONT_FILE

BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
BACKGROUND = (6, 23, 42)  # #06172a
BAR = (11, 33, 54)  # #0b2136
STRIP = (232, 237, 242)  # #e8edf2


class Stills:
    """PNG files of the still pictures, one per distinct state, in ``folder``."""

    def __init__(self, folder: Path, geometry: Geometry, *, title: str = "", start_ms: int = 0,
                 chat: list[tuple[str, str]] | None = None):
        self.folder = folder
        self.geometry = geometry
        self.title = title
        self.date = datetime.fromtimestamp(start_ms / 1000, UTC).strftime("%Y-%m-%d")
        self.chat = chat  # None: no chat column
        self.files: dict[Hashable, Path] = {}
        folder.mkdir(parents=True, exist_ok=True)

    def still(self, key: Hashable, draw_area: Callable[[tuple[int, int]], bytes | None],
              chat_shown: int = 0) -> Path:
        """The file for ``key``; ``draw_area`` gives the area's PNG (None: an empty area)."""
        full_key = (key, chat_shown)
        found = self.files.get(full_key)
        if found is not None:
            return found
        g = self.geometry
        ax, ay, aw, ah = g.area
        area_png = draw_area((aw, ah))
        path = self.folder / f"still-{len(self.files):05d}.png"
        if not g.player_chrome and area_png is not None and (aw, ah) == (g.width, g.height):
            path.write_bytes(area_png)  # the common case: the area is the frame
        else:
            frame = self._chrome(chat_shown)
            if area_png is not None:
                frame.paste(Image.open(io.BytesIO(area_png)).convert("RGB"), (ax, ay))
            else:
                frame.paste((255, 255, 255), (ax, ay, ax + aw, ay + ah))
            frame.save(path, compress_level=1)
        self.files[full_key] = path
        return path

    def _chrome(self, chat_shown: int) -> Image.Image:
        g = self.geometry
        frame = Image.new("RGB", (g.width, g.height), BACKGROUND)
        if not g.player_chrome:
            return frame
        sx, sy = g.width / 1280, g.height / 720
        draw = ImageDraw.Draw(frame)
        _ax, _ay, _aw, _ah = g.area

        def box(x: float, y: float, w: float, h: float, colour: tuple[int, int, int]) -> None:
            draw.rectangle((round(x * sx), round(y * sy), round((x + w) * sx) - 1,
                            round((y + h) * sy) - 1), fill=colour)

        box(0, 0, 320, 240, (0, 0, 0))  # webcams (the video is laid on top)
        box(320, 0, 960, 60, BAR)
        title_font = ImageFont.truetype(FONT_FILE, max(8, round(18 * sy)))
        date_font = ImageFont.truetype(FONT_FILE, max(6, round(14 * sy)))
        ty = 30 * sy
        draw.text((336 * sx, ty), self.title, font=title_font, fill=(255, 255, 255), anchor="lm")
        title_end = 336 * sx + title_font.getlength(self.title)
        draw.text((title_end + 16 * sx, ty), self.date, font=date_font, fill=(159, 178, 200),
                  anchor="lm")
        box(320, 620, 960, 80, STRIP)
        box(320, 700, 960, 20, BAR)
        if self.chat is not None:
            box(0, 240, 320, 44, BAR)
            draw.text((12 * sx, 262 * sy), "Chat", font=title_font, fill=(255, 255, 255),
                      anchor="lm")
            box(0, 284, 320, 436, (255, 255, 255))
            self._chat_lines(draw, chat_shown, sx, sy)
        return frame

    def _chat_lines(self, draw: ImageDraw.ImageDraw, shown: int, sx: float, sy: float) -> None:
        """All messages, future ones faded (bbb-playback lists them all from the start)."""
        size = max(6, round(13 * sy))
        bold = ImageFont.truetype(BOLD_FONT, size)
        font = ImageFont.truetype(FONT_FILE, size)
        y = (284 + 4 + 6) * sy
        bottom = 720 * sy
        for index, (name, message) in enumerate(self.chat or []):
            if y + size > bottom:
                break
            active = index < shown
            colour = (34, 34, 34) if active else (189, 189, 189)
            x = 8 * sx
            draw.text((x, y), f"{name}: ", font=bold, fill=colour)
            x += bold.getlength(f"{name}: ")
            for word in message.split(" "):
                width = font.getlength(word + " ")
                if x + width > 312 * sx and x > 8 * sx + 1:
                    x, y = 8 * sx, y + size * 1.2
                draw.text((x, y), word, font=font, fill=colour)
                x += width
            y += size * 1.2 + 6 * sy
