"""Listing a bbb-web 2.6+ server by record ID prefixes: every format, each recording read once.

bbb-web 2.6+ drops duplicate record IDs *before* it merges formats when ``limit`` is set, so
its pages may hide formats, and a paged listing would have to read most recordings a second
time by ``recordID`` batches (about 2x the work and 2x the requests). Three facts of bbb-web
give a cheaper way that stays complete:

* ``recordID`` matches by prefix (``startsWith``), and a record ID is ``sha1(meetingID)-start``,
  so it begins with a lowercase hex digit: ``recordID=00,01,02`` lists every recording whose ID
  starts with one of these;
* a reply without ``limit`` merges the formats of each recording;
* ``allowFetchAllRecordings=false`` does not refuse a request that names ``recordID``.

So once the first page has announced ``totalElements`` (a 2.6+ server) and shows IDs in that
form, the listing is read as unpaged requests of about :data:`SHARD_SIZE` recordings each, the
hex prefixes split between them, two in flight. The result is accepted only when every reply
succeeded, every recording in it starts with one of the prefixes asked for, and the unique
recordings (plus the malformed ones skipped) add up to the announced count exactly. Anything
else (a server that ignores or refuses the filter, IDs of another form, recordings published or
deleted meanwhile) falls back to the page-by-page walk, whose rules (``paging``) never cut a
listing short; nothing read by prefix is kept then.
"""

from __future__ import annotations

import re
from itertools import product

from ..models import Recording
from .xmlparse import Reply

SHARD_SIZE = 1000
"""Recordings per request (about 2 MB of XML): few requests, each reply parsed as it arrives."""

MAX_SHARDED_TOTAL = 1_000_000
"""Above this announced count (only a lying server says it) the listing is walked by pages."""

HEX = "0123456789abcdef"
_BBB_ID = re.compile(r"[0-9a-f]{40}-\d+\Z")


def prefix_groups(total: int) -> list[list[str]]:
    """The hex prefixes of one length, split into contiguous groups of about SHARD_SIZE each.

    ``total`` 10,000 gives 10 groups of one or two 1-digit prefixes ... ; 50,000 gives 50 groups
    of five or six 2-digit prefixes. Every ID that starts with a hex digit is in exactly one group.
    """
    requests = max(1, -(-total // SHARD_SIZE))
    length = 1
    while len(HEX) ** length < requests:
        length += 1
    prefixes = ["".join(p) for p in product(HEX, repeat=length)]
    n = len(prefixes)
    return [prefixes[i * n // requests:(i + 1) * n // requests] for i in range(requests)]


def shardable(first: Reply, page_size: int, params: dict[str, str]) -> bool:
    """Whether a listing whose first page is ``first`` may be read by prefixes.

    Only when the page announced more than itself, may hide formats (no recording on it shows
    several), lists IDs of bbb-web's form, and the caller filters neither by ``recordID`` nor by
    ``meetingID`` (bbb-web ignores ``meetingID`` when ``recordID`` is given).
    """
    total = first.total_elements
    return (total is not None and page_size <= first.count < total <= MAX_SHARDED_TOTAL
            and "recordID" not in params and "meetingID" not in params
            and bool(first.recordings)
            and all(_BBB_ID.match(r.record_id) for r in first.recordings)
            and not any(len(r.playbacks) > 1 for r in first.recordings))


def shard_problem(group: list[str], reply: Reply) -> str | None:
    """Why one prefix reply cannot be part of the listing, or None."""
    if reply.returncode != "SUCCESS":
        return f"the server refused recordID prefixes ({reply.message_key or 'FAILED'})"
    wanted, length = set(group), len(group[0])
    for rec in reply.recordings:
        if rec.record_id[:length] not in wanted:
            return "the server ignored the recordID prefix filter"
    return None


def count_problem(recordings: list[Recording], skipped: int, total: int) -> str | None:
    """Why the prefix replies together are not the announced listing, or None."""
    unique = len({r.record_id for r in recordings})
    if unique + skipped != total:
        return (f"the recordID prefixes gave {unique + skipped} recordings, the pages announced "
                f"{total}")
    return None
