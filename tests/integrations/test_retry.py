"""Retries: back off with jitter on trouble, wait out rate limits, give up on refused grants."""

from __future__ import annotations

import pytest

from integrations.errors import ProviderAuthError, ProviderError, ProviderRateLimited, ProviderUnavailable
from integrations.retry import RetryPolicy, call_with_retries


class Script:
    """A call that fails as scripted, then succeeds; records the sleeps it caused."""

    def __init__(self, *failures: ProviderError) -> None:
        self.failures = list(failures)
        self.calls = 0
        self.sleeps: list[float] = []

    async def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def _down() -> ProviderUnavailable:
    return ProviderUnavailable("strava", "Strava answered 503.")


async def test_unavailable_is_retried_with_capped_exponential_jitter() -> None:
    script = Script(*(_down() for _ in range(5)))
    assert await call_with_retries(script, sleep=script.sleep, rng=lambda: 1.0) == "ok"
    assert script.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0]
    policy = RetryPolicy(cap_s=3.0)
    assert [policy.backoff_s(n, rng=lambda: 1.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.backoff_s(4, rng=lambda: 0.25) == 0.75


async def test_gives_up_after_the_last_attempt() -> None:
    script = Script(*(_down() for _ in range(10)))
    with pytest.raises(ProviderUnavailable):
        await call_with_retries(script, policy=RetryPolicy(attempts=3), sleep=script.sleep)
    assert script.calls == 3


async def test_rate_limits_are_waited_out_as_asked_unless_too_long() -> None:
    script = Script(ProviderRateLimited("whoop", "slow down", retry_after=17), ProviderRateLimited("oura", "x"))
    assert await call_with_retries(script, sleep=script.sleep) == "ok"
    assert script.sleeps == [17, 60.0]
    midnight = Script(ProviderRateLimited("strava", "daily limit", retry_after=6 * 3600))
    with pytest.raises(ProviderRateLimited):
        await call_with_retries(midnight, sleep=midnight.sleep)
    assert midnight.sleeps == [] and midnight.calls == 1


async def test_a_refused_grant_is_never_retried() -> None:
    script = Script(ProviderAuthError("whoop", "WHOOP refused our access (401)."))
    with pytest.raises(ProviderAuthError):
        await call_with_retries(script, sleep=script.sleep)
    assert script.calls == 1
