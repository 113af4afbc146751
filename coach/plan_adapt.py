"""The plan adapts: what happened (a missed or skipped session, illness, a hard veto) changes what is ahead.

The rules are `coach.planning.adapt`'s (pure: a plan and the facts in, a plan out). This module reads the
stored plan back into that model, asks the rules, and writes the difference:

- a session whose workout changed is *replaced* (the original row stays, ``replaced``, the new one says
  why in ``adaptedFor``: ``"rebalance"``, ``"illness"``, ``"veto"``), so the plan's history is kept;
- a session that was not done becomes ``missed`` (the day passed) or stays ``skipped`` (the athlete's rest);
- the projection (tomorrow's form, the plan chart) is rewritten from today on.
Nothing before today changes but statuses, and nothing done changes at all.

What needs no adaptation, and why: a new FTP, LTHR or threshold pace rescales every future target by itself —
sessions store fractions of threshold and are put in watts, bpm or pace when shown (`coach.plans.Targets`).
A new or moved race rebuilds the plan from today (`coach.plans.rebuild_if_active`, called by every race
change), keeping what was done.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import availability, loads
from coach.daily import Assessment, assess_today, local_day_start, local_today
from coach.planning.adapt import move_intensity, rebalance_week
from coach.planning.model import (
    Phase,
    Plan,
    PlannedSession,
    PlanWeek,
    ProjectedDay,
    SessionStatus,
)
from coach.plans import inputs_for, session_values, workout_of
from coach.readiness import HARD_VETO_KEYS
from db.models import PlannedWorkout, TrainingPlan, User
from db.repositories import plans, sync_state, workouts

logger = logging.getLogger(__name__)

# How long an illness check-in keeps intensity out: the day it is reported and the next two (the "above the
# neck" rule of thumb: back to intensity only after a couple of symptom-free days).
ILLNESS_VETO_DAYS = 3
# How far back the daily job looks for sessions left unmatched (a job that could not run catches up).
CATCH_UP_DAYS = 7

_STATUS = {
    "planned": SessionStatus.PLANNED,
    "done": SessionStatus.DONE,
    "partial": SessionStatus.PARTIAL,
    "missed": SessionStatus.MISSED,
    "skipped": SessionStatus.SKIPPED,
}


# The scope the workout writers lock (`integrations.sync.history.LOCK_SCOPE`): an adaptation holds it too.
WORKOUTS_LOCK = "workouts"


async def serialize(session: AsyncSession, user: User) -> None:
    """Wait for, then hold until commit, the athlete's workout-writing lock.

    An arriving workout is matched to its session in the transaction that writes it, under this lock; an
    adaptation taking it first (before it reads or writes any session) can neither mark a session missed
    that a sync is just matching, nor deadlock with one on the same rows.
    """
    await sync_state.lock_user(session, user_id=user.id, scope=WORKOUTS_LOCK)


@dataclass(frozen=True, slots=True)
class Adaptation:
    """What changed: the days whose session was replaced, and the days whose session was marked missed or skipped."""

    replaced: tuple[date, ...] = ()
    marked: tuple[date, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.replaced or self.marked)


@dataclass(frozen=True, slots=True)
class StoredPlan:
    row: TrainingPlan
    plan: Plan
    rows_by_day: dict[date, PlannedWorkout]


async def stored_plan(session: AsyncSession, user: User, *, as_planned: Sequence[date] = ()) -> StoredPlan | None:
    """The active plan as the rules' `Plan`; sessions of ``as_planned`` read as still planned (so the rules
    see them as the session that was not done, whatever the row already says)."""
    await serialize(session, user)
    row = await plans.active(session, user_id=user.id, lock=True)
    if row is None:
        return None
    first = row.start_date - timedelta(days=row.start_date.weekday())
    rows = await plans.sessions_between(session, user_id=user.id, start=first, end=row.end_date)
    rows_by_day: dict[date, PlannedWorkout] = {}
    for r in rows:
        rows_by_day.setdefault(r.date, r)  # one session a day is what the planner makes
    sessions_by_week: dict[date, list[PlannedSession]] = {}
    for day, r in rows_by_day.items():
        status = SessionStatus.PLANNED if day in as_planned else _STATUS.get(r.status, SessionStatus.PLANNED)
        sessions_by_week.setdefault(day - timedelta(days=day.weekday()), []).append(
            PlannedSession(day=day, workout=workout_of(r), status=status)
        )
    weeks = tuple(
        PlanWeek(
            start=date.fromisoformat(w["start"]),
            phase=Phase(w["phase"]),
            recovery=bool(w["recovery"]),
            target_tss=float(w["targetTss"]),
            sessions=tuple(sessions_by_week.get(date.fromisoformat(w["start"]), [])),
            shortfall_tss=float(w.get("shortfallTss", 0.0)),
        )
        for w in row.weeks
    )
    projection = tuple(
        ProjectedDay(date.fromisoformat(p["date"]), float(p["ctl"]), float(p["atl"])) for p in row.projection
    )
    plan = Plan(name=row.name, start=row.start_date, end=row.end_date, race=None, weeks=weeks, projection=projection)
    return StoredPlan(row, plan, rows_by_day)


async def done_by_day(session: AsyncSession, user: User, *, start: date, end: datetime) -> dict[date, float]:
    """The load done on each local day from ``start`` up to ``end`` (one count per session)."""
    tz = ZoneInfo(user.timezone)
    rows = await workouts.between(session, user_id=user.id, start=local_day_start(start, tz), end=end)
    out: dict[date, float] = {}
    for counted in loads.count(list(rows), user):
        day = counted.workout.date.astimezone(tz).date()
        out[day] = out.get(day, 0.0) + counted.load.value
    return out


async def write(session: AsyncSession, stored: StoredPlan, after: Plan, *, today: date, reason: str) -> Adaptation:
    """Store the difference between the stored plan and ``after``: statuses, replaced sessions, projection."""
    before = {s.day: s for s in stored.plan.sessions()}
    replaced, marked = [], []
    for new in after.sessions():
        old = before.get(new.day)
        row = stored.rows_by_day.get(new.day)
        if old is None or row is None:
            continue
        if new.status is not SessionStatus.PLANNED:
            if new.status is not old.status and row.status in ("planned", "missed") and row.status != new.status.value:
                row.status = new.status.value
                marked.append(new.day)
            continue
        if new.day >= today and new.workout != old.workout and row.status == "planned":
            await plans.replace_session(
                session,
                original=row,
                values={k: v for k, v in session_values(new.day, new.workout).items() if k != "date"},
                adapted_for=reason,
            )
            replaced.append(new.day)
    plan_row = stored.row
    plan_row.projection = [
        {"date": p.day.isoformat(), "ctl": round(p.ctl, 2), "atl": round(p.atl, 2)} for p in after.projection
    ]
    planned_by_week = {w.start.isoformat(): round(w.planned_tss, 1) for w in after.weeks}
    plan_row.weeks = [
        {**w, "plannedTss": planned_by_week.get(w["start"], w.get("plannedTss", 0.0))} for w in plan_row.weeks
    ]
    await session.flush()
    return Adaptation(tuple(replaced), tuple(marked))


async def rebalance(
    session: AsyncSession,
    user: User,
    *,
    now: datetime,
    missed: Mapping[date, SessionStatus],
    assessment: Assessment | None = None,
    band_sd: float = 0.5,
) -> Adaptation:
    """Sessions not done (day → MISSED or SKIPPED): the week's remaining sessions are rebalanced, never the
    missed load piled onto the next day (`coach.planning.adapt.rebalance_week`)."""
    if not missed:
        return Adaptation()
    stored = await stored_plan(session, user, as_planned=list(missed))
    if stored is None:
        return Adaptation()
    assessment = assessment or await assess_today(session, user, now=now, band_sd=band_sd)
    inputs, _ = await inputs_for(session, user, assessment=assessment)
    after = rebalance_week(stored.plan, inputs, missed=dict(missed))
    return await write(session, stored, after, today=inputs.today, reason="rebalance")


async def move_intensity_days(
    session: AsyncSession, user: User, *, from_day: date, days: int, reason: str
) -> Adaptation:
    """Nothing above Z1 for ``days`` from ``from_day``; the displaced quality moves later in its week."""
    stored = await stored_plan(session, user)
    if stored is None:
        return Adaptation()
    after = move_intensity(
        stored.plan, from_day=from_day, days=days, availability=availability.plan_settings(user).availability
    )
    return await write(session, stored, after, today=from_day, reason=reason)


async def illness(session: AsyncSession, user: User, *, day: date) -> Adaptation:
    """An illness check-in for ``day``: intensity leaves the next `ILLNESS_VETO_DAYS` days."""
    return await move_intensity_days(session, user, from_day=day, days=ILLNESS_VETO_DAYS, reason="illness")


async def close_days(session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5) -> Adaptation:
    """The daily job's work after the athlete's midnight: the sessions of past days that nothing was matched to
    are missed, and the week is rebalanced; a hard veto this morning moves today's intensity."""
    await serialize(session, user)
    today = local_today(user, now)
    rows = await plans.sessions_between(
        session, user_id=user.id, start=today - timedelta(days=CATCH_UP_DAYS), end=today - timedelta(days=1)
    )
    missed = {r.date: SessionStatus.MISSED for r in rows if r.status == "planned"}
    assessment = await assess_today(session, user, now=now, band_sd=band_sd)
    result = await rebalance(session, user, now=now, missed=missed, assessment=assessment)
    suggestion = assessment.suggestion
    if suggestion is not None and any(f.key in HARD_VETO_KEYS and f.key != "illness" for f in suggestion.factors):
        vetoed = await move_intensity_days(session, user, from_day=today, days=1, reason="veto")
        result = Adaptation(result.replaced + vetoed.replaced, result.marked + vetoed.marked)
    if result.changed:
        logger.info("plan adapted: %d replaced, %d marked", len(result.replaced), len(result.marked))
    return result
