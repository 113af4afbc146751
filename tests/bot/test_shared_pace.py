"""One Telegram pace for the whole bot, whatever the number of processes.

The turns come from PostgreSQL (`bot.ratelimit.SharedPace`, the function ``cw_telegram_turn``): the unit tests
read the schedule it hands out; `tests/bot/test_three_processes.py` runs three real bot processes against a
local Bot API that counts the sends of each second, with 3,000 briefs due in one minute.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import MESSAGES_PER_SECOND, PACED_PER_SECOND
from bot.ratelimit import SharedPace

REPO_ROOT = Path(__file__).resolve().parents[2]
DUE = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)  # 07:00 in Berlin


async def _turn(
    engine: AsyncEngine, chat: str | None, *, chat_interval: float = 1.0, burst: int = 1, absolute: bool = False
) -> float:
    """The wait the function hands out, or (``absolute``) the turn itself as seconds of the database clock."""
    column = "turn_epoch" if absolute else "wait_s"
    async with engine.begin() as conn:
        wait = (
            await conn.execute(
                text(f"SELECT {column} FROM cw_telegram_turn(:chat, :interval, :tolerance, :ci, :ct)"),
                {
                    "chat": chat,
                    "interval": 1 / PACED_PER_SECOND,
                    "tolerance": 1 / PACED_PER_SECOND / 4,
                    "ci": chat_interval,
                    "ct": chat_interval * (burst - 1),
                },
            )
        ).scalar_one()
    return float(wait)


@pytest.fixture
async def fresh_pace(engine: AsyncEngine) -> AsyncEngine:
    async with engine.begin() as conn:
        await conn.execute(text('DELETE FROM "TelegramPace"'))
    return engine


async def test_turns_from_every_process_form_one_even_line(fresh_pace: AsyncEngine) -> None:
    """Sixty turns asked at once over many connections: on the database clock each lies one interval after
    the one before (GCRA lets the second come a quarter interval early), so no second ever holds 30."""
    interval = 1 / PACED_PER_SECOND
    turns = sorted(await asyncio.gather(*(_turn(fresh_pace, None, absolute=True) for _ in range(60))))
    gaps = [b - a for a, b in itertools.pairwise(turns)]
    assert min(gaps) >= 0.74 * interval
    assert sum(1 for t in turns if t - turns[0] < 1.0) <= MESSAGES_PER_SECOND


async def _chat_turn(engine: AsyncEngine, chat: str, *, chat_interval: float = 1.0, burst: int) -> tuple[float, bool]:
    """(seconds to wait, whether a turn was taken) for one new message to ``chat``."""
    async with engine.begin() as conn:
        wait, turn = (
            await conn.execute(
                text("SELECT wait_s, turn_epoch FROM cw_telegram_turn(:chat, :interval, :tolerance, :ci, :ct)"),
                {
                    "chat": chat,
                    "interval": 1 / PACED_PER_SECOND,
                    "tolerance": 1 / PACED_PER_SECOND / 4,
                    "ci": chat_interval,
                    "ct": chat_interval * (burst - 1),
                },
            )
        ).one()
    return float(wait), turn is not None


async def test_a_chat_gets_one_new_message_a_second_after_its_burst(fresh_pace: AsyncEngine) -> None:
    first, second, third = [await _chat_turn(fresh_pace, "777", burst=2) for _ in range(3)]
    assert first[1] and second[1]  # the burst of two: both turns taken at once
    assert first[0] < 0.1 and second[0] < 0.1
    assert third[0] == pytest.approx(1.0, abs=0.1) and not third[1]  # not due for a second: no turn taken
    other = await _chat_turn(fresh_pace, "778", burst=2)
    assert other[1] and other[0] < 0.1  # another chat does not wait behind the busy one
    group = [await _chat_turn(fresh_pace, "-100", chat_interval=3.0, burst=1) for _ in range(2)]
    assert group[0][1] and not group[1][1]  # 20 a minute in a group: the second waits three seconds
    assert group[1][0] == pytest.approx(3.0, abs=0.1)


async def test_a_flood_wait_holds_every_process(fresh_pace: AsyncEngine) -> None:
    first, second = SharedPace(fresh_pace, PACED_PER_SECOND), SharedPace(fresh_pace, PACED_PER_SECOND)
    await first.hold_for(2.0)
    await second.hold_for(30.0)  # a refusal during the wait is the same wait: it does not extend it
    wait = await _turn(fresh_pace, None)
    assert 1.5 < wait <= 2.0
