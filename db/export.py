"""Everything we hold about one user, as a ZIP of JSON and CSV per table (the right of access).

Tables are found, not listed: every table of the model with a ``userId`` column pointing at "User" is
exported, plus tables that reach the user through one of those (a foreign key to a user-owned table), plus
"User" itself. A table someone adds later is therefore exported by default. What is left out is named
here, explicitly: columns holding credentials (`SECRET_COLUMNS`) and tables that hold nothing but secrets
(`SECRET_TABLES`). A test fails when a column whose name looks secret is in neither `SECRET_COLUMNS` nor
`NOT_SECRET`, so a new token column cannot leak into exports unreviewed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, MetaData, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Base

# Credentials and capability ids: never exported (they would let the holder act as the user).
SECRET_COLUMNS: frozenset[tuple[str, str]] = frozenset(
    {
        ("Account", "access_token"),
        ("Account", "refresh_token"),
        ("Account", "id_token"),
        ("Account", "session_state"),
        ("Session", "sessionToken"),
        ("Integration", "accessToken"),
        ("Integration", "refreshToken"),
        ("CallbackAction", "id"),  # a live button id is a (chat-bound) capability
        ("OAuthState", "stateHash"),  # identifies a pending OAuth redirect
        ("OAuthState", "codeVerifier"),  # the PKCE secret of that redirect
        ("OAuthState", "browserHash"),  # binds that redirect to the browser holding its cookie
    }
)
# Tables that hold only secrets or protocol state, not data about the person.
SECRET_TABLES: frozenset[str] = frozenset({"VerificationToken"})
# Columns whose names look secret but are not (reviewed).
NOT_SECRET: frozenset[tuple[str, str]] = frozenset(
    {
        ("Account", "token_type"),  # "Bearer"
        ("LlmUsage", "tokens"),  # how many Gemini tokens the user's questions used
        ("ProviderEvent", "eventKey"),  # the provider's own id of a webhook event, for de-duplication
        ("Job", "key"),  # a background job's name within its kind: a time slot, a user or event id
        ("Job", "lockKey"),  # what a job must not share with another running one ("user:<id>")
        ("PlannedWorkout", "key"),  # the workout library's name of the session ("sweet-spot-2x20")
        ("TelegramPace", "key"),  # the chat id (or "*") a send pace belongs to
    }
)
LOOKS_SECRET = re.compile(r"token|secret|password|passwd|verifier|cipher|nonce|key|salt|hash|credential", re.IGNORECASE)

USER_TABLE = "User"
USER_FK = "userId"


@dataclass(frozen=True, slots=True)
class Export:
    content: bytes
    tables: int
    rows: int


def _owned_by_user(table: Table) -> Column[Any] | None:
    column = table.c.get(USER_FK)
    if column is not None and any(fk.column.table.name == USER_TABLE for fk in column.foreign_keys):
        return column
    return None


def exported_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """The tables an export reads, "User" first, then by name."""
    tables = [t for t in metadata.sorted_tables if t.name not in SECRET_TABLES]
    direct = {t.name for t in tables if _owned_by_user(t) is not None}
    chosen = [t for t in tables if t.name == USER_TABLE or t.name in direct or _parent_fk(t, direct) is not None]
    return sorted(chosen, key=lambda t: (t.name != USER_TABLE, t.name))


def _parent_fk(table: Table, owned: set[str]) -> tuple[Column[Any], Column[Any]] | None:
    """(this table's column, the user-owned table's column) of a foreign key into a user-owned table."""
    for column in table.columns:
        for fk in column.foreign_keys:
            if fk.column.table.name in owned:
                return column, fk.column
    return None


def exported_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if (table.name, c.name) not in SECRET_COLUMNS]


def unreviewed_secret_looking_columns(metadata: MetaData = Base.metadata) -> list[tuple[str, str]]:
    """Columns that look like credentials but are in neither list (the test keeps this empty)."""
    return sorted(
        (t.name, c.name)
        for t in metadata.sorted_tables
        for c in t.columns
        if LOOKS_SECRET.search(c.name)
        and (t.name, c.name) not in SECRET_COLUMNS
        and (t.name, c.name) not in NOT_SECRET
        and t.name not in SECRET_TABLES
    )


async def _rows(session: AsyncSession, table: Table, user_id: str) -> list[dict[str, Any]]:
    columns = exported_columns(table)
    if table.name == USER_TABLE:
        stmt = select(*columns).where(table.c.id == user_id)
    elif (owner := _owned_by_user(table)) is not None:
        stmt = select(*columns).where(owner == user_id)
    else:
        owned = {t.name for t in table.metadata.sorted_tables if _owned_by_user(t) is not None}
        link = _parent_fk(table, owned)
        assert link is not None
        child, parent = link
        parent_owner = _owned_by_user(parent.table)
        assert parent_owner is not None
        stmt = select(*columns).join(parent.table, child == parent).where(parent_owner == user_id)
    ordering = [c for c in (table.c.get("date"), table.c.get("createdAt")) if c is not None]
    stmt = stmt.order_by(*ordering, *table.primary_key.columns)
    result = await session.execute(stmt)
    return [dict(row._mapping) for row in result]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    return value


def _json_default(value: Any) -> Any:
    plain = _plain(value)
    if plain is value:
        return str(value)
    return plain


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return _plain(value)


README = """Coach Watts — your data

Every table that holds data about you, each as JSON (a list of rows) and as CSV (one row per line).
Column names are the database's own. Times are ISO 8601 in UTC unless they are local clock times.
Left out on purpose: access and refresh tokens of connected services and of logins, and the ids of live
buttons — they are keys, not information about you.
"""


async def export_user(
    session: AsyncSession, *, user_id: str, generated_at: datetime, metadata: MetaData = Base.metadata
) -> Export:
    """The ZIP of everything held about ``user_id`` (read in the caller's transaction, one snapshot)."""
    buffer = io.BytesIO()
    total = 0
    tables = exported_tables(metadata)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README + f"\nGenerated {generated_at.isoformat()}.\n")
        for table in tables:
            rows = await _rows(session, table, user_id)
            total += len(rows)
            archive.writestr(
                f"{table.name}.json",
                json.dumps(rows, ensure_ascii=False, indent=2, default=_json_default),
            )
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow([c.name for c in exported_columns(table)])
            for row in rows:
                writer.writerow([_csv_cell(v) for v in row.values()])
            archive.writestr(f"{table.name}.csv", text.getvalue())
    return Export(content=buffer.getvalue(), tables=len(tables), rows=total)
