"""Morning-brief deliveries: the product's record of each brief, and the at-most-once rule for sending it.

One row per (user, local date, kind), taken with ``INSERT … ON CONFLICT DO NOTHING`` before anything is
sent, so two bot processes, a restart, or the hour a DST fall-back repeats still produce one row. The row
then walks these states (every transition is a conditional ``UPDATE``, so only one process wins it):

- ``waiting``  due, but last night's data has not arrived; re-checked on later ticks until ``waitUntil``;
- ``pending``  ready to send. The row became pending together with its job (kind ``brief.send``, keyed by
  the delivery's id, locked by the athlete: `send_job`), enqueued in the same transaction; the job queue
  (`db.repositories.jobs`) holds the claim, the lease, the attempts, the retries with backoff (after a
  Telegram ``RetryAfter``, at its time) and gives back the jobs of a process that died. Nothing has been sent
  while the row is pending, so a crash here is recovered safely: the job is taken again;
- ``sending``  the request to Telegram is in flight (`start_sending_many`, only from ``pending``, so one
  process wins it). A crash here is the one ambiguous moment (Telegram may or may not have delivered), and
  we choose **at most once**: a job taken again that finds its row ``sending`` makes it ``unknown`` and never
  sends it, because a second brief is the failure athletes notice and a missing one they can fetch with
  ``/brief``;
- ``sent`` / ``blocked`` (403) / ``failed`` / ``unknown`` / ``skipped`` (past the catch-up deadline, or the
  athlete switched it off): final. A job that ends dead before its row is final (the process running its
  last attempt died) makes the row ``failed``, or ``unknown`` if it was ``sending`` (`settle_dead`).

All instants come from the caller's clock, so simulations can run any day at any speed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import BriefDelivery, DailyMetric, Job, User
from db.repositories import jobs

MORNING = "morning"

WAITING = "waiting"
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
BLOCKED = "blocked"
FAILED = "failed"
UNKNOWN = "unknown"
SKIPPED = "skipped"
FINAL = frozenset({SENT, BLOCKED, FAILED, UNKNOWN, SKIPPED})

# The job that sends a pending brief: one per delivery, and one at a time per athlete in all processes.
JOB_KIND = "brief.send"
MAX_ATTEMPTS = 5


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
class Delivery:
    """A delivery whose job a process took: what the sender needs to compose and send it."""

    id: str
    user_id: str
    local_date: date
    status: str
    chat_id: int | None
    due_at: datetime


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


def send_job(delivery_id: str, user_id: str, *, run_at: datetime) -> jobs.NewJob:
    """The job that sends the delivery ``delivery_id``: keyed by it (once per delivery), locked by its athlete."""
    return jobs.NewJob(
        kind=JOB_KIND, key=delivery_id, lock_key=jobs.user_lock(user_id), run_at=run_at, max_attempts=MAX_ATTEMPTS
    )


async def create(
    session: AsyncSession, *, rows: Sequence[NewDelivery], now: datetime, kind: str = MORNING
) -> list[NewDelivery]:
    """Insert the rows nobody has taken yet; returns those this call created (the others lost the race).

    A row created ``pending`` gets its send job in the same transaction."""
    created: list[NewDelivery] = []
    for at in range(0, len(rows), CHUNK):
        created += await _create(session, rows[at : at + CHUNK], kind, now)
    return created


async def _create(session: AsyncSession, rows: Sequence[NewDelivery], kind: str, now: datetime) -> list[NewDelivery]:
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
        .returning(BriefDelivery.id, BriefDelivery.user_id, BriefDelivery.local_date)
    )
    won = {(u, d): id_ for id_, u, d in (await session.execute(stmt)).all()}
    created = [r for r in rows if (r.user_id, r.local_date) in won]
    await jobs.enqueue(
        session,
        [
            send_job(won[(r.user_id, r.local_date)], r.user_id, run_at=min(r.due_at, now))
            for r in created
            if r.status == PENDING
        ],
        now=now,
    )
    return created


async def make_pending(session: AsyncSession, *, ids: Sequence[str], now: datetime) -> int:
    """Waiting → pending (the data arrived, or the wait is over), with the send job, in this transaction. Only
    one process wins each row."""
    made = 0
    for at in range(0, len(ids), CHUNK):
        stmt = (
            update(BriefDelivery)
            .where(BriefDelivery.id.in_(ids[at : at + CHUNK]), BriefDelivery.status == WAITING)
            .values(status=PENDING)
            .returning(BriefDelivery.id, BriefDelivery.user_id, BriefDelivery.due_at)
        )
        rows = (await session.execute(stmt)).all()
        await jobs.enqueue(session, [send_job(i, u, run_at=min(due, now)) for i, u, due in rows], now=now)
        made += len(rows)
    return made


async def settle_dead(session: AsyncSession) -> tuple[list[str], list[str]]:
    """Rows whose send job died before the row was final (the process running its last attempt stopped):
    ``sending`` ones become ``unknown`` (never re-sent), ``pending`` ones ``failed``. (Ids made unknown, failed.)"""
    d = BriefDelivery
    rows = (
        await session.execute(
            update(d)
            .where(
                d.status.in_([PENDING, SENDING]),
                Job.kind == JOB_KIND,
                Job.key == d.id,
                Job.state == jobs.DEAD,
            )
            .values(
                status=case((d.status == SENDING, UNKNOWN), else_=FAILED),
                error=case(
                    (d.status == SENDING, "the process sending it stopped; not re-sent (at most once)"),
                    else_=func.left(func.coalesce(Job.last_error, "its job is dead"), 200),
                ),
            )
            .returning(d.id, d.status)
            .execution_options(synchronize_session=False)
        )
    ).all()
    return [i for i, s in rows if s == UNKNOWN], [i for i, s in rows if s == FAILED]


async def deliveries(session: AsyncSession, *, ids: Sequence[str]) -> dict[str, Delivery]:
    """The deliveries of send jobs a process took, by id, with their athlete's chat."""
    if not ids:
        return {}
    d = BriefDelivery
    stmt = (
        select(d.id, d.user_id, d.local_date, d.status, User.telegram_chat_id, d.due_at)
        .join(User, User.id == d.user_id)
        .where(d.id.in_(list(ids)))
    )
    return {row[0]: Delivery(*row) for row in (await session.execute(stmt)).all()}


async def start_sending_many(session: AsyncSession, *, missing: dict[str, list[str]]) -> set[str]:
    """Pending → sending for a batch (delivery id → what data was missing when it went out), just before the
    requests; returns the ids this call moved (a row another process already moved is not ours to send)."""
    if not missing:
        return set()
    stmt = (
        update(BriefDelivery)
        .where(BriefDelivery.id.in_(list(missing)), BriefDelivery.status == PENDING)
        .values(status=SENDING)
        .returning(BriefDelivery.id)
    )
    ours = {r[0] for r in (await session.execute(stmt)).all()}
    if ours:
        # What was missing when it went out (it may have arrived while the row waited): by primary key.
        await session.execute(update(BriefDelivery), [{"id": i, "missing": missing[i]} for i in ours])
    return ours


# The states an outcome may follow: a final one ends a pending or sending row; ``pending`` again (a retryable
# failure before Telegram had the message) only a sending row; ``sent`` also an ``unknown`` one (another
# process gave up on it while this one was still sending it: the truth wins).
_FROM = {PENDING: (SENDING,), SENT: (SENDING, UNKNOWN)}


async def finish(
    session: AsyncSession,
    *,
    delivery_id: str,
    status: str,
    now: datetime,
    message_id: int | None = None,
    error: str | None = None,
) -> bool:
    """Record the outcome of an attempt (``pending`` again after a retryable failure); False when the row was
    no longer in a state this outcome may follow."""
    values: dict[str, Any] = {"status": status, "error": error}
    if status == SENT:
        values |= {"sent_at": now, "message_id": message_id}
    stmt = (
        update(BriefDelivery)
        .where(BriefDelivery.id == delivery_id, BriefDelivery.status.in_(_FROM.get(status, (PENDING, SENDING))))
        .values(**values)
        .returning(BriefDelivery.id)
    )
    return (await session.execute(stmt)).first() is not None


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
