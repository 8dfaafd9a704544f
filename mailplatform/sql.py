"""Names and fragments for the few plain-SQL statements: those on the delivery hot path
(`accounts.selectors.recipient_resolve`, `imapd.store.services.rows` and `.delivery`,
`imapd.store.quota`), where building an ORM query would cost more than running it.

Only names from the models' metadata are formatted into SQL text (hence the `noqa: S608` where
statements are assembled); every value is a bound parameter.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import cast

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
    pipeline mode: one round trip for the lot); elsewhere nothing changes."""
    if connection.vendor != "postgresql":
        return nullcontext()
    connection.ensure_connection()
    return cast(AbstractContextManager[object], connection.connection.pipeline())


def aware_datetime(value: datetime | str | None) -> datetime | None:
    """A datetime column read with plain SQL: SQLite gives naive UTC (or text)."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value
