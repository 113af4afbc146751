"""Bulk ``INSERT … ON CONFLICT DO UPDATE`` shared by the repositories that keep natural keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

# asyncpg caps a statement at 32,767 bind parameters; ~20 columns x 1,000 rows stays well under it.
BATCH_ROWS = 1000


def _batches(
    model: type[DeclarativeBase], rows: Sequence[dict[str, Any]], key: Sequence[str]
) -> tuple[Table, list[str], list[list[dict[str, Any]]]]:
    """Rows de-duplicated by key (last wins), padded to one column set, cut into statement-sized chunks."""
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        unique[tuple(row[k] for k in key)] = to_columns(model, row)
    # One multi-row VALUES needs the same columns in every row: a column a row lacks is NULL.
    columns = sorted({c for row in unique.values() for c in row})
    batch = [{c: row.get(c) for c in columns} for row in unique.values()]
    table = model.__table__
    assert isinstance(table, Table)
    key_columns = [to_columns(model, {k: None}).popitem()[0] for k in key]
    return table, key_columns, [batch[i : i + BATCH_ROWS] for i in range(0, len(batch), BATCH_ROWS)]


def to_columns(model: type[DeclarativeBase], row: dict[str, Any]) -> dict[str, Any]:
    """Attribute-keyed row (``duration_sec``) to column-keyed row (``durationSec``)."""
    attrs = model.__mapper__.column_attrs
    return {attrs[key].columns[0].name: value for key, value in row.items()}


async def upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    where: ColumnElement[bool] | None = None,
) -> int:
    """Upsert attribute-keyed ``rows`` on the unique ``key`` (attribute names); returns rows written.

    Rows are de-duplicated by key first (last one wins), because one statement may not touch the same row
    twice. ``where`` limits which existing rows may be overwritten; rows it protects are not counted.
    """
    table, key_columns, chunks = _batches(model, rows, key)
    written = 0
    for chunk in chunks:
        stmt = insert(table).values(chunk)
        updates = {c: stmt.excluded[c] for c in chunk[0] if c not in (*key_columns, "id")}
        stmt = stmt.on_conflict_do_update(index_elements=key_columns, set_=updates, where=where)
        result = await session.execute(stmt.returning(table.c.id))
        written += len(result.all())
    return written


async def insert_new(
    session: AsyncSession, model: type[DeclarativeBase], rows: Sequence[dict[str, Any]], *, key: Sequence[str]
) -> int:
    """``INSERT … ON CONFLICT DO NOTHING`` on the unique ``key``; returns the rows actually added."""
    table, key_columns, chunks = _batches(model, rows, key)
    added = 0
    for chunk in chunks:
        stmt = insert(table).values(chunk).on_conflict_do_nothing(index_elements=key_columns)
        added += len((await session.execute(stmt.returning(table.c.id))).all())
    return added
