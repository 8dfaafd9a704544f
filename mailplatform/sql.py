"""Names and fragments for the few plain-SQL statements: those on the delivery hot path
(`accounts.selectors.recipient_resolve`, `imapd.store.services.rows` and `.delivery`,
`imapd.store.quota`), where building an ORM query would cost more than running it.

Only names from the models' metadata are formatted into SQL text (hence the `noqa: S608` where
statements are assembled); every value is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
from django.db import connection
from django.db.models import Field, Model
from django.utils.dateparse import parse_datetime


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], field: str) -> str:
    concrete = model._meta.get_field(field)
    assert isinstance(concrete, Field)
    assert concrete.column is not None
    return connection.ops.quote_name(concrete.column)


def columns(model: type[Model], *fields: str) -> str:
    return ", ".join(column(model, f) for f in fields)


def placeholders(count: int) -> str:
    """`%s, %s, ...` for an IN list or a VALUES row of `count` values."""
    return ", ".join(["%s"] * count)


def for_update() -> str:
    """Row locks where the database has them; SQLite has none, and the settings' IMMEDIATE
    transactions lock the whole database instead."""
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


def pipelined() -> AbstractContextManager[object]:
    """Statements inside go to PostgreSQL without waiting for each other's results (psycopg's
    pipeline mode: one round trip for the lot, at the end of the block); elsewhere nothing
    changes. Inside a block already pipelined, it adds nothing (an inner pipeline block
    would wait for the results at its own end)."""
    if connection.vendor != "postgresql":
        return nullcontext()
    connection.ensure_connection()
    raw = connection.connection
    if raw.pgconn.pipeline_status:
        return nullcontext()
    return cast(AbstractContextManager[object], raw.pipeline())


Query = tuple[str, Sequence[Any]]


@contextmanager
def hot_cursor() -> Iterator[Any]:
    """A cursor for the statements of the delivery hot path. On PostgreSQL it binds values
    on the server, so that psycopg prepares each statement and the server plans it once per
    connection: planning the delivery's reads cost more than running them
    (bench/lmtp_delivery.py). Django's own cursors keep binding values in the client, which
    its queries expect. Otherwise it is Django's cursor: its errors, its execute wrappers,
    its query log."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.ensure_connection()
    raw: Any = _PreparingCursor(connection.connection)  # the stubs expect a wrapper here
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    with wrapped as cursor:
        yield cursor


class _PreparingCursor(psycopg.Cursor[tuple[Any, ...]]):
    """Prepares every statement it runs at once (`executemany` does anyway), rather than at
    its fifth run (the settings' `prepare_threshold`)."""

    def execute(
        self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None
    ) -> _PreparingCursor:
        super().execute(query, params, prepare=True, binary=binary)
        return self


def rows_together(queries: Sequence[Query]) -> list[list[tuple[Any, ...]]]:
    """Each query's rows; on PostgreSQL all the queries go in one round trip (in order: a
    lock one query takes holds for those after it)."""
    with ExitStack() as stack:
        cursors = [stack.enter_context(hot_cursor()) for _ in queries]
        with pipelined():
            for cursor, (sql, params) in zip(cursors, queries, strict=True):
                cursor.execute(sql, params)
        # Fetched after the pipeline's end, which has received every result.
        return [cursor.fetchall() for cursor in cursors]


def aware_datetime(value: datetime | str | None) -> datetime | None:
    """A datetime column read with plain SQL: SQLite gives naive UTC (or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
