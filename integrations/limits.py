"""Staying inside each provider's rate limits, for every user at once.

A `RateLimiter` counts our requests in the provider's windows (Strava: 100 reads per quarter hour and
1,000 per day per app, the windows aligned to :00/:15/:30/:45 and to UTC midnight; WHOOP: 100 per minute
and 10,000 per day), waits before a request that would exceed one, and re-syncs its counts from the
provider's own headers, which also count what other processes of ours spent. After a 429 the limiter is
closed until the provider's reset, so no request goes out that the provider would refuse anyway.

`RateLimitedTransport` applies a limiter to an httpx2 client, so provider clients stay unaware of it. One
limiter per provider app (or per user, where the provider limits per user) keeps a throttled Strava from
holding up WHOOP, and one user's backfill from starving another's refresh beyond the app's shared quota.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import httpx2

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Window:
    """At most ``limit`` requests per ``seconds``; ``aligned`` windows start at multiples of ``seconds``
    since the epoch (Strava's quarter hours and UTC days), others slide."""

    limit: int
    seconds: float
    aligned: bool = False


class RateLimiter:
    def __init__(
        self,
        name: str,
        windows: Sequence[Window],
        *,
        clock: Clock = time.time,
        sleep: Callable[[float], object] = asyncio.sleep,
    ) -> None:
        self.name = name
        self.windows = tuple(windows)
        self._clock = clock
        self._sleep = sleep
        self._sent: list[deque[float]] = [deque() for _ in self.windows]  # send times, per window
        self._floor: list[tuple[float, int]] = [(-1.0, 0) for _ in self.windows]  # (window start, count from headers)
        self._closed_until = 0.0
        self._lock = asyncio.Lock()

    # ----------------------------------------------------------------- the gate

    def _start(self, window: Window, now: float) -> float:
        return math.floor(now / window.seconds) * window.seconds if window.aligned else now - window.seconds

    def _used(self, i: int, now: float) -> int:
        window, sent = self.windows[i], self._sent[i]
        start = self._start(window, now)
        # An aligned window includes its first instant; a sliding one has just let go of it.
        while sent and (sent[0] < start or (not window.aligned and sent[0] == start)):
            sent.popleft()
        floor_start, floor_count = self._floor[i]
        from_headers = floor_count if window.aligned and floor_start == start else 0
        return max(len(sent), from_headers)

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until one more request fits every window (0 when it fits now)."""
        now = self._clock() if now is None else now
        wait = max(0.0, self._closed_until - now)
        for i, window in enumerate(self.windows):
            if self._used(i, now) < window.limit:
                continue
            if window.aligned:
                wait = max(wait, self._start(window, now) + window.seconds - now)
            else:
                oldest = self._sent[i][-window.limit] if len(self._sent[i]) >= window.limit else now
                wait = max(wait, oldest + window.seconds - now)
        return wait

    async def acquire(self) -> None:
        """Wait until a request fits, then count it."""
        while True:
            async with self._lock:
                now = self._clock()
                wait = self.wait_s(now)
                if wait <= 0:
                    for sent in self._sent:
                        sent.append(now)
                    return
            await self._sleep(wait)  # type: ignore[misc]

    # ----------------------------------------------------------------- what the provider tells us

    def close_for(self, seconds: float) -> None:
        """The provider said stop (a 429): send nothing for ``seconds``."""
        self._closed_until = max(self._closed_until, self._clock() + max(seconds, 0.0))

    def seconds_to_reset(self) -> float:
        """The fallback wait after a 429 that names none: until the next reset of a full window, else of any.

        Strava sends no ``Retry-After``; its windows reset at the next quarter hour (or UTC midnight).
        """
        now = self._clock()

        def reset(w: Window) -> float:
            return (self._start(w, now) + w.seconds - now) if w.aligned else w.seconds

        full = [reset(w) for i, w in enumerate(self.windows) if self._used(i, now) >= w.limit]
        candidates = full or [reset(w) for w in self.windows]
        return min(candidates) if candidates else 1.0

    def observe_usage(self, used: Sequence[int]) -> None:
        """Counts in the current aligned windows as the provider reports them (Strava's ``…-Usage``)."""
        now = self._clock()
        for i, count in enumerate(used[: len(self.windows)]):
            if self.windows[i].aligned:
                self._floor[i] = (self._start(self.windows[i], now), count)


def _ints(value: str | None) -> list[int]:
    out = []
    for part in (value or "").split(","):
        head = part.strip().split(";")[0]
        if head.isdigit():
            out.append(int(head))
    return out


def observe(limiter: RateLimiter, status: int, headers: Mapping[str, str]) -> None:
    """Learn from one response: usage counters, an exhausted quota, or a 429."""
    usage = headers.get("x-readratelimit-usage") or headers.get("x-ratelimit-usage")
    if usage:
        limiter.observe_usage(_ints(usage))  # Strava: "15-min,daily"
    remaining, reset = headers.get("x-ratelimit-remaining"), headers.get("x-ratelimit-reset")
    reset_s = _reset_seconds(reset)
    if remaining is not None and remaining.strip() == "0" and reset_s is not None:
        limiter.close_for(reset_s)  # WHOOP: the closest limit is used up until its reset
    if status == 429:
        retry_after = _reset_seconds(headers.get("retry-after"))
        limiter.close_for(retry_after if retry_after is not None else reset_s or limiter.seconds_to_reset())


def _reset_seconds(value: str | None) -> float | None:
    """Seconds from a ``Retry-After``/``X-RateLimit-Reset`` value; an epoch timestamp (Oura) is converted."""
    numbers = _ints(value)
    if not numbers:
        return None
    seconds = float(numbers[0])
    if seconds > 1_000_000_000:  # an epoch time, not a duration
        seconds -= time.time()
    return max(seconds, 0.0)


class RateLimitedTransport(httpx2.AsyncBaseTransport):
    """Waits for the limiter before each request and feeds it every response's headers."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, limiter: RateLimiter) -> None:
        self._inner = inner
        self.limiter = limiter

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await self.limiter.acquire()
        response = await self._inner.handle_async_request(request)
        observe(self.limiter, response.status_code, response.headers)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


# The providers' published limits (reference/providers.md §1.5, §2.5, §3.5, §4.4).
PROVIDER_WINDOWS: dict[str, tuple[Window, ...]] = {
    "strava": (Window(100, 15 * 60, aligned=True), Window(1000, 24 * 3600, aligned=True)),
    "whoop": (Window(100, 60), Window(10_000, 24 * 3600)),
    "oura": (Window(5000, 5 * 60),),
    "intervals": (Window(2500, 15 * 60, aligned=True),),
}
