"""The paced limiter never puts more than Telegram's 30 sends into any one second."""

from __future__ import annotations

import asyncio

from bot.app import MESSAGES_PER_SECOND, PACED_PER_SECOND
from bot.ratelimit import _Pace


async def test_no_one_second_window_holds_more_than_the_limit() -> None:
    pace = _Pace(PACED_PER_SECOND)
    loop = asyncio.get_running_loop()
    turns: list[float] = []

    async def sender() -> None:
        for _ in range(20):
            await pace.acquire()
            turns.append(loop.time())
            await asyncio.sleep(0)

    await asyncio.gather(*(sender() for _ in range(4)))  # 80 turns asked for at once, ~2.7 s of pacing
    turns.sort()
    assert len(turns) == 80
    for i, start in enumerate(turns):
        in_window = sum(1 for t in turns[i:] if t - start < 1.0)
        assert in_window <= MESSAGES_PER_SECOND
