"""Sending within Telegram's flood limits: an even pace, and a flood wait that stops everything.

python-telegram-bot's `AIORateLimiter` (22.8) was the first choice; the brief fan-out benchmark showed two
traits that turn one 429 into a cascade: a request takes its rate slot *before* waiting out a
``RetryAfter``, and any request that finishes re-opens the gate another is still waiting on. Messages
queued during the wait then go out together, exceed the limit, and draw the next 429.

This limiter implements PTB's `BaseRateLimiter` interface with the two rules the other way round:

- every request with a ``chat_id`` is paced evenly (one per ``1/per_second`` s, no bursts), so no one
  second ever carries more than the limit;
- a ``RetryAfter`` sets one deadline for the whole bot; until it passes nothing is sent, and the request
  first in line goes the moment it passes. The refused request is retried up to ``max_retries`` times
  (per call: ``rate_limit_args``), then the ``RetryAfter`` reaches the caller.

With several bot processes the pace must be one for the whole bot: `SharedPace` keeps it in PostgreSQL
(`db.models.TelegramPace`, the function ``cw_telegram_turn``), so every process draws its turns from the same
line, a flood wait one process receives holds all of them, and each chat gets at most one new message a
second (a group one every three seconds: Telegram's 20 a minute), after a short burst Telegram tolerates.
Edits, deletions and callback answers are paced bot-wide only. `_Pace` is the same algorithm in memory, for
a process without a database (and the shared pace's fallback while the database is unreachable).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot import metrics

logger = logging.getLogger(__name__)

# Added to Telegram's retry_after. Our wait starts when the 429 arrives, which is after Telegram started its
# own, so no margin is needed for the clocks; this one only covers a timer that fires a hair early.
FLOOD_MARGIN_S = 0.01


def retry_after(err: RetryAfter) -> timedelta:
    """The wait Telegram asked for (PTB 22 warns that the int becomes a timedelta: both are handled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


def _chat_number(chat_id: object) -> int | None:
    """A numeric chat id (``@channel`` usernames are paced bot-wide only)."""
    try:
        return int(str(chat_id))
    except ValueError:
        return None


# Turns a send may leave unused because it woke too late for them (`SharedPace.acquire`).
MAX_LATE_TURNS = 2


class _Pace:
    """Evenly spaced turns (GCRA): one every ``1/per_second`` s, in arrival order, none during a flood wait.

    A turn may start up to a quarter interval early (GCRA's tolerance τ), which absorbs event-loop lateness:
    any window of length L then holds at most floor((L + τ) · per_second) + 1 turns — 29 in one second at
    28.5/s.

    A flood wait (`hold_until`) is part of the pace rather than a gate in front of it: the request first in
    line sleeps until the wait is over and goes at once, the others keep their order behind it. No turn is
    handed out and thrown away during the wait, and no pace slot scheduled before it delays the first send
    after it.
    """

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second
        self.tolerance = self.interval / 4
        self._theoretical_arrival = 0.0
        self._resume_at = 0.0  # event-loop time before which no turn starts
        self._lock = asyncio.Lock()  # FIFO: turns are handed out in the order they were asked for

    def hold_until(self, deadline: float) -> None:
        """No turn before ``deadline`` (event-loop time); a later deadline replaces an earlier one."""
        self._resume_at = max(self._resume_at, deadline)

    @property
    def resume_at(self) -> float:
        return self._resume_at

    async def wait_out_flood(self) -> None:
        """Wait until no flood wait holds, without taking a turn (requests that are not paced)."""
        loop = asyncio.get_running_loop()
        while (left := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            # A deadline, not an event: a RetryAfter arriving while we sleep may push it further.
            while (wait := max(self._theoretical_arrival - self.tolerance, self._resume_at) - loop.time()) > 0:  # noqa: ASYNC110
                await asyncio.sleep(wait)
            self._theoretical_arrival = max(self._theoretical_arrival, loop.time()) + self.interval


# Methods that put a new message into a chat: these count against the per-chat limit.
NEW_MESSAGE_METHODS = frozenset(
    {
        "sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "sendAudio", "sendVideo", "sendVoice",
        "sendAnimation", "sendSticker", "sendLocation", "sendVenue", "sendContact", "sendPoll", "sendDice",
        "copyMessage", "forwardMessage", "sendInvoice",
    }
)  # fmt: skip
# Per chat: one new message a second after a burst (``TELEGRAM_CHAT_BURST``; Telegram tolerates "short
# bursts"); per group chat (negative ids): one every three seconds (20 a minute) after the same burst.
CHAT_INTERVAL_S = 1.0
GROUP_INTERVAL_S = 3.0


class Pace(Protocol):
    async def acquire(self, chat_id: int | None) -> None: ...
    async def wait_out_flood(self) -> None: ...
    async def hold_for(self, seconds: float) -> None: ...


class LocalPace:
    """The bot-wide pace of one process (no per-chat spacing): `_Pace` behind the `Pace` interface."""

    def __init__(self, per_second: float) -> None:
        self.pace = _Pace(per_second)

    async def acquire(self, chat_id: int | None) -> None:
        await self.pace.acquire()

    async def wait_out_flood(self) -> None:
        await self.pace.wait_out_flood()

    async def hold_for(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() >= self.pace.resume_at:
            # A new flood wait. Refusals arriving while one is already being waited out are the requests
            # that were in flight when it began: same wait, so they don't extend it.
            self.pace.hold_until(loop.time() + seconds)


class SharedPace:
    """The pace of the whole bot, kept in PostgreSQL: every process takes its turns from the same line.

    One round trip hands out a turn (``cw_telegram_turn`` returns the seconds to wait); after the wait the
    flood deadline is read once more, since another process may have been refused meanwhile. If the database
    cannot be reached the process falls back to its own pace rather than stop answering.
    """

    def __init__(self, engine: AsyncEngine, per_second: float, *, chat_burst: int = 5) -> None:
        self._engine = engine
        self._chat_burst = chat_burst
        self._interval = 1.0 / per_second
        self._tolerance = self._interval / 4
        # How late a turn may still be used: with the early tolerance, any second then holds at most
        # floor((1 + tolerance + late) · per_second) + 1 turns, 30 at 28.5/s.
        self._late = self._interval / 4
        self._fallback = LocalPace(per_second)

    async def acquire(self, chat_id: int | None) -> None:
        key: str | None = None
        chat_interval = chat_tolerance = 0.0
        if chat_id is not None:
            key = str(chat_id)
            chat_interval = GROUP_INTERVAL_S if chat_id < 0 else CHAT_INTERVAL_S
            chat_tolerance = chat_interval * (self._chat_burst - 1)
        loop = asyncio.get_running_loop()
        late_turns = 0
        while True:
            try:
                asked = loop.time()
                async with self._engine.connect() as conn:
                    wait, turn = (
                        await conn.execute(
                            text(
                                "SELECT wait_s, turn_epoch FROM "
                                "cw_telegram_turn(:chat, :interval, :tolerance, :chat_interval, :chat_tol)"
                            ),
                            {
                                "chat": key,
                                "interval": self._interval,
                                "tolerance": self._tolerance,
                                "chat_interval": chat_interval,
                                "chat_tol": chat_tolerance,
                            },
                        )
                    ).one()
                    await conn.commit()
                if turn is None:  # the chat is not due yet: no turn was taken, ask again when it is
                    await asyncio.sleep(wait)
                    continue
                if wait <= 0:
                    return  # the turn is now: the statement that gave it already weighed the flood wait
                # The database's clock gave the wait at about the middle of the round trip.
                due = (asked + loop.time()) / 2 + wait
                await asyncio.sleep(wait)
                if loop.time() - due > self._late and late_turns < MAX_LATE_TURNS:
                    # Woken too late (a busy process): sending now would put this message into the seconds
                    # of later turns, and a few late ones together past Telegram's 30. The turn is left
                    # unused and a new one taken (a process late every time sends on its third).
                    late_turns += 1
                    continue
                # Another process may have been refused while we waited: its flood wait holds us too.
                if await self._flood_left() <= 0:
                    return
            except (OSError, SQLAlchemyError) as err:
                logger.warning("shared Telegram pace unavailable (%s): pacing this process alone", type(err).__name__)
                await self._fallback.acquire(chat_id)
                return

    async def _flood_left(self) -> float:
        async with self._engine.connect() as conn:
            left = (
                await conn.execute(
                    text(
                        # greatest(): "holdUntil" starts at -infinity, and infinity minus a time is an error.
                        "SELECT extract(epoch FROM greatest(t.hold, t.now) - t.now) FROM "
                        '(SELECT "holdUntil" AS hold, clock_timestamp() AS now FROM "TelegramPace" '
                        "WHERE key = '*') AS t"
                    )
                )
            ).scalar_one_or_none()
        return float(left) if left is not None else 0.0

    async def wait_out_flood(self) -> None:
        try:
            while (left := await self._flood_left()) > 0:  # noqa: ASYNC110 - a deadline in another process
                await asyncio.sleep(left)
        except (OSError, SQLAlchemyError):
            await self._fallback.wait_out_flood()

    async def hold_for(self, seconds: float) -> None:
        """Hold every process for ``seconds`` — unless a flood wait is already running (same wait)."""
        try:
            async with self._engine.begin() as conn:
                await conn.execute(
                    text(
                        'INSERT INTO "TelegramPace" (key, tat, "holdUntil") '
                        "VALUES ('*', clock_timestamp(), clock_timestamp() + make_interval(secs => :s)) "
                        'ON CONFLICT (key) DO UPDATE SET "holdUntil" = EXCLUDED."holdUntil" '
                        'WHERE "TelegramPace"."holdUntil" < clock_timestamp()'
                    ),
                    {"s": seconds},
                )
        except (OSError, SQLAlchemyError):
            await self._fallback.hold_for(seconds)


class PacedRateLimiter(BaseRateLimiter[int]):
    def __init__(self, per_second: float, *, max_retries: int = 1, pace: Pace | None = None) -> None:
        self._pace: Pace = pace if pace is not None else LocalPace(per_second)
        self._max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        retries = self._max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        paced = chat_id is not None
        attempt = 0
        while True:
            if paced:
                per_chat = _chat_number(chat_id) if endpoint in NEW_MESSAGE_METHODS else None
                await self._pace.acquire(per_chat)
            else:
                await self._pace.wait_out_flood()  # unpaced requests (no chat) still respect a flood wait
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                metrics.TELEGRAM_RATE_LIMITED.inc()
                await self._pace.hold_for(retry_after(err).total_seconds() + FLOOD_MARGIN_S)
                if attempt >= retries:
                    raise
                attempt += 1
