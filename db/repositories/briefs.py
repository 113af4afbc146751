"""Morning-brief deliveries: the PostgreSQL claim that makes each brief go out once.

One row per (user, local date, kind), taken with ``INSERT … ON CONFLICT DO NOTHING`` before anything is
sent, so two bot processes, a restart, or the hour a DST fall-back repeats still produce one row. The row
then walks these states (every transition is a conditional ``UPDATE``, so only one process wins it):

- ``waiting``  due, but last night's data has not arrived; re-checked on later ticks until ``waitUntil``;
- ``pending``  ready to send (``notBefore`` delays it after a Telegram ``RetryAfter``);
- ``claimed``  a process (``owner``) is composing it until ``leaseUntil``; nothing has been sent yet, so a
  crash here is recovered safely: when the lease runs out the row is ``pending`` again;
- ``sending``  the request to Telegram is in flight. A crash here is the one ambiguous moment (Telegram
  may or may not have delivered), and we choose **at most once**: an expired ``sending`` row becomes
  ``unknown`` and is never re-sent, because a second brief is the failure athletes notice and a missing
  one they can fetch with ``/brief``;
- ``sent`` / ``blocked`` (403) / ``failed`` / ``unknown`` / ``skipped`` (past the catch-up deadline): final.

All instants come from the caller's clock, so simulations can run any day at any speed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BriefDelivery, DailyMetric, User

MORNING = "morning"

WAITING = "waiting"
PENDING = "pending"
CLAIMED = "claimed"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
UNKNOWN = "unknown"
SKIPPED = "skipped"
FINAL = frozenset({SENT, BLOCKED, FAILED, UNKNOWN, SKIPPED})


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: str
    timezone: str
    brief_time: time


@dataclass(frozen=True, slots=True)
class Existing:
    id: str
    status: str
    wait_until: datetime | None


@dataclass(frozen=True, slots=True)
class NewDelivery:
    user_id: str
    local_date: date
    status: str
    due_at: datetime
    wait_until: datetime | None = None
    missing: list[str] | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    id: str
    user_id: str
    local_date: date
    chat_id: int | None
    attempts: int
    due_at: datetime | None = None  # when the brief was due (for the "late" count); None in old callers


@dataclass(frozen=True, slots=True)
class NightData:
    """Which of sleep, HRV and resting HR arrived for the date, and which this user's devices usually send."""

    present: frozenset[str]
    expected: frozenset[str]


# The recovery signals a device delivers for a night, by DailyMetric column.
SIGNALS = {"sleep": DailyMetric.hours_slept, "hrv": DailyMetric.hrv, "resting_hr": DailyMetric.resting_hr}
EXPECTATION_DAYS = 14
# Rows and ids per statement: PostgreSQL's wire protocol allows 32,767 parameters in one.
CHUNK = 1000


async def recipients(session: AsyncSession) -> Sequence[Recipient]:
    """Users who get a brief: switched on, reachable (a chat id) and not blocking the bot."""
    stmt = select(User.id, User.timezone, User.brief_time).where(
        User.brief_enabled.is_(True), User.active.is_(True), User.telegram_chat_id.is_not(None)
    )
    return [Recipient(*row) for row in (await session.execute(stmt)).all()]


async def existing(
    session: AsyncSession, *, keys: Iterable[tuple[str, date]], kind: str = MORNING
) -> dict[tuple[str, date], Existing]:
    wanted = set(keys)
    user_ids = sorted({u for u, _ in wanted})
    d = BriefDelivery
    found = {}
    for at in range(0, len(user_ids), CHUNK):
        stmt = select(d.user_id, d.local_date, d.id, d.status, d.wait_until).where(
            d.kind == kind,
            d.local_date.in_({day for _, day in wanted}),
            d.user_id.in_(user_ids[at : at + CHUNK]),
        )
        for user_id, local_date, id_, status, wait_until in (await session.execute(stmt)).all():
            if (user_id, local_date) in wanted:
                found[(user_id, local_date)] = Existing(id_, status, wait_until)
    return found


async def night_data(session: AsyncSession, *, keys: Iterable[tuple[str, date]]) -> dict[tuple[str, date], NightData]:
    """For each (user, local date): last night's signals, and those seen in the two weeks before.

    A signal the user's devices sent lately is *expected* tonight; one they never send is not waited for.
    """
    by_date: dict[date, set[str]] = {}
    for user_id, day in keys:
        by_date.setdefault(day, set()).add(user_id)
    out: dict[tuple[str, date], NightData] = {}
    for day, all_ids in by_date.items():
        for at in range(0, len(all_ids), CHUNK):
            user_ids = sorted(all_ids)[at : at + CHUNK]
            out |= await _night_data(session, day, user_ids)
    return out


async def _night_data(session: AsyncSession, day: date, user_ids: list[str]) -> dict[tuple[str, date], NightData]:
    out: dict[tuple[str, date], NightData] = {}
    columns: list[Any] = [DailyMetric.user_id]
    for column in SIGNALS.values():
        columns.append(func.bool_or(and_(DailyMetric.date == day, column.is_not(None))))
        columns.append(func.bool_or(and_(DailyMetric.date < day, column.is_not(None))))
    stmt = (
        select(*columns)
        .where(
            DailyMetric.user_id.in_(user_ids),
            DailyMetric.date >= day - timedelta(days=EXPECTATION_DAYS),
            DailyMetric.date <= day,
        )
        .group_by(DailyMetric.user_id)
    )
    for row in (await session.execute(stmt)).all():
        flags = row[1:]
        names = list(SIGNALS)
        present = frozenset(n for i, n in enumerate(names) if flags[2 * i])
        expected = frozenset(n for i, n in enumerate(names) if flags[2 * i + 1])
        out[(row[0], day)] = NightData(present=present, expected=expected)
    for user_id in user_ids:
        out.setdefault((user_id, day), NightData(frozenset(), frozenset()))
    return out


async def create(session: AsyncSession, *, rows: Sequence[NewDelivery], kind: str = MORNING) -> list[NewDelivery]:
    """Insert the rows nobody has taken yet; returns those this call created (the others lost the race)."""
    created: list[NewDelivery] = []
    for at in range(0, len(rows), CHUNK):
        created += await _create(session, rows[at : at + CHUNK], kind)
    return created


async def _create(session: AsyncSession, rows: Sequence[NewDelivery], kind: str) -> list[NewDelivery]:
    if not rows:
        return []
    stmt = (
        insert(BriefDelivery)
        .values(
            [
                {
                    "user_id": r.user_id,
                    "local_date": r.local_date,
                    "kind": kind,
                    "status": r.status,
                    "due_at": r.due_at,
                    "wait_until": r.wait_until,
                    "missing": r.missing,
                    "error": r.error,
                }
                for r in rows
            ]
        )
        .on_conflict_do_nothing(index_elements=["userId", "localDate", "kind"])
        .returning(BriefDelivery.user_id, BriefDelivery.local_date)
    )
    won = {(u, d) for u, d in (await session.execute(stmt)).all()}
    return [r for r in rows if (r.user_id, r.local_date) in won]


async def make_pending(session: AsyncSession, *, ids: Sequence[str]) -> int:
    """Waiting → pending (the data arrived, or the wait is over). Only one process wins each row."""
    made = 0
    for at in range(0, len(ids), CHUNK):
        stmt = (
            update(BriefDelivery)
            .where(BriefDelivery.id.in_(ids[at : at + CHUNK]), BriefDelivery.status == WAITING)
            .values(status=PENDING)
            .returning(BriefDelivery.id)
        )
        made += len((await session.execute(stmt)).all())
    return made


async def expire_leases(session: AsyncSession, *, now: datetime) -> tuple[int, list[str]]:
    """Recover from processes that died: claimed rows are retried, sending rows are given up as unknown.

    Returns (rows made pending again, ids of rows now ``unknown``).
    """
    retried = await session.execute(
        update(BriefDelivery)
        .where(BriefDelivery.status == CLAIMED, BriefDelivery.lease_until < now)
        .values(status=PENDING, owner=None, lease_until=None)
        .returning(BriefDelivery.id)
    )
    lost = await session.execute(
        update(BriefDelivery)
        .where(BriefDelivery.status == SENDING, BriefDelivery.lease_until < now)
        .values(status=UNKNOWN, error="the process sending it stopped; not re-sent (at most once)")
        .returning(BriefDelivery.id)
    )
    return len(retried.all()), [r[0] for r in lost.all()]


async def has_pending(session: AsyncSession, *, now: datetime) -> bool:
    stmt = select(BriefDelivery.id).where(
        BriefDelivery.status == PENDING,
        (BriefDelivery.not_before.is_(None)) | (BriefDelivery.not_before <= now),
    )
    return (await session.scalars(stmt.limit(1))).first() is not None


async def claim(session: AsyncSession, *, owner: str, now: datetime, lease: timedelta, limit: int) -> list[Claim]:
    """Take up to ``limit`` pending rows for this process, oldest due first; other processes skip them."""
    ready = (
        select(BriefDelivery.id)
        .where(
            BriefDelivery.status == PENDING,
            (BriefDelivery.not_before.is_(None)) | (BriefDelivery.not_before <= now),
        )
        .order_by(BriefDelivery.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(BriefDelivery)
        .where(BriefDelivery.id.in_(ready.scalar_subquery()))
        .values(status=CLAIMED, owner=owner, lease_until=now + lease, attempts=BriefDelivery.attempts + 1)
        .returning(
            BriefDelivery.id,
            BriefDelivery.user_id,
            BriefDelivery.local_date,
            BriefDelivery.attempts,
            BriefDelivery.due_at,
        )
    )
    rows = (await session.execute(stmt)).all()
    if not rows:
        return []
    chats = dict(
        (await session.execute(select(User.id, User.telegram_chat_id).where(User.id.in_({r[1] for r in rows})))).all()
    )
    return [
        Claim(id=r[0], user_id=r[1], local_date=r[2], chat_id=chats.get(r[1]), attempts=r[3], due_at=r[4]) for r in rows
    ]


async def start_sending(
    session: AsyncSession, *, delivery_id: str, owner: str, now: datetime, lease: timedelta, missing: list[str]
) -> bool:
    """Claimed → sending, only if this process still holds the claim (its lease may have been taken over)."""
    stmt = (
        update(BriefDelivery)
        .where(BriefDelivery.id == delivery_id, BriefDelivery.owner == owner, BriefDelivery.status == CLAIMED)
        .values(status=SENDING, lease_until=now + lease, missing=missing)
        .returning(BriefDelivery.id)
    )
    return (await session.execute(stmt)).first() is not None


async def start_sending_many(
    session: AsyncSession, *, missing: dict[str, list[str]], owner: str, now: datetime, lease: timedelta
) -> set[str]:
    """`start_sending` for a batch (delivery id → missing data); returns the ids this process still held."""
    if not missing:
        return set()
    stmt = (
        update(BriefDelivery)
        .where(BriefDelivery.id.in_(list(missing)), BriefDelivery.owner == owner, BriefDelivery.status == CLAIMED)
        .values(status=SENDING, lease_until=now + lease)
        .returning(BriefDelivery.id)
    )
    ours = {r[0] for r in (await session.execute(stmt)).all()}
    if ours:
        # What was missing when it went out (it may have arrived while the row waited): by primary key.
        await session.execute(update(BriefDelivery), [{"id": i, "missing": missing[i]} for i in ours])
    return ours


async def finish(
    session: AsyncSession,
    *,
    delivery_id: str,
    owner: str,
    status: str,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
    not_before: datetime | None = None,
) -> None:
    """Record the outcome of this process's attempt (``pending`` again after a retryable failure)."""
    values: dict[str, Any] = {"status": status, "error": error, "lease_until": None}
    if status == SENT:
        values |= {"sent_at": now, "message_id": message_id}
    if status == PENDING:
        values |= {"owner": None, "not_before": not_before}
    await session.execute(
        update(BriefDelivery).where(BriefDelivery.id == delivery_id, BriefDelivery.owner == owner).values(**values)
    )


async def users_by_id(session: AsyncSession, *, user_ids: Sequence[str]) -> dict[str, User]:
    if not user_ids:
        return {}
    return {u.id: u for u in (await session.scalars(select(User).where(User.id.in_(user_ids)))).all()}


async def deactivate_user(session: AsyncSession, *, user_id: str) -> None:
    """Telegram said 403: the user blocked the bot. No unasked messages until they write to us again."""
    await session.execute(update(User).where(User.id == user_id).values(active=False))


async def get(session: AsyncSession, *, user_id: str, local_date: date, kind: str = MORNING) -> BriefDelivery | None:
    stmt = select(BriefDelivery).where(
        BriefDelivery.user_id == user_id, BriefDelivery.local_date == local_date, BriefDelivery.kind == kind
    )
    return (await session.scalars(stmt)).one_or_none()
