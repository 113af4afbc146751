"""The plan for the demo athlete: phases, ramp, recovery weeks, hard days, availability and race-day form."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from coach.planning.build import build_plan, is_quality, weekly_load_for_ramp
from coach.planning.model import Availability, Phase, PlanInputs, Priority, RaceGoal
from coach.planning.taper import TARGET_TSB
from coach.science import pmc
from coach.workouts.model import Sport, WorkoutKind
from tests.planning.conftest import RACE_DAY, TODAY, demo_inputs
from tests.planning.invariants import check_plan


def test_the_demo_plan_keeps_every_rule(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    assert plan.start == TODAY and plan.end == RACE_DAY and plan.race is not None
    assert len(plan.weeks) == 11
    assert plan.projection[-1].day == RACE_DAY


def test_race_morning_form_lands_in_the_band(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    form = plan.morning_form(RACE_DAY)
    assert form is not None and TARGET_TSB[0] <= form <= TARGET_TSB[1]
    race = plan.session_on(RACE_DAY)
    assert race is not None and race.workout.kind is WorkoutKind.RACE
    eve = plan.session_on(RACE_DAY - timedelta(days=1))
    assert eve is not None and eve.workout.key == "openers-3x1"
    assert plan.session_on(RACE_DAY - timedelta(days=2)) is None  # rest two days out


def test_phases_run_base_build_peak_taper_with_a_recovery_week_every_fourth(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    phases = [w.phase for w in plan.weeks]
    order = [Phase.BASE, Phase.BUILD, Phase.PEAK, Phase.TAPER]
    assert [order.index(p) for p in phases] == sorted(order.index(p) for p in phases)
    assert set(phases) == set(order)
    recovery = [i for i, w in enumerate(plan.weeks) if w.recovery]
    assert recovery and recovery[0] == 3
    # A recovery week carries about 60 % of the load that holds fitness.
    week = plan.weeks[3]
    assert week.planned_tss < 0.75 * plan.weeks[2].planned_tss


def test_each_phase_trains_what_it_should(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    kinds = {phase: {s.workout.kind for w in plan.weeks if w.phase is phase for s in w.sessions} for phase in Phase}
    assert {WorkoutKind.SWEET_SPOT, WorkoutKind.TEMPO} <= kinds[Phase.BASE]
    assert not kinds[Phase.BASE] & {WorkoutKind.VO2MAX, WorkoutKind.ANAEROBIC}
    assert {WorkoutKind.THRESHOLD, WorkoutKind.VO2MAX} <= kinds[Phase.BUILD]
    # A 120 km race is long: the peak works at threshold (over-unders) and sweet spot.
    assert WorkoutKind.THRESHOLD in kinds[Phase.PEAK]
    # The long ride is on Saturday, the day with the most time.
    for week in plan.weeks:
        longest = [s for s in week.sessions if s.workout.kind is WorkoutKind.LONG]
        assert all(s.day.weekday() == 5 for s in longest)


def test_the_ramp_is_the_athletes_setting() -> None:
    """With hours to spare, loading weeks climb at the setting (within 1 CTL), never above it."""
    roomy = Availability(weekly_hours=20.0, max_minutes_by_weekday=dict.fromkeys(range(7), 240), ctl_ramp_per_week=7.0)
    inputs = demo_inputs(availability=roomy, ctl=40.0, atl=40.0)
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    by_day = {p.day: p.ctl for p in plan.projection}
    first_week_gain = by_day[TODAY + timedelta(days=6)] - 40.0
    assert 6.0 <= first_week_gain <= 7.0 + 1e-9
    assert plan.weeks[0].shortfall_tss == 0.0
    assert plan.weeks[0].target_tss == pytest.approx(weekly_load_for_ramp(40.0, 7.0), abs=0.1)


def test_too_few_hours_show_as_a_shortfall() -> None:
    tight = Availability(weekly_hours=3.0, max_minutes_by_weekday={1: 60, 3: 60, 6: 120})
    inputs = demo_inputs(availability=tight, ctl=70.0, atl=70.0)
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    first = plan.weeks[0]
    assert first.duration_s <= 3 * 3600
    assert first.shortfall_tss > 0
    assert first.planned_tss + first.shortfall_tss == pytest.approx(first.target_tss, abs=0.2)


def test_two_hours_a_week_and_a_race_in_three_weeks_degrades_gracefully() -> None:
    tight = Availability(weekly_hours=2.0, max_minutes_by_weekday={2: 60, 6: 60})
    race = RaceGoal("Crit", TODAY + timedelta(weeks=3), Priority.A, distance_km=40.0)
    inputs = demo_inputs(availability=tight, races=(race,))
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    assert plan.end == race.day and plan.session_on(race.day) is not None


def test_without_an_a_race_a_twelve_week_block() -> None:
    inputs = demo_inputs(races=())
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    assert len(plan.weeks) == 12 and plan.race is None
    assert {w.phase for w in plan.weeks} == {Phase.BASE, Phase.BUILD}


def test_b_race_gets_a_mini_taper_and_c_race_none(inputs: PlanInputs) -> None:
    b_day = TODAY + timedelta(weeks=5, days=6)  # a Sunday
    c_day = TODAY + timedelta(weeks=2, days=5)  # a Saturday
    races = (*inputs.races, RaceGoal("Local B", b_day, Priority.B), RaceGoal("Club C", c_day, Priority.C))
    with_races = replace(inputs, races=races)
    plan = build_plan(with_races)
    check_plan(plan, with_races)
    for day in (b_day, c_day):
        session = plan.session_on(day)
        assert session is not None and session.workout.kind is WorkoutKind.RACE
    for offset in (1, 2, 3):
        before = plan.session_on(b_day - timedelta(days=offset))
        assert before is None or not is_quality(before.workout)
        assert before is None or before.duration_s <= 60 * 60
    after_b = plan.session_on(b_day + timedelta(days=1))
    assert after_b is None or after_b.workout.kind is WorkoutKind.RECOVERY


def test_the_projection_starts_from_this_morning(inputs: PlanInputs) -> None:
    plan = build_plan(inputs)
    first = plan.projection[0]
    load = sum(s.planned_tss for s in plan.sessions() if s.day == TODAY)
    assert first.ctl == pytest.approx(inputs.ctl + pmc.K_CTL * (load - inputs.ctl))


@pytest.mark.parametrize("sport", [Sport.RUN, Sport.SWIM])
def test_other_sports_plan_their_own_sessions(sport: Sport) -> None:
    race = RaceGoal("Half", RACE_DAY, Priority.A, sport=sport, distance_km=21.1 if sport is Sport.RUN else 3.8)
    inputs = demo_inputs(sport=sport, races=(race,))
    plan = build_plan(inputs)
    check_plan(plan, inputs)
    assert all(s.workout.sport is sport for s in plan.sessions())
