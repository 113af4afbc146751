"""Fourteen simulated days around each daylight-saving change of 2026: one brief per user per local date.

Users at 07:00 in Europe/Berlin, America/New_York, Asia/Kathmandu (+05:45, no DST) and Australia/Lord_Howe
(half-hour DST). Two bot processes tick against one PostgreSQL and one local Bot API: this test process,
and a real second interpreter (`tests.bot.sim_worker`). Both are restarted at random moments (sometimes
staying down for a few minutes, sometimes dying holding brief jobs taken but not sent). Last night's data
arrives on time, late, or not at all, at random.

The clock is injected, so the days run in seconds. Every minute near a brief time is ticked (07:00–07:12
local, and through the freshness wait every 5 minutes); the quiet hours between are ticked hourly, which
changes nothing since no brief is due then.

Passes when every user gets exactly one brief for every local date, sent within 10 minutes of 07:00 local,
or within 10 minutes of their data arriving late, or after the 45-minute wait with the missing data named.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from coach.brief import due_instant
from db.models import BriefDelivery
from db.repositories import briefs, jobs
from tests.bot.brief_support import TOKEN, Clock, Process, Worker, add_nights, bot_process, make_user

ZONES = {9001: "Europe/Berlin", 9002: "America/New_York", 9003: "Asia/Kathmandu", 9004: "Australia/Lord_Howe"}
BRIEF_AT = time(7)
WAIT = timedelta(minutes=45)
# Every change of the three zones that have DST, each inside a fortnight (2026).
WINDOWS = {
    # US spring-forward (8 Mar).
    "us-spring": date(2026, 3, 2),
    # EU spring-forward (29 Mar) and Lord Howe's half-hour fall-back (5 Apr).
    "eu-spring": date(2026, 3, 23),
    # Lord Howe's half-hour spring-forward (4 Oct).
    "lord-howe-spring": date(2026, 9, 28),
    # EU fall-back (25 Oct) and US fall-back (1 Nov) in one fortnight.
    "autumn": date(2026, 10, 21),
}
DAYS = 14
RESTARTS = 20
HEADER = re.compile(r"Morning brief — (\w{3} \d{2} \w{3})")


@dataclass
class Night:
    user_id: str
    day: date
    arrives: datetime | None  # None: never


@pytest.fixture
async def api() -> AsyncIterator[tuple[LocalBotApi, str]]:
    local = LocalBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


def _tick_instants(first: date) -> list[datetime]:
    instants: set[datetime] = set()
    for zone in ZONES.values():
        for offset in range(DAYS):
            due = due_instant(first + timedelta(days=offset), BRIEF_AT, ZoneInfo(zone))
            instants.update(due + timedelta(minutes=m) for m in range(-1, 13))
            instants.update(due + timedelta(minutes=m) for m in range(15, 56, 5))
    start, end = min(instants), max(instants)
    hour = start.replace(minute=7, second=0)
    while hour < end:
        instants.add(hour)
        hour += timedelta(hours=1)
    return sorted(instants)


@pytest.mark.parametrize("window", list(WINDOWS))
async def test_fourteen_days_one_brief_per_user_per_local_date(
    window: str,
    api: tuple[LocalBotApi, str],
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
) -> None:
    local, url = api
    rng = random.Random(f"dst-{window}")
    first = WINDOWS[window]
    dates = [first + timedelta(days=i) for i in range(DAYS)]

    users = {chat: await make_user(sessions, chat, tz=zone) for chat, zone in ZONES.items()}
    nights: list[Night] = []
    arrival: dict[tuple[str, date], datetime | None] = {}
    for chat, user_id in users.items():
        await add_nights(sessions, user_id, [first - timedelta(days=i) for i in range(1, 15)])
        for day in dates:
            due = due_instant(day, BRIEF_AT, ZoneInfo(ZONES[chat]))
            fate = rng.choice(["on time", "on time", "late", "never"])
            arrives = {
                "on time": due - timedelta(hours=1),
                "late": due + timedelta(minutes=rng.choice([15, 20, 30])),
                "never": None,
            }[fate]
            nights.append(Night(user_id, day, arrives))
            arrival[(user_id, day)] = arrives

    ticks = _tick_instants(first)
    restart_at = set(rng.sample(range(len(ticks)), RESTARTS))
    clock = Clock(ticks[0])
    worker = Worker(database_url, url)
    await worker.start()
    down: dict[str, int] = {"here": 0, "worker": 0}
    sent_here = 0
    try:
        async with AsyncExitStack() as stack:
            here: Process = await stack.enter_async_context(bot_process(url, sessions, clock))
            for index, now in enumerate(ticks):
                clock.now = now
                arrived = [n for n in nights if n.arrives is not None and n.arrives <= now]
                for night in arrived:
                    await add_nights(sessions, night.user_id, [night.day])
                    nights.remove(night)
                if index in restart_at:
                    victim = rng.choice(["here", "worker"])
                    down[victim] = rng.choice([0, 0, 1, 2, 3])  # ticks missed while it restarts
                    if victim == "here":
                        if rng.random() < 0.5:
                            # Dies holding send jobs: they must come back after the lease, not be lost.
                            async with sessions.begin() as session:
                                await jobs.take(
                                    session,
                                    owner=f"dead-{index}",
                                    now=now,
                                    lease=here.scheduler.lease,
                                    limit=5,
                                    kinds=[briefs.JOB_KIND],
                                )
                        sent_here += here.scheduler.sent
                        await stack.aclose()
                        here = await stack.enter_async_context(bot_process(url, sessions, clock))
                    else:
                        await worker.kill()
                        await worker.start()
                ticks = []
                if down["here"] > 0:
                    down["here"] -= 1
                else:
                    ticks.append(here.tick_and_send())
                if down["worker"] > 0:
                    down["worker"] -= 1
                else:
                    ticks.append(worker.tick(now))
                await asyncio.gather(*ticks)
            sent_here += here.scheduler.sent
    finally:
        await worker.kill()

    async with sessions() as session:
        rows = {
            (r.user_id, r.local_date): r
            for r in (await session.scalars(select(BriefDelivery).where(BriefDelivery.local_date.in_(dates)))).all()
        }
    # Both processes did part of the work, and every kind of night happened.
    assert sent_here > 0 and worker.sent > 0 and sent_here + worker.sent == len(users) * DAYS
    assert any(r.missing for r in rows.values()) and any(
        a is not None and a > r.due_at for (u, d), r in rows.items() if (a := arrival[(u, d)]) is not None
    )
    for chat, user_id in users.items():
        sent = local.replies(chat)
        headers = Counter(m.group(1) for s in sent if (m := HEADER.search(s.text)))
        expected = {d.strftime("%a %d %b") for d in dates}
        assert {h: n for h, n in headers.items() if h in expected} == dict.fromkeys(expected, 1), ZONES[chat]
        for day in dates:
            row = rows[(user_id, day)]
            assert row.status == briefs.SENT and row.sent_at is not None
            due = due_instant(day, BRIEF_AT, ZoneInfo(ZONES[chat]))
            late = row.sent_at - due
            text = next(s.text for s in sent if day.strftime("%a %d %b") in s.text)
            if row.missing:
                assert WAIT <= late <= WAIT + timedelta(minutes=10), (ZONES[chat], day, late)
                assert "Not arrived yet: last night's sleep" in text
            else:
                assert "Not arrived yet" not in text
                came = arrival[(user_id, day)]
                on_time = late <= timedelta(minutes=10)
                after_late_data = came is not None and came > due and row.sent_at - came <= timedelta(minutes=10)
                assert on_time or after_late_data, (ZONES[chat], day, late)
