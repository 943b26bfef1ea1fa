"""BBB API checksums: ``hex(H(call + query + secret))`` with sha1, sha256, sha384 or sha512.

bbb-web and Scalelite pick the algorithm from the checksum's length, so the same function serves
the client (signing) and the simulator (checking). The query is hashed exactly as sent: the
caller builds the query string once and uses that very string in the URL.
"""

from __future__ import annotations

import hashlib
import hmac

ALGORITHMS: tuple[str, ...] = ("sha1", "sha256", "sha384", "sha512")
_BY_LENGTH = {hashlib.new(name).digest_size * 2: name for name in ALGORITHMS}


def sign(call: str, query: str, secret: str, algorithm: str = "sha256") -> str:
    """The lowercase hex checksum of one API call."""
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}; known: {list(ALGORITHMS)}")
    return hashlib.new(algorithm, (call + query + secret).encode("utf-8")).hexdigest()


def algorithm_for(checksum: str) -> str | None:
    """The algorithm a server infers from a checksum's length (None: no algorithm has it)."""
    return _BY_LENGTH.get(len(checksum))


def strip_checksum(query: str) -> tuple[str, str | None]:
    """Split a raw query string into (query without checksum, checksum), as bbb-web does.

    bbb-web removes ``&checksum=X``, then ``checksum=X&``, then ``checksum=X`` as text; the rest
    is hashed byte for byte.
    """
    parts = query.split("&") if query else []
    kept, found = [], None
    for part in parts:
        if part.startswith("checksum=") and found is None:
            found = part[len("checksum="):]
        else:
            kept.append(part)
    return "&".join(kept), found


def verify(call: str, query: str, checksum: str, secret: str, allowed: tuple[str, ...]) -> bool:
    """True when ``checksum`` signs ``call + query`` with ``secret`` using an allowed algorithm."""
    algorithm = algorithm_for(checksum.lower())
    if algorithm is None or algorithm not in allowed:
        return False
    return hmac.compare_digest(sign(call, query, secret, algorithm), checksum.lower())
