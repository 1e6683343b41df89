"""Inserting many new rows of one model at once, as every refresh does with a
reader's few hundred feed items.

On PostgreSQL the rows go through COPY: `bulk_create` prepares each value for
its SQL (3,500 `prepare_value` calls for a reader's 500 feed items, the top of
a refresh's profile in bench/RESULTS.md), and inserting the same 500 items
took it 25 ms against COPY's 13 (median of 20 each, in turns, in one process,
on the feed benchmark's database). Elsewhere (SQLite) `bulk_create` stays.

Only for models whose fields psycopg writes as they are (numbers, text,
dates, foreign keys) or JSON, with an automatic primary key, and no signals:
COPY bypasses `save()` like `bulk_create` does, and sets no primary keys on
the objects.
"""

from collections.abc import Sequence

from django.db import connection, models
from psycopg.types.json import Jsonb

# Rows a statement, where bulk_create is used.
BATCH = 5000


def insert_all(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Insert `objs`, new instances of `model`, in this transaction."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    json = [isinstance(field, models.JSONField) for field in fields]
    quote = connection.ops.quote_name
    statement = (
        f"COPY {quote(model._meta.db_table)}"
        f" ({', '.join(quote(str(field.column)) for field in fields)}) FROM STDIN"
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for obj in objs:
            copy.write_row(
                [
                    Jsonb(value) if is_json else value
                    for value, is_json in zip(
                        (field.pre_save(obj, True) for field in fields),
                        json,
                        strict=True,
                    )
                ]
            )
