"""URLs of the BBB server: the API base, and what of a URL may be printed.

A source URL may carry credentials (``https://user:pw@host/…``, for a proxy with basic
authentication). They are sent, never printed: messages name the server by host only, and any
URL shown to people goes through :func:`redact_url`.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit


def redact_url(url: str) -> str:
    """The URL without a user name or password (``https://user:pw@host/`` → ``https://host/``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def server_name(url: str) -> str:
    """The host[:port] of a URL, never its user information: what messages call the server."""
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        return "(unparsable URL)"
    return netloc.rsplit("@", 1)[-1]


def host_of(url: str) -> str:
    """The lowercase host name of a URL ("" when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def api_base(url: str) -> str:
    """The ``…/bigbluebutton/api/`` URL from what ``bbb-conf --secret`` prints or a server root."""
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"BBB URL must start with http:// or https:// (got {redact_url(url)!r})")
    base = url.split("?", 1)[0].rstrip("/")
    if base.endswith("/bigbluebutton/api"):
        return base + "/"
    if base.endswith("/bigbluebutton"):
        return base + "/api/"
    return base + "/bigbluebutton/api/"
