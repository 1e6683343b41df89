"""ORM queries compiled once per process and run again with new values.

Django builds and compiles a query anew on every call: for the few small
queries that tell a kept page (web.pages) whether it is still current, that
is 0.4 to 2.6 ms each on the feed benchmark's machine against 0.03 ms for
the database's answer, and it made a kept For-you page 5x floor (a). A
`Prepared` query is written with the ORM as usual, built once with stand-in
values, and run after that as its SQL with the real values put in their
place.

Rows come back as the database driver gives them, without the ORM's
conversions: ids, numbers and text as the ORM gives them, but SQLite's dates
as strings, so those are for comparing, as versions, not for showing.
"""

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet

# Stand-ins no id or count takes: the built query's parameters that equal
# one of them are where the values go.
_FIRST_STAND_IN = -7_340_000_001


class Prepared:
    """The query `build(*values)` returns, for any values: ints (ids)."""

    def __init__(self, build: Callable[..., QuerySet[Any]]) -> None:
        self.build = build
        # SQL, parameters and database, per number of values.
        self._compiled: dict[int, tuple[str, tuple[Any, ...], str]] = {}

    def _compile(self, count: int) -> tuple[str, tuple[Any, ...], str]:
        if count not in self._compiled:
            stand_ins = [_FIRST_STAND_IN - i for i in range(count)]
            query = self.build(*stand_ins)
            sql, params = query.query.sql_with_params()
            self._compiled[count] = (sql, tuple(params), query.db)
        return self._compiled[count]

    def rows(self, *values: int) -> list[tuple[Any, ...]]:
        sql, params, alias = self._compile(len(values))
        last = _FIRST_STAND_IN - len(values)
        put: Sequence[Any] = [
            values[_FIRST_STAND_IN - p]
            if isinstance(p, int) and last < p <= _FIRST_STAND_IN
            else p
            for p in params
        ]
        connection = connections[alias]
        with _cursor(connection) as cursor:
            cursor.execute(sql, put)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor of `connection`, logged and its errors wrapped as Django's
    are. On PostgreSQL it binds its parameters on the server, so that psycopg
    prepares a query run again and again on a connection and the server
    skips planning it (0.34 of the stamps query's 0.48 ms). That needs the
    connection's `prepare_threshold` (settings.DATABASES): Django leaves it
    off, and without it a kept For-you page took 7.2 ms instead of 5.8."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    # Both wrap a driver's cursor (django-stubs types it as the wrapper).
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]
