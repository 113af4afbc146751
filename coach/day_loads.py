"""The stored per-day training load: rebuilt where the write paths marked it stale, read a few rows at a time.

Every write of a workout, and every change of a profile value that changes a load or the day it falls on,
marks the user stale from the earliest day it touched (database triggers, migration 0021: no write path can
forget). Before reading, `refresh` rebuilds the marked days from the stored workouts with exactly the loads
`coach.loads` gives them, summed per local day as `pmc.sum_loads_by_day` does, one record per session
(`canonicalId` NULL), and carries CTL/ATL through the later days. The rebuild runs under the row lock of the
mark, in the reader's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import loads
from coach.science import pmc
from coach.science.load import LoadMethod
from db.models import User
from db.repositories import daily_loads, users, workouts
from db.repositories.daily_loads import DayRow

# A stale mark of "everything" rebuilds from the first stored workout; none is older than this.
OLDEST_DAY = date(1900, 1, 1)
AFTER_EVERYTHING = datetime(9999, 1, 1, tzinfo=UTC)


def stored(row: DayRow | None) -> pmc.StoredDay | None:
    if row is None:
        return None
    return pmc.StoredDay(
        row.day, row.load, row.sessions, row.estimated, row.ctl, row.atl, row.sessions_total, row.estimated_total
    )


def _day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=tz).astimezone(UTC)


async def rebuild(session: AsyncSession, user: User, *, from_day: date) -> int:
    """Recompute the user's stored days from ``from_day`` on from their workouts; returns the days stored."""
    tz = ZoneInfo(user.timezone)
    from_day = max(from_day, OLDEST_DAY)
    seed = stored(await daily_loads.last_before(session, user_id=user.id, day=from_day))
    start = _day_start(from_day, tz)
    rows = (await workouts.loads_between_many(session, user_ids=[user.id], start=start, end=AFTER_EVERYTHING))[user.id]
    totals: dict[date, tuple[float, int, int]] = {}
    for counted in loads.count(rows, user):
        day = counted.workout.date.astimezone(tz).date()
        load, sessions, estimated = totals.get(day, (0.0, 0, 0))
        totals[day] = (
            load + counted.load.value,
            sessions + 1,
            estimated + (counted.load.method is LoadMethod.ESTIMATE),
        )
    days = pmc.accumulate(((day, *totals[day]) for day in sorted(totals)), seed=seed)
    await daily_loads.replace_from(
        session,
        user_id=user.id,
        day=from_day,
        rows=[
            DayRow(d.day, d.load, d.sessions, d.estimated, d.ctl, d.atl, d.sessions_total, d.estimated_total)
            for d in days
        ],
    )
    return len(days)


async def refresh(session: AsyncSession, people: Sequence[User]) -> None:
    """Rebuild whatever the write paths marked stale for these users, so their stored days are exact."""
    marks = await daily_loads.claim_stale(session, user_ids=[u.id for u in people])
    for user in people:
        if user.id in marks:
            await rebuild(session, user, from_day=marks[user.id])
            await daily_loads.clear_stale(session, user_id=user.id)


async def recompute(session: AsyncSession, *, user_id: str) -> int | None:
    """Rebuild every stored day of one user (the repair command); returns the days stored, None: no such user."""
    user = await users.get(session, user_id=user_id)
    if user is None:
        return None
    await daily_loads.claim_stale(session, user_ids=[user_id])
    days = await rebuild(session, user, from_day=OLDEST_DAY)
    await daily_loads.clear_stale(session, user_id=user_id)
    return days


def window_key(user: User, *, today: date, lookback_days: int) -> daily_loads.WindowKey:
    """The window the morning form is read over: ``lookback_days`` before today through yesterday."""
    end = today - timedelta(days=1)
    return daily_loads.WindowKey(
        user_id=user.id,
        start=today - timedelta(days=lookback_days),
        end=end,
        ramp=end - timedelta(days=pmc.RAMP_WINDOW_DAYS),
        today=today,
    )
