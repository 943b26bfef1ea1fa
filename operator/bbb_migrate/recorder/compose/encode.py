"""The one ffmpeg encode: stills, screen shares, webcams, cursor and the source's own audio.

The file holds a frame only where the picture changes, on the fixed frame grid (variable
frame timing, ``r_frame_rate`` = fps): a still slide is not encoded as motion. No filter
compares pictures to find those frames (comparing every full frame costs more than encoding
the changed ones); every stream brings only its own changes, each at its grid frame:

- **Events** (``ticks.ffconcat``): a 2x2 picture at every frame where something known from the
  timeline changes (a still, a cursor move, a share's start and end), at least every
  ``gop_seconds`` (a keyframe there, for seeking) and on the last frame (so the video lasts
  exactly the recording's duration), plus the screen share's own frames (``interleave``).
- **The presentation picture** at each event: the still shown then (concat demuxer, each
  still decoded once, frame-exact boundaries), the share's current frame (``deskshare.*``
  through one concat list of the shared stretches: only the shared minutes are decoded, by one
  decoder however many shares; fitted into the area on black, from its first frame to its
  last) and the cursor (one pre-drawn red dot), by ``overlay`` on the event. The cursor's
  position and the shares' on/off are step functions of time written as balanced
  ``if(lt(t,..))`` trees (``steps.py``) that the overlays evaluate at each frame: memory and
  per-frame work do not grow with the recording's length as ``sendcmd``'s did.
- **Webcams** (``video/webcams.*``): scaled once to their box, on the grid (``fps``), only the
  frames that differ (``mpdecimate`` on the small picture). ``xstack`` puts them beside the
  tiles of the presentation picture around them and emits a frame whenever either changes.
- **Audio**: the webcams (or audio-only) file's own track, resampled to 48 kHz, padded with
  silence to the recording's duration: nothing is captured, so sound and picture are in sync
  by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw

from ...contract import ExitCode
from ..capture import VideoSettings
from ..errors import RecorderError
from ..verify import ffprobe
from .layout import Geometry, tiles, webcam_box
from .steps import frames, intervals_steps, seconds, step_expression

HIDDEN = -10000
COMPOSE_PRESET = "ultrafast"  # most of the CPU is x264's; Pod re-encodes the file anyway


@dataclass(frozen=True)
class MediaInfo:
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    audio_channels: int = 0


def media_info(path: Path) -> MediaInfo:
    try:
        info = ffprobe(path)
    except RecorderError as error:
        raise RecorderError(ExitCode.UNSUPPORTED,
                            f"{path.name} unreadable: {error.message}") from error
    streams = info.get("streams", [])
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return MediaInfo(video is not None, audio is not None,
                     int((video or {}).get("width") or 0), int((video or {}).get("height") or 0),
                     int((audio or {}).get("channels") or 0))


@dataclass
class Plan:
    """What the encode needs, in frames of the output grid."""

    segments: list[tuple[Path, int]]  # still file, number of frames
    shares: list[tuple[int, int]] = field(default_factory=list)  # first frame, end frame
    cursor: list[tuple[int, int, int]] = field(default_factory=list)  # frame, x, y (abs.)
    cursor_radius: int = 6


def cursor_dot(path: Path, radius: int) -> Path:
    """The players' cursor: a filled red disc (bbb-playback draws a red circle)."""
    size = radius * 2 + 2
    scale = 4  # drawn large, reduced: smooth edges
    big = Image.new("RGBA", (size * scale, size * scale), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((scale, scale, (size - 1) * scale, (size - 1) * scale),
                                fill=(255, 0, 0, 255))
    big.resize((size, size), Image.Resampling.LANCZOS).save(path)
    return path


def _stamp(frame: int, fps: int) -> int:
    """A grid frame's time in whole microseconds (the concat demuxer's clock)."""
    return round(frame * 1_000_000 / fps)


def write_concat(path: Path, entries: list[tuple[Path, int]], fps: int, *,
                 images: bool) -> None:
    """An ffconcat list of (file, first frame): durations in whole microseconds taken from
    the grid, so the n-th start is exact however many entries there are. Images are read at
    ``fps`` (the image demuxer's clock is 1/25 s otherwise) and the last one is repeated (the
    demuxer ends an entry only at the next one)."""
    lines = ["ffconcat version 1.0"]
    option = [f"option framerate {fps}"] if images else []
    for index, (file, first) in enumerate(entries):
        end = entries[index + 1][1] if index + 1 < len(entries) else first + 1
        lines += [f"file '{file.resolve()}'", *option,
                  f"duration {(_stamp(end, fps) - _stamp(first, fps)) / 1e6:.6f}"]
    if images:
        lines += [f"file '{entries[-1][0].resolve()}'", *option]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def tick_picture(path: Path, fps: int) -> Path:
    """The event marker: a 2x2 black YUV 4:2:0 picture (YUV4MPEG: read without decoding)."""
    path.write_bytes(f"YUV4MPEG2 W2 H2 F{fps}:1 Ip A1:1 C420jpeg\nFRAME\n".encode()
                     + bytes([16] * 4 + [128, 128]))
    return path


def segment_starts(plan: Plan) -> list[int]:
    starts = [0]
    for _still, count in plan.segments[:-1]:
        starts.append(starts[-1] + count)
    return starts


def event_frames(plan: Plan, total: int, keep: int) -> list[int]:
    """Every grid frame where the timeline changes the picture, one each ``keep`` frames
    at least, and the last frame (the video lasts to the end)."""
    frames = {0, total - 1, *range(0, total, keep), *segment_starts(plan)}
    frames.update(frame for frame, _x, _y in plan.cursor)
    for first, end in plan.shares:
        frames.update((first, end))
    return sorted(f for f in frames if 0 <= f < total)


def write_share_list(path: Path, deskshare: Path, shares: list[tuple[int, int]],
                     fps: int) -> None:
    """One ffconcat list of the shared stretches of ``deskshare.*``: the demuxer seeks to each
    (only the shared minutes are decoded, by one decoder whatever the number of shares) and
    keeps the file's own timestamps: each entry lasts until the next one's start, and a first
    entry of the file's first packet anchors them at the file's start."""
    file = f"file '{deskshare.resolve()}'"
    lines = ["ffconcat version 1.0", file, "outpoint 0.000001",
             f"duration {_stamp(shares[0][0], fps) / 1e6:.6f}"]
    for index, (first, end) in enumerate(shares):
        lines += [file, f"inpoint {_stamp(first, fps) / 1e6:.6f}",
                  f"outpoint {_stamp(end, fps) / 1e6 + 1:.6f}"]
        if index + 1 < len(shares):
            lasts = _stamp(shares[index + 1][0], fps) - _stamp(first, fps)
            lines.append(f"duration {lasts / 1e6:.6f}")
    path.write_text("\n".join(lines) + "\n", "utf-8")


def _shares(plan: Plan, geometry: Geometry, fps: int, work: Path, deskshare: Path,
            index: int) -> tuple[list[str], list[str], str]:
    """The input and filters of the screen shares, and the x of their overlay: [ds] the
    share's picture (each frame from the first grid frame at or after its own time: ``ceil``,
    as the timeline's changes), [dt] its frames inside a share as events, one per grid frame.
    Frames a seek decodes before an entry's start (after the previous share's last one) are
    dropped; between shares the overlay's x puts the picture off the frame (the overlay's
    ``enable`` is evaluated at the time of whichever input's frame came last, not the
    picture's)."""
    _ax, _ay, aw, ah = geometry.area
    shares = sorted(plan.shares)
    listing = work / "shares.ffconcat"
    write_share_list(listing, deskshare, shares, fps)
    inside = intervals_steps(shares)
    graph = [
        f"[{index}:v]setpts='ceil(T*{fps}-0.001)/{fps}/TB',settb=1/{fps},"
        "select='isnan(prev_selected_pts)+gte(pts,prev_selected_pts)',split[dsin][dsev]",
        f"[dsin]scale={aw}:{ah}:force_original_aspect_ratio=decrease,"
        f"pad={aw}:{ah}:-1:-1:black,format=yuv420p[ds]",
        "[dsev]crop=2:2:0:0,format=yuv420p,select='(isnan(prev_selected_pts)"
        f"+gt(pts,prev_selected_pts))*{step_expression(inside, 'pts', frames)}'[dt]"]
    ax = geometry.area[0]
    x = step_expression([(f, ax if on else HIDDEN) for f, on in inside], "t", seconds(fps),
                        HIDDEN)
    return ["-f", "concat", "-safe", "0", "-i", str(listing)], graph, x


def _webcams(last: str, geometry: Geometry, info: MediaInfo, fps: int, keep: int,
             total: int) -> list[str]:
    """The webcams (only their changed frames, on the grid) beside the tiles of the picture
    around them: ``xstack`` emits a frame whenever either changes."""
    box = webcam_box(geometry, (info.width, info.height))
    _x, _y, w, h = box
    around = tiles(geometry.width, geometry.height, box)
    return [
        f"[1:v]scale={w}:{h},format=yuv420p,fps={fps}:start_time=0,"
        f"mpdecimate=hi=1:lo=1:frac=0:max={keep},trim=end={total / fps:.6f}[cam]",
        f"[{last}]split={len(around)}" + "".join(f"[p{i}]" for i in range(len(around))),
        *(f"[p{i}]crop={tw}:{th}:{tx}:{ty}[t{i}]" for i, (tx, ty, tw, th) in enumerate(around)),
        "".join(f"[t{i}]" for i in range(len(around))) + f"[cam]xstack=inputs={len(around) + 1}"
        f":layout={'|'.join(f'{tx}_{ty}' for tx, ty, _w, _h in [*around, box])}[v]"]


def command(plan: Plan, work: Path, geometry: Geometry, settings: VideoSettings, *,
            media: Path, media_info: MediaInfo, deskshare: Path | None, duration: float,
            output: Path) -> list[str]:
    s = settings
    fps = s.fps
    total = frames_for(duration, fps)
    keep = max(1, s.gop_seconds * fps)
    stills, ticks = work / "stills.ffconcat", work / "ticks.ffconcat"
    write_concat(stills, [(still, first) for (still, _n), first
                          in zip(plan.segments, segment_starts(plan), strict=False)], fps,
                 images=True)
    write_concat(ticks, [(tick_picture(work / "tick.y4m", fps), frame)
                         for frame in event_frames(plan, total, keep)], fps, images=False)
    inputs = ["-f", "concat", "-safe", "0", "-i", str(stills), "-i", str(media),
              "-f", "concat", "-safe", "0", "-i", str(ticks)]
    graph = ["[0:v]format=yuv420p[still]"]
    _ax, ay, _aw, _ah = geometry.area
    # Each event: the still shown then, the share on it, the cursor on top.
    over_share = ""
    if plan.shares and deskshare is not None:
        share_inputs, share_graph, shown = _shares(plan, geometry, fps, work, deskshare, 3)
        inputs += share_inputs
        graph += [*share_graph, f"[2:v][dt]interleave,settb=1/{fps}[ev]"]
        over_share = f";[a0][ds]overlay=x='{shown}':y={ay}:eval=frame[a1]"
    else:
        graph.append("[2:v]null[ev]")
    graph.append(f"[ev]pad={geometry.width}:{geometry.height}[ev0];[ev0][still]overlay[a0]"
                 + over_share)
    last = "a1" if over_share else "a0"
    if plan.cursor:
        dot = inputs.count("-i")
        inputs += ["-i", str(cursor_dot(work / "cursor.png", plan.cursor_radius))]
        at = seconds(fps)
        x = step_expression([(f, x) for f, x, _y in plan.cursor], "t", at, HIDDEN)
        y = step_expression([(f, y) for f, _x, y in plan.cursor], "t", at, HIDDEN)
        graph.append(f"[{last}][{dot}:v]overlay=x='{x}':y='{y}':eval=frame[ak]")
        last = "ak"
    if geometry.webcam and media_info.has_video:
        graph += _webcams(last, geometry, media_info, fps, keep, total)
    else:
        graph.append(f"[{last}]null[v]")
    maps = ["-map", "[v]"]
    if media_info.has_audio:
        graph.append("[1:a]aresample=48000:async=1:first_pts=0,apad[a]")
        maps += ["-map", "[a]"]
    script = work / "graph.txt"  # the step expressions outgrow a command line's argument
    script.write_text(";\n".join(graph) + "\n", "utf-8")
    return [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "info", "-y",
        "-progress", "pipe:2", "-stats_period", "2",
        *inputs, "-filter_complex_script", str(script), *maps,
        "-c:v", "libx264", "-preset", s.preset or COMPOSE_PRESET, "-tune", "stillimage",
        "-crf", str(s.crf),
        "-pix_fmt", "yuv420p", "-force_key_frames", f"expr:gte(t,n_forced*{s.gop_seconds})",
        "-r", str(fps), "-fps_mode", "vfr", "-video_track_timescale", str(fps * 1000),
        # The source's channels (BBB records mono): no work encoding a copy of one.
        "-c:a", "aac", "-b:a", s.audio_bitrate, "-ar", "48000",
        "-ac", str(min(2, media_info.audio_channels or 2)),
        "-t", f"{total / fps:.6f}", "-movflags", "+faststart", "-f", "mp4", str(output),
    ]


def frames_for(duration: float, fps: int) -> int:
    return max(1, math.floor(duration * fps + 0.5))
