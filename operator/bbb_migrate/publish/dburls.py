"""Database URLs: the engine a URL names, its password-free form, and the drivers' settings
(timeouts, keepalives) derived from it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .dberrors import DatabaseError

POSTGRESQL = "postgresql"
MYSQL = "mysql"

_SCHEMES = {
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "mysql+pymysql": MYSQL,
}


def engine_of(url: str) -> str:
    """``postgresql`` or ``mysql`` from a database URL's scheme, or a clear error."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in _SCHEMES:
        raise DatabaseError(
            f"unsupported database URL scheme {scheme or '(none)'!r}: "
            "use postgresql://user:password@host:5432/db or mysql://user:password@host:3306/db"
        )
    return _SCHEMES[scheme]


def describe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or "localhost"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: urllib's message never shows the password
        raise DatabaseError(
            f"invalid database URL {parts.scheme}://…@{host}: the port is not a number "
            "between 0 and 65535") from None
    user = f"{unquote(parts.username)}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def postgresql_args(url: str, connect_timeout: int, statement_timeout: float) -> dict[str, Any]:
    """libpq keywords added to the URL: connect and statement timeouts, dead-peer detection.

    ``statement_timeout`` bounds every statement, lock waits included; ``tcp_user_timeout`` and
    keepalives bound a network that silently drops packets. ``options`` from the URL are kept.
    """
    millis = max(1, int(statement_timeout * 1000))
    options = parse_qs(urlsplit(url).query).get("options", [""])[-1]
    return {
        "connect_timeout": connect_timeout,
        "options": f"{options} -c statement_timeout={millis}".strip(),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "tcp_user_timeout": millis,
    }


def mysql_args(url: str, connect_timeout: int, statement_timeout: float) -> dict[str, Any]:
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    args: dict[str, Any] = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 3306,
        "user": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "database": unquote(parts.path.lstrip("/")) or None,
        "charset": options.get("charset", "utf8mb4"),
        "connect_timeout": connect_timeout,
        # PyMySQL otherwise waits for ever on a server that stops answering mid-statement.
        "read_timeout": statement_timeout,
        "write_timeout": statement_timeout,
        "autocommit": True,
    }
    if "unix_socket" in options:
        args["unix_socket"] = options["unix_socket"]
    if options.get("ssl", "").lower() in {"1", "true", "required"}:
        args["ssl"] = {}
    return args
