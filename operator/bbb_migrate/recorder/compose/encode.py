"""The one ffmpeg encode: stills, screen shares, webcams, cursor and the source's own audio.

- **Stills** come in through the concat demuxer with their durations (frame-exact: every
  boundary is a whole number of frames), then ``fps`` repeats them on the frame grid.
- **Screen shares**: each share is its own input, cut from ``deskshare.*`` with ``-ss``/``-t``
  (only the shared minutes are decoded), fitted into the presentation area on black, shown
  from its first frame to its last, frame-exact (see ``command``).
- **Webcams**: ``video/webcams.*`` scaled into the layout's box.
- **Cursor**: one pre-drawn red dot, moved by ``sendcmd`` commands at the exact frames where
  cursor.xml (or the zoom, or a share) moves it; off-frame when hidden.
- **Audio**: the webcams (or audio-only) file's own track, resampled to 48 kHz, padded with
  silence to the recording's duration: nothing is captured, so sound and picture are in sync
  by construction.
- **Stills are not encoded as motion**: ``mpdecimate`` drops every frame identical to the last
  one kept (exact duplicates only: ``hi=lo=1, frac=0``), at least one frame is kept every
  ``gop_seconds`` (a keyframe there, for seeking), and the file is written with variable frame
  timing on the fixed frame grid. The last frame is repeated up to the end (``tpad``), so the
  video track lasts exactly the recording's duration.
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
from .layout import Geometry

HIDDEN = -10000
COMPOSE_PRESET = "ultrafast"  # most of the CPU is x264's; Pod re-encodes the file anyway


@dataclass(frozen=True)
class MediaInfo:
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0


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
                     int((video or {}).get("width") or 0), int((video or {}).get("height") or 0))


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


def write_concat(path: Path, segments: list[tuple[Path, int]], fps: int) -> None:
    lines = ["ffconcat version 1.0"]
    for still, frames in segments:
        lines += [f"file '{still.resolve()}'", f"duration {frames / fps:.6f}"]
    lines.append(f"file '{segments[-1][0].resolve()}'")  # the demuxer needs a last entry
    path.write_text("\n".join(lines) + "\n", "utf-8")


def write_cursor_commands(path: Path, cursor: list[tuple[int, int, int]], fps: int) -> None:
    lines = [f"{frame / fps:.6f} overlay@cursor x {x}, overlay@cursor y {y};"
             for frame, x, y in cursor]
    path.write_text("\n".join(lines) + "\n", "utf-8")


def command(plan: Plan, work: Path, geometry: Geometry, settings: VideoSettings, *,
            media: Path, media_info: MediaInfo, deskshare: Path | None, duration: float,
            output: Path) -> list[str]:
    s = settings
    fps = s.fps
    total_frames = frames_for(duration, fps)
    concat = work / "stills.ffconcat"
    write_concat(concat, plan.segments, fps)
    inputs = ["-f", "concat", "-safe", "0", "-i", str(concat), "-i", str(media)]
    graph = [f"[0:v]format=yuv420p,fps={fps}:start_time=0,trim=end_frame={total_frames}[v0]"]
    last = "v0"
    index = 2
    ax, ay, aw, ah = geometry.area
    if deskshare is not None:
        for number, (first, end) in enumerate(plan.shares):
            start = first / fps
            length = (end - first) / fps + 1
            inputs += ["-ss", f"{start:.6f}", "-t", f"{length:.6f}", "-i", str(deskshare)]
            # On the output grid, exactly the share's frames: the overlay shows it from its
            # first frame and passes the main picture through from its end (no ``enable``:
            # with two inputs it is evaluated on either input's frames, off by one here).
            graph.append(
                f"[{index}:v]scale={aw}:{ah}:force_original_aspect_ratio=decrease,"
                f"pad={aw}:{ah}:-1:-1:black,format=yuv420p,"
                f"setpts=PTS-STARTPTS+{start:.6f}/TB,fps={fps}:start_time={start:.6f},"
                f"trim=end_frame={end - first}[ds{number}]")
            graph.append(f"[{last}][ds{number}]overlay=x={ax}:y={ay}:eof_action=pass"
                         f"[vs{number}]")
            last = f"vs{number}"
            index += 1
    if plan.cursor:
        commands = work / "cursor.cmd"
        write_cursor_commands(commands, plan.cursor, fps)
        dot = cursor_dot(work / "cursor.png", plan.cursor_radius)
        inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{duration + 1:.3f}",
                   "-i", str(dot)]
        graph.append(f"[{last}]sendcmd=f='{commands}'[vm]")
        graph.append(f"[{index}:v]format=rgba[dot]")
        graph.append(f"[vm][dot]overlay@cursor=x={HIDDEN}:y={HIDDEN}:eval=frame:"
                     f"eof_action=pass[vk]")
        last = "vk"
        index += 1
    if geometry.webcam and media_info.has_video:
        bx, by, bw, bh = geometry.webcam
        if geometry.webcam_corner:
            graph.append(f"[1:v]scale={bw}:-2,format=yuv420p[cam]")
            place = "x=main_w-overlay_w:y=main_h-overlay_h"
        else:
            graph.append(f"[1:v]scale={bw}:{bh}:force_original_aspect_ratio=decrease,"
                         "format=yuv420p[cam]")
            place = f"x={bx}+({bw}-overlay_w)/2:y={by}+({bh}-overlay_h)/2"
        graph.append(f"[{last}][cam]overlay={place}:eof_action=repeat[vc]")
        last = "vc"
    keep = max(1, s.gop_seconds * fps)
    graph.append(f"[{last}]mpdecimate=hi=1:lo=1:frac=0:max={keep},"
                 f"tpad=stop_mode=clone:stop_duration={s.gop_seconds + 1}[v]")
    maps = ["-map", "[v]"]
    if media_info.has_audio:
        graph.append("[1:a]aresample=48000:async=1:first_pts=0,apad[a]")
        maps += ["-map", "[a]"]
    return [
        "ffmpeg", "-hide_banner", "-nostats", "-loglevel", "info", "-y",
        "-progress", "pipe:2", "-stats_period", "2",
        *inputs, "-filter_complex", ";".join(graph), *maps,
        "-c:v", "libx264", "-preset", s.preset or COMPOSE_PRESET, "-tune", "stillimage",
        "-crf", str(s.crf),
        "-pix_fmt", "yuv420p", "-force_key_frames", f"expr:gte(t,n_forced*{s.gop_seconds})",
        "-fps_mode", "vfr", "-video_track_timescale", str(fps * 1000),
        "-c:a", "aac", "-b:a", s.audio_bitrate, "-ar", "48000", "-ac", "2",
        "-t", f"{total_frames / fps:.6f}", "-movflags", "+faststart", "-f", "mp4", str(output),
    ]


def frames_for(duration: float, fps: int) -> int:
    return max(1, math.floor(duration * fps + 0.5))
