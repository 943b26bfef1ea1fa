"""Claim mode: put the video where Pod's recorder cron finds it, under Pod's file name.

Pod names the file ``slugify(name[:40] + " " + YYYY-MM-DD) + "." + ext`` (the day of the
recording's start in ``pod.claim.timeZone``, default UTC) and overwrites it when
two recordings share the first 40 characters of their name and their day. Here the first
recording keeps Pod's name and the next ones get ``-2``, ``-3``… A small reservation file per
final name, in a hidden ``.bbb-migrate-claims/`` folder of the recorder directory, records which
recording owns which name: a re-run finds its own reservation and lands on the same file, a
different recording never takes it. Reservations are created with ``O_EXCL``, so two publishers
racing for the same name cannot both win. Pod's cron ignores them (their extension ``.owner`` is
not a video extension).

The move is atomic: ``os.replace`` on the same file system, otherwise a copy to a hidden
``.part`` file in the destination folder, ``fsync``, then ``os.replace``. Pod's cron never sees a
half-written video.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import unicodedata
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

RESERVATIONS = ".bbb-migrate-claims"
_MAX_CANDIDATES = 1000


def slugify(value: str) -> str:
    """Django's ``slugify`` (allow_unicode=False), the one Pod uses for file names.

    NFKD-normalise, drop what is not ASCII (accents go, letters stay), drop characters that
    are not word characters, spaces or hyphens, lowercase, collapse runs of spaces and hyphens
    into one hyphen, strip leading/trailing hyphens and underscores.
    """
    value = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


def pod_file_name(name: str, start: datetime, ext: str, time_zone: str = "UTC") -> str:
    """Pod's ``get_video_file_name``: the slug of the first 40 characters and the date.

    The date is the recording's start in ``time_zone`` (``pod.claim.timeZone``, default UTC),
    never in the executing process's local zone: the operator's pod and a local runner must
    name the same recording the same way (23:30 UTC is the next day in Europe/Paris). A naive
    start is taken as UTC, as BBB's epoch-millisecond times are.
    """
    if start.tzinfo is None:
        start = start.replace(tzinfo=UTC)
    day = start.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m-%d")
    return f"{slugify(f'{name[:40]} {day}')}.{ext.lstrip('.').lower()}"


def _candidate(base: str, n: int) -> str:
    if n == 1:
        return base
    stem, dot, ext = base.rpartition(".")
    return f"{stem}-{n}{dot}{ext}"


def choose_name(directory: Path, base: str, record_id: str, *, reserve: bool,
                dry_reserved: dict[str, str] | None = None) -> tuple[str, bool]:
    """The final file name for ``record_id`` in ``directory``, and whether it is already there.

    With ``reserve`` False (dry run) nothing is created: the name is what a real run would pick.
    ``dry_reserved`` (name → record ID) stands in for the reservation files during a dry run, so
    two recordings of the same name and day are shown with the two names a real run gives them.
    """
    reservations = directory / RESERVATIONS
    for n in range(1, _MAX_CANDIDATES + 1):
        name = _candidate(base, n)
        marker = reservations / f"{name}.owner"
        try:
            owner: str | None = marker.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            owner = None
        if owner is None and dry_reserved is not None:
            owner = dry_reserved.get(name)
        if owner == record_id:
            return name, (directory / name).exists()
        if owner is not None or (directory / name).exists():
            continue  # another recording's name, or a file someone else put there
        if not reserve:
            if dry_reserved is not None:
                dry_reserved[name] = record_id
            return name, False
        reservations.mkdir(exist_ok=True)
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue  # lost a race for this name
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(record_id + "\n")
        return name, False
    raise OSError(f"no free file name for {base!r} in {directory} after {_MAX_CANDIDATES} tries")


def move_into_place(source: Path, destination: Path) -> None:
    """Move ``source`` to ``destination`` so that ``destination`` appears complete or not at all."""
    try:
        os.replace(source, destination)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # another file system: copy instead
            raise
    partial = destination.with_name(f".{destination.name}.part")
    try:
        with open(source, "rb") as src, open(partial, "wb") as dst:
            shutil.copyfileobj(src, dst, 1024 * 1024)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(partial, destination)
    except BaseException:  # disk full, interrupted: no multi-GB leftover in the recorder folder
        with suppress(OSError):
            partial.unlink()
        raise
    source.unlink()
