"""The easier week the weekly message offers: the rules' recovery week, made from the planned one."""

from __future__ import annotations

from datetime import timedelta

from coach.plan_week import recovery_target, recovery_variant
from coach.planning.build import build_plan, is_quality
from coach.planning.model import PlanInputs, SessionStatus
from coach.workouts.model import WorkoutKind


def _loading_week(inputs: PlanInputs) -> list:
    plan = build_plan(inputs)
    week = next(w for w in plan.weeks[1:] if not w.recovery and sum(is_quality(s.workout) for s in w.sessions) >= 2)
    return list(week.sessions)


def test_a_whole_week_becomes_a_recovery_week(inputs: PlanInputs) -> None:
    week = _loading_week(inputs)
    planned = sum(s.planned_tss for s in week)
    target = recovery_target(60.0, planned)
    easier = recovery_variant(week, target_tss=target)
    assert sum(s.planned_tss for s in easier) <= target < planned
    assert sum(1 for s in easier if is_quality(s.workout) and s.workout.kind is not WorkoutKind.RACE) == 1
    assert [s.day for s in easier] == [s.day for s in week]  # the same days, nothing moved or added
    assert all(e.duration_s <= s.duration_s for e, s in zip(easier, week, strict=True))


def test_a_week_under_way_keeps_its_past_days(inputs: PlanInputs) -> None:
    week = _loading_week(inputs)
    today = week[0].day + timedelta(days=3)
    week = [s if s.day >= today else type(s)(s.day, s.workout, SessionStatus.DONE) for s in week]
    target = recovery_target(60.0, sum(s.planned_tss for s in week))
    easier = recovery_variant(week, target_tss=target, from_day=today)
    assert [s for s in easier if s.day < today] == [s for s in week if s.day < today]
    past_quality = any(is_quality(s.workout) for s in week if s.day < today)
    later_quality = sum(1 for s in easier if s.day >= today and is_quality(s.workout))
    assert later_quality <= (0 if past_quality else 1)
