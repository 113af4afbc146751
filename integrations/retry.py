"""Retrying provider calls: jittered backoff on trouble, patience on rate limits, never on refused grants.

    ProviderUnavailable (5xx, timeout, unreadable body)  → retry after a full-jitter exponential backoff
    ProviderRateLimited                                  → wait as long as the provider asks, then retry,
                                                           unless that is longer than ``max_wait_s``
    ProviderAuthError                                    → raise at once: only the user can fix it

Full jitter (a random wait between 0 and the exponential cap; AWS Architecture Blog, "Exponential
Backoff and Jitter") keeps many users' syncs from retrying in lockstep against a provider that is
recovering. A rate-limit wait longer than ``max_wait_s`` (Strava's daily quota resets at UTC midnight) is
raised to the caller, which reschedules the sync instead of holding a worker for hours.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from integrations import metrics
from integrations.errors import ProviderRateLimited, ProviderUnavailable

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6  # tries for ProviderUnavailable, the first included
    base_s: float = 0.5
    cap_s: float = 30.0
    max_wait_s: float = 15 * 60.0  # longest rate-limit wait worth sleeping through
    rate_limit_waits: int = 3
    default_rate_limit_wait_s: float = 60.0

    def backoff_s(self, failure: int, rng: Callable[[], float] = random.random) -> float:
        """Wait before retry number ``failure`` (1-based): uniform in [0, min(cap, base · 2^(failure−1))]."""
        return rng() * min(self.cap_s, self.base_s * 2.0 ** (failure - 1))


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> T:
    failures = waits = 0
    while True:
        try:
            return await call()
        except ProviderRateLimited as err:
            metrics.PROVIDER_RATE_LIMITED.labels(err.provider).inc()
            wait = err.retry_after if err.retry_after is not None else policy.default_rate_limit_wait_s
            waits += 1
            if wait > policy.max_wait_s or waits > policy.rate_limit_waits:
                raise
            logger.info("%s rate-limited us; retrying in %.0f s", err.provider, wait)
            await sleep(wait)
        except ProviderUnavailable as err:
            failures += 1
            if failures >= policy.attempts:
                raise
            delay = policy.backoff_s(failures, rng)
            logger.info("%s unavailable (%s); retry %d in %.1f s", err.provider, err, failures, delay)
            await sleep(delay)
