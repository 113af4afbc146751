"""Migration 0014 on a database that already holds two unfinished reports of one user (the race it closes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy import text

from db.engine import create_engine
from migrations import runner


async def test_older_unfinished_duplicates_are_failed_before_the_index(
    make_database: Callable[[], Awaitable[str]],
) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine, "0012")
        async with engine.begin() as conn:
            await conn.execute(text("""INSERT INTO "User" (id, email) VALUES ('u1', 'u1@example.com')"""))
            for report_id, day in (("old", 1), ("new", 2), ("done", 3)):
                status = "COMPLETED" if report_id == "done" else "PENDING"
                await conn.execute(
                    text(
                        'INSERT INTO "Report" (id, "userId", type, status, "createdAt", "dateRangeStart", '
                        "\"dateRangeEnd\") VALUES (:id, 'u1', 'WEEKLY_ANALYSIS', :status, :created, now(), now())"
                    ),
                    {"id": report_id, "status": status, "created": datetime(2026, 12, day, tzinfo=UTC)},
                )
                await conn.execute(
                    text('INSERT INTO "ReportRequest" ("reportId", "chatId", "leaseExpiresAt") VALUES (:id, 1, now())'),
                    {"id": report_id},
                )
        await runner.upgrade(engine)
        async with engine.connect() as conn:
            statuses = {row.id: row.status for row in await conn.execute(text('SELECT id, status FROM "Report"'))}
            error = await conn.scalar(text('SELECT "lastError" FROM "ReportRequest" WHERE "reportId" = \'old\''))
        assert statuses == {"old": "FAILED", "new": "PENDING", "done": "COMPLETED"}
        assert error == "superseded by a newer report of the same user"
    finally:
        await engine.dispose()
