"""Generate the sample published recording shipped in ``simulator/sample/<record-id>/``.

No public repository ships a complete published BBB presentation recording, so the project makes
its own, in BBB's published layout, with a timeline the tests know exactly: big flat-coloured
slides (easy to recognise in a captured frame), a zoom, a cursor, annotations (two drafts of a
line and a rectangle, numbered from one global counter as BBB's publisher does), a screen share
with its transparent ``presentation/deskshare.png`` slide segment, chat, and a webcams track
whose audio beeps exactly when the slide changes (the A/V sync reference).

Run ``python -m bbb_migrate.simulator.make_sample [DIR]`` to regenerate (needs ffmpeg).
``make_video_playback(dir, record_id)`` writes a BBB ``video`` format playback (``video-0.m4v``)
for download tests; it is generated at test time instead of being shipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

SAMPLE_DIR = Path(__file__).with_name("sample")
RECORD_ID = hashlib.sha1(b"bbb-migrate sample recording").hexdigest() + "-1700000000000"  # noqa: S324
PRESENTATION_ID = hashlib.sha1(b"bbb-migrate sample slides").hexdigest() + "-1700000000001"  # noqa: S324
DURATION = 20.0  # seconds
START_MS = 1_700_000_000_000
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Segment:
    """One slide-timeline segment: what the presentation area shows from ``start`` to ``end``."""

    start: float
    end: float
    kind: str  # "slide" or "deskshare"
    number: int  # slide number (0 for the share)
    rgb: tuple[int, int, int]  # the flat colour filling it


# The timeline the tests check. Every change of segment coincides with a beep in the audio.
SEGMENTS: tuple[Segment, ...] = (
    Segment(0.0, 6.0, "slide", 1, (200, 30, 30)),
    Segment(6.0, 11.0, "slide", 2, (30, 160, 60)),
    Segment(11.0, 14.0, "deskshare", 0, (200, 0, 200)),
    Segment(14.0, DURATION, "slide", 3, (230, 200, 20)),
)
BEEPS: tuple[float, ...] = (6.0, 11.0, 14.0)  # 1 kHz, BEEP_LENGTH s, onset exactly at the change
BEEP_LENGTH = 0.15
MARKER_BEEP = 1.0  # a 440 Hz marker beep with no slide change (start-of-audio reference)
DESKSHARE_SIZE = (1280, 720)
SLIDE_SIZE = (1600, 900)
PANZOOMS: tuple[tuple[float, str], ...] = (
    (0.0, "0.0 0.0 1600.0 900.0"),
    (8.0, "0.0 0.0 800.0 450.0"),  # zoom into the top-left quarter of slide 2
    (11.0, "0.0 0.0 1280.0 720.0"),  # the share (BBB writes a panzoom for it)
    (14.0, "0.0 0.0 1600.0 900.0"),
)
CURSOR: tuple[tuple[float, str], ...] = (
    (0.0, "-1.0 -1.0"),
    (2.0, "0.80 0.75"),
    (3.0, "0.85 0.80"),
    (4.0, "0.90 0.85"),
    (5.0, "-1.0 -1.0"),
)


def segment_at(t: float) -> Segment:
    """The segment shown at media time ``t``."""
    for seg in SEGMENTS:
        if seg.start <= t < seg.end:
            return seg
    return SEGMENTS[-1]


def _run(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def _slide_png(path: Path, seg: Segment, size: tuple[int, int]) -> None:
    r, g, b = seg.rgb
    w, h = size
    # The number sits in the lower right so the upper left stays one flat colour (sampled by tests).
    _run(
        "-f", "lavfi", "-i", f"color=c=0x{r:02x}{g:02x}{b:02x}:s={w}x{h}",
        "-vf", f"drawtext=fontfile={FONT}:text='{seg.number}':fontsize={h // 3}:"
        f"fontcolor=white:x=w*0.82:y=h*0.62",
        "-frames:v", "1", str(path),
    )


def _segments(duration: float) -> tuple[Segment, ...]:
    """The timeline for a recording of ``duration`` s: the last slide runs to the end."""
    last = SEGMENTS[-1]
    return (*SEGMENTS[:-1], Segment(last.start, duration, last.kind, last.number, last.rgb))


def _shapes_svg(segments: tuple[Segment, ...]) -> str:
    """``shapes.svg`` as BBB's publisher writes it (one image per timeline segment).

    The images are numbered from 1 (``$svg_image_id = 1`` in BBB's ``presentation.rb``): the
    2.0 player starts with ``currentImageId = "image0"`` and shows a slide only when the
    current id changes, so a first slide numbered 0 never appeared in the real player.
    """
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'id="svgfile" style="position:absolute;height:600px;width:800px" version="1.1" '
        'viewBox="0 0 800 600">',
    ]
    for index, seg in enumerate(segments, start=1):
        if seg.kind == "deskshare":
            w, h = DESKSHARE_SIZE
            href = "presentation/deskshare.png"
            text = ""
        else:
            w, h = SLIDE_SIZE
            href = f"presentation/{PRESENTATION_ID}/slide-{seg.number}.png"
            text = f' text="presentation/{PRESENTATION_ID}/textfiles/slide-{seg.number}.txt"'
        lines.append(
            f'  <image id="image{index}" class="slide" in="{seg.start:.1f}" out="{seg.end:.1f}" '
            f'xlink:href="{href}" width="{w}" height="{h}" x="0" y="0" '
            f'style="visibility:hidden"{text}/>'
        )
    # Annotations on slide 1 (image1), right half, one global shape counter as BBB does:
    # two drafts of line 1, then rectangle 2 (undone at 5.5 s).
    lines.append('  <g class="canvas" id="canvas1" image="image1" display="none">')
    drafts = [
        ("image1-draw1", 2.5, -1, "image1-line1",
         '<line x1="1000" y1="150" x2="1200" y2="250" />'),
        ("image1-draw2", 2.7, -1, "image1-line1",
         '<line x1="1000" y1="150" x2="1400" y2="350" />'),
        ("image1-draw3", 3.5, 5.5, "image1-rect2",
         '<rect x="1150" y="600" width="300" height="200" fill="none" />'),
    ]
    for gid, stamp, undo, shape, body in drafts:
        lines.append(
            f'    <g class="shape" id="{gid}" timestamp="{stamp}" undo="{undo}" shape="{shape}" '
            'style="stroke:#000000;stroke-width:12;visibility:hidden;fill:none;'
            f'stroke-linecap:round">{body}</g>'
        )
    lines.append("  </g>")
    lines.append("</svg>")
    return "\n".join(lines) + "\n"


def _events_xml(root_id: str, events: tuple[tuple[float, str], ...], tag: str) -> str:
    body = "".join(
        f'  <event timestamp="{t:.1f}">\n    <{tag}>{value}</{tag}>\n  </event>\n'
        for t, value in events
    )
    return f'<?xml version="1.0"?>\n<recording id="{root_id}">\n{body}</recording>\n'


def _metadata_xml(size: int, duration: float, record_id: str) -> str:
    images = "".join(
        f'          <image width="176" height="136" alt="Slide {s.number}">'
        f"https://bbb.example.org/presentation/{record_id}/presentation/{PRESENTATION_ID}/"
        f"thumbnails/thumb-{s.number}.png</image>\n"
        for s in SEGMENTS if s.kind == "slide"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<recording>\n'
        f"  <id>{record_id}</id>\n  <state>published</state>\n  <published>true</published>\n"
        f"  <start_time>{START_MS}</start_time>\n"
        f"  <end_time>{START_MS + int(duration * 1000)}</end_time>\n"
        "  <participants>3</participants>\n"
        f'  <meeting id="{record_id}" externalId="sample-course-42" '
        'name="Échantillon: cours de démonstration" breakout="false"/>\n'
        "  <meta>\n"
        "    <isBreakout>false</isBreakout>\n"
        "    <meetingName>Échantillon: cours de démonstration</meetingName>\n"
        "    <bbb-origin>Moodle</bbb-origin>\n"
        "    <bbb-origin-version>4.1</bbb-origin-version>\n"
        "    <bbb-origin-server-name>moodle.example.org</bbb-origin-server-name>\n"
        "    <bbb-origin-server-common-name/>\n"
        "    <bbb-context>Demo course</bbb-context>\n"
        "    <bbb-context-id>42</bbb-context-id>\n"
        "    <bbb-recording-name>Sample recording</bbb-recording-name>\n"
        "  </meta>\n"
        "  <playback>\n"
        "    <format>presentation</format>\n"
        f"    <link>https://bbb.example.org/playback/presentation/2.3/{record_id}</link>\n"
        "    <processing_time>4321</processing_time>\n"
        f"    <duration>{int(duration * 1000)}</duration>\n"
        "    <extensions>\n      <preview>\n        <images>\n"
        f"{images}"
        "        </images>\n      </preview>\n    </extensions>\n"
        f"    <size>{size}</size>\n"
        "  </playback>\n"
        f"  <raw_size>{size * 3}</raw_size>\n"
        "</recording>\n"
    )


def _beep_expr() -> str:
    terms = "+".join(f"between(t,{b},{b + BEEP_LENGTH})" for b in BEEPS)
    return (
        f"0.6*sin(2*PI*1000*t)*({terms})"
        f"+0.5*sin(2*PI*440*t)*between(t,{MARKER_BEEP},{MARKER_BEEP + BEEP_LENGTH})"
    )


def make_sample(target: Path, *, duration: float = DURATION, record_id: str = RECORD_ID) -> Path:
    """Write the sample recording into ``target/<record_id>/`` and return that folder.

    A longer ``duration`` (tests of a slow link, the memory benchmark) keeps the same timeline
    and lets the last slide run to the end.
    """
    segments = _segments(duration)
    out = target / record_id
    pres = out / "presentation" / PRESENTATION_ID
    (pres / "thumbnails").mkdir(parents=True, exist_ok=True)
    (pres / "textfiles").mkdir(parents=True, exist_ok=True)
    (out / "video").mkdir(parents=True, exist_ok=True)
    (out / "deskshare").mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    for seg in segments:
        if seg.kind != "slide":
            continue
        _slide_png(pres / f"slide-{seg.number}.png", seg, SLIDE_SIZE)
        _slide_png(pres / "thumbnails" / f"thumb-{seg.number}.png", seg, (176, 99))
        text = f"Slide {seg.number}"
        (pres / "textfiles" / f"slide-{seg.number}.txt").write_text(text + "\n", "utf-8")
        texts[f"slide-{seg.number}"] = text
    w, h = DESKSHARE_SIZE
    _run("-f", "lavfi", "-i", f"color=c=black@0.0:s={w}x{h},format=rgba",
         "-frames:v", "1", str(out / "presentation" / "deskshare.png"))
    (out / "shapes.svg").write_text(_shapes_svg(segments), "utf-8")
    (out / "panzooms.xml").write_text(_events_xml("panzoom_events", PANZOOMS, "viewBox"), "utf-8")
    (out / "cursor.xml").write_text(_events_xml("cursor_events", CURSOR, "cursor"), "utf-8")
    share = next(s for s in SEGMENTS if s.kind == "deskshare")
    (out / "deskshare.xml").write_text(
        '<?xml version="1.0"?>\n<recording id="deskshare_events">\n'
        f'  <event start_timestamp="{share.start:.1f}" stop_timestamp="{share.end:.1f}" '
        f'video_width="{w}" video_height="{h}"/>\n</recording>\n', "utf-8")
    (out / "presentation_text.json").write_text(
        json.dumps({PRESENTATION_ID: texts}, ensure_ascii=False) + "\n", "utf-8")
    (out / "captions.json").write_text("[]\n", "utf-8")
    chat = [(1.5, "Alice Martin", "Bonjour à tous"), (9.0, "Bob Durand", "Slide 2, merci")]
    (out / "slides_new.xml").write_text(
        '<?xml version="1.0"?>\n<popcorn>\n' + "".join(
            f'  <chattimeline in="{t}" direction="down" name={quoteattr(n)} '
            f'message={quoteattr(m)} target="chat"/>\n' for t, n, m in chat
        ) + "</popcorn>\n", "utf-8")
    # Webcams: the media clock. A clock burnt in, audio beeps at the slide changes.
    _run(
        "-f", "lavfi", "-i", "color=c=0x505050:s=320x240:r=10",
        "-f", "lavfi", "-i", f"aevalsrc='{_beep_expr()}':s=48000:c=mono",
        "-t", f"{duration}",
        "-vf", f"drawtext=fontfile={FONT}:text='%{{pts\\:hms}}':fontsize=28:"
        "fontcolor=white:x=(w-tw)/2:y=(h-th)/2",
        "-c:v", "libvpx", "-b:v", "60k", "-crf", "40", "-g", "50", "-deadline", "realtime",
        "-cpu-used", "8",
        "-c:a", "libopus", "-b:a", "24k", "-ac", "1",
        str(out / "video" / "webcams.webm"),
    )
    # Deskshare: on the recording's timeline, black outside the share (plus margin for sync
    # slop), magenta with a moving white box during it.
    r, g, b = share.rgb
    _run(
        "-f", "lavfi", "-i", f"color=c=black:s=640x360:r=10:d={duration}",
        "-f", "lavfi", "-i", f"color=c=0x{r:02x}{g:02x}{b:02x}:s=640x360:r=10:d={duration}",
        "-filter_complex",
        f"[1]drawbox=x='mod(t*80,560)':y=280:w=60:h=60:color=white:t=fill[m];"
        f"[0][m]overlay=enable='between(t,{share.start - 0.5},{share.end + 0.5})'",
        "-c:v", "libvpx", "-b:v", "40k", "-crf", "40", "-g", "50", "-deadline", "realtime",
        "-cpu-used", "8", "-an",
        str(out / "deskshare" / "deskshare.webm"),
    )
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    (out / "metadata.xml").write_text(_metadata_xml(size, duration, record_id), "utf-8")
    return out


def make_video_playback(target: Path, record_id: str, duration: float = 10.0) -> Path:
    """A BBB ``video`` format playback (``<target>/<record_id>/video-0.m4v`` + metadata.xml)."""
    out = target / record_id
    out.mkdir(parents=True, exist_ok=True)
    _run(
        "-f", "lavfi", "-i", f"testsrc2=s=640x360:r=24:d={duration}",
        "-f", "lavfi", "-i", f"sine=f=660:d={duration}:sample_rate=48000",
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "28", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4",
        str(out / "video-0.m4v"),
    )
    (out / "metadata.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<recording>\n'
        f"  <id>{record_id}</id>\n  <state>published</state>\n  <published>true</published>\n"
        f"  <start_time>{START_MS}</start_time>\n"
        f"  <end_time>{START_MS + int(duration * 1000)}</end_time>\n"
        f'  <meeting id="{record_id}" externalId="video-sample" name="Video sample" '
        'breakout="false"/>\n  <meta><meetingName>Video sample</meetingName></meta>\n'
        "  <playback>\n    <format>video</format>\n"
        f"    <link>https://bbb.example.org/playback/video/{record_id}/</link>\n"
        f"    <duration>{int(duration * 1000)}</duration>\n  </playback>\n</recording>\n",
        "utf-8",
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", type=Path, default=SAMPLE_DIR)
    args = parser.parse_args()
    print(make_sample(args.target))


if __name__ == "__main__":
    main()
