"""Fetch a presentation recording's published files over HTTP, as the players fetch them.

Everything lands in one private work folder under names the recorder chooses or checks: a link
found in ``shapes.svg`` (``presentation/<id>/slide-1.png``) is kept only when it is a plain
relative path (no scheme, no ``..``, no absolute path), so a recording cannot write or read
outside that folder. Missing optional files are normal (older servers have no ``tldraw.json``);
a missing ``shapes.svg`` or an HTTP error on a required file is the contract's not-found or
network failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import requests

from ...contract import ExitCode
from ..errors import RecorderError
from ..source import USER_AGENT, http_failure

CHUNK = 1 << 16
TEXT_FILES = ("metadata.xml", "shapes.svg", "panzooms.xml", "cursor.xml", "deskshare.xml",
              "slides_new.xml", "captions.json", "presentation_text.json", "tldraw.json",
              "external_videos.json")
WEBCAMS = ("video/webcams.mp4", "video/webcams.webm")
AUDIO_ONLY = ("audio/audio.webm", "audio/audio.ogg")
DESKSHARE = ("deskshare/deskshare.mp4", "deskshare/deskshare.webm")
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def safe_relative(link: str) -> PurePosixPath | None:
    """``link`` as a relative path inside the recording, or None when it is anything else."""
    if not link or "://" in link or link.startswith(("/", "\\", "data:")) or "?" in link:
        return None
    path = PurePosixPath(link)
    if not path.parts or not all(_SAFE_PART.match(part) for part in path.parts):
        return None
    return path


@dataclass
class Published:
    """The local copies of one recording's files (None = the server does not have it)."""

    folder: Path
    base_url: str
    texts: dict[str, str | None] = field(default_factory=dict)
    media: Path | None = None  # webcams video (or the audio-only file): the audio master
    audio_only: bool = False
    deskshare: Path | None = None
    fetched_bytes: int = 0
    fetcher: Fetcher | None = field(default=None, repr=False)

    def local(self, link: str) -> Path | None:
        """The local copy of a file the SVG links to, if it was fetched."""
        rel = safe_relative(link)
        if rel is None:
            return None
        path = self.folder / rel
        return path if path.is_file() else None


class Fetcher:
    """One HTTP session for one recording; errors mapped to the contract."""

    def __init__(self, base_url: str, folder: Path, timeout: float = 60.0):
        self.base_url = base_url.rstrip("/") + "/"
        self.folder = folder
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.fetched = 0

    def text(self, name: str, required: bool = False) -> str | None:
        try:
            response = self.session.get(self.base_url + name, timeout=self.timeout)
        except requests.RequestException as error:
            raise http_failure(error, None, name) from error
        if response.status_code == 200:
            self.fetched += len(response.content)
            response.encoding = response.encoding or "utf-8"
            return response.content.decode("utf-8", "replace")
        if response.status_code in (404, 410) and not required:
            return None
        if not required and response.status_code in (401, 403):
            return None
        raise http_failure(None, response.status_code, name)

    def file(self, rel: PurePosixPath) -> Path | None:
        """Stream one file to ``folder/rel``; None when the server has no such file."""
        target = self.folder / rel
        if target.is_file():
            return target
        try:
            response = self.session.get(self.base_url + str(rel), stream=True,
                                        timeout=self.timeout)
        except requests.RequestException as error:
            raise http_failure(error, None, str(rel)) from error
        with response:
            if response.status_code in (404, 410):
                return None
            if response.status_code != 200:
                raise http_failure(None, response.status_code, str(rel))
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            try:
                with part.open("wb") as out:
                    for block in response.iter_content(CHUNK):
                        out.write(block)
                        self.fetched += len(block)
            except requests.RequestException as error:
                part.unlink(missing_ok=True)
                raise http_failure(error, None, str(rel)) from error
            part.replace(target)
        return target

    def first(self, candidates: tuple[str, ...]) -> Path | None:
        for name in candidates:
            found = self.file(PurePosixPath(name))
            if found is not None:
                return found
        return None


def fetch_published(base_url: str, folder: Path, *, timeout: float = 60.0,
                    with_deskshare: bool = True) -> Published:
    """The text files, then the media (webcams or audio, screen share); images come later."""
    folder.mkdir(parents=True, exist_ok=True)
    fetcher = Fetcher(base_url, folder, timeout)
    published = Published(folder=folder, base_url=fetcher.base_url, fetcher=fetcher)
    for name in TEXT_FILES:
        published.texts[name] = fetcher.text(name, required=name == "shapes.svg")
    published.media = fetcher.first(WEBCAMS)
    if published.media is None:
        published.media = fetcher.first(AUDIO_ONLY)
        published.audio_only = published.media is not None
    if published.media is None:
        raise RecorderError(ExitCode.NOT_FOUND, "the recording has no webcams or audio file")
    if with_deskshare and (published.texts.get("deskshare.xml") or "").count("<event"):
        published.deskshare = fetcher.first(DESKSHARE)
    published.fetched_bytes = fetcher.fetched
    return published


def fetch_links(published: Published, links: set[str]) -> int:
    """Fetch the images ``shapes.svg`` (or tldraw.json) links to; unsafe links are skipped."""
    fetcher = published.fetcher
    assert fetcher is not None
    count = 0
    for link in sorted(links):
        rel = safe_relative(link)
        if rel is not None and fetcher.file(rel) is not None:
            count += 1
    published.fetched_bytes = fetcher.fetched
    return count
