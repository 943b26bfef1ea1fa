"""Database connections for the Pod and Moodle databases, PostgreSQL or MySQL/MariaDB.

Both drivers (psycopg2 and PyMySQL) use the ``format`` paramstyle, so every statement in this
package is written once with ``%s`` placeholders and never has a value pasted into its text.
What differs between the engines lives here and only here: identifier quoting, how an insert
returns its new id, read-only transactions, and how date-times are stored (Django keeps naive
UTC in MySQL ``datetime(6)`` columns and aware values in PostgreSQL ``timestamptz``).

Connections are in autocommit mode at the driver level, so a lookup outside a transaction is one
round trip and never leaves a transaction (or its locks) open. Writes happen only inside
:meth:`Connection.transaction`, which sends BEGIN / COMMIT / ROLLBACK itself (one transaction
per batch of recordings), with :meth:`Connection.savepoint` to undo one recording's part.
Errors are classified in :mod:`.dberrors`, URLs and driver settings read in :mod:`.dburls`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import psycopg2
import pymysql

from .dberrors import (
    DatabaseError,
    DatabaseTimeout,
    conflict,
    connect_retryable,
    first_line,
    retryable,
    timed_out,
)
from .dburls import MYSQL, POSTGRESQL, describe_url, engine_of, mysql_args, postgresql_args

__all__ = ["MYSQL", "POSTGRESQL", "Connection", "DatabaseError", "DatabaseTimeout",
           "describe_url", "engine_of"]
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def marks(count: int) -> str:
    """``%s, %s, …``: one placeholder per value of an ``IN`` list or a row, so that values
    always travel as parameters, never in the SQL text."""
    return ", ".join(["%s"] * count)


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
                    url, **postgresql_args(url, connect_timeout, statement_timeout))
                self._conn.autocommit = True
            else:
                self._conn = pymysql.connect(**mysql_args(url, connect_timeout,
                                                           statement_timeout))
        except (psycopg2.Error, pymysql.err.MySQLError) as exc:
            raise DatabaseError(
                f"cannot connect to the {label} at {self.where}: {first_line(exc)}",
                retryable=connect_retryable(exc),
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
            if timed_out(exc):
                raise DatabaseTimeout(
                    f"{self.label} ({self.where}): no answer within {self.statement_timeout:g} s "
                    f"(statementTimeoutSeconds): {first_line(exc)}") from exc
            raise DatabaseError(
                f"{self.label} ({self.where}): {first_line(exc)}", retryable=retryable(exc),
                conflict=conflict(exc)) from exc
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
        sql = (f"INSERT INTO {self.ident(table)} ({columns}) "  # noqa: S608
               f"VALUES ({marks(len(values))})")
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
        if not rows:
            return []
        if self.engine != POSTGRESQL or len(rows) == 1:
            return [self.insert(table, row) for row in rows]
        columns = list(rows[0])
        group = "(" + marks(len(columns)) + ")"
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

    def update_by_id(self, table: str, column: str, values: dict[int, Any],
                     extra: dict[str, Any] | None = None) -> int:
        """Set ``column`` to a different value per row id, in one statement on both engines.

        ``UPDATE t SET c = CASE id WHEN %s THEN %s … END[, extra = %s] WHERE id IN (…)``;
        ``extra`` columns get the same value on every row. Returns the rows touched.
        """
        if not values:
            return 0
        cases = " ".join(["WHEN %s THEN %s"] * len(values))
        sets = [f"{self.ident(column)} = CASE {self.ident('id')} {cases} END"]
        sets += [f"{self.ident(c)} = %s" for c in extra or {}]
        sql = (f"UPDATE {self.ident(table)} SET {', '.join(sets)} "  # noqa: S608
               f"WHERE {self.ident('id')} IN ({marks(len(values))})")
        params = [p for pair in values.items() for p in pair]
        params += [*(extra or {}).values(), *values]
        return self.execute(sql, params)

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

    @contextmanager
    def savepoint(self, name: str) -> Iterator[None]:
        """A savepoint inside the open transaction: on an exception only the work done since it
        is undone (``ROLLBACK TO SAVEPOINT``) and the exception goes on; else it is released.

        If the server lost the whole transaction (a broken connection; a MySQL deadlock rolls
        back everything) the savepoint is gone too: the transaction is rolled back and
        :attr:`in_transaction` is False, so the caller knows nothing of it is left.
        """
        if not _IDENTIFIER.match(name):
            raise DatabaseError(f"refusing unsafe savepoint name {name!r}")
        self._run(f"SAVEPOINT {name}").close()
        try:
            yield
        except BaseException:
            try:
                self._run(f"ROLLBACK TO SAVEPOINT {name}").close()
            except DatabaseError:
                self.rollback()  # nothing left to keep: in_transaction is now False
            raise
        self._run(f"RELEASE SAVEPOINT {name}").close()

    def close(self) -> None:
        with suppress(psycopg2.Error, pymysql.err.MySQLError):
            self._conn.close()
