"""The bytes of a reply before the XML parser sees them: repaired, bounded, DTD-free.

An XML parser stops at the first invalid UTF-8 byte or XML-illegal control character, so one
bad name would fail the whole listing (every time: retrying cannot help). Here each invalid
UTF-8 sequence, each control character XML forbids (``\\x00``-``\\x08``, ``\\x0b``, ``\\x0c``,
``\\x0e``-``\\x1f``, U+FFFE, U+FFFF) and each character reference to one (``&#1;``) becomes
U+FFFD, and the position of every repair is kept, so the parser can name the recording that
held it. The common case (nothing to repair) costs one strict UTF-8 decode and one regex scan
per chunk.

Chunks are cut just after a ``>``, which is never inside a UTF-8 sequence or a character
reference, so nothing to repair straddles two chunks.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .limits import MAX_RECORDING_BYTES, MAX_REPAIRS, size_text

REPLACEMENT = "\ufffd".encode()
_ILLEGAL = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]"
    rb"|&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]|[fF]{3}[eEfF])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]"
    rb"|6553[45]));")
_CONTROLS = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_CARRY_LIMIT = 1 << 20  # a run this long without ">" is cut at a character boundary instead
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


class TooBroken(ValueError):
    """More repairs than :data:`~bbb_migrate.source.limits.MAX_REPAIRS` in one reply."""


class Repairer:
    """Turns a stream of byte chunks into valid UTF-8 XML chunks, remembering each repair.

    ``positions`` are byte offsets in the *repaired* stream (what the parser counts), in
    increasing order.
    """

    def __init__(self) -> None:
        self.positions: list[int] = []
        self.offset = 0  # bytes handed on so far
        self._carry = b""
        self._utf8: bool | None = None  # None until the XML declaration was seen

    def feed(self, data: bytes) -> bytes:
        """The repaired bytes that can be handed on so far (maybe none: kept for later)."""
        if self._carry:
            data = self._carry + data
            self._carry = b""
        cut = data.rfind(b">") + 1
        if cut == 0:
            if len(data) < _CARRY_LIMIT:
                self._carry = data
                return b""
            cut = _char_boundary(data)
        self._carry = data[cut:]
        return self._repair(data[:cut]) if cut else b""

    def flush(self) -> bytes:
        """The end of the stream: whatever was kept back, repaired."""
        data, self._carry = self._carry, b""
        return self._repair(data) if data else b""

    def _repair(self, data: bytes) -> bytes:
        if self._utf8 is None:
            match = _ENCODING.match(data[:200])
            self._utf8 = match is None or match.group(1).lower() in (b"utf-8", b"utf8")
        spans = []
        if (len(data.translate(None, _CONTROLS)) != len(data) or b"&#" in data
                or b"\xef\xbf\xbe" in data or b"\xef\xbf\xbf" in data):  # C-speed checks first
            spans = [m.span() for m in _ILLEGAL.finditer(data)]
        if self._utf8:
            spans += _utf8_errors(data)
        if not spans:
            self.offset += len(data)
            return data
        spans.sort()
        out, position = [], 0
        for start, end in spans:
            if start < position:  # overlapping finds (a control byte inside a bad sequence)
                continue
            out.append(data[position:start])
            self.positions.append(self.offset + sum(map(len, out)))
            out.append(REPLACEMENT)
            position = end
        out.append(data[position:])
        if len(self.positions) > MAX_REPAIRS:
            raise TooBroken(f"more than {MAX_REPAIRS} invalid bytes or characters "
                            "(MAX_REPAIRS): not a UTF-8 XML reply")
        repaired = b"".join(out)
        self.offset += len(repaired)
        return repaired


def _utf8_errors(data: bytes) -> list[tuple[int, int]]:
    """Spans of invalid UTF-8 in ``data``; stops early past the repair limit."""
    spans: list[tuple[int, int]] = []
    view, position = memoryview(data), 0
    while True:
        try:
            codecs.utf_8_decode(view[position:], "strict", True)
            return spans
        except UnicodeDecodeError as exc:
            spans.append((position + exc.start, position + exc.end))
            position += exc.end
            if len(spans) > MAX_REPAIRS:
                return spans


def _char_boundary(data: bytes) -> int:
    """Where to cut a long run without ``>``: before the last ASCII byte, so no sequence splits."""
    for back in range(1, min(len(data), 1024)):
        if data[-back] < 0x80 and data[-back] != ord("&"):
            amp = data.rfind(b"&", len(data) - back - 12, len(data) - back)
            return len(data) - back if amp < 0 else amp
    return len(data)


_END = b"</recording>"


class ReplyBytes:
    """A reply's bytes as a file for the XML parser: repaired, size-limited, DTD-free.

    * every chunk goes through :class:`Repairer`;
    * more than ``max_bytes`` in all is refused (``replyTooLarge``);
    * the prolog (what comes before the root element) is checked by defusedxml's parser, which
      refuses a DTD, hence any entity declaration: the fast C parser that reads the rest never
      sees one;
    * bytes that hold a repair are handed out in pieces that end at a ``</recording>``, so the
      parser's events tell which recording each repair was in;
    * ``on_read`` is called before every read, to check limits that depend on the parse.
    """

    def __init__(self, chunks: Iterable[bytes], max_bytes: int,
                 fail: Callable[[str, str], Exception], on_read: Callable[[], None]):
        self._chunks = iter(chunks)
        self._max = max_bytes
        self._fail = fail
        self._on_read = on_read
        self.repairer = Repairer()
        self.received = 0  # bytes received (decompressed)
        self.out = 0  # bytes handed to the parser
        self.ended = False  # the parser was told the reply ended
        self._buf = b""
        self._eof = False
        self._marks = 0  # repairs already handed out
        self._checker: DefusedXMLParser | None = _prolog_checker()
        self._prolog = 0

    def read(self, size: int = -1) -> bytes:
        """The next bytes, b"" at the end.

        Whatever was received so far is returned whole (one copy less than slicing to
        ``size``: the parser feeds what it gets), except around a repair (see :meth:`_cut`).
        """
        self._on_read()
        while not self._buf and not self._eof:
            self._fill()
        if not self._buf:
            self.ended = True
            return b""
        end = len(self._buf)
        positions = self.repairer.positions
        if self._marks < len(positions) and positions[self._marks] < self.out + end:
            end = self._cut(positions[self._marks] - self.out)
        piece, self._buf = self._buf[:end], self._buf[end:]
        self.out += end
        while self._marks < len(positions) and positions[self._marks] < self.out:
            self._marks += 1
        return piece

    def _cut(self, mark: int) -> int:
        """Where to end a piece holding a repair at ``mark``: at a ``</recording>``."""
        before = self._buf.rfind(_END, 0, mark)
        if before >= 0:
            return before + len(_END)  # first the recordings before the repair
        after = self._buf.find(_END, mark)
        while after < 0 and not self._eof and len(self._buf) - mark < MAX_RECORDING_BYTES:
            self._fill()
            after = self._buf.find(_END, mark)
        return after + len(_END) if after >= 0 else len(self._buf)

    def _fill(self) -> None:
        data = next(self._chunks, None)
        if data is None:
            self._eof = True
            data = self.repairer.flush()
        else:
            self.received += len(data)
            if self.received > self._max:
                raise self._fail("replyTooLarge", f"the reply is larger than "
                                 f"{size_text(self._max)} decompressed (MAX_REPLY_BYTES)")
            data = self.repairer.feed(data)
        if self._checker is not None and data:
            self._check_prolog(data)
        self._buf += data

    def _check_prolog(self, data: bytes) -> None:
        if self._prolog == 0 and (data[:2] in (b"\xff\xfe", b"\xfe\xff")
                                  or data[:4] == b"\x00\x00\xfe\xff"):
            raise self._fail("invalidXML", "the reply is UTF-16 or UTF-32: only UTF-8 is read")
        self._prolog += len(data)
        try:
            assert self._checker is not None
            self._checker.feed(data)
        except _RootSeen:
            self._checker = None
            return
        except DefusedXmlException as exc:
            raise self._fail("unsafeXML", f"reply refused: {type(exc).__name__} (DTD/entities "
                             "are never expanded)") from None
        except ParseError:
            self._checker = None  # malformed: the parser says where, on the same bytes
            return
        if self._prolog > MAX_PROLOG:
            raise self._fail("invalidXML", f"no root element in the first {MAX_PROLOG} bytes")


MAX_PROLOG = 64 * 1024


class _RootSeen(Exception):
    """The root element started: the prolog, where a DTD could be, is over."""


def _prolog_checker() -> DefusedXMLParser:
    checker = DefusedXMLParser(forbid_dtd=True, encoding="utf-8")

    def root(*_args: object) -> None:
        raise _RootSeen

    checker.parser.StartElementHandler = root
    return checker
