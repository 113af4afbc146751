"""Sending within Telegram's flood limits: an even pace, and a flood wait that stops everything.

python-telegram-bot's `AIORateLimiter` (22.8) was the first choice; the brief fan-out benchmark showed two
traits that turn one 429 into a cascade: a request takes its rate slot *before* waiting out a
``RetryAfter``, and any request that finishes re-opens the gate another is still waiting on. Messages
queued during the wait then go out together, exceed the limit, and draw the next 429.

This limiter implements PTB's `BaseRateLimiter` interface with the two rules the other way round:

- every request with a ``chat_id`` is paced evenly (one per ``1/per_second`` s, no bursts), so no one
  second ever carries more than the limit;
- a ``RetryAfter`` sets one deadline for the whole bot; until it passes nothing is sent, and a request
  whose pace slot fell inside the wait takes a new one afterwards. The request is retried up to
  ``max_retries`` times (per call: ``rate_limit_args``), then the ``RetryAfter`` reaches the caller.

Telegram's per-group limit (20 a minute) is not paced: the bot only talks in private chats, and answers a
group message once, with a hint.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

# Added to Telegram's retry_after: its clock and ours are a round trip apart.
FLOOD_MARGIN_S = 0.05


def retry_after(err: RetryAfter) -> timedelta:
    """The wait Telegram asked for (PTB 22 warns that the int becomes a timedelta: both are handled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


class _Pace:
    """Evenly spaced turns (GCRA): one every ``1/per_second`` s, in arrival order.

    A turn may start up to a quarter interval early (GCRA's tolerance τ), which absorbs event-loop lateness:
    any window of length L then holds at most floor((L + τ) · per_second) + 1 turns — 30 in one second at
    29.5/s. Half an interval would allow a 31st at that pace.
    """

    def __init__(self, per_second: float) -> None:
        self.interval = 1 / per_second
        self.tolerance = self.interval / 4
        self._theoretical_arrival = 0.0
        self._lock = asyncio.Lock()  # FIFO: turns are handed out in the order they were asked for

    async def acquire(self) -> None:
        async with self._lock:
            loop = asyncio.get_running_loop()
            wait = self._theoretical_arrival - self.tolerance - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._theoretical_arrival = max(self._theoretical_arrival, loop.time()) + self.interval


class PacedRateLimiter(BaseRateLimiter[int]):
    def __init__(self, per_second: float, *, max_retries: int = 1) -> None:
        self._pace = _Pace(per_second)
        self._max_retries = max_retries
        self._resume_at = 0.0  # event-loop time before which nothing is sent

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def _flood_wait(self) -> None:
        # A deadline, not an event: a later RetryAfter may push it further while we sleep.
        loop = asyncio.get_running_loop()
        while (left := self._resume_at - loop.time()) > 0:  # noqa: ASYNC110
            await asyncio.sleep(left)

    async def _turn(self) -> None:
        """Wait out any flood wait, then this request's place in the pace — re-queued if a wait began meanwhile."""
        loop = asyncio.get_running_loop()
        while True:
            await self._flood_wait()
            await self._pace.acquire()
            if self._resume_at <= loop.time():
                return

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
        paced = data.get("chat_id") is not None
        attempt = 0
        while True:
            if paced:
                await self._turn()
            else:
                await self._flood_wait()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                loop = asyncio.get_running_loop()
                if loop.time() >= self._resume_at:
                    # A new flood wait. Refusals arriving while one is already being waited out are the
                    # requests that were in flight when it began: same wait, so they don't extend it.
                    self._resume_at = loop.time() + retry_after(err).total_seconds() + FLOOD_MARGIN_S
                if attempt >= retries:
                    raise
                attempt += 1
