"""The migrations and the models describe the same database, and the seed's schema is all there."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

from db.engine import create_engine
from db.models import Base
from migrations import runner

SEED_TABLES = {"User", "Account", "Session", "VerificationToken", "Integration", "Workout", "DailyMetric", "Report"}


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_autogenerate_finds_no_difference(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(_diff)
    await engine.dispose()
    assert diff == []


async def test_upgrade_downgrade_upgrade(make_database: Callable[[], Awaitable[str]]) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine)
        await runner.downgrade(engine, "base")
        async with engine.connect() as conn:
            left = await conn.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
            )
        assert left == 0
        await runner.upgrade(engine)
        assert await runner.pending_revisions(engine) == []
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_seed_tables_keys_and_cascades_exist(database_url: str) -> None:
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        tables = set((await conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).all())
        constraints = set(
            (
                await conn.scalars(
                    text("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")
                )
            ).all()
        )
        cascades = dict(
            (
                await conn.execute(
                    text(
                        "SELECT tc.table_name, rc.delete_rule FROM information_schema.referential_constraints rc "
                        "JOIN information_schema.table_constraints tc ON tc.constraint_name = rc.constraint_name "
                        # The user's own rows; a workout's link to its canonical copy is SET NULL by design.
                        "WHERE tc.constraint_name LIKE '%userId_fkey'"
                    )
                )
            ).all()
        )
        index = await conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'Workout_userId_date_idx'"))
        date_type = await conn.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'DailyMetric' AND column_name = 'date'"
            )
        )
        json_type = await conn.scalar(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'Workout' AND column_name = 'rawJson'"
            )
        )
    await engine.dispose()
    assert tables >= SEED_TABLES
    assert {
        "Account_pkey",
        "VerificationToken_pkey",
        "User_email_key",
        "Session_sessionToken_key",
        "Integration_userId_provider_key",
        "Workout_userId_source_externalId_key",
        "DailyMetric_userId_date_key",
    } <= constraints
    seed_children = ("Account", "Session", "Integration", "Workout", "DailyMetric", "Report")
    assert {t: cascades.get(t) for t in seed_children} == {t: "CASCADE" for t in seed_children}
    # Tables added since the seed follow the same rule: deleting a user leaves nothing of theirs behind.
    assert set(cascades.values()) <= {"CASCADE", "SET NULL"}
    assert index is not None and '("userId", date)' in index
    assert date_type == "date"
    assert json_type == "jsonb"
