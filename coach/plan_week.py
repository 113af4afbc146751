"""The week ahead: next week's sessions for the weekly message, and its easier variant on request.

"Easier" is the rules' recovery week, not a discount the athlete names: the week's load comes down to what a
recovery week of the plan carries — `coach.planning.build.RECOVERY_WEEK_FRACTION` of the load that holds
fitness (Friel: recovery weeks cut volume by 40–60 %) — it keeps only its first quality session (at most
75 minutes, as a planned recovery week does), the others become endurance sessions of the same time, and
then every session but a race is shortened, the longest first, 5 minutes at a time, until the week fits.
Races and sessions already acted upon stay as they are. The weeks after it are left as they were planned:
they start from a little less fitness, so they ask slightly less of the ramp than planned, never more.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from coach import plan_adapt
from coach.planning.adapt import reproject
from coach.planning.build import (
    RECOVERY_QUALITY_CAP_S,
    RECOVERY_WEEK_FRACTION,
    STEP_S,
    is_quality,
    weekly_load_for_ramp,
)
from coach.planning.model import PlannedSession, SessionStatus
from coach.plans import WeekView, targets_for, workout_of
from coach.workouts import library
from coach.workouts.model import StructuredWorkout, WorkoutKind
from db.models import User
from db.repositories import plans

WEEK_DAYS = 7


def next_monday(today: date) -> date:
    return today + timedelta(days=WEEK_DAYS - today.weekday())


async def week_view(session: AsyncSession, user: User, *, start: date) -> WeekView | None:
    """The stored sessions of the week from Monday ``start``, in the athlete's units; ``None`` without a plan."""
    plan = await plans.active(session, user_id=user.id)
    if plan is None:
        return None
    rows = await plans.sessions_between(session, user_id=user.id, start=start, end=start + timedelta(days=6))
    summary = next((w for w in plan.weeks if w["start"] == start.isoformat()), None)
    if summary is None and not rows:
        return None
    targets = targets_for(user, plan)
    return WeekView(
        start=start,
        phase=str(summary["phase"]) if summary else "",
        recovery=bool(summary["recovery"]) if summary else False,
        target_tss=float(summary["targetTss"]) if summary else 0.0,
        sessions=tuple(targets.view(r.date, workout_of(r), r.status) for r in rows),
    )


def recovery_target(ctl_before: float, planned_tss: float) -> float:
    """A recovery week's load: `RECOVERY_WEEK_FRACTION` of the load that holds fitness (as the planner's own
    recovery weeks), and never more than that fraction of what the week had planned — a week already light
    (few hours, a short first week) still gets easier when the athlete asks."""
    return RECOVERY_WEEK_FRACTION * min(weekly_load_for_ramp(ctl_before, 0.0), planned_tss)


def _shorter(workout: StructuredWorkout) -> StructuredWorkout | None:
    duration = workout.duration_s - STEP_S
    if duration <= 0:
        return None
    return library.build(workout.kind, workout.sport, duration)


def recovery_variant(
    sessions: list[PlannedSession], *, target_tss: float, from_day: date | None = None
) -> list[PlannedSession]:
    """The week's sessions as a recovery week of at most ``target_tss`` (pure; see the module's rules).

    Only sessions from ``from_day`` on change (a week already under way keeps its past days as they were).
    """
    out = list(sessions)
    open_days = [
        i
        for i, s in enumerate(out)
        if s.status is SessionStatus.PLANNED
        and s.workout.kind is not WorkoutKind.RACE
        and (from_day is None or s.day >= from_day)
    ]
    not_done = (SessionStatus.MISSED, SessionStatus.SKIPPED)
    # A quality day already behind the athlete this week is the one a recovery week keeps.
    kept_quality = any(
        is_quality(s.workout) and s.status not in not_done and from_day is not None and s.day < from_day
        for s in out
        if s.workout.kind is not WorkoutKind.RACE
    )
    for i in open_days:
        workout = out[i].workout
        if not is_quality(workout):
            continue
        if not kept_quality:
            kept_quality = True
            if workout.duration_s > RECOVERY_QUALITY_CAP_S:
                capped = library.build(workout.kind, workout.sport, RECOVERY_QUALITY_CAP_S)
                out[i] = replace(out[i], workout=capped or library.same_time_endurance(workout))
        else:
            out[i] = replace(out[i], workout=library.same_time_endurance(workout))

    def total() -> float:
        return sum(s.planned_tss for s in out if s.status not in not_done)

    while total() > target_tss:
        candidates = sorted(open_days, key=lambda i: (-out[i].workout.duration_s, out[i].day))
        for i in candidates:
            shorter = _shorter(out[i].workout)
            if shorter is not None:
                out[i] = replace(out[i], workout=shorter)
                break
        else:
            break  # nothing can get shorter: the week is as easy as its sessions go
    return out


async def easier_week(session: AsyncSession, user: User, *, start: date, today: date) -> plan_adapt.Adaptation:
    """Make the week from Monday ``start`` its recovery-week variant (stored as replacements, "easier week");
    asked once the week is under way, its days before ``today`` stay as they were."""
    stored = await plan_adapt.stored_plan(session, user)
    if stored is None:
        return plan_adapt.Adaptation()
    plan = stored.plan
    before_day = plan.projected(start - timedelta(days=1))
    ctl = before_day.ctl if before_day is not None else (plan.projection[0].ctl if plan.projection else 0.0)
    week = [s for s in plan.sessions() if start <= s.day < start + timedelta(days=WEEK_DAYS)]
    target = recovery_target(ctl, sum(s.planned_tss for s in week if s.workout.kind is not WorkoutKind.RACE))
    first = max(start, today)
    easier = {s.day: s for s in recovery_variant(week, target_tss=target, from_day=first)}
    sessions = [easier.get(s.day, s) for s in plan.sessions()]
    weeks = tuple(
        replace(w, sessions=tuple(s for s in sessions if w.start <= s.day < w.start + timedelta(days=7)))
        for w in plan.weeks
    )
    after = reproject(replace(plan, weeks=weeks), from_day=first)
    result = await plan_adapt.write(session, stored, after, today=first, reason="easier week")
    stored.row.weeks = [
        {**w, "recovery": True, "targetTss": round(target, 1)} if w["start"] == start.isoformat() else w
        for w in stored.row.weeks
    ]
    await session.flush()
    return result
