"""Database errors: which ones a retry can fix, and the statement timeout.

Driver errors (psycopg2, PyMySQL) are turned into :class:`DatabaseError` by
:meth:`~.db.Connection._run`, classified here once for both engines.
"""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pymysql


class DatabaseError(Exception):
    """A database problem, with the URL's password never included in the message.

    ``retryable`` is True for lost connections, deadlocks, lock timeouts, statement timeouts
    and unique-key races (another worker created the same user at the same moment): running the
    recording again can succeed. Anything else (a missing table, a value that does not fit, a
    permission the account lacks) is permanent: retrying would fail the same way.
    """

    def __init__(self, message: str, *, retryable: bool = False, conflict: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.conflict = conflict
        """Lost a race with another writer (unique key, deadlock): once the transaction is
        rolled back, running it again at once sees the winner's rows."""


class DatabaseTimeout(DatabaseError):
    """No answer within ``statementTimeoutSeconds`` (a hung server, a lock held elsewhere).

    Always retryable: the connection is dropped and the recording retried later.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


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


def retryable(exc: BaseException) -> bool:
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


def conflict(exc: BaseException) -> bool:
    """A unique-key race or a deadlock: another transaction won (it has committed, or the
    server chose this one as the deadlock victim)."""
    if isinstance(exc, psycopg2.Error):
        return exc.pgcode in ("23505", "40P01")
    return isinstance(exc, pymysql.err.MySQLError) and _code(exc) in (1062, 1213)


# PostgreSQL refusals at connection time that a retry cannot fix (they come as a FATAL message
# without SQLSTATE): a wrong database, role or password, or no pg_hba.conf entry. Any other
# failure (refused, reset, timed out, "the database system is starting up", "too many clients")
# is an outage: retryable.
_PG_CONNECT_REFUSALS = ("does not exist", "authentication failed", "pg_hba.conf",
                        "permission denied")


def connect_retryable(exc: BaseException) -> bool:
    """Whether a failed connection may succeed later (the server is away, not misconfigured)."""
    if isinstance(exc, psycopg2.Error):
        text = str(exc)
        return not ("FATAL:" in text and any(r in text for r in _PG_CONNECT_REFUSALS))
    return retryable(exc)  # MySQL: 2000+ client errors (unreachable) and the busy codes


def timed_out(exc: BaseException) -> bool:
    """A statement timeout (PostgreSQL) or a read/write timeout of PyMySQL's socket."""
    if isinstance(exc, psycopg2.errors.QueryCanceled):
        return "timeout" in str(exc)
    if isinstance(exc, pymysql.err.OperationalError):
        return _code(exc) == 1969 or (_code(exc) == 2013 and "timed out" in str(exc))
    return False


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (drivers add context lines and hints)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
