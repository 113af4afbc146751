"""``/today`` latency against the length of the history: one month of daily rides against ten years.

Run ``python -m bench.today [--requests 200]``. Two athletes in Europe/Berlin, each with a fortnight of
recovery data and a ride every day, one for a month and one for ten years, on PostgreSQL (``DATABASE_URL``,
else an embedded server in a temporary folder). Their stored per-day loads are up to date except for
yesterday's ride, which arrives after the backfill as a night's sync would bring it (the first request
rebuilds that day). Each request runs what the ``/today`` handler runs without a Gemini key (the rules' path):
the assessment, the stored daily suggestion, today's session from the plan and the HTML — everything but the
Telegram round trip. The two athletes are asked in turn, so both see the same machine at the same moments.

Printed: median and 95th-percentile latency per athlete and the ratio of the medians, month / ten years
(target ≥ 0.8: an answer costs the same whatever the history's length).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.context import utc_now
from bot.runtime import open_database, settle_heap
from bot.settings import Settings
from bot.texts import plan as texts_plan
from coach import day_loads, plans
from coach.daily import assess_today
from coach.llm import daily
from db.models import DailyMetric, User, Workout

ZONE = "Europe/Berlin"
HISTORIES_DAYS = (30, 3652)
TARGET_RATIO = 0.8


async def _athlete(sessions: async_sessionmaker[AsyncSession], days: int, now: datetime) -> str:
    """An athlete with a ride every day for ``days`` days; the stored loads settled but for yesterday's ride."""
    rng = random.Random(days)
    tz = ZoneInfo(ZONE)
    today = now.astimezone(tz).date()
    user_id = str(uuid.uuid4())

    def ride(back: int) -> dict[str, Any]:
        return {
            "id": str(uuid.uuid4()),
            "user_id": user_id,
            "external_id": f"{user_id}-{back}",
            "source": "bench",
            "date": datetime.combine(today - timedelta(days=back), clock_time(17), tzinfo=tz),
            "title": "Ride",
            "type": "Ride",
            "duration_sec": 3600,
            "tss": rng.uniform(30, 110),
        }

    async with sessions.begin() as session:
        await session.execute(insert(User), [{"id": user_id, "email": f"{user_id}@telegram.invalid", "timezone": ZONE}])
        nights = [
            {
                "id": str(uuid.uuid4()),
                "user_id": user_id,
                "date": today - timedelta(days=back),
                "source": "bench",
                "hrv": rng.uniform(45, 75),
                "resting_hr": rng.randint(45, 58),
                "hours_slept": rng.uniform(5.5, 8.5),
            }
            for back in range(15)
        ]
        await session.execute(insert(DailyMetric), nights)
        await session.execute(insert(Workout), [ride(back) for back in range(2, days + 1)])
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        await day_loads.refresh(session, [user])  # the backfill (`coach-watts recompute-loads`), untimed
    async with sessions.begin() as session:
        await session.execute(insert(Workout), [ride(1)])
    return user_id


async def _today(sessions: async_sessionmaker[AsyncSession], user_id: str, now: datetime) -> str:
    """The rules' path of the ``/today`` handler (`bot.handlers.coaching.today` with no Gemini key)."""
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None
        assessment = await assess_today(session, user, now=now)
    suggestion = await daily.suggest_today(sessions, None, user_id=user_id, assessment=assessment, now=now)
    chosen = daily.with_suggestion(assessment, suggestion)
    async with sessions() as session:
        plan = await plans.today(session, user, assessment=chosen)
    return texts_plan.today(chosen, plan)


async def run(requests: int) -> bool:
    now = utc_now()
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, COACH_DATA_DIR=Path(data_dir))  # type: ignore[call-arg]
        async with open_database(settings) as database:
            ids = [await _athlete(database.sessions, days, now) for days in HISTORIES_DAYS]
            async with database.sessions.begin() as session:
                await session.execute(text("ANALYZE"))
            settle_heap()
            timings: dict[str, list[float]] = {user_id: [] for user_id in ids}
            for _ in range(requests):
                for user_id in ids:
                    started = time.perf_counter()
                    html = await _today(database.sessions, user_id, now)
                    timings[user_id].append(time.perf_counter() - started)
                    assert html
    medians = [statistics.median(timings[u]) for u in ids]
    print(f"/today latency (rules' path, {requests} requests per athlete, asked in turn):")
    for days, user_id, median in zip(HISTORIES_DAYS, ids, medians, strict=True):
        p95 = statistics.quantiles(timings[user_id], n=20)[-1]
        print(f"  {days:5d} days of daily rides: median {median * 1000:6.2f} ms, p95 {p95 * 1000:6.2f} ms")
    ratio = medians[0] / medians[1]
    print(f"  ratio of the medians, one month / ten years: {ratio:.2f} (target ≥ {TARGET_RATIO})")
    return ratio >= TARGET_RATIO


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.today")
    parser.add_argument("--requests", type=int, default=200, help="requests per athlete")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    ok = asyncio.run(run(args.requests))
    print("  result:", "ok" if ok else "MISSED a target")


if __name__ == "__main__":
    main()
