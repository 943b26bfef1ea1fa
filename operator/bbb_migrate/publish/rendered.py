"""import-video from rendered files: each recording's MP4 in a folder a web server serves.

With ``pod.importVideo.source: rendered`` the external recordings point at the rendered MP4
instead of the old BBB server's playback, so the old server can be switched off as soon as
every recording is rendered. Pod's type for such a row is ``video`` ("Video file"): when the
owner clicks "upload to Pod", Pod's ``upload_standard_video_recording_to_pod`` checks that the
URL's extension is a video extension (``mp4``), sends a HEAD to check the file exists and is not
over ``VIDEO_MAX_UPLOAD_SIZE``, downloads it into the owner's folder and encodes it. (Type
``bigbluebutton`` would take the same path for an ``.mp4`` URL but shows "Big Blue Button",
which this file no longer is.)

The file name is the BBB record ID (40-hex-digits-timestamp, sanitised anyway: a listing is data
from the network), so one recording has one URL whatever its name, a retry finds its own file,
and :func:`media_url` gives the URL back from the record ID alone (cleanup, shutdown-check).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from ..spec import ImportVideoSettings
from . import claim

POD_TYPE = "video"
"""``ExternalRecording.type`` of a rendered file ("Video file" in Pod 3.x and 4.x)."""

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def media_name(record_id: str, ext: str = ".mp4") -> str:
    """The file name of a recording's MP4: its record ID, made safe for a path and a URL."""
    safe = _UNSAFE.sub("_", record_id).lstrip(".") or "recording"
    return safe[:200] + (ext if ext.startswith(".") else "." + ext)


def media_url(settings: ImportVideoSettings, name: str) -> str:
    """The URL the web server serves ``name`` at (``baseUrl`` + the quoted name)."""
    assert settings.base_url is not None  # the spec requires it with source rendered
    return settings.base_url + quote(name)


def media_file(settings: ImportVideoSettings, name: str) -> Path:
    """Where the MP4 is stored (as the executor sees ``mediaPath``)."""
    return Path(settings.media_path) / name


def place(rendered: Path | None, final: Path, *, dry_run: bool, writes: list[str]) -> int:
    """Move the rendered file to ``final`` (complete or not at all); return its size.

    A file already in place is kept (a retry after the rows failed): the rendered file of a
    second attempt is then left where it is.
    """
    if final.is_file():
        return final.stat().st_size
    if rendered is None or not rendered.is_file():
        if dry_run:
            writes.append(f"file: would move the rendered file to {final}")
            return 0
        raise FileNotFoundError(f"rendered file {rendered} is missing")
    size = rendered.stat().st_size
    if dry_run:
        writes.append(f"file: would move {rendered} to {final}")
        return size
    final.parent.mkdir(parents=True, exist_ok=True)
    claim.move_into_place(rendered, final)
    final.chmod(0o644)  # the web server (another user, read-only mount) must read it
    writes.append(f"file: moved {rendered} to {final}")
    return size
