"""A long synthetic lecture in BBB's published layout, for the render benchmark and the slow
fidelity tests: per 10-minute block, 30 slides (the first change at 10 s, then every 20 s),
two zooms, a moving cursor, annotations of every BBB 2.2 kind (pencil, line, rectangle,
ellipse, triangle, text, poll result; one undone, then all cleared with the slide), a 60 s
screen share with BBB's transparent ``deskshare.png`` segment, chat, and webcams at 15 fps
whose audio beeps (1 kHz, 0.15 s) every 10 s: every slide change falls on a beep. The media are
the MP4 variants BBB writes with ``video_formats: [mp4]`` (quick to generate for an hour).

``python -m bbb_migrate.simulator.make_lecture DIR [--minutes 10]``; needs ffmpeg.
"""

from __future__ import annotations

import argparse
import hashlib
import math
from pathlib import Path
from xml.sax.saxutils import quoteattr

from PIL import Image, ImageDraw, ImageFont

from .make_sample import FONT, _events_xml, _metadata_xml, _run

BLOCK = 600.0  # seconds: the pattern repeats every 10 minutes
SLIDES_PER_BLOCK = 30
SLIDE_SIZE = (1600, 900)
SHARE = (300.0, 360.0)  # in each block
ZOOMS = ((125.0, 145.0), (425.0, 445.0))  # in each block, into the upper-left quarter
CURSOR = (60.0, 120.0)  # in each block, a circle, one position every 0.2 s
BEEP_EVERY = 10.0
PRESENTATION = hashlib.sha1(b"bbb-migrate lecture slides").hexdigest() + "-1700000000002"  # noqa: S324


def lecture_id(minutes: float) -> str:
    return hashlib.sha1(f"bbb-migrate lecture {minutes}".encode()).hexdigest() + "-1700000000000"  # noqa: S324


def slide_colour(number: int) -> tuple[int, int, int]:
    hue = (number * 47) % 360
    c = [0, 0, 0]
    for i, shift in enumerate((0, 120, 240)):
        c[i] = int(90 + 80 * math.cos(math.radians(hue - shift)))
    return (c[0], c[1], c[2])


def slide_starts(block: int) -> list[float]:
    base = block * BLOCK
    return [base] + [base + 10.0 + 20.0 * k for k in range(SLIDES_PER_BLOCK - 1)]


def _slide_png(path: Path, number: int) -> None:
    image = Image.new("RGB", SLIDE_SIZE, slide_colour(number))
    draw = ImageDraw.Draw(image)
    draw.text((1300, 560), str(number), font=ImageFont.truetype(FONT, 220), fill="white")
    draw.text((80, 60), f"Lecture slide {number}", font=ImageFont.truetype(FONT, 64),
              fill="white")
    image.save(path)


def _annotations(image_id: str, start: float, counter: list[int]) -> list[str]:
    """Every BBB 2.2 annotation kind on one slide, from ``start`` on, numbered globally."""
    kinds = [
        ("pencil", 2.0, '<path d="M200 700 C300 600 400 800 500 700 S700 600 800 700"/>'),
        ("line", 4.0, '<line x1="200" y1="250" x2="700" y2="400"/>'),
        ("rect", 6.0, '<path d="M900 200 L1200 200 L1200 400 L900 400 Z"/>'),
        ("ellipse", 8.0, '<ellipse cx="1050" cy="600" rx="150" ry="80"/>'),
        ("triangle", 10.0, '<path d="M300 850 L450 550 L600 850 Z"/>'),
        ("text", 12.0, '<switch><foreignObject color="#1b3c5e" width="500" height="120" '
         'x="850" y="720"><p xmlns="http://www.w3.org/1999/xhtml" style="margin:0;padding:0;'
         'font-family:Arial;font-size:40px">Note: annotations<br/>on two lines</p>'
         '</foreignObject></switch>'),
        ("poll_result", 14.0, f'<image x="1250" y="80" width="300" height="200" '
         f'xlink:href="presentation/{PRESENTATION}/poll_result.svg"/>'),
    ]
    lines = []
    for kind, offset, body in kinds:
        counter[0] += 1
        undo = f"{start + 9.0:.1f}" if kind == "rect" else "-1"
        style = ("stroke:#ff0000;stroke-width:8;fill:none;stroke-linecap:round"
                 if kind != "text" else "color:#1b3c5e;font-family:Arial;font-size:40px")
        lines.append(f'    <g class="shape" id="{image_id}-draw{counter[0]}" '
                     f'timestamp="{start + offset:.1f}" undo="{undo}" '
                     f'shape="{image_id}-{kind}{counter[0]}" style="{style}">{body}</g>')
    return lines


def _poll_svg() -> str:
    bars = "".join(f'<rect x="20" y="{30 + 50 * i}" width="{w}" height="30" fill="#1b6ef3"/>'
                   f'<text x="{30 + w}" y="{52 + 50 * i}" font-size="20">{w // 26}</text>'
                   for i, w in enumerate((260, 130, 52)))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200" '
            f'viewBox="0 0 300 200"><rect width="300" height="200" fill="#fff"/>{bars}</svg>')


def _shapes_svg(duration: float) -> str:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             'id="svgfile" style="position:absolute;height:600px;width:800px" version="1.1" '
             'viewBox="0 0 800 600">']
    images: list[tuple[str, float, float, int]] = []  # href, in, out, slide index (annotated: 2)
    blocks = math.ceil(duration / BLOCK)
    for block in range(blocks):
        starts = [*slide_starts(block), (block + 1) * BLOCK]
        share = (block * BLOCK + SHARE[0], block * BLOCK + SHARE[1])
        for k in range(SLIDES_PER_BLOCK):
            begin, end = starts[k], min(starts[k + 1], duration)
            if begin >= duration:
                break
            href = f"presentation/{PRESENTATION}/slide-{k + 1}.png"
            if begin < share[0] < end:  # BBB splits the slide timeline at the share
                images += [(href, begin, share[0], k), ("share", share[0], share[1], -1)]
                if share[1] < end:
                    images.append((href, share[1], end, -1))
            elif share[0] <= begin < share[1]:
                if end > share[1]:
                    images.append((href, share[1], end, -1))
            else:
                images.append((href, begin, end, k))
    counter = [0]
    canvases = []
    for index, (href, begin, end, k) in enumerate(images, start=1):  # as BBB: image1 first
        image_id = f"image{index}"
        if href == "share":
            lines.append(f'  <image id="{image_id}" class="slide" in="{begin:.1f}" '
                         f'out="{end:.1f}" xlink:href="presentation/deskshare.png" width="1280" '
                         'height="720" x="0" y="0" style="visibility:hidden"/>')
            continue
        lines.append(f'  <image id="{image_id}" class="slide" in="{begin:.1f}" out="{end:.1f}" '
                     f'xlink:href="{href}" width="1600" height="900" x="0" y="0" '
                     'style="visibility:hidden"/>')
        if k == 2:
            canvases.append(f'  <g class="canvas" id="canvas{index}" image="{image_id}" '
                            'display="none">')
            canvases += _annotations(image_id, begin, counter)
            canvases.append("  </g>")
    lines += canvases
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _events(duration: float) -> tuple[list[tuple[float, str]], list[tuple[float, str]]]:
    panzooms: list[tuple[float, str]] = [(0.0, "0.0 0.0 1600.0 900.0")]
    cursor: list[tuple[float, str]] = [(0.0, "-1.0 -1.0")]
    for block in range(math.ceil(duration / BLOCK)):
        base = block * BLOCK
        for start, stop in ZOOMS:
            panzooms += [(base + start, "0.0 0.0 800.0 450.0"),
                         (base + stop, "0.0 0.0 1600.0 900.0")]
        panzooms += [(base + SHARE[0], "0.0 0.0 1280.0 720.0"),
                     (base + SHARE[1], "0.0 0.0 1600.0 900.0")]
        steps = int((CURSOR[1] - CURSOR[0]) / 0.2)
        for i in range(steps):
            angle = i * 0.2
            cursor.append((base + CURSOR[0] + i * 0.2,
                           f"{0.5 + 0.3 * math.cos(angle):.4f} {0.5 + 0.3 * math.sin(angle):.4f}"))
        cursor.append((base + CURSOR[1], "-1.0 -1.0"))
    keep = lambda events: tuple((t, v) for t, v in sorted(events) if t < duration)  # noqa: E731
    return keep(panzooms), keep(cursor)


def make_lecture(target: Path, *, minutes: float = 10.0, record_id: str | None = None) -> Path:
    """Write the lecture into ``target/<record_id>/`` and return that folder."""
    duration = minutes * 60
    record_id = record_id or lecture_id(minutes)
    out = target / record_id
    pres = out / "presentation" / PRESENTATION
    pres.mkdir(parents=True, exist_ok=True)
    for folder in ("video", "deskshare"):
        (out / folder).mkdir(exist_ok=True)
    for number in range(1, SLIDES_PER_BLOCK + 1):
        _slide_png(pres / f"slide-{number}.png", number)
    (pres / "poll_result.svg").write_text(_poll_svg(), "utf-8")
    Image.new("RGBA", (1280, 720), (0, 0, 0, 0)).save(out / "presentation" / "deskshare.png")
    (out / "shapes.svg").write_text(_shapes_svg(duration), "utf-8")
    panzooms, cursor = _events(duration)
    (out / "panzooms.xml").write_text(_events_xml("panzoom_events", panzooms, "viewBox"), "utf-8")
    (out / "cursor.xml").write_text(_events_xml("cursor_events", cursor, "cursor"), "utf-8")
    shares = [(b * BLOCK + SHARE[0], b * BLOCK + SHARE[1])
              for b in range(math.ceil(duration / BLOCK)) if b * BLOCK + SHARE[0] < duration]
    (out / "deskshare.xml").write_text(
        '<?xml version="1.0"?>\n<recording id="deskshare_events">\n' + "".join(
            f'  <event start_timestamp="{a:.1f}" stop_timestamp="{min(b, duration):.1f}" '
            'video_width="1280" video_height="720"/>\n' for a, b in shares) + "</recording>\n",
        "utf-8")
    (out / "captions.json").write_text("[]\n", "utf-8")
    (out / "presentation_text.json").write_text("{}\n", "utf-8")
    chat = [(15.0 + 120 * i, "Alice Martin", f"Question {i + 1}") for i in range(int(minutes / 2))]
    (out / "slides_new.xml").write_text(
        '<?xml version="1.0"?>\n<popcorn>\n' + "".join(
            f'  <chattimeline in="{t}" direction="down" name={quoteattr(n)} '
            f'message={quoteattr(m)} target="chat"/>\n' for t, n, m in chat) + "</popcorn>\n",
        "utf-8")
    beep = f"0.6*sin(2*PI*1000*t)*lt(mod(t,{BEEP_EVERY}),0.15)"
    _run("-f", "lavfi", "-i", "color=c=0x505050:s=320x240:r=15",
         "-f", "lavfi", "-i", f"aevalsrc='{beep}':s=48000:c=mono", "-t", f"{duration}",
         "-vf", f"drawtext=fontfile={FONT}:text='%{{pts\\:hms}}':fontsize=28:"
         "fontcolor=white:x=(w-tw)/2:y=(h-th)/2",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-g", "150",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "48k", "-ac", "1",
         str(out / "video" / "webcams.mp4"))
    enable = "+".join(f"between(t,{a - 0.5},{b + 0.5})" for a, b in shares) or "0"
    _run("-f", "lavfi", "-i", f"color=c=black:s=640x360:r=10:d={duration}",
         "-f", "lavfi", "-i", f"color=c=0x2060c0:s=640x360:r=10:d={duration}",
         "-filter_complex", "[1]drawbox=x='mod(t*80,560)':y=280:w=60:h=60:color=white:t=fill[m];"
         f"[0][m]overlay=enable='{enable}'",
         "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-g", "100",
         "-pix_fmt", "yuv420p", "-an", str(out / "deskshare" / "deskshare.mp4"))
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    (out / "metadata.xml").write_text(
        _metadata_xml(size, duration, record_id).replace(
            "Échantillon: cours de démonstration", f"Lecture of {minutes:g} minutes"), "utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    print(make_lecture(args.target, minutes=args.minutes))


if __name__ == "__main__":
    main()
