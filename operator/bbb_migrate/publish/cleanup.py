"""Cleanup once the old server is gone: the external recordings that lead nowhere any more.

Two kinds of ``import_video_externalrecording`` rows are removed, each only when asked:

- ``old-server``: the row's ``source_url`` is on the old BBB server (``source.url``'s host or a
  ``source.playbackHosts`` entry). Once the server is switched off the link is dead: the owner's
  "upload to Pod" can only fail.
- ``imported``: the row points at a rendered MP4 (under ``pod.importVideo.baseUrl``) and its
  owner has imported it (Pod sets ``uploaded_to_pod_by`` when the upload succeeds): the video is
  in Pod now, the row is a leftover.

Only external recording rows are ever deleted (no Pod table references them): a Pod video
(``video_video``) is never touched, nor a user. The rows are first exported to a CSV (written
completely before anything is deleted), then deleted in one transaction; a dry run reads only.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path

from ..atomicfile import atomic_write
from ..source.urls import host_of
from ..spec import MigrationSpec
from .db import Connection

OLD_SERVER = "old-server"
IMPORTED = "imported"
KINDS = (OLD_SERVER, IMPORTED)
HEADER = ("id", "name", "start_at", "type", "source_url", "owner", "owner_email", "site_id",
          "imported_by", "reason")


@dataclass(frozen=True)
class Row:
    """One external recording that cleanup removes (or would), with why."""

    id: int
    name: str
    start_at: str
    type: str
    source_url: str
    owner: str
    owner_email: str
    site_id: int
    imported_by: str
    reason: str


def server_hosts(spec: MigrationSpec) -> set[str]:
    """The old server's host names (the API's and the allowed playback hosts)."""
    return {host_of(spec.source.url), *(h.lower() for h in spec.source.playback_hosts)}


def _reason(url: str, kind: str, imported_by: str | None, hosts: set[str],
            base_url: str | None, kinds: Iterable[str]) -> str | None:
    if base_url and url.startswith(base_url):  # a rendered MP4, never an old-server link
        return IMPORTED if IMPORTED in kinds and imported_by else None
    if (OLD_SERVER in kinds and kind in ("bigbluebutton", "video")
            and host_of(url) in hosts):
        return OLD_SERVER
    return None


def candidates(conn: Connection, spec: MigrationSpec, kinds: Iterable[str]) -> list[Row]:
    """The rows cleanup removes, oldest id first."""
    kinds = set(kinds)
    hosts = server_hosts(spec)
    base_url = spec.pod.import_video.base_url
    rows = conn.query(
        "SELECT e.id, e.name, e.start_at, e.type, e.source_url, o.username, o.email, e.site_id, "
        "b.username FROM import_video_externalrecording e "
        "LEFT JOIN auth_user o ON o.id = e.owner_id "
        "LEFT JOIN auth_user b ON b.id = e.uploaded_to_pod_by_id ORDER BY e.id")
    found = []
    for rid, name, start, kind, url, owner, email, site, imported_by in rows:
        reason = _reason(url or "", kind or "", imported_by, hosts, base_url, kinds)
        if reason is not None:
            stamp = start.isoformat() if isinstance(start, datetime) else str(start)
            found.append(Row(int(rid), name or "", stamp, kind or "", url or "", owner or "",
                             email or "", int(site), imported_by or "", reason))
    return found


def write_csv(rows: list[Row], path: Path) -> None:
    """Everything needed to put a row back, written completely or not at all."""
    with atomic_write(path, newline="") as out:
        writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(astuple(row) for row in rows)


def remove(conn: Connection, rows: list[Row]) -> int:
    """Delete the rows, in one transaction; returns how many were deleted.

    Each DELETE repeats the row's ``source_url``, so a row edited since it was read (another
    URL) is left alone.
    """
    deleted = 0
    with conn.transaction():
        for row in rows:
            deleted += conn.execute("DELETE FROM import_video_externalrecording WHERE id = %s "
                                    "AND source_url = %s", (row.id, row.source_url))
    return deleted
