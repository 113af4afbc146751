"""Migration 0027 on a database holding brief deliveries in every state: nothing pending is lost, nothing that
may have gone out is sent again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime

from sqlalchemy import text

from db.engine import create_engine
from migrations import runner


async def test_pending_and_claimed_briefs_get_their_job_and_sending_ones_become_unknown(
    make_database: Callable[[], Awaitable[str]],
) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine, "0026")
        async with engine.begin() as conn:
            await conn.execute(text("""INSERT INTO "User" (id, email) VALUES ('u1', 'u1@example.com')"""))
            rows = [
                # id, status, attempts, not before
                ("due", "pending", 0, None),
                ("after-a-429", "pending", 1, datetime(2026, 12, 8, 6, 5, tzinfo=UTC)),
                ("composing-in-a-dead-process", "claimed", 5, None),  # its last attempt never finished
                ("in-flight", "sending", 1, None),
                ("delivered", "sent", 1, None),
                ("no-data-yet", "waiting", 0, None),
            ]
            for day, (delivery_id, status, attempts, not_before) in enumerate(rows, start=1):
                await conn.execute(
                    text(
                        'INSERT INTO "BriefDelivery" (id, "userId", "localDate", status, "dueAt", attempts, '
                        '"notBefore", owner, "leaseUntil") VALUES (:id, \'u1\', :day, :status, '
                        "'2026-12-08 06:00+00', :attempts, :not_before, "
                        "CASE WHEN :held THEN 'dead-process' END, CASE WHEN :held THEN now() END)"
                    ),
                    dict(
                        id=delivery_id,
                        day=date(2026, 12, day),
                        status=status,
                        attempts=attempts,
                        not_before=not_before,
                        held=status in ("claimed", "sending"),
                    ),
                )
        await runner.upgrade(engine)
        async with engine.connect() as conn:
            queued = (
                await conn.execute(
                    text(
                        "SELECT key, \"lockKey\", state, to_char(\"runAt\" AT TIME ZONE 'UTC', 'HH24:MI'), attempts, "
                        '"maxAttempts" FROM "Job" WHERE kind = \'brief.send\' ORDER BY key'
                    )
                )
            ).all()
            statuses = dict((await conn.execute(text('SELECT id, status FROM "BriefDelivery"'))).all())
        # Every pending or claimed delivery has its job, with the attempts it had and one left at least.
        assert [tuple(row) for row in queued] == [
            ("after-a-429", "user:u1", "queued", "06:05", 1, 5),
            ("composing-in-a-dead-process", "user:u1", "queued", "06:00", 4, 5),
            ("due", "user:u1", "queued", "06:00", 0, 5),
        ]
        assert statuses == {
            "due": "pending",
            "after-a-429": "pending",
            "composing-in-a-dead-process": "pending",
            "in-flight": "unknown",  # Telegram may have it: never sent again
            "delivered": "sent",
            "no-data-yet": "waiting",
        }

        await runner.downgrade(engine, "0026")
        async with engine.connect() as conn:
            back = {
                row.id: (row.status, row.attempts, row.not_before)
                for row in await conn.execute(
                    text(
                        "SELECT id, status, attempts, to_char(\"notBefore\" AT TIME ZONE 'UTC', 'HH24:MI') "
                        'AS not_before FROM "BriefDelivery"'
                    )
                )
            }
            jobs = await conn.scalar(text("""SELECT count(*) FROM "Job" WHERE kind = 'brief.send'"""))
        # Pending deliveries wait for the old claim with their attempts and retry time; the jobs are gone.
        assert back["due"] == ("pending", 0, "06:00")
        assert back["after-a-429"] == ("pending", 1, "06:05")
        assert back["composing-in-a-dead-process"] == ("pending", 4, "06:00")
        assert back["in-flight"][0] == "unknown"
        assert jobs == 0
    finally:
        await engine.dispose()
