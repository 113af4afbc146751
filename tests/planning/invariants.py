"""The rules every plan keeps, checked from the outside: used by the unit and the property tests."""

from __future__ import annotations

import itertools
from datetime import timedelta

from coach.planning.build import MAX_QUALITY_SHARE, is_quality
from coach.planning.model import Phase, Plan, PlanInputs
from coach.science import pmc
from coach.workouts.library import quality_seconds
from coach.workouts.model import WorkoutKind

EPS = 1e-6


def race_days(plan: Plan) -> set:
    return {s.day for s in plan.sessions() if s.workout.kind is WorkoutKind.RACE}


def check_plan(plan: Plan, inputs: PlanInputs) -> None:
    availability = inputs.availability
    sessions = plan.sessions()
    races = race_days(plan)
    days = [s.day for s in sessions]
    assert len(days) == len(set(days)), "one session a day"
    assert all(inputs.today <= d <= plan.end for d in days)

    # Availability: training only on the athlete's days, within the day's minutes and the week's hours.
    for session in sessions:
        if session.workout.kind is WorkoutKind.RACE:
            continue
        cap_s = availability.max_minutes_by_weekday.get(session.day.weekday(), 0) * 60
        assert 0 < session.duration_s <= cap_s, (session.day, session.duration_s, cap_s)
    for week in plan.weeks:
        race_s = sum(s.duration_s for s in week.sessions if s.workout.kind is WorkoutKind.RACE)
        assert week.duration_s <= max(availability.weekly_hours * 3600, race_s) + EPS
        assert week.start.weekday() == 0
        assert all(week.start <= s.day < week.start + timedelta(days=7) for s in week.sessions)

    # Quality days: at most two a week (races count), never two days in a row (two races aside).
    quality = sorted(s.day for s in sessions if is_quality(s.workout))
    for a, b in itertools.pairwise(quality):
        assert (b - a).days > 1 or (a in races and b in races), (a, b)
    for week in plan.weeks:
        n_races = sum(1 for s in week.sessions if s.day in races)
        n_quality = sum(1 for s in week.sessions if is_quality(s.workout) and s.day not in races)
        assert n_quality <= max(0, 2 - n_races), week.start

    # Intensity distribution: at most a quarter of the week's training time at tempo or above.
    for week in plan.weeks:
        training = [s for s in week.sessions if s.day not in races]
        total = sum(s.duration_s for s in training)
        hard = sum(quality_seconds(s.workout) for s in training)
        assert hard <= MAX_QUALITY_SHARE * total + EPS, week.start

    # The projection is the PMC of the planned loads, from this morning's values, through the last day.
    loads: dict = {}
    for s in sessions:
        loads[s.day] = loads.get(s.day, 0.0) + s.planned_tss
    expected = pmc.pmc_days(loads, inputs.today, plan.end, ctl0=inputs.ctl, atl0=inputs.atl)
    assert [p.day for p in plan.projection] == [d.day for d in expected]
    for p, d in zip(plan.projection, expected, strict=True):
        assert abs(p.ctl - d.ctl) < EPS and abs(p.atl - d.atl) < EPS

    # The ramp: CTL rises at most the athlete's setting from one week's end to the next (race weeks aside).
    by_day = {p.day: p for p in plan.projection}
    previous = inputs.ctl
    for week in plan.weeks:
        last = min(week.start + timedelta(days=6), plan.end)
        ctl = by_day[last].ctl
        if not any(s.day in races for s in week.sessions):
            assert ctl - previous <= availability.ctl_ramp_per_week + EPS, (week.start, ctl - previous)
        previous = ctl

    # A recovery week (or the taper) at least every ``recovery_every`` weeks.
    run = 0
    for week in plan.weeks:
        run = 0 if week.recovery or week.phase is Phase.TAPER else run + 1
        assert run <= availability.recovery_every - 1, week.start
