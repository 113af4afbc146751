"""Adapting a plan to what happened: readiness, a missed session, illness, an easier week, a new or moved race.

Pure: a plan and the facts in, a new plan out; nothing before today changes. The coaching rules:

- **Readiness** (`coach.readiness.Action`): *proceed* keeps the session; *modify* keeps it with about a third
  fewer repeats; *reduce intensity* swaps it for an endurance session of the same time; *active recovery* for
  a Z1 session of at most 45 min; *rest* removes it. A race stays a race: racing is the athlete's call.
- **A missed or skipped session is not piled onto the next day** (coaches from Friel on advise against making
  up missed workouts by crowding the following days). A missed quality session moves to a later easy day of
  the same week when the spacing rules allow (never the next day, never next to another quality day); the
  week's other remaining sessions may grow, each by at most a quarter, toward the week's target — within the
  day's minutes, the weekly hours, the intensity share and the CTL ramp.
- **Illness or a hard veto**: nothing above Z1 during the veto; the quality sessions it displaced move to easy
  days later in the same week (not the first day back), or are dropped.
- **An easier week** gives each remaining session *modify*.
- **A new or moved race** rebuilds from today; every session before today stays as it was.
- **A new FTP or threshold** changes nothing here: targets are fractions of threshold, resolved at display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import date, timedelta

from coach.planning.build import MAX_QUALITY_SHARE, STEP_S, build_plan, is_quality, monday
from coach.planning.model import (
    Availability,
    Plan,
    PlanInputs,
    PlannedSession,
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
    """The session readiness allows today: the same, an easier variant, or ``None`` (rest).

    A race is never rewritten: racing or not is the athlete's decision, which the readiness advice informs.
    """
    if action is Action.PROCEED or session.workout.kind is WorkoutKind.RACE:
        return session
    workout = library.easier(session.workout, _EASINGS[action])
    return None if workout is None else replace(session, workout=workout)


def tomorrow_form(*, ctl: float, atl: float, session: PlannedSession | None) -> float:
    """Tomorrow morning's form (TSB) if today holds ``session`` (``None``: rest), from this morning's CTL/ATL.

    One step of the PMC recurrence (`coach.science.pmc`), so each readiness option can show where it leaves
    the athlete: tomorrow's readiness form is today's end-of-day CTL − ATL (science.md §4.3).
    """
    load = session.planned_tss if session is not None else 0.0
    ctls, atls = pmc.pmc_series([load], ctl0=ctl, atl0=atl)
    return ctls[0] - atls[0]


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
        or session.workout.key == library.OPENERS_KEY
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
    accept: Callable[[list[PlannedSession]], bool],
) -> list[PlannedSession]:
    """Each of ``moved`` onto the first easy day that takes it and leaves the week acceptable; else dropped."""
    race_days = {s.day for s in sessions if s.workout.kind is WorkoutKind.RACE and s.status not in _NOT_DONE}
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
            if rebuilt is None or not _fits_day(availability, host.day, rebuilt.duration_s):
                continue
            index = sessions.index(host)
            candidate = [*sessions[:index], replace(host, workout=rebuilt), *sessions[index + 1 :]]
            if accept(candidate):
                sessions = candidate
                break
    return sessions


def _week_accepts(
    week_start: date,
    availability: Availability,
    *,
    max_tss: float,
    max_ctl: float | None,
    ctl0: float,
    atl0: float,
    from_day: date,
) -> Callable[[list[PlannedSession]], bool]:
    """The week's rules after a change: hours, intensity share, load at most ``max_tss`` from ``from_day`` on,
    and CTL at the week's end at most ``max_ctl`` (projected from ``ctl0``/``atl0``, the morning of
    ``from_day``)."""
    week_end = week_start + timedelta(days=6)

    def accept(sessions: list[PlannedSession]) -> bool:
        week = [s for s in sessions if week_start <= s.day <= week_end and s.status not in _NOT_DONE]
        training = [s for s in week if s.workout.kind is not WorkoutKind.RACE]
        if sum(s.duration_s for s in week) > availability.weekly_hours * 3600:
            return False
        total_s = sum(s.duration_s for s in training)
        if sum(library.quality_seconds(s.workout) for s in training) > MAX_QUALITY_SHARE * total_s:
            return False
        ahead = [s for s in training if s.day >= from_day]
        if sum(s.planned_tss for s in ahead) > max_tss + 1e-9:
            return False
        if max_ctl is None:
            return True
        loads: dict[date, float] = {}
        for s in ahead:
            loads[s.day] = loads.get(s.day, 0.0) + s.planned_tss
        ctls, _ = pmc.pmc_series(pmc.daily_load_series(loads, from_day, week_end), ctl0=ctl0, atl0=atl0)
        return not ctls or ctls[-1] <= max_ctl + 1e-9

    return accept


# -- a missed or skipped session ------------------------------------------------------------------------------


def rebalance_week(plan: Plan, inputs: PlanInputs, *, missed: Mapping[date, SessionStatus]) -> Plan:
    """The plan after the sessions of ``missed`` (day → MISSED or SKIPPED) were not done.

    ``inputs`` gives today, this morning's CTL/ATL, the availability and this week's done loads before today.
    Only the week of the earliest missed day changes, and in it only days from today on, never the day after
    a missed session. The week stays within its target load, its hours, its intensity share and the ramp.
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
    done = sum(
        inputs.done_tss_by_day.get(week.start + timedelta(days=i), 0.0) for i in range((today - week.start).days)
    )
    accept = _week_accepts(
        week.start,
        availability,
        max_tss=week.target_tss - done,
        max_ctl=_week_ctl_start(inputs, week.start) + availability.ctl_ramp_per_week,
        ctl0=inputs.ctl,
        atl0=inputs.atl,
        from_day=today,
    )
    sessions = _move_quality(
        sessions,
        moved,
        week_end=week_end,
        not_before=not_before,
        frozen=frozen,
        availability=availability,
        accept=accept,
    )
    growable = [
        s.day
        for s in sessions
        if not_before <= s.day <= week_end
        and s.day not in frozen
        and s.status is SessionStatus.PLANNED
        and s.workout.kind in (WorkoutKind.ENDURANCE, WorkoutKind.LONG)
        and s.workout.key != library.OPENERS_KEY
    ]
    sessions = _top_up(sessions, growable, availability, accept=accept)
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
    growable: list[date],
    availability: Availability,
    *,
    accept: Callable[[list[PlannedSession]], bool],
) -> list[PlannedSession]:
    """Lengthen the sessions of ``growable`` days, 5 minutes at a time in turn, each by at most a quarter,
    while the week stays acceptable (its target load is the limit that usually stops it)."""
    original = {s.day: s.duration_s for s in sessions if s.day in growable}
    grew = True
    while grew:
        grew = False
        for day in growable:
            index = next(i for i, s in enumerate(sessions) if s.day == day and s.status is SessionStatus.PLANNED)
            session = sessions[index]
            longer = session.duration_s + STEP_S
            if longer > original[day] * (1 + EXTEND_MAX_SHARE) or longer > _day_cap_s(availability, day):
                continue
            workout = library.build(session.workout.kind, session.workout.sport, longer)
            if workout is None:
                continue
            candidate = [*sessions[:index], replace(session, workout=workout), *sessions[index + 1 :]]
            if accept(candidate):
                sessions = candidate
                grew = True
    return sessions


# -- illness or a hard veto -----------------------------------------------------------------------------------


def move_intensity(plan: Plan, *, from_day: date, days: int, availability: Availability) -> Plan:
    """Nothing above Z1 from ``from_day`` for ``days`` days; displaced quality moves later in its week.

    Sessions in the veto become active recovery (at most 45 min, Z1). Each displaced quality session moves to
    the first easy day of the same week after the first day back, when that day has the time, is not next to
    another quality day or race, and the week keeps its hours, its intensity share, no more load than it had
    and its ramp; otherwise it is dropped — the plan never stacks intensity to catch up.
    """
    veto_end = from_day + timedelta(days=days)  # first day back
    original = list(plan.sessions())
    sessions = list(original)
    displaced: dict[date, list[StructuredWorkout]] = {}
    for i, session in enumerate(sessions):
        if from_day <= session.day < veto_end and session.status is SessionStatus.PLANNED:
            if session.workout.kind is WorkoutKind.RACE:
                continue  # the athlete decides about a race; the plan does not cancel it
            if is_quality(session.workout):
                displaced.setdefault(monday(session.day), []).append(session.workout)
            sessions[i] = replace(session, workout=library.active_recovery(session.workout))
    for week_start, workouts in displaced.items():
        start = max(from_day, week_start)
        morning = plan.projected(start - timedelta(days=1))
        before_week = plan.projected(week_start - timedelta(days=1))
        accept = _week_accepts(
            week_start,
            availability,
            max_tss=sum(
                s.planned_tss
                for s in original
                if start <= s.day <= week_start + timedelta(days=6)
                and s.status not in _NOT_DONE
                and s.workout.kind is not WorkoutKind.RACE
            ),
            max_ctl=before_week.ctl + availability.ctl_ramp_per_week if before_week and morning else None,
            ctl0=morning.ctl if morning else 0.0,
            atl0=morning.atl if morning else 0.0,
            from_day=start,
        )
        sessions = _move_quality(
            sessions,
            workouts,
            week_end=week_start + timedelta(days=6),
            not_before=veto_end + timedelta(days=1),
            frozen=set(),
            availability=availability,
            accept=accept,
        )
    return reproject(_with_sessions(plan, sessions), from_day=from_day)


# -- an easier week -------------------------------------------------------------------------------------------


def ease_week(plan: Plan, *, week_start: date, today: date) -> Plan:
    """The week of ``week_start`` made easier, from ``today`` on: each planned session gets readiness's
    *modify* (about a third fewer repeats, or a third shorter). Races, openers and rest days stay; the week's
    days, order and quality days stay, so every rule the week kept it still keeps, with less load."""
    week_end = week_start + timedelta(days=6)
    sessions = [
        replace(s, workout=library.fewer_repeats(s.workout))
        if week_start <= s.day <= week_end
        and s.day >= today
        and s.status is SessionStatus.PLANNED
        and s.workout.kind is not WorkoutKind.RACE
        and s.workout.key != library.OPENERS_KEY
        else s
        for s in plan.sessions()
    ]
    return reproject(_with_sessions(plan, sessions), from_day=max(today, week_start))


# -- a new or moved race --------------------------------------------------------------------------------------


def rebuild(plan: Plan, inputs: PlanInputs) -> Plan:
    """A new plan from ``inputs.today`` (a race added, moved or dropped); every session before today is kept."""
    today = inputs.today
    kept = [s for s in plan.sessions() if s.day < today]
    if inputs.last_hard_day is None:
        # The kept sessions say when the last hard day was, so the seam keeps a day between hard days.
        hard = [s.day for s in kept if is_quality(s.workout) and s.status not in _NOT_DONE]
        inputs = replace(inputs, last_hard_day=max(hard, default=None))
    fresh = build_plan(inputs)
    weeks = [week for week in plan.weeks if week.start + timedelta(days=6) < today]
    for week in fresh.weeks:
        earlier = tuple(s for s in kept if week.start <= s.day < week.start + timedelta(days=7))
        weeks.append(replace(week, sessions=(*earlier, *week.sessions)) if earlier else week)
    projection = (*(p for p in plan.projection if p.day < today), *fresh.projection)
    return replace(fresh, start=min(plan.start, today), weeks=tuple(weeks), projection=projection)
