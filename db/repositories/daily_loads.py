"""Stored per-day training load ("DailyLoad") and its staleness marks ("DailyLoadStale").

The marks are written by triggers (migration 0021) whenever a workout or a load-changing profile value
changes; these functions only read the rows, claim the marks and replace a user's days from a given day on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Text, bindparam, delete, insert, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DailyLoad, DailyLoadStale, User

# Earlier than any stored workout: the mark of "everything" (a profile change, the backfill).
BEGINNING = date(1, 1, 1)


@dataclass(frozen=True, slots=True)
class DayRow:
    """A stored day (the columns of `DailyLoad` without the user)."""

    day: date
    load: float
    sessions: int
    estimated: int
    ctl: float
    atl: float
    sessions_total: int
    estimated_total: int


@dataclass(frozen=True, slots=True)
class WindowRows:
    """What a window of one user's days needs (`anchors_many`): three rows and the window's first day."""

    at_end: DayRow | None
    before_start: DayRow | None
    at_ramp: DayRow | None
    at_today: DayRow | None
    first: date | None


@dataclass(frozen=True, slots=True)
class WindowKey:
    user_id: str
    start: date  # first day of the window
    end: date  # last day the chart runs through (yesterday)
    ramp: date  # end - ramp window
    today: date  # the counts run through today


async def claim_stale(session: AsyncSession, *, user_ids: Sequence[str]) -> dict[str, date]:
    """The marks of these users, locked until the transaction ends (a writer marking again waits, so the
    rebuild that follows sees every write committed before it, and a later one marks again)."""
    if not user_ids:
        return {}
    stmt = (
        select(DailyLoadStale.user_id, DailyLoadStale.from_date)
        .where(DailyLoadStale.user_id.in_(sorted(set(user_ids))))
        .order_by(DailyLoadStale.user_id)
        .with_for_update()
    )
    return {user_id: day for user_id, day in (await session.execute(stmt)).all()}


async def all_user_ids(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(User.id).order_by(User.id))).all())


async def stale_users(session: AsyncSession) -> list[str]:
    return list((await session.scalars(select(DailyLoadStale.user_id).order_by(DailyLoadStale.user_id))).all())


async def clear_stale(session: AsyncSession, *, user_id: str) -> None:
    await session.execute(delete(DailyLoadStale).where(DailyLoadStale.user_id == user_id))


def _row(stored: DailyLoad) -> DayRow:
    return DayRow(
        stored.date,
        stored.load,
        stored.sessions,
        stored.estimated,
        stored.ctl,
        stored.atl,
        stored.sessions_total,
        stored.estimated_total,
    )


async def last_before(session: AsyncSession, *, user_id: str, day: date) -> DayRow | None:
    stmt = (
        select(DailyLoad)
        .where(DailyLoad.user_id == user_id, DailyLoad.date < day)
        .order_by(DailyLoad.date.desc())
        .limit(1)
    )
    found = (await session.scalars(stmt)).one_or_none()
    return _row(found) if found is not None else None


async def between(session: AsyncSession, *, user_id: str, first: date, last: date) -> list[DayRow]:
    """Stored days in [first, last], oldest first."""
    stmt = (
        select(DailyLoad)
        .where(DailyLoad.user_id == user_id, DailyLoad.date >= first, DailyLoad.date <= last)
        .order_by(DailyLoad.date)
    )
    return [_row(r) for r in (await session.scalars(stmt)).all()]


async def replace_from(session: AsyncSession, *, user_id: str, day: date, rows: Sequence[DayRow]) -> None:
    """Delete the user's days from ``day`` on and store ``rows`` (all on or after ``day``) instead."""
    await session.execute(delete(DailyLoad).where(DailyLoad.user_id == user_id, DailyLoad.date >= day))
    if rows:
        await session.execute(
            insert(DailyLoad),
            [
                {
                    "user_id": user_id,
                    "date": r.day,
                    "load": r.load,
                    "sessions": r.sessions,
                    "estimated": r.estimated,
                    "ctl": r.ctl,
                    "atl": r.atl,
                    "sessions_total": r.sessions_total,
                    "estimated_total": r.estimated_total,
                }
                for r in rows
            ],
        )


# One statement for many users: five index probes on ("userId", date) each, whatever the history's length.
WINDOW_SQL = text(
    """
    SELECT k.user_id,
           (SELECT ROW(d.date, d.load, d.sessions, d.estimated, d.ctl, d.atl, d."sessionsTotal", d."estimatedTotal")
            FROM "DailyLoad" d WHERE d."userId" = k.user_id AND d.date <= k.end_day
            ORDER BY d.date DESC LIMIT 1) AS at_end,
           (SELECT ROW(d.date, d.load, d.sessions, d.estimated, d.ctl, d.atl, d."sessionsTotal", d."estimatedTotal")
            FROM "DailyLoad" d WHERE d."userId" = k.user_id AND d.date < k.start_day
            ORDER BY d.date DESC LIMIT 1) AS before_start,
           (SELECT ROW(d.date, d.load, d.sessions, d.estimated, d.ctl, d.atl, d."sessionsTotal", d."estimatedTotal")
            FROM "DailyLoad" d WHERE d."userId" = k.user_id AND d.date <= k.ramp_day
            ORDER BY d.date DESC LIMIT 1) AS at_ramp,
           (SELECT ROW(d.date, d.load, d.sessions, d.estimated, d.ctl, d.atl, d."sessionsTotal", d."estimatedTotal")
            FROM "DailyLoad" d WHERE d."userId" = k.user_id AND d.date <= k.today
            ORDER BY d.date DESC LIMIT 1) AS at_today,
           (SELECT d.date FROM "DailyLoad" d
            WHERE d."userId" = k.user_id AND d.date >= k.start_day AND d.date <= k.today
            ORDER BY d.date LIMIT 1) AS first
    FROM unnest(:user_ids, :starts, :ends, :ramps, :todays) AS k(user_id, start_day, end_day, ramp_day, today)
    """
).bindparams(
    bindparam("user_ids", type_=ARRAY(Text)),
    bindparam("starts", type_=ARRAY(Date)),
    bindparam("ends", type_=ARRAY(Date)),
    bindparam("ramps", type_=ARRAY(Date)),
    bindparam("todays", type_=ARRAY(Date)),
)


def _record(value: object) -> DayRow | None:
    if value is None:
        return None
    assert isinstance(value, tuple)
    day, load, sessions, estimated, ctl, atl, sessions_total, estimated_total = value
    return DayRow(day, load, sessions, estimated, ctl, atl, sessions_total, estimated_total)


async def windows_many(session: AsyncSession, keys: Sequence[WindowKey]) -> dict[str, WindowRows]:
    if not keys:
        return {}
    result = await session.execute(
        WINDOW_SQL,
        {
            "user_ids": [k.user_id for k in keys],
            "starts": [k.start for k in keys],
            "ends": [k.end for k in keys],
            "ramps": [k.ramp for k in keys],
            "todays": [k.today for k in keys],
        },
    )
    return {
        user_id: WindowRows(_record(at_end), _record(before), _record(ramp), _record(today), first)
        for user_id, at_end, before, ramp, today, first in result.all()
    }
