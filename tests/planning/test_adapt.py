"""Adaptation: readiness, a missed key session, illness, an FTP change and a moved race — and nothing else."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest

from coach.planning.adapt import (
    adapt_for_readiness,
    ease_week,
    move_intensity,
    rebalance_week,
    rebuild,
    tomorrow_form,
)
from coach.planning.build import build_plan, is_quality
from coach.planning.model import PlanInputs, PlannedSession, RaceGoal, SessionStatus
from coach.readiness import Action
from coach.science import pmc
from coach.workouts.describe import session_text
from coach.workouts.library import build
from coach.workouts.model import Sport, WorkoutKind
from coach.workouts.targets import Thresholds
from tests.planning.conftest import RACE_DAY, TODAY, demo_inputs


def vo2_session() -> PlannedSession:
    workout = build(WorkoutKind.VO2MAX, Sport.RIDE, 75 * 60)
    assert workout is not None
    return PlannedSession(TODAY, workout)


@pytest.mark.parametrize(
    ("action", "key", "duration_min"),
    [
        (Action.PROCEED, "vo2max-5x4", 75),
        (Action.MODIFY, "vo2max-4x4", 67),
        (Action.REDUCE_INTENSITY, "endurance-75m", 75),
        (Action.ACTIVE_RECOVERY, "recovery-ride-45m", 45),
    ],
)
def test_readiness_gives_a_concrete_session(action: Action, key: str, duration_min: int) -> None:
    adapted = adapt_for_readiness(vo2_session(), action)
    assert adapted is not None and adapted.day == TODAY
    assert adapted.workout.key == key and adapted.duration_s == duration_min * 60


def test_readiness_rest_is_no_session() -> None:
    assert adapt_for_readiness(vo2_session(), Action.REST) is None


def _second_week_key_session(plan):  # type: ignore[no-untyped-def]
    week = plan.weeks[1]
    return next(s for s in week.sessions if is_quality(s.workout)), week


def test_a_missed_key_session_moves_later_in_its_week_not_onto_the_next_day(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    missed, week = _second_week_key_session(plan)
    today = missed.day + timedelta(days=1)
    done = {s.day: s.planned_tss for s in plan.sessions() if s.day < missed.day}
    morning = plan.projected(missed.day - timedelta(days=1))
    assert morning is not None
    # The morning after: yesterday's load was zero, so both decay one day.
    ctl, atl = morning.ctl * (1 - pmc.K_CTL), morning.atl * (1 - pmc.K_ATL)
    state = replace(inputs, today=today, ctl=ctl, atl=atl, done_tss_by_day=done)
    after = rebalance_week(plan, state, missed={missed.day: SessionStatus.MISSED})

    marked = after.session_on(missed.day)
    assert marked is not None and marked.status is SessionStatus.MISSED and marked.workout == missed.workout
    assert after.session_on(today) == plan.session_on(today)  # the next day is not touched
    later = [s for s in after.weeks[1].sessions if s.day > today and s.workout.kind is missed.workout.kind]
    assert later, "the key session moved to a later day of the week"
    assert all(w_after == w for w_after, w in zip(after.weeks, plan.weeks, strict=True) if w.start != week.start)
    quality = sorted(s.day for s in after.sessions() if is_quality(s.workout) and s.status is SessionStatus.PLANNED)
    assert all((b - a).days > 1 for a, b in itertools.pairwise(quality))
    new_week = after.weeks[1]
    load = sum(s.planned_tss for s in new_week.sessions if s.status is SessionStatus.PLANNED)
    assert load <= new_week.target_tss + 1e-6


def test_illness_moves_intensity_later_and_nothing_hard_during_it(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    key, week = _second_week_key_session(plan)
    after = move_intensity(plan, from_day=key.day, days=2, availability=inputs.availability)
    veto = {key.day, key.day + timedelta(days=1)}
    for day in veto:
        session = after.session_on(day)
        assert session is None or session.workout.kind is WorkoutKind.RECOVERY
    assert all(w_after == w for w_after, w in zip(after.weeks, plan.weeks, strict=True) if w.start != week.start)
    before_quality = sum(1 for s in week.sessions if is_quality(s.workout))
    after_quality = sum(1 for s in after.weeks[1].sessions if is_quality(s.workout))
    assert after_quality <= before_quality
    assert all(s == plan.session_on(s.day) for s in after.sessions() if s.day < key.day)


def test_an_ftp_change_changes_the_targets_not_the_plan(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    again = build_plan(inputs)  # the plan has no FTP in it: the same inputs make the same plan
    assert plan == again
    key = next(s for s in plan.sessions() if s.workout.kind is WorkoutKind.SWEET_SPOT)
    assert "220–235 W" in session_text(key.workout, Thresholds(ftp_w=250))
    assert "238–254 W" in session_text(key.workout, Thresholds(ftp_w=270))


def test_a_moved_race_rebuilds_from_today_keeping_what_was_done(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    today = TODAY + timedelta(days=17)
    done = {s.day: s.planned_tss for s in plan.sessions() if s.day < today}
    morning = plan.projected(today - timedelta(days=1))
    assert morning is not None
    new_day = RACE_DAY + timedelta(weeks=2)
    moved = (RaceGoal("Gran Fondo", new_day, inputs.races[0].priority, distance_km=120.0),)
    state = demo_inputs(today=today, ctl=morning.ctl, atl=morning.atl, races=moved, done_tss_by_day=done)
    after = rebuild(plan, state)
    assert [s for s in after.sessions() if s.day < today] == [s for s in plan.sessions() if s.day < today]
    assert after.end == new_day and after.race is not None and after.race.day == new_day
    race = after.session_on(new_day)
    assert race is not None and race.workout.kind is WorkoutKind.RACE
    assert after.session_on(RACE_DAY) is None or after.session_on(RACE_DAY).workout.kind is not WorkoutKind.RACE
    form = after.morning_form(new_day)
    assert form is not None and 5.0 <= form <= 25.0


def test_each_readiness_option_shows_tomorrows_form() -> None:
    session = vo2_session()
    forms = {
        action: tomorrow_form(ctl=60.0, atl=70.0, session=adapt_for_readiness(session, action)) for action in Action
    }
    # Rest: CTL 60 → 58.59, ATL 70 → 60.68 (both decay one day): TSB −2.1; every easier option is fresher.
    assert forms[Action.REST] == pytest.approx(60.0 * (1 - 0.023528) - 70.0 * (1 - 0.133122), abs=0.01)
    order = [Action.PROCEED, Action.MODIFY, Action.REDUCE_INTENSITY, Action.ACTIVE_RECOVERY, Action.REST]
    assert [forms[a] for a in order] == sorted(forms[a] for a in order)


def test_a_race_is_never_rewritten_by_readiness() -> None:
    race = build_plan(demo_inputs()).session_on(RACE_DAY)
    assert race is not None
    for action in Action:
        assert adapt_for_readiness(race, action) == race


def test_an_easier_week_lightens_every_remaining_session_and_nothing_else(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    week = plan.weeks[1]
    today = week.start + timedelta(days=2)
    after = ease_week(plan, week_start=week.start, today=today)
    for old, new in zip(plan.sessions(), after.sessions(), strict=True):
        assert old.day == new.day
        if week.start <= old.day and today <= old.day < week.start + timedelta(days=7):
            assert new.planned_tss < old.planned_tss and new.duration_s < old.duration_s
            assert new.workout.kind is old.workout.kind or not is_quality(old.workout)
        else:
            assert new == old
    assert after.weeks[1].planned_tss < week.planned_tss
    assert [w for i, w in enumerate(after.weeks) if i != 1] == [w for i, w in enumerate(plan.weeks) if i != 1]
