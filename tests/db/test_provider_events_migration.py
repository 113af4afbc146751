"""Migration 0024 on a database holding provider events in every state: each unprocessed one gets its job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy import text

from db.engine import create_engine
from migrations import runner


async def test_every_unprocessed_event_gets_a_job_and_a_downgrade_gives_the_events_back(
    make_database: Callable[[], Awaitable[str]],
) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine, "0023")
        async with engine.begin() as conn:
            await conn.execute(text("""INSERT INTO "User" (id, email) VALUES ('u1', 'u1@example.com')"""))
            rows = [
                # id, attempts, claimed, processed, parked
                ("waiting", 0, False, False, False),
                ("failed-twice", 2, False, False, False),
                ("taken-by-a-dead-worker", 5, True, False, False),  # its last attempt never finished
                ("handled", 1, True, True, False),
                ("parked", 5, True, True, True),
            ]
            for event_id, attempts, claimed, processed, parked in rows:
                await conn.execute(
                    text(
                        'INSERT INTO "ProviderEvent" (id, "userId", provider, "eventKey", payload, attempts, '
                        '"claimedAt", "processedAt", "parkedAt") VALUES (:id, \'u1\', \'whoop\', :id, '
                        "'{}'::jsonb, :attempts, CASE WHEN :claimed THEN now() END, "
                        "CASE WHEN :processed THEN now() END, CASE WHEN :parked THEN now() END)"
                    ),
                    dict(id=event_id, attempts=attempts, claimed=claimed, processed=processed, parked=parked),
                )
        await runner.upgrade(engine)
        async with engine.connect() as conn:
            queued = (
                await conn.execute(
                    text(
                        'SELECT key, "lockKey", state, attempts, "maxAttempts" FROM "Job" '
                        "WHERE kind = 'provider.event' ORDER BY key"
                    )
                )
            ).all()
        # Every unprocessed event has its job, with the attempts it had and one left at least.
        assert [tuple(row) for row in queued] == [
            ("failed-twice", "connection:u1:whoop", "queued", 2, 5),
            ("taken-by-a-dead-worker", "connection:u1:whoop", "queued", 4, 5),
            ("waiting", "connection:u1:whoop", "queued", 0, 5),
        ]

        async with engine.begin() as conn:
            await conn.execute(
                text(
                    'UPDATE "Job" SET state = \'dead\', attempts = 5, "finishedAt" = now(), "lastError" = \'boom\' '
                    "WHERE key = 'failed-twice'"
                )
            )
        await runner.downgrade(engine, "0023")
        async with engine.connect() as conn:
            events = {
                row.id: (row.attempts, row.processed, row.parked, row.outcome)
                for row in await conn.execute(
                    text(
                        'SELECT id, attempts, "processedAt" IS NOT NULL AS processed, '
                        '"parkedAt" IS NOT NULL AS parked, outcome FROM "ProviderEvent"'
                    )
                )
            }
            jobs = await conn.scalar(text("""SELECT count(*) FROM "Job" WHERE kind = 'provider.event'"""))
        # A dead job's event is parked again; the others wait for the inbox's sweep.
        assert events["failed-twice"] == (5, True, True, "boom")
        assert events["taken-by-a-dead-worker"] == (4, False, False, None)
        assert events["waiting"] == (0, False, False, None)
        # Events processed before the upgrade stay processed (one parked then is no longer told apart).
        assert events["handled"][1] and events["parked"][1]
        assert jobs == 0
    finally:
        await engine.dispose()
