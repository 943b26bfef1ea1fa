"""Database connections for the Pod and Moodle databases, PostgreSQL or MySQL/MariaDB.

Both drivers (psycopg2 and PyMySQL) use the ``format`` paramstyle, so every statement in this
package is written once with ``%s`` placeholders and never has a value pasted into its text.
What differs between the engines lives here and only here: identifier quoting, how an insert
returns its new id, read-only transactions, and how date-times are stored (Django keeps naive
UTC in MySQL ``datetime(6)`` columns and aware values in PostgreSQL ``timestamptz``).

Connections are in autocommit mode at the driver level, so a lookup outside a transaction is one
round trip and never leaves a transaction (or its locks) open. Writes happen only inside
:meth:`Connection.transaction`, which sends BEGIN / COMMIT / ROLLBACK itself: the "one
transaction per recording" boundary the publisher needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg2
import psycopg2.errors
import pymysql

POSTGRESQL = "postgresql"
MYSQL = "mysql"

_SCHEMES = {
    "postgresql": POSTGRESQL,
    "postgres": POSTGRESQL,
    "mysql": MYSQL,
    "mariadb": MYSQL,
    "mysql+pymysql": MYSQL,
}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

class DatabaseError(Exception):
    """A database problem, with the URL's password never included in the message.

    ``retryable`` is True for lost connections, deadlocks, lock timeouts, statement timeouts
    and unique-key races (another worker created the same user at the same moment): running the
    recording again can succeed. Anything else (a missing table, a value that does not fit, a
    permission the account lacks) is permanent: retrying would fail the same way.
    """

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class DatabaseTimeout(DatabaseError):
    """No answer within ``statementTimeoutSeconds`` (a hung server, a lock held elsewhere).

    Always retryable: the connection is dropped and the recording retried later.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


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


# PostgreSQL SQLSTATE classes worth a retry: connection exception, transaction rollback
# (serialization, deadlock), insufficient resources, operator intervention (statement timeout,
# server shutdown), system error; plus lock_not_available and unique_violation (a concurrent
# insert). Everything else (privileges, syntax, data, read-only transaction...) is permanent.
_PG_RETRY_CLASSES = ("08", "40", "53", "57", "58")
_PG_RETRY_CODES = ("55P03", "23505")
# MySQL/MariaDB server errors worth a retry: too many connections, shutdown, lock wait timeout,
# query interrupted, deadlock, network errors, connection killed, max_statement_time. Client-side
# errors (2000 and up: server gone, lost connection, read timeout) are retryable too; other
# server errors, such as 1142 "UPDATE command denied", are permanent.
_MY_RETRY_CODES = frozenset({1040, 1053, 1152, 1153, 1154, 1155, 1156, 1157, 1158, 1159, 1160,
                             1161, 1205, 1213, 1317, 1927, 1969, 3024})


def _code(exc: BaseException) -> int | None:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, psycopg2.Error):
        code = exc.pgcode
        if code is None:  # raised by the client (connection lost): no SQLSTATE
            return isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError)
        return code[:2] in _PG_RETRY_CLASSES or code in _PG_RETRY_CODES
    if isinstance(exc, pymysql.err.InterfaceError):
        return True
    code = _code(exc)
    if isinstance(exc, pymysql.err.IntegrityError):
        return code == 1062  # duplicate key: a concurrent insert
    if isinstance(exc, pymysql.err.OperationalError | pymysql.err.InternalError):
        return code is None or code >= 2000 or code in _MY_RETRY_CODES
    return False


def _timed_out(exc: BaseException) -> bool:
    """A statement timeout (PostgreSQL) or a read/write timeout of PyMySQL's socket."""
    if isinstance(exc, psycopg2.errors.QueryCanceled):
        return "timeout" in str(exc)
    if isinstance(exc, pymysql.err.OperationalError):
        return _code(exc) == 1969 or (_code(exc) == 2013 and "timed out" in str(exc))
    return False


class Connection:
    """One open connection with the engine differences hidden behind a few methods."""

    def __init__(
        self, url: str, *, connect_timeout: int = 10, statement_timeout: float = 120,
        label: str = "database", dry_run: bool = False,
    ) -> None:
        self.engine = engine_of(url)
        self.statement_timeout = statement_timeout
        self.dry_run = dry_run  # refuse every write statement, whatever the transaction
        self.label = label
        self.where = describe_url(url)
        self.read_only = False
        self.in_transaction = False
        try:
            if self.engine == POSTGRESQL:
                self._conn = psycopg2.connect(
                    url, **_postgresql_args(url, connect_timeout, statement_timeout))
                self._conn.autocommit = True
            else:
                self._conn = pymysql.connect(**_mysql_args(url, connect_timeout,
                                                           statement_timeout))
        except (psycopg2.Error, pymysql.err.MySQLError) as exc:
            raise DatabaseError(
                f"cannot connect to the {label} at {self.where}: {_first_line(exc)}",
                retryable=True,
            ) from None
        self.database = self.scalar(
            "SELECT current_database()" if self.engine == POSTGRESQL else "SELECT DATABASE()"
        )

    # -- SQL text helpers -------------------------------------------------------------------

    def ident(self, name: str) -> str:
        """Quote a table or column name (validated: names never come from recordings)."""
        if not _IDENTIFIER.match(name):
            raise DatabaseError(f"refusing unsafe SQL identifier {name!r}")
        return f'"{name}"' if self.engine == POSTGRESQL else f"`{name}`"

    def db_datetime(self, value: datetime) -> datetime:
        """A date-time as Django stores it: aware on PostgreSQL, naive UTC on MySQL."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if self.engine == POSTGRESQL:
            return value.astimezone(UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    # -- execution --------------------------------------------------------------------------

    def _run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        cursor = self._conn.cursor()
        try:
            cursor.execute(sql, tuple(params))
        except (psycopg2.Error, pymysql.err.MySQLError) as exc:
            with suppress(psycopg2.Error, pymysql.err.MySQLError):
                cursor.close()
            if _timed_out(exc):
                raise DatabaseTimeout(
                    f"{self.label} ({self.where}): no answer within {self.statement_timeout:g} s "
                    f"(statementTimeoutSeconds): {_first_line(exc)}") from exc
            raise DatabaseError(
                f"{self.label} ({self.where}): {_first_line(exc)}", retryable=_retryable(exc)
            ) from exc
        return cursor

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Rows of a SELECT."""
        cursor = self._run(sql, params)
        try:
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def query_one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.query_one(sql, params)
        return row[0] if row else None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """A write statement; returns the number of rows it touched."""
        self._before_write(sql, params)
        cursor = self._run(sql, params)
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    def insert(self, table: str, values: dict[str, Any]) -> int:
        """INSERT one row without an id and return the id the database's sequence gave it."""
        columns = ", ".join(self.ident(c) for c in values)
        marks = ", ".join(["%s"] * len(values))
        sql = f"INSERT INTO {self.ident(table)} ({columns}) VALUES ({marks})"  # noqa: S608
        if self.engine == POSTGRESQL:
            sql += " RETURNING id"
        params = list(values.values())
        self._before_write(sql, params)
        cursor = self._run(sql, params)
        try:
            new_id = cursor.fetchone()[0] if self.engine == POSTGRESQL else cursor.lastrowid
        finally:
            cursor.close()
        return int(new_id)

    def insert_many(self, table: str, rows: list[dict[str, Any]]) -> list[int]:
        """INSERT rows with the same columns; their new ids in order.

        One statement on PostgreSQL (``VALUES (…), (…) RETURNING id``); one per row on MySQL,
        where only the first id of a multi-row insert is reported.
        """
        if self.engine != POSTGRESQL or len(rows) == 1:
            return [self.insert(table, row) for row in rows]
        columns = list(rows[0])
        group = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = (
            f"INSERT INTO {self.ident(table)} ({', '.join(self.ident(c) for c in columns)}) "  # noqa: S608
            f"VALUES {', '.join([group] * len(rows))} RETURNING id"
        )
        params = [row[c] for row in rows for c in columns]
        self._before_write(sql, params)
        cursor = self._run(sql, params)
        try:
            return [int(r[0]) for r in cursor.fetchall()]
        finally:
            cursor.close()

    def _before_write(self, sql: str, params: Sequence[Any]) -> None:
        if self.read_only or self.dry_run:
            raise DatabaseError(f"{self.label}: write attempted in a dry run: {sql.split()[0]}")

    # -- transactions -----------------------------------------------------------------------

    def commit(self) -> None:
        try:
            self._run("COMMIT").close()
        except DatabaseError as exc:
            raise DatabaseError(f"commit failed: {exc}", retryable=exc.retryable) from exc
        finally:
            self.in_transaction = False

    def rollback(self) -> None:
        """Roll back the open transaction, if any (a broken connection has nothing to undo)."""
        if self.in_transaction:
            self.in_transaction = False
            with suppress(DatabaseError):
                self._run("ROLLBACK").close()

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Connection]:
        """One transaction: committed when the block ends, rolled back on any exception.

        ``read_only`` (dry runs) also asks the server to refuse writes, so a bug cannot write.
        """
        self.rollback()
        if self.engine == MYSQL:
            begin = "START TRANSACTION READ ONLY" if read_only else "START TRANSACTION"
        else:
            begin = "BEGIN READ ONLY" if read_only else "BEGIN"
        self._run(begin).close()
        self.in_transaction = True
        self.read_only = read_only
        try:
            yield self
            if read_only:
                self.rollback()
            else:
                self.commit()
        except BaseException:
            self.rollback()
            raise
        finally:
            self.read_only = False

    def close(self) -> None:
        with suppress(psycopg2.Error, pymysql.err.MySQLError):
            self._conn.close()


def _postgresql_args(url: str, connect_timeout: int, statement_timeout: float) -> dict[str, Any]:
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


def _mysql_args(url: str, connect_timeout: int, statement_timeout: float) -> dict[str, Any]:
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
