"""What the recorder learns from the server before rendering: the URL's kind and the duration.

The duration comes from the recording's ``metadata.xml`` (``playback/duration``, ms), never from
the player: the media file's own duration differs (20.008 s for 20 s) and a player can report it
late or not at all. XML is parsed with defusedxml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from defusedxml import ElementTree

from ..contract import ExitCode
from .errors import RecorderError
from .players import PlayerForm, player_form

USER_AGENT = "bbb-migrate-recorder"
_VIDEO_PATHS = (
    re.compile(r"^/playback/video/([^/]+)/?(?:index\.html)?$"),
    re.compile(r"^/video/([^/]+)/?(?:index\.html)?$"),
    re.compile(r"^/recording/([^/]+)/video/?$"),
)
_MEDIA_FILE = re.compile(r"\.(m4v|mp4|webm|mkv|mov)$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A playback URL, understood."""

    url: str
    kind: str  # "render" or "download"
    record_id: str | None
    form: PlayerForm | None = None  # for "render"


def classify(url: str) -> Target:
    """Decide render (presentation 2.3 / 2.0) or download (video); else INVALID_URL/UNSUPPORTED."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RecorderError(ExitCode.INVALID_URL, f"not an http(s) URL: {url!r}")
    found = player_form(url)
    if found is not None:
        form, record_id = found
        return Target(url, "render", record_id, form)
    for pattern in _VIDEO_PATHS:
        match = pattern.match(parts.path)
        if match:
            return Target(url, "download", match.group(1))
    if _MEDIA_FILE.search(parts.path):
        segments = [s for s in parts.path.split("/") if s]
        record_id = segments[-2] if len(segments) >= 2 else None
        return Target(url, "download", record_id)
    if parts.path.startswith("/playback/presentation/"):
        raise RecorderError(ExitCode.INVALID_URL, f"presentation URL without a record ID: {url!r}")
    if "/playback/" in parts.path:
        raise RecorderError(ExitCode.UNSUPPORTED, f"unsupported playback format: {parts.path}")
    raise RecorderError(ExitCode.INVALID_URL, f"not a BBB playback URL: {url!r}")


def http_failure(error: Exception | None, status: int | None, what: str) -> RecorderError:
    """Map an HTTP outcome to the contract: 404/410 permanent, the rest retryable."""
    if status in (404, 410):
        return RecorderError(ExitCode.NOT_FOUND, f"{what}: HTTP {status}")
    if status in (401, 403):
        return RecorderError(ExitCode.NOT_FOUND, f"{what}: HTTP {status} (access refused)")
    if status is not None:
        return RecorderError(ExitCode.NETWORK, f"{what}: HTTP {status}")
    return RecorderError(ExitCode.NETWORK, f"{what}: {type(error).__name__}: {error}")


def metadata_url(target: Target) -> str | None:
    """Where ``metadata.xml`` lives for this playback."""
    parts = urlsplit(target.url)
    root = f"{parts.scheme}://{parts.netloc}"
    if target.kind == "render" and target.record_id:
        return f"{root}/presentation/{target.record_id}/metadata.xml"
    if target.kind == "download" and target.record_id and parts.path.startswith("/playback/video/"):
        return f"{root}/playback/video/{target.record_id}/metadata.xml"
    return None


MAX_METADATA_XML_BYTES = 16 << 20
"""A ``metadata.xml`` larger than this (decompressed) is refused; a real one is a few KB."""


def fetch_duration(url: str, *, timeout: float = 30.0, required: bool = True) -> float | None:
    """``playback/duration`` (ms) of a ``metadata.xml``, in seconds.

    The file is read by bounded steps and refused past :data:`MAX_METADATA_XML_BYTES`, so a
    huge or endlessly compressed one never fills the recorder's memory.
    """
    try:
        response = requests.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT},
                                stream=True)
    except requests.RequestException as error:
        raise http_failure(error, None, "metadata.xml") from error
    with response:
        if response.status_code != 200:
            if not required:
                return None
            raise http_failure(None, response.status_code, "metadata.xml")
        content = _read_capped(response, url)
    try:
        root = ElementTree.fromstring(content)
        value = root.findtext("playback/duration")
        duration = int(value.strip()) / 1000 if value else 0
    except (ElementTree.ParseError, ValueError, AttributeError) as error:
        if not required:
            return None
        raise RecorderError(ExitCode.UNSUPPORTED, f"metadata.xml unreadable: {error}") from error
    if duration <= 0:
        if not required:
            return None
        raise RecorderError(ExitCode.UNSUPPORTED, "metadata.xml has no playback duration")
    return duration


def _read_capped(response: requests.Response, url: str) -> bytes:
    parts, size = [], 0
    try:
        for block in response.iter_content(1 << 16):
            size += len(block)
            if size > MAX_METADATA_XML_BYTES:
                raise RecorderError(ExitCode.UNSUPPORTED, (
                    f"metadata.xml of {urlsplit(url).path} is larger than "
                    f"{MAX_METADATA_XML_BYTES >> 20} MiB (MAX_METADATA_XML_BYTES): refused"))
            parts.append(block)
    except requests.RequestException as error:
        raise http_failure(error, None, "metadata.xml") from error
    return b"".join(parts)


def token_query(url: str) -> dict[str, list[str]]:
    """The query of a token URL (kept when following relative media links)."""
    return parse_qs(urlsplit(url).query)


def absolute(base: str, link: str) -> str:
    return urljoin(base, link)
