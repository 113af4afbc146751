"""Adapting a plan to what happened: readiness, a missed session, illness, a new or moved race.

Pure: a plan and the facts in, a new plan out; nothing before today changes. The coaching rules:

- **Readiness** (`coach.readiness.Action`): *proceed* keeps the session; *modify* keeps it with about a third
  fewer repeats; *reduce intensity* swaps it for an endurance session of the same time; *active recovery* for
  a Z1 session of at most 45 min; *rest* removes it.
- **A missed or skipped session is not piled onto the next day** (Friel: "never try to make up for lost
  workouts"). A missed quality session moves to a later easy day of the same week when the spacing rules allow
  (never the next day, never next to another quality day); the week's other remaining sessions may grow, each
  by at most a quarter, toward the week's target — within the day's minutes, the weekly hours and the CTL ramp.
- **Illness or a hard veto**: nothing above Z1 during the veto; the quality sessions it displaced move to easy
  days later in the same week (not the first day back), or are dropped.
- **A new or moved race** rebuilds from today; every session before today stays as it was.
- **A new FTP or threshold** changes nothing here: targets are fractions of threshold, resolved at display.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta

from coach.planning.build import STEP_S, build_plan, is_quality, monday
from coach.planning.model import (
    Availability,
    Plan,
    PlanInputs,
    PlannedSession,
    PlanWeek,
    ProjectedDay,
    SessionStatus,
)
from coach.readiness import Action
from coach.science import pmc
from coach.workouts import library
from coach.workouts.model import StructuredWorkout, WorkoutKind

EXTEND_MAX_SHARE = 0.25  # a remaining session grows by at most a quarter to win back missed load

_EASINGS = {
    Action.MODIFY: library.Easing.FEWER_REPEATS,
    Action.REDUCE_INTENSITY: library.Easing.ENDURANCE,
    Action.ACTIVE_RECOVERY: library.Easing.ACTIVE_RECOVERY,
    Action.REST: library.Easing.REST,
}
_NOT_DONE = frozenset({SessionStatus.MISSED, SessionStatus.SKIPPED})


def adapt_for_readiness(session: PlannedSession, action: Action) -> PlannedSession | None:
    """The session readiness allows today: the same, an easier variant, or ``None`` (rest)."""
    if action is Action.PROCEED:
        return session
    workout = library.easier(session.workout, _EASINGS[action])
    return None if workout is None else replace(session, workout=workout)


# -- shared helpers -----------------------------------------------------------------------------------------


def _loads(plan: Plan) -> dict[date, float]:
    loads: dict[date, float] = {}
    for session in plan.sessions():
        if session.status not in _NOT_DONE:
            loads[session.day] = loads.get(session.day, 0.0) + session.planned_tss
    return loads


def _with_sessions(plan: Plan, sessions: Iterable[PlannedSession]) -> Plan:
    """``plan`` with its sessions replaced (grouped back into its weeks), projection unchanged."""
    by_week: dict[date, list[PlannedSession]] = {week.start: [] for week in plan.weeks}
    for session in sessions:
        by_week.setdefault(monday(session.day), []).append(session)
    weeks = tuple(
        replace(week, sessions=tuple(sorted(by_week[week.start], key=lambda s: s.day))) for week in plan.weeks
    )
    return replace(plan, weeks=weeks)


def reproject(plan: Plan, *, from_day: date, ctl: float | None = None, atl: float | None = None) -> Plan:
    """The projection recomputed from ``from_day`` on (seeded with ``ctl``/``atl``, the morning of that day,
    or the plan's own projection of the day before); the days before stay as they were."""
    before = [p for p in plan.projection if p.day < from_day]
    if ctl is None or atl is None:
        if before:
            ctl, atl = before[-1].ctl, before[-1].atl
        elif plan.projection:
            first = plan.projection[0]
            load = _loads(plan).get(first.day, 0.0)
            ctl = (first.ctl - pmc.K_CTL * load) / (1.0 - pmc.K_CTL)
            atl = (first.atl - pmc.K_ATL * load) / (1.0 - pmc.K_ATL)
        else:
            ctl = atl = 0.0
    start = max(from_day, plan.start)
    after = pmc.pmc_days(_loads(plan), start, plan.end, ctl0=ctl, atl0=atl)
    projection = (*before, *(ProjectedDay(d.day, d.ctl, d.atl) for d in after))
    return replace(plan, projection=projection)


def _quality_days(sessions: Iterable[PlannedSession]) -> set[date]:
    return {s.day for s in sessions if s.status not in _NOT_DONE and is_quality(s.workout)}


def _fits_day(availability: Availability, day: date, duration_s: int) -> bool:
    return duration_s <= availability.max_minutes_by_weekday.get(day.weekday(), 0) * 60


def _quality_on(
    workout: StructuredWorkout, host: PlannedSession, availability: Availability
) -> StructuredWorkout | None:
    """``workout``'s kind rebuilt for the host day's time (at least its minimum, at most the day's minutes)."""
    variant = "over-unders" if workout.key.startswith("over-unders") else None
    duration = max(host.duration_s, min(workout.duration_s, _day_cap_s(availability, host.day)))
    duration = min(duration, _day_cap_s(availability, host.day))
    return library.build(workout.kind, workout.sport, duration, variant=variant)


def _day_cap_s(availability: Availability, day: date) -> int:
    return availability.max_minutes_by_weekday.get(day.weekday(), 0) * 60 // STEP_S * STEP_S


def _movable_host(
    session: PlannedSession, *, not_before: date, frozen: set[date], quality_days: set[date], race_days: set[date]
) -> bool:
    if session.day < not_before or session.day in frozen or session.status is not SessionStatus.PLANNED:
        return False
    if (
        session.workout.kind not in (WorkoutKind.ENDURANCE, WorkoutKind.RECOVERY)
        or session.workout.key == "openers-3x1"
    ):
        return False
    near = quality_days | race_days
    return not any(abs((session.day - other).days) <= 1 for other in near)


def _move_quality(
    sessions: list[PlannedSession],
    moved: list[StructuredWorkout],
    *,
    week_end: date,
    not_before: date,
    frozen: set[date],
    availability: Availability,
    race_days: set[date],
) -> list[PlannedSession]:
    for workout in moved:
        quality_days = _quality_days(sessions)
        hosts = [
            s
            for s in sessions
            if s.day <= week_end
            and _movable_host(s, not_before=not_before, frozen=frozen, quality_days=quality_days, race_days=race_days)
        ]
        for host in sorted(hosts, key=lambda s: s.day):
            rebuilt = _quality_on(workout, host, availability)
            if rebuilt is not None and _fits_day(availability, host.day, rebuilt.duration_s):
                sessions[sessions.index(host)] = replace(host, workout=rebuilt)
                break
    return sessions


# -- a missed or skipped session ------------------------------------------------------------------------------


def rebalance_week(plan: Plan, inputs: PlanInputs, *, missed: Mapping[date, SessionStatus]) -> Plan:
    """The plan after the sessions of ``missed`` (day → MISSED or SKIPPED) were not done.

    ``inputs`` gives today, this morning's CTL/ATL, the availability and the loads done so far this week.
    Only the week of the earliest missed day changes, and in it only days from today on, never the day after
    a missed session.
    """
    if not missed:
        return plan
    today = inputs.today
    availability = inputs.availability
    first_missed = min(missed)
    week = plan.week_of(first_missed)
    if week is None:
        return plan
    week_end = week.start + timedelta(days=6)
    sessions = list(plan.sessions())
    moved: list[StructuredWorkout] = []
    for i, session in enumerate(sessions):
        status = missed.get(session.day)
        if status in _NOT_DONE and session.status is SessionStatus.PLANNED:
            sessions[i] = replace(session, status=status)
            if is_quality(session.workout) and session.workout.kind is not WorkoutKind.RACE:
                moved.append(session.workout)
    frozen = {day + timedelta(days=1) for day in missed}
    not_before = max(today, first_missed + timedelta(days=1))
    race_days = {s.day for s in sessions if s.workout.kind is WorkoutKind.RACE}
    sessions = _move_quality(
        sessions,
        moved,
        week_end=week_end,
        not_before=not_before,
        frozen=frozen,
        availability=availability,
        race_days=race_days,
    )
    sessions = _top_up(sessions, week, inputs, not_before=not_before, frozen=frozen, week_end=week_end)
    return reproject(_with_sessions(plan, sessions), from_day=today, ctl=inputs.ctl, atl=inputs.atl)


def _week_ctl_start(inputs: PlanInputs, week_start: date) -> float:
    """CTL at the end of the day before ``week_start``: this morning's with the week's done days taken out."""
    ctl = inputs.ctl
    day = inputs.today - timedelta(days=1)
    while day >= week_start:
        ctl = (ctl - pmc.K_CTL * inputs.done_tss_by_day.get(day, 0.0)) / (1.0 - pmc.K_CTL)
        day -= timedelta(days=1)
    return ctl


def _top_up(
    sessions: list[PlannedSession],
    week: PlanWeek,
    inputs: PlanInputs,
    *,
    not_before: date,
    frozen: set[date],
    week_end: date,
) -> list[PlannedSession]:
    """Lengthen the week's remaining easy and long sessions toward its target, a 5-minute step at a time."""
    today = inputs.today
    availability = inputs.availability
    in_week = [s for s in sessions if week.start <= s.day <= week_end]
    done = sum(
        inputs.done_tss_by_day.get(week.start + timedelta(days=i), 0.0) for i in range((today - week.start).days)
    )

    def planned_load(items: list[PlannedSession]) -> float:
        return sum(s.planned_tss for s in items if s.day >= today and s.status not in _NOT_DONE)

    def gain_ok(items: list[PlannedSession]) -> bool:
        loads: dict[date, float] = {}
        for s in items:
            if s.day >= today and s.status not in _NOT_DONE and s.workout.kind is not WorkoutKind.RACE:
                loads[s.day] = loads.get(s.day, 0.0) + s.planned_tss
        ctls, _ = pmc.pmc_series(pmc.daily_load_series(loads, today, week_end), ctl0=inputs.ctl, atl0=inputs.atl)
        end = ctls[-1] if ctls else inputs.ctl
        return end <= _week_ctl_start(inputs, week.start) + availability.ctl_ramp_per_week + 1e-9

    def hours_ok(items: list[PlannedSession]) -> bool:
        total = sum(s.duration_s for s in items if s.status not in _NOT_DONE)
        return total <= availability.weekly_hours * 3600

    growable = {
        s.day: s.duration_s
        for s in in_week
        if s.day >= not_before
        and s.day not in frozen
        and s.status is SessionStatus.PLANNED
        and s.workout.kind in (WorkoutKind.ENDURANCE, WorkoutKind.LONG)
        and s.workout.key != "openers-3x1"
    }
    grew = True
    while grew and done + planned_load(in_week) < week.target_tss:
        grew = False
        for day, original_s in sorted(growable.items()):
            index = next(i for i, s in enumerate(in_week) if s.day == day and s.status is SessionStatus.PLANNED)
            session = in_week[index]
            longer = session.duration_s + STEP_S
            if longer > original_s * (1 + EXTEND_MAX_SHARE) or longer > _day_cap_s(availability, day):
                continue
            workout = library.build(session.workout.kind, session.workout.sport, longer)
            if workout is None:
                continue
            candidate = [*in_week[:index], replace(session, workout=workout), *in_week[index + 1 :]]
            if done + planned_load(candidate) > week.target_tss or not hours_ok(candidate) or not gain_ok(candidate):
                continue
            in_week = candidate
            grew = True
    others = [s for s in sessions if not week.start <= s.day <= week_end]
    return sorted([*others, *in_week], key=lambda s: s.day)


# -- illness or a hard veto -----------------------------------------------------------------------------------


def move_intensity(plan: Plan, *, from_day: date, days: int, availability: Availability) -> Plan:
    """Nothing above Z1 from ``from_day`` for ``days`` days; displaced quality moves later in its week.

    Sessions in the veto become active recovery (at most 45 min, Z1). Each displaced quality session moves to
    the first easy day of the same week after the first day back, when that day has the time and is not next
    to another quality day or race; otherwise it is dropped — the plan never stacks intensity to catch up.
    """
    veto_end = from_day + timedelta(days=days)  # first day back
    sessions = list(plan.sessions())
    displaced: dict[date, list[StructuredWorkout]] = {}
    for i, session in enumerate(sessions):
        if from_day <= session.day < veto_end and session.status is SessionStatus.PLANNED:
            if session.workout.kind is WorkoutKind.RACE:
                continue  # the athlete decides about a race; the plan does not cancel it
            if is_quality(session.workout):
                displaced.setdefault(monday(session.day), []).append(session.workout)
            sessions[i] = replace(session, workout=library.active_recovery(session.workout))
    race_days = {s.day for s in sessions if s.workout.kind is WorkoutKind.RACE}
    for week_start, workouts in displaced.items():
        sessions = _move_quality(
            sessions,
            workouts,
            week_end=week_start + timedelta(days=6),
            not_before=veto_end + timedelta(days=1),
            frozen=set(),
            availability=availability,
            race_days=race_days,
        )
    return reproject(_with_sessions(plan, sessions), from_day=from_day)


# -- a new or moved race --------------------------------------------------------------------------------------


def rebuild(plan: Plan, inputs: PlanInputs) -> Plan:
    """A new plan from ``inputs.today`` (a race added, moved or dropped); every session before today is kept."""
    fresh = build_plan(inputs)
    today = inputs.today
    kept = [s for s in plan.sessions() if s.day < today]
    weeks = [week for week in plan.weeks if week.start + timedelta(days=6) < today]
    for week in fresh.weeks:
        earlier = tuple(s for s in kept if week.start <= s.day < week.start + timedelta(days=7))
        weeks.append(replace(week, sessions=(*earlier, *week.sessions)) if earlier else week)
    projection = (*(p for p in plan.projection if p.day < today), *fresh.projection)
    return replace(fresh, start=min(plan.start, today), weeks=tuple(weeks), projection=projection)
