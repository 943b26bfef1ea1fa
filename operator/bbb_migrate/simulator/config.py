"""Simulator settings, plain dataclasses so tests can change faults while the server runs."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..source.checksum import ALGORITHMS

EMPTY_SHAPES = ("A", "B", "C", "D")
"""The four "no recordings" replies seen in the wild (see ``api.empty_reply``)."""

REAL_PLAYERS_ENV = "BBB_MIGRATE_REAL_PLAYERS"


def real_players_from_env() -> Path | None:
    """``$BBB_MIGRATE_REAL_PLAYERS`` as a folder, or None when unset or empty.

    An environment variable (not only a field) so that the whole recorder test suite, whose
    fixtures build their own configurations, runs against the real players unchanged.
    """
    value = os.environ.get(REAL_PLAYERS_ENV, "").strip()
    return Path(value) if value else None


@dataclass
class Faults:
    """Faults on demand. Counters apply to the next N getRecordings requests, then stop."""

    http_500: int = 0  # answer HTTP 500 (an overloaded server or proxy)
    delay_seconds: float = 0.0  # wait this long before answering (slow server)
    truncate: int = 0  # stop in the middle of the XML and close the connection
    checksum_error: int = 0  # answer FAILED checksumError whatever the checksum
    malformed_recording: bool = False  # list one broken <recording> (no recordID, bad time)
    empty_shape: str | None = None  # answer every listing with this empty shape (A, B, C or D)
    raw_reply: str | None = None  # answer every checked getRecordings with exactly this body
    # Playback side (playback.py). Per-recording values take a set of record IDs, or a dict
    # keyed by record ID ("*" = every recording).
    playback_404_ids: set[str] = field(default_factory=set)  # player page / video index → 404
    # media responses stop sending bytes (connection held open) after this many seconds of
    # sending; paced at throttle_media_factor (1.5 when unset) so the player cannot buffer ahead
    stall_media_after_seconds: float | dict[str, float] | None = None
    throttle_media_factor: float | None = None  # media sent at this multiple of its real-time rate
    cut_download_after_bytes: int | None = None  # video file download connection cut after N bytes
    cut_download_times: int = 1  # how many download connections get cut (then it works)


@dataclass
class SimulatorConfig:
    """How the simulated BBB (or Scalelite) server behaves.

    ``published_dir`` is a folder like a BBB server's ``published/presentation``: one folder per
    record ID holding ``metadata.xml``. ``video_dir/<record ID>/`` marks a recording that also
    has a ``video`` playback. ``catalogue_size`` adds that many generated recordings.
    """

    secret: str = "simulator-secret"  # noqa: S105 (a test server's well-known default)
    published_dir: Path | None = None
    video_dir: Path | None = None
    catalogue_size: int = 0
    seed: int = 2024
    host: str = "127.0.0.1"
    port: int = 0
    checksums: tuple[str, ...] = ALGORITHMS  # allowed (bbb-web supportedChecksumAlgorithms)
    paging: bool = True  # BBB 2.6+ offset/limit with totalElements
    total_elements: bool = True  # False: honours limit/offset, no totalElements (bbblb)
    allow_fetch_all: bool = True  # bbb-web 2.6+ allowFetchAllRecordings
    scalelite: bool = False  # Scalelite: no paging, no sha384, its own texts and order
    merge_formats: bool = True  # False: one <recording> per format, like old bbb-web helpers
    paging_drops_formats: bool = True  # 2.6+ quirk: a paged reply shows one format per recording
    record_id_prefix: bool = True  # recordID matches by prefix (bbb-web); False: whole IDs only
    verbose: bool = False  # log each request to stderr
    faults: Faults = field(default_factory=Faults)
    # BBB's real players instead of the simulator's own pages: a folder with ``2.3/`` (a
    # bbb-playback build) and/or ``2.0/`` (the legacy player's static files); see
    # docs/recorder.md "The simulator's players". Defaults to $BBB_MIGRATE_REAL_PLAYERS.
    real_players: Path | None = field(default_factory=real_players_from_env)

    def allowed_checksums(self) -> tuple[str, ...]:
        """The algorithms this server accepts (Scalelite never accepts sha384)."""
        if self.scalelite:
            return tuple(a for a in self.checksums if a != "sha384")
        return self.checksums
