"""The export finds user data by itself and leaves credentials out by an explicit, reviewed list."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import BigInteger, Column, ForeignKey, MetaData, Table, Text, text
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine
from db.export import SECRET_COLUMNS, export_user, exported_tables, unreviewed_secret_looking_columns
from db.models import Base

NOW = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)


def test_every_secret_looking_column_is_reviewed() -> None:
    """A new column named like a credential must be added to SECRET_COLUMNS (or NOT_SECRET) in db/export.py."""
    assert unreviewed_secret_looking_columns() == []
    columns = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns}
    assert columns >= SECRET_COLUMNS  # the deny-list names real columns, not stale ones


def test_every_table_with_a_user_is_exported() -> None:
    names = [t.name for t in exported_tables()]
    assert names[0] == "User"
    owned = {t.name for t in Base.metadata.sorted_tables if "userId" in t.c}
    assert owned <= set(names)
    assert "VerificationToken" not in names


def _scratch_metadata() -> MetaData:
    """A model as it might grow: a new user table, a table hanging off it, a vault, and unrelated data."""
    metadata = MetaData()
    Table("User", metadata, Column("id", Text, primary_key=True))
    Table(
        "Plan",
        metadata,
        Column("id", Text, primary_key=True),
        Column("userId", Text, ForeignKey("User.id", ondelete="CASCADE")),
        Column("name", Text),
    )
    Table(
        "PlanWeek",
        metadata,
        Column("id", BigInteger, primary_key=True),
        Column("planId", Text, ForeignKey("Plan.id", ondelete="CASCADE")),
        Column("focus", Text),
    )
    Table(
        "TokenVault",
        metadata,
        Column("id", Text, primary_key=True),
        Column("userId", Text, ForeignKey("User.id", ondelete="CASCADE")),
        Column("encryptedToken", Text),
        Column("keyVersion", Text),
    )
    Table("Weather", metadata, Column("id", Text, primary_key=True), Column("city", Text))
    return metadata


def test_new_tables_are_exported_by_default_and_new_secrets_are_flagged() -> None:
    metadata = _scratch_metadata()
    assert [t.name for t in exported_tables(metadata)] == ["User", "Plan", "PlanWeek", "TokenVault"]
    assert unreviewed_secret_looking_columns(metadata) == [
        ("TokenVault", "encryptedToken"),
        ("TokenVault", "keyVersion"),
    ]


async def test_export_reads_new_tables_through_their_user(make_database: Callable[[], Awaitable[str]]) -> None:
    metadata = _scratch_metadata()
    engine = create_engine(await make_database())
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
            await conn.execute(text("""INSERT INTO "User" VALUES ('ann'), ('bob')"""))
            await conn.execute(text("""INSERT INTO "Plan" VALUES ('p1', 'ann', 'Base'), ('p2', 'bob', 'Race')"""))
            await conn.execute(text("""INSERT INTO "PlanWeek" VALUES (1, 'p1', 'aerobic'), (2, 'p2', 'taper')"""))
        async with AsyncSession(engine) as session:
            result = await export_user(session, user_id="ann", generated_at=NOW, metadata=metadata)
        archive = zipfile.ZipFile(io.BytesIO(result.content))
        assert json.loads(archive.read("Plan.json")) == [{"id": "p1", "userId": "ann", "name": "Base"}]
        assert json.loads(archive.read("PlanWeek.json")) == [{"id": 1, "planId": "p1", "focus": "aerobic"}]
        assert "Weather.json" not in archive.namelist()
        assert (result.tables, result.rows) == (4, 3)
    finally:
        await engine.dispose()
