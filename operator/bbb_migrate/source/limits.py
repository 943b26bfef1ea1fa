"""The limits that keep listing bounded in memory and time, whatever a server sends.

Every refusal names its limit (constant and value) and the recording or the reply, so that a
person can tell a hostile or broken server from a limit that is too small for a real one. The
values hold a real 50,000-recording reply (about 95 MB, 125 MB of :class:`Recording` values)
with room to spare; docs/foundation.md lists them with what each refusal says.
"""

from __future__ import annotations

import threading

from .errors import BBBError

MiB = 1 << 20

MAX_TEXT_BYTES = 4 * MiB
"""One element's text (a name, a metadata value), in bytes: longer and the reply is refused
(the parser holds a text whole until its element ends, so it cannot skip it)."""

MAX_RECORDING_BYTES = 4 * MiB
"""One ``<recording>`` element, in bytes of XML: larger and the reply is refused."""

MAX_RECORDING_ELEMENTS = 10_000
"""Elements inside one ``<recording>`` (a real one has about 40): more and the reply is
refused."""

MAX_DEPTH = 32
"""Nesting depth (a real reply has 8): deeper and the reply is refused."""

MAX_REPLY_BYTES = 256 * MiB
"""One reply, decompressed: larger and the reply is refused (2.7 times a 50,000 listing)."""

MAX_LISTING_MEMORY = 200 * MiB
"""The recordings one listing keeps, as estimated by :func:`recording_cost`: about 84,000
recordings of a Moodle-fed server. Above it the listing is refused (filter with ``source.meta``
or ``source.states``), so a listing never needs more than about 300 MB in all."""

MAX_REPAIRS = 1000
"""Invalid bytes or characters repaired in one reply before it is refused as not UTF-8 XML."""

DEFAULT_REQUEST_TIMEOUT = 300.0
"""Seconds for one whole request, body included (``source.requestTimeoutSeconds``)."""


def size_text(n: int) -> str:
    """``256 MiB``, ``4 MiB``, ``900 KiB``: how limits are written in messages."""
    if n >= MiB and n % MiB == 0:
        return f"{n // MiB} MiB"
    if n >= 1024:
        return f"{n / 1024:.0f} KiB"
    return f"{n} bytes"


_RECORDING = 700  # a Recording (slots), its two datetimes, its metadata dict's table
_OBJECT = 110  # one more value object (Playback, PreviewImage)
_ENTRY = 24  # one metadata entry in its dict
_STRING = 24  # what a string costs beside its characters, shared ones (interned) included


def recording_cost(strings: list[str], objects: int, entries: int = 0) -> int:
    """Bytes one kept recording costs, estimated from its strings and value objects.

    Calibrated on the simulator's catalogue (Moodle-fed recordings: about 2.5 KB estimated,
    shared strings included, for 2.2 KB measured with tracemalloc). A string that is not pure
    ASCII counts 4 bytes per character, what one emoji in a long name makes Python store, so
    hostile text cannot make the estimate fall short.
    """
    text = sum(len(s) if s.isascii() else 4 * len(s) for s in strings)
    return _RECORDING + objects * _OBJECT + entries * _ENTRY + len(strings) * _STRING + text


class SharedStrings:
    """Interned strings already counted by a listing: each costs its memory once."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def cost(self, strings: list[str]) -> int:
        """What the strings not seen before add (and remember them)."""
        new = [s for s in strings if s not in self._seen]
        self._seen.update(new)
        return recording_cost(new, 0) - _RECORDING + 8 * len(strings)  # + the references


class Budget:
    """The memory one listing may keep, shared by all its replies (and their threads).

    A reply being parsed checks ``used + its own`` against the limit as it goes, and adds its
    own only once it is complete, so a retried reply is never counted twice.
    """

    def __init__(self, server: str, limit: int = MAX_LISTING_MEMORY):
        self.server = server
        self.limit = limit
        self.used = 0
        self.shared = SharedStrings()
        self._lock = threading.Lock()

    def check(self, pending: int, count: int) -> None:
        """Raise ``listingTooLarge`` when the listing would keep more than the limit."""
        if self.used + pending > self.limit:
            raise BBBError(self.server, "listingTooLarge",
                           f"the recordings listed so far (over {count}) exceed the listing "
                           f"memory limit MAX_LISTING_MEMORY ({size_text(self.limit)}); list "
                           "fewer at once with source.meta or source.states filters")

    def commit(self, cost: int) -> None:
        """A reply was complete: its recordings are kept."""
        with self._lock:
            self.used += cost
