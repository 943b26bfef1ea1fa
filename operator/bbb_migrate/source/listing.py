"""``list_recordings``: the one entry point the plan and both executors use.

It honours the spec's ``source`` section, including ``cacheFile``: like Pod's ``USE_CACHE``, a
saved listing is reused instead of asking the server again, but at a path the user chooses and
written only after a complete, successful listing (atomically, so an interrupted run never leaves
a half-written cache). The cache is a plain getRecordings reply; a reply saved from a real server
(Pod's ``getRecordings.xml``) can be used as a cache file too.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..atomicfile import atomic_write
from ..models import Recording
from ..spec import MigrationSpec, Source
from .client import BBBClient, Progress, merge_formats
from .errors import BBBError
from .xmlparse import parse_reply
from .xmlwrite import write_reply

log = logging.getLogger(__name__)


def client_for(source: Source, secret: str) -> BBBClient:
    """A client configured from the spec's ``source`` section."""
    return BBBClient(source.url, secret, checksum=str(source.checksum),
                     timeout=source.timeout_seconds,
                     request_timeout=source.request_timeout_seconds, retries=source.retries,
                     paging=source.paging, page_size=source.page_size,
                     verify_tls=source.verify_tls)


def list_recordings(source: Source, secret: str, *, progress: Progress | None = None,
                    save_cache: bool = True,
                    plan_spec: MigrationSpec | None = None) -> list[Recording]:
    """Every recording the source lists (states and meta filters applied by the server).

    ``save_cache=False`` (dry runs) reads an existing ``cacheFile`` but never writes one.
    With ``plan_spec``, formats hidden by BBB 2.6+ pages are re-read only for the recordings
    that spec's plan selects (:func:`~bbb_migrate.plan.formats_matter`); without it, or with a
    ``cacheFile`` (a cache must serve any later selection), for every recording.
    """
    cache = Path(source.cache_file).expanduser() if source.cache_file else None
    if cache is not None and cache.exists():
        recordings = read_cache(cache)
        log.info("using the cached listing %s (%d recordings); delete it to list again",
                 cache, len(recordings))
        if progress:
            progress(len(recordings), len(recordings))
        return recordings
    client = client_for(source, secret)
    relevant = None
    if plan_spec is not None and cache is None:
        from ..plan import formats_matter

        def relevant(listed: list[Recording]) -> set[str]:
            return formats_matter(listed, plan_spec)
    recordings = client.list_recordings(states=source.states, meta=source.meta,
                                        progress=progress, relevant=relevant)
    if cache is not None and save_cache:
        write_cache(cache, recordings)
        log.info("listing saved to %s", cache)
    return recordings


def read_cache(path: Path) -> list[Recording]:
    """Recordings from a saved getRecordings reply (malformed ones skipped with a warning)."""
    try:
        with path.open("rb") as stream:
            reply = parse_reply(stream, f"cache file {path}")
    except OSError as exc:
        raise BBBError(f"cache file {path}", "cacheUnreadable", exc.strerror or str(exc)
                       ) from None
    for line in reply.skipped:
        log.warning("cache file %s: recording skipped: %s", path, line)
    for line in reply.repaired:
        log.warning("cache file %s: repaired: %s", path, line)
    if reply.returncode != "SUCCESS":
        raise BBBError(f"cache file {path}", reply.message_key or "noReturnCode",
                       reply.message or "the saved reply is not a SUCCESS reply")
    return merge_formats(reply.recordings)


def write_cache(path: Path, recordings: list[Recording]) -> None:
    """Save a listing as a getRecordings reply, atomically (temp file + rename)."""
    with atomic_write(path) as out:
        write_reply(recordings, out)
