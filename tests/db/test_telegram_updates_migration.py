"""Migration 0028 on a database holding webhook updates in every state: each becomes a job, and back."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from sqlalchemy import text

from db.engine import create_engine
from migrations import runner


def _message(chat: int) -> str:
    return json.dumps({"message": {"from": {"id": chat}, "chat": {"id": chat, "type": "private"}, "text": "hi"}})


async def test_every_update_becomes_a_job_of_its_chat_and_a_downgrade_gives_them_back(
    make_database: Callable[[], Awaitable[str]],
) -> None:
    engine = create_engine(await make_database())
    try:
        await runner.upgrade(engine, "0027")
        rows = [
            # update id, payload, attempts, claimed, processed, parked
            (1, _message(7_123_456_789), 0, False, False, False),  # waiting
            (2, _message(7_123_456_789), 5, True, False, False),  # its last attempt never finished
            (
                3,
                json.dumps({"callback_query": {"from": {"id": 55}, "message": {"chat": {"id": 56}}}}),
                1,
                True,
                True,
                False,
            ),
            (4, _message(55), 5, True, True, True),  # parked
            (5, json.dumps({"poll": {"id": "x"}}), 0, False, False, False),  # no chat, no sender
        ]
        async with engine.begin() as conn:
            for update_id, payload, attempts, claimed, processed, parked in rows:
                await conn.execute(
                    text(
                        'INSERT INTO "TelegramUpdate" ("updateId", payload, attempts, "claimedAt", "processedAt", '
                        '"parkedAt") VALUES (:id, CAST(:payload AS jsonb), :attempts, CASE WHEN :claimed THEN now() '
                        "END, CASE WHEN :processed THEN now() END, CASE WHEN :parked THEN now() END)"
                    ),
                    dict(id=update_id, payload=payload, attempts=attempts, claimed=claimed, processed=processed,
                         parked=parked),
                )  # fmt: skip
        await runner.upgrade(engine)
        async with engine.connect() as conn:
            got = (
                await conn.execute(
                    text(
                        'SELECT key, "lockKey", state, attempts, "maxAttempts", "finishedAt" IS NOT NULL '
                        "FROM \"Job\" WHERE kind = 'telegram.update' ORDER BY key"
                    )
                )
            ).all()
        assert [tuple(row) for row in got] == [
            ("1", "chat:7123456789", "queued", 0, 5, False),
            ("2", "chat:7123456789", "queued", 4, 5, False),  # one attempt left at least
            ("3", "chat:56", "done", 1, 5, True),  # a redelivery is still recognised
            ("4", "chat:55", "dead", 5, 5, True),
            ("5", "chat:5", "queued", 0, 5, False),
        ]
        async with engine.begin() as conn:
            await conn.execute(text("""UPDATE "Job" SET state = 'done', "finishedAt" = now() WHERE key = '1'"""))
        await runner.downgrade(engine, "0027")
        async with engine.connect() as conn:
            back = {
                row[0]: tuple(row[1:])
                for row in await conn.execute(
                    text(
                        'SELECT "updateId", attempts, "processedAt" IS NOT NULL, "parkedAt" IS NOT NULL '
                        'FROM "TelegramUpdate"'
                    )
                )
            }
            jobs = await conn.scalar(text("""SELECT count(*) FROM "Job" WHERE kind = 'telegram.update'"""))
        assert back == {
            1: (0, True, False),
            2: (4, False, False),
            3: (1, True, False),
            4: (5, True, True),
            5: (0, False, False),
        }
        assert jobs == 0
        await runner.upgrade(engine)  # and up again
    finally:
        await engine.dispose()
