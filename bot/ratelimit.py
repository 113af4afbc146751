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

from bot import metrics

# Added to Telegram's retry_after. Our wait starts when the 429 arrives, which is after Telegram started its
# own, so no margin is needed for the clocks; this one only covers a timer that fires a hair early.
FLOOD_MARGIN_S = 0.01


def retry_after(err: RetryAfter) -> timedelta:
    """The wait Telegram asked for (PTB 22 warns that the int becomes a timedelta: both are handled)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = err.retry_after
    return value if isinstance(value, timedelta) else timedelta(seconds=float(value))


class _Pace:
    """Evenly spaced turns (GCRA): one every ``1/per_second`` s, in arrival order, none during a flood wait.

    A turn may start up to a quarter interval early (GCRA's tolerance τ), which absorbs event-loop lateness:
    any window of length L then holds at most floor((L + τ) · per_second) + 1 turns — 30 in one second at
    29.5/s. Half an interval would allow a 31st at that pace.

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


class PacedRateLimiter(BaseRateLimiter[int]):
    def __init__(self, per_second: float, *, max_retries: int = 1) -> None:
        self._pace = _Pace(per_second)
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
        paced = data.get("chat_id") is not None
        attempt = 0
        while True:
            if paced:
                await self._pace.acquire()
            else:
                await self._pace.wait_out_flood()  # unpaced requests (no chat) still respect a flood wait
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as err:
                metrics.TELEGRAM_RATE_LIMITED.inc()
                loop = asyncio.get_running_loop()
                if loop.time() >= self._pace.resume_at:
                    # A new flood wait. Refusals arriving while one is already being waited out are the
                    # requests that were in flight when it began: same wait, so they don't extend it.
                    self._pace.hold_until(loop.time() + retry_after(err).total_seconds() + FLOOD_MARGIN_S)
                if attempt >= retries:
                    raise
                attempt += 1
