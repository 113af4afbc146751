"""Polling mode: updates of different chats at once, each chat's in the order it sent them.

python-telegram-bot hands every fetched update to an update processor; its default awaits one update at a
time, so one chat's 30-second FIT import or slow model answer held every other chat's ``/help``. This one
lets updates of different chats run side by side and keeps each chat in order (an answer to a setup question
must not overtake the question before it) — the rule webhook mode follows with its per-chat workers.

- The lane of an update is its chat; an update without a chat (an inline-message button) is its user's;
  an update with neither has no lane and runs when a slot is free.
- At most ``running`` handlers run at once (each may hold a database connection); the others wait their
  turn in arrival order.
- ``waiting`` bounds the updates admitted at all (running or waiting for their lane): beyond it PTB itself
  holds further updates back, so a flood from one chat costs memory, never the other chats' lanes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot import metrics

# Enough to keep a burst moving while slow handlers wait on the network or a worker thread; few enough that
# handlers holding a database connection leave most of the engine's 15 (db.engine) to the brief scheduler,
# the syncs and the HTTP server.
RUNNING = 8
WAITING = 4096


def lane_of(update: object) -> Hashable | None:
    """The chat an update belongs to (its user's when it has no chat), or None."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return ("chat", update.effective_chat.id)
    if update.effective_user is not None:
        return ("user", update.effective_user.id)
    return None


@dataclass
class _Lane:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    admitted: int = 0  # updates of this lane running or waiting; the lane is forgotten at zero


class ChatOrderedProcessor(BaseUpdateProcessor):
    """Per-chat order, concurrency across chats, at most ``running`` handlers at once."""

    def __init__(self, *, running: int = RUNNING, waiting: int = WAITING) -> None:
        super().__init__(max_concurrent_updates=waiting)
        self._running = asyncio.Semaphore(running)
        self._lanes: dict[Hashable, _Lane] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = lane_of(update)
        if key is None:
            async with self._running, metrics.observe_update(update):
                await coroutine
            return
        lane = self._lanes.setdefault(key, _Lane())
        lane.admitted += 1
        try:
            # PTB starts the update's task in arrival order and asyncio's locks are first come, first served,
            # so a lane's updates take the lock in the order they arrived. The slot is taken after the lane's
            # lock: a chat queueing behind itself never occupies a slot another chat could use.
            async with lane.lock, self._running, metrics.observe_update(update):
                await coroutine
        finally:
            lane.admitted -= 1
            if lane.admitted == 0:
                del self._lanes[key]

    async def initialize(self) -> None:
        """Nothing to set up: lanes are made as updates arrive."""

    async def shutdown(self) -> None:
        """Nothing to free: the Application waits for its update tasks before it shuts the processor down."""
