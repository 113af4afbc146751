"""The polling update processor on its own: lanes per chat (per user without a chat), a bound on handlers."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.update_order import ChatOrderedProcessor, lane_of

USER = {"id": 11, "is_bot": False, "first_name": "Ann"}


def _message(update_id: int, chat_id: int) -> Update:
    chat = {"id": chat_id, "type": "private"}
    message = {"message_id": update_id, "date": 0, "chat": chat, "from": USER | {"id": chat_id}, "text": "hi"}
    return Update.de_json({"update_id": update_id, "message": message}, None)


def _inline_button(update_id: int, user_id: int) -> Update:
    query = {"id": str(update_id), "from": USER | {"id": user_id}, "chat_instance": "x", "inline_message_id": "m"}
    return Update.de_json({"update_id": update_id, "callback_query": query}, None)


def test_lanes() -> None:
    assert lane_of(_message(1, 5)) == ("chat", 5)
    assert lane_of(_inline_button(2, 7)) == ("user", 7)
    assert lane_of(object()) is None


async def test_at_most_running_handlers_at_once_and_each_lane_in_order() -> None:
    processor = ChatOrderedProcessor(running=2)
    started: list[int] = []
    releases = {n: asyncio.Event() for n in range(1, 6)}
    progress = asyncio.Condition()

    async def handler(n: int) -> None:
        async with progress:
            started.append(n)
            progress.notify_all()
        await releases[n].wait()

    async def until_started(count: int) -> None:
        async with progress:
            await progress.wait_for(lambda: len(started) >= count)

    updates = {1: _message(1, 100), 2: _message(2, 100), 3: _message(3, 200), 4: _message(4, 300)}
    tasks = [asyncio.create_task(processor.process_update(u, handler(n))) for n, u in updates.items()]
    await until_started(2)
    # Chat 100's second update waits for its first; chat 200 took the other slot; chat 300 waits for a slot.
    assert started == [1, 3]
    releases[3].set()
    await until_started(3)
    assert started == [1, 3, 4]  # the free slot went to a waiting chat, not to chat 100's queued update
    releases[4].set()
    releases[1].set()
    releases[2].set()
    await asyncio.gather(*tasks)
    assert started == [1, 3, 4, 2]
    assert processor._lanes == {}  # finished lanes are forgotten
