"""Migration 0025 on a database with reports in every state: each open one gets its job, none is lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from alembic.script import ScriptDirectory
from sqlalchemy import text

from db.engine import create_engine
from migrations import runner

REPORTS = {
    # id: status, attempts, lease ends (from now)
    "queued": ("PENDING", 0, -timedelta(minutes=1)),
    "resumed": ("PROCESSING", 1, -timedelta(minutes=1)),
    "worked-on": ("PROCESSING", 1, timedelta(minutes=3)),  # a process was working on it when the bot stopped
    "tried-hard": ("PROCESSING", 3, -timedelta(minutes=1)),
    "done": ("COMPLETED", 1, -timedelta(hours=1)),
    "failed": ("FAILED", 4, -timedelta(hours=1)),
}


def _before_0025() -> str:
    down = ScriptDirectory.from_config(runner.alembic_config()).get_revision("0025").down_revision
    assert isinstance(down, str)
    return down


async def test_every_open_report_gets_its_job(make_database: Callable[[], Awaitable[str]]) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine, _before_0025())
        async with engine.begin() as conn:
            await conn.execute(text("""INSERT INTO "User" (id, email) VALUES ('u1', 'u1@example.com')"""))
            for n, (report_id, (status, attempts, lease)) in enumerate(REPORTS.items()):
                # One open report per user: each open one has its own athlete.
                user_id = "u1" if status in ("COMPLETED", "FAILED") else f"u-{n}"
                await conn.execute(
                    text("INSERT INTO \"User\" (id, email) VALUES (:id, :id || '@example.com') ON CONFLICT DO NOTHING"),
                    {"id": user_id},
                )
                await conn.execute(
                    text(
                        'INSERT INTO "Report" (id, "userId", type, status, "dateRangeStart", "dateRangeEnd") '
                        "VALUES (:id, :user, 'WEEKLY_ANALYSIS', :status, now(), now())"
                    ),
                    {"id": report_id, "user": user_id, "status": status},
                )
                await conn.execute(
                    text(
                        'INSERT INTO "ReportRequest" ("reportId", "chatId", attempts, "leaseExpiresAt") '
                        "VALUES (:id, 1, :attempts, now() + :lease)"
                    ),
                    {"id": report_id, "attempts": attempts, "lease": lease},
                )
        await runner.upgrade(engine)
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    'SELECT key, "lockKey", state, attempts, "maxAttempts", "runAt" > now() + interval \'1 minute\' '
                    "AS later FROM \"Job\" WHERE kind = 'report.build' ORDER BY key"
                )
            )
            found = {r.key: (r.lockKey, r.state, r.attempts, r.maxAttempts, r.later) for r in rows}
            columns = set(
                (
                    await conn.scalars(
                        text("SELECT column_name FROM information_schema.columns WHERE table_name = 'ReportRequest'")
                    )
                ).all()
            )
        assert found == {
            "queued": ("user:u-0", "queued", 0, 4, False),
            "resumed": ("user:u-1", "queued", 1, 4, False),
            "worked-on": ("user:u-2", "queued", 1, 4, True),  # left to its process until its lease ends
            "tried-hard": ("user:u-3", "queued", 2, 4, False),  # one more building attempt, then the apology
        }
        assert "attempts" not in columns and "leaseExpiresAt" not in columns

        await runner.downgrade(engine, _before_0025())
        async with engine.connect() as conn:
            back = dict((await conn.execute(text('SELECT "reportId", attempts FROM "ReportRequest" ORDER BY 1'))).all())
            jobs_left = await conn.scalar(text("""SELECT count(*) FROM "Job" WHERE kind = 'report.build'"""))
        assert back == {"done": 0, "failed": 0, "queued": 0, "resumed": 1, "tried-hard": 2, "worked-on": 1}
        assert jobs_left == 0
    finally:
        await engine.dispose()
