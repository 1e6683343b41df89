"""Inserting many new rows of one model at once, as every refresh does with a
reader's few hundred feed items, and committing such derived rows without
waiting for the disk.

A row is a mapping of the model's field attnames (`user_id`, `score`) to
values, every column but the automatic primary key, with no model instance:
making 500 feed items took 4.3 ms, their dictionaries 0.2.

On PostgreSQL the rows go through binary COPY: `bulk_create` prepares each value for
its SQL (3,500 `prepare_value` calls for a reader's 500 feed items, the top of
a refresh's profile before this module), and inserting the same 500 items
took it 25 ms against COPY's 13 (median of 20 each, in turns, in one process,
on the feed benchmark's database). Elsewhere (SQLite) `bulk_create` stays.

Only for models whose fields psycopg writes as they are (numbers, text,
dates, foreign keys) or JSON, and with no signals: like `bulk_create`, this
bypasses `save()`.
"""

from collections.abc import Mapping, Sequence
from typing import Any, cast

import psycopg
from django.db import connection, models, transaction
from django.db.models.sql import UpdateQuery
from psycopg.types.json import Jsonb

# Rows a statement, where bulk_create is used.
BATCH = 5000

Row = Mapping[str, object]


def insert_all(model: type[models.Model], rows: Sequence[Row]) -> None:
    """Insert `rows` of `model` in this transaction."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**row) for row in rows], batch_size=BATCH
        )
        return
    names = list(rows[0])
    fields = [
        cast("models.Field[object, object]", model._meta.get_field(name))
        for name in names
    ]
    json = [isinstance(field, models.JSONField) for field in fields]
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)}"
        f" ({', '.join(quote(str(field.column)) for field in fields)})"
        " FROM STDIN (FORMAT BINARY)"
    )
    # Binary: no text to format and parse on either side (a reader's 500
    # feed items: 8.8 ms against 10.1, median of 40 each, same database).
    types = [_type_name(field) for field in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(
                [
                    Jsonb(row[name]) if is_json else row[name]
                    for name, is_json in zip(names, json, strict=True)
                ]
            )


def update(queryset: models.QuerySet[Any], **fields: object) -> int:
    """`queryset.update(**fields)`, with the values bound on the server on
    PostgreSQL; how many rows it updated.

    Django binds a query's values on the client: the 120 kB of a stored model
    go into the statement's text as 240 kB of hex for the server to parse
    again. Sent as a parameter, storing a refresh's model took 0.6 ms instead
    of 2.0 (median of 40, same database)."""
    if connection.vendor != "postgresql":
        return queryset.update(**fields)
    query = cast(UpdateQuery, queryset.query.chain(UpdateQuery))
    query.add_update_values(fields)
    statement, params = query.get_compiler(queryset.db).as_sql()
    connection.ensure_connection()
    with (
        transaction.mark_for_rollback_on_error(queryset.db),
        # Django's errors, as for any query: a lost connection is retried.
        connection.wrap_database_errors,
        # A cursor of the same connection, hence of the same transaction.
        psycopg.Cursor(connection.connection) as cursor,
    ):
        cursor.execute(statement, params)
        return cursor.rowcount


def commit_without_waiting() -> None:
    """Let the current transaction's COMMIT return before it reaches the disk
    (PostgreSQL's `synchronous_commit` off, for this transaction alone).

    For derived rows only (feeds, models), stored with the stamp of the
    change they answer: the feedback itself is committed as usual, so a crash
    within the moment before the disk has them loses only the rows, and the
    stamps then tell that they are out of date (`refresh.train_readers`
    rebuilds them). A like's refresh's COMMIT took 0.9 to 1.1 ms with the
    flush, 0.2 to 0.3 without."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _type_name(field: "models.Field[object, object]") -> str:
    """The column's PostgreSQL type without its modifier (`varchar(1000)`
    is `varchar`), which binary COPY needs for each value it sends."""
    # A foreign key's column has its target's type (`bigint`).
    return str(field.db_type(connection)).split("(", 1)[0]
