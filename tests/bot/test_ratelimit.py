"""The paced limiter never puts more than Telegram's 30 sends into any one second."""

from __future__ import annotations

import asyncio

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter

from bot.app import MESSAGES_PER_SECOND, PACED_PER_SECOND
from bot.ratelimit import PacedRateLimiter, _Pace


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


async def test_a_flood_wait_stops_every_send_and_the_line_resumes_in_order() -> None:
    """One RetryAfter holds the whole bot: no request reaches Telegram before the wait is over, the refused
    one is retried, and the others keep the order they asked in (nothing is lost, nothing sent twice)."""
    limiter = PacedRateLimiter(PACED_PER_SECOND, max_retries=1)
    loop = asyncio.get_running_loop()
    calls: list[tuple[int, float]] = []
    refused_at: list[float] = []

    async def send(chat_id: int) -> JSONDict:
        calls.append((chat_id, loop.time()))
        if chat_id == 3 and not refused_at:
            refused_at.append(loop.time())
            raise RetryAfter(1)
        return {"chat_id": chat_id}

    async def request(chat_id: int) -> bool | JSONDict | list[JSONDict]:
        return await limiter.process_request(send, (chat_id,), {}, "sendMessage", {"chat_id": chat_id}, None)

    tasks = []
    for chat_id in range(12):
        tasks.append(asyncio.create_task(request(chat_id)))
        await asyncio.sleep(0)  # each asks in turn, so the line's order is known
    results = await asyncio.gather(*tasks)

    assert [r["chat_id"] for r in results if isinstance(r, dict)] == list(range(12))
    wait_over = refused_at[0] + 1.0
    after = [(chat, at) for chat, at in calls if at > refused_at[0]]
    assert all(at >= wait_over for _, at in after), "a request went out during the flood wait"
    # The requests still waiting went in the order they asked; the refused one went again, once.
    assert [chat for chat, _ in after] == [*range(4, 12), 3]
    assert sorted(chat for chat, _ in calls) == sorted([*range(12), 3])
    # Still paced after the wait: no one second holds more than Telegram's limit.
    times = sorted(at for _, at in calls)
    for i, start in enumerate(times):
        assert sum(1 for t in times[i:] if t - start < 1.0) <= MESSAGES_PER_SECOND
