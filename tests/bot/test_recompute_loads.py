"""`coach-watts recompute-loads` repairs stored per-day loads that no longer match the workouts."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import day_loads
from db.models import DailyLoad, User, Workout


def _cli(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TELEGRAM_", "COACH_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=base | {"DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_recompute_loads_repairs_a_damaged_day(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        user = User(email=f"r-{uuid.uuid4().hex}@example.invalid")
        session.add(user)
        await session.flush()
        session.add_all(
            Workout(
                user_id=user.id,
                source="strava",
                external_id=str(i),
                title="ride",
                type="Ride",
                date=now - timedelta(days=i, hours=1),
                duration_sec=3600,
                tss=50.0 + i,
            )
            for i in range(5)
        )
        user_id = user.id
    async with sessions.begin() as session:
        await day_loads.refresh(session, [user])
        good = [(d.date, d.load, d.ctl) for d in await session.scalars(select(DailyLoad).order_by(DailyLoad.date))]
        # Damage that no trigger would see: a hand edit of the stored rows.
        await session.execute(update(DailyLoad).where(DailyLoad.user_id == user_id).values(load=999.0, ctl=1.0))
    result = _cli(["recompute-loads", "--user", user_id], database_url)
    assert result.returncode == 0, result.stderr
    assert "1 athlete(s): 5 day(s)" in result.stdout
    async with sessions() as session:
        repaired = [(d.date, d.load, d.ctl) for d in await session.scalars(select(DailyLoad).order_by(DailyLoad.date))]
    assert len(good) == 5 and repaired == good
