"""Bulk upserts as one ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT …`` per few thousand rows.

A multi-row ``VALUES`` statement built by SQLAlchemy costs one bind parameter per cell to compile (about 4 s
for 5,000 workouts, bench/ingest.py). Here each column travels as one array parameter, so the statement text
depends only on the table and the column set: it is built once, prepared once by asyncpg, and the rows cost
only their encoding. JSON columns travel as text and are cast back to ``jsonb`` in the statement.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Table, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import JSON

from db.repositories._upsert import to_columns

# Arrays have no bind-parameter cap; this only bounds one statement's memory.
CHUNK_ROWS = 5000

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _array_type(table: Table, column: str) -> tuple[str, bool]:
    """The SQL array type a column travels as, and whether it is JSON (sent as text)."""
    column_type = table.c[column].type
    if isinstance(column_type, JSON):
        return "TEXT[]", True
    if isinstance(column_type, postgresql.ARRAY):
        raise TypeError(f"{table.name}.{column}: array columns cannot travel through unnest")
    return f"{column_type.compile(dialect=_DIALECT)}[]", False


@lru_cache(maxsize=128)
def _statement(
    table: Table, columns: tuple[str, ...], key: tuple[str, ...], set_sql: tuple[tuple[str, str], ...], where_sql: str
) -> str:
    arrays, selected = [], []
    for i, column in enumerate(columns):
        array_type, is_json = _array_type(table, column)
        arrays.append(f"CAST(:p{i} AS {array_type})")
        selected.append(f"u.{_quote(column)}::jsonb" if is_json else f"u.{_quote(column)}")
    names = ", ".join(_quote(c) for c in columns)
    updates = ", ".join(f"{_quote(c)} = {expression}" for c, expression in set_sql)
    action = f"DO UPDATE SET {updates}{where_sql}" if updates else "DO NOTHING"
    # Identifiers come from the model and values travel as bind parameters: nothing here is user input.
    insert_into = f"INSERT INTO {_quote(table.name)} ({names}) "
    select_from = f"SELECT {', '.join(selected)} FROM unnest({', '.join(arrays)}) AS u({names}) "  # noqa: S608
    return insert_into + select_from + f"ON CONFLICT ({', '.join(_quote(k) for k in key)}) {action}"


def _python_defaults(table: Table, present: set[str]) -> dict[str, Callable[[], Any]]:
    """Column → generator for columns the rows omit whose default is computed in Python (ids)."""
    found: dict[str, Callable[[], Any]] = {}
    for column in table.columns:
        default = column.default
        if column.name in present or default is None or not getattr(default, "is_callable", False):
            continue
        found[column.name] = _caller(default.arg)  # type: ignore[attr-defined]
    return found


def _caller(function: Callable[[Any], Any]) -> Callable[[], Any]:
    """SQLAlchemy wraps a Python default to take the execution context; ours ignore it."""
    return lambda: function(None)


async def bulk_upsert(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Sequence[dict[str, Any]],
    *,
    key: Sequence[str],
    where: ColumnElement[bool] | None = None,
    set_sql: dict[str, str] | None = None,
    where_sql: str | None = None,
) -> int:
    """Upsert attribute-keyed ``rows`` on the unique ``key``; returns rows inserted or updated.

    Same contract as `db.repositories._upsert.upsert`: rows are de-duplicated by key (last wins), written in
    key order (concurrent writers lock rows in the same order), a column a row lacks is NULL, ``where``
    limits which existing rows may be overwritten. ``set_sql`` replaces the ``SET`` expression of some
    columns (SQL text, e.g. merging JSON); other non-key columns take the new row's value. ``where_sql`` is
    ``where`` as SQL text (for conditions on JSON the expression language cannot spell shortly).
    """
    table = model.__table__
    assert isinstance(table, Table)
    key_columns = tuple(to_columns(model, {k: None}).popitem()[0] for k in key)
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        unique[tuple(row[k] for k in key)] = to_columns(model, row)
    if not unique:
        return 0
    ordered = [unique[k] for k in sorted(unique)]
    defaults = _python_defaults(table, {c for row in ordered for c in row})
    columns = tuple(sorted({c for row in ordered for c in row} | set(defaults)))
    overrides = set_sql or {}
    updates = tuple((c, overrides.get(c, f"EXCLUDED.{_quote(c)}")) for c in columns if c not in (*key_columns, "id"))
    condition = ""
    if where is not None:
        condition = " WHERE " + str(where.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
    elif where_sql is not None:
        condition = f" WHERE {where_sql}"
    statement = text(_statement(table, columns, key_columns, updates, condition) + " RETURNING 1")
    is_json = [_array_type(table, c)[1] for c in columns]
    written = 0
    for start in range(0, len(ordered), CHUNK_ROWS):
        chunk = ordered[start : start + CHUNK_ROWS]
        params: dict[str, list[Any]] = {}
        for i, column in enumerate(columns):
            make = defaults.get(column)
            if make is not None:
                params[f"p{i}"] = [make() for _ in chunk]
            elif is_json[i]:
                params[f"p{i}"] = [None if r.get(column) is None else json.dumps(r[column]) for r in chunk]
            else:
                params[f"p{i}"] = [r.get(column) for r in chunk]
        written += len((await session.execute(statement, params)).all())
    return written
