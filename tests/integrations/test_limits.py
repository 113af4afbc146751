"""Rate limits: never a request the provider would refuse, on a clock we control."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx2
import pytest

from integrations.limits import RateLimitedTransport, RateLimiter, Window, observe


class FakeTime:
    def __init__(self, start: datetime) -> None:
        self.now = start.timestamp()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def _limiter(t: FakeTime, *windows: Window) -> RateLimiter:
    return RateLimiter("test", windows, clock=t.clock, sleep=t.sleep)


async def test_sliding_window_waits_for_the_oldest_request_to_age_out() -> None:
    t = FakeTime(datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC))
    limiter = _limiter(t, Window(100, 60))
    start = t.now
    for _ in range(100):
        await limiter.acquire()
    assert t.now == start
    await limiter.acquire()
    assert t.now == pytest.approx(start + 60)


async def test_strava_windows_reset_on_the_quarter_hour_and_learn_from_headers() -> None:
    t = FakeTime(datetime(2026, 11, 25, 10, 14, 50, tzinfo=UTC))
    limiter = _limiter(t, Window(100, 900, aligned=True), Window(1000, 86400, aligned=True))
    observe(limiter, 200, {"x-ratelimit-usage": "100,420", "x-ratelimit-limit": "100,1000"})
    assert limiter.wait_s() == pytest.approx(10)
    await limiter.acquire()
    assert datetime.fromtimestamp(t.now, UTC) == datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
    observe(limiter, 200, {"x-ratelimit-usage": "3,1000"})
    assert datetime.fromtimestamp(t.now + limiter.wait_s(), UTC) == datetime(2026, 11, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "closed_s"),
    [
        ({"retry-after": "42"}, 42),  # Oura
        ({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "17"}, 17),  # WHOOP
        ({}, 600),  # Strava says nothing: wait for the next quarter hour (10:05 → 10:15)
    ],
)
async def test_a_429_closes_the_gate_until_the_reset(headers: dict[str, str], closed_s: float) -> None:
    t = FakeTime(datetime(2026, 11, 25, 10, 5, tzinfo=UTC))
    limiter = _limiter(t, Window(100, 900, aligned=True))
    for _ in range(10):
        await limiter.acquire()
    observe(limiter, 429, headers)
    assert limiter.wait_s() == pytest.approx(closed_s)


async def test_whoop_exhausted_quota_header_closes_before_any_429() -> None:
    t = FakeTime(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    limiter = _limiter(t, Window(100, 60))
    observe(
        limiter,
        200,
        {"x-ratelimit-limit": "100, 100;window=60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "9"},
    )
    assert limiter.wait_s() == pytest.approx(9)


async def test_an_enforcing_provider_never_sees_a_request_after_a_429_before_its_reset() -> None:
    """A fake Strava: 5 requests per aligned quarter hour; another process of ours spent some of them."""
    t = FakeTime(datetime(2026, 11, 25, 10, 7, tzinfo=UTC))
    quarter = 900
    served: dict[int, int] = {}
    violations: list[float] = []
    refused_until = 0.0

    def strava(request: httpx2.Request) -> httpx2.Response:
        nonlocal refused_until
        window = int(t.now // quarter)
        if t.now < refused_until:
            violations.append(t.now)
        served[window] = served.get(window, 0) + 1
        used = served[window] + (
            3 if window == int(datetime(2026, 11, 25, 10, 7, tzinfo=UTC).timestamp() // quarter) else 0
        )
        headers = {"x-ratelimit-limit": "5,1000", "x-ratelimit-usage": f"{used},{used}"}
        if used > 5:
            refused_until = (window + 1) * quarter
            return httpx2.Response(429, headers=headers, json={"message": "Rate Limit Exceeded"})
        return httpx2.Response(200, headers=headers, json=[])

    limiter = _limiter(t, Window(5, quarter, aligned=True))
    transport = RateLimitedTransport(httpx2.MockTransport(strava), limiter)
    async with httpx2.AsyncClient(transport=transport, base_url="https://strava.test") as client:
        statuses = [(await client.get("/api/v3/athlete/activities")).status_code for _ in range(12)]
    assert violations == []
    assert statuses.count(429) <= 1  # the first response told us about the 3 spent elsewhere
    assert statuses.count(200) == 12 - statuses.count(429)
    assert datetime.fromtimestamp(t.now, UTC) >= datetime(2026, 11, 25, 10, 15, tzinfo=UTC)
