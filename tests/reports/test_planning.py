"""The race taper and next week's load target come from the PMC model itself."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coach.reports.race import TARGET_TSB, plan_taper
from coach.reports.requests import RaceRequestError, parse_question, parse_race
from coach.reports.weekly import weekly_load_for_ramp
from coach.science import pmc

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize("days", [10, 14, 25, 60, 180, 365])
@pytest.mark.parametrize(("ctl", "atl"), [(76.0, 81.0), (40.0, 70.0), (90.0, 90.0), (30.0, 20.0)])
def test_the_taper_lands_race_day_form_in_the_band(days: int, ctl: float, atl: float) -> None:
    plan = plan_taper(ctl, atl, start=TODAY, race_day=TODAY + timedelta(days=days))
    assert plan.in_band, (days, ctl, atl, plan.race_tsb)
    assert TARGET_TSB[0] <= plan.race_tsb <= TARGET_TSB[1]
    # The projection is the PMC recurrence over the plan's loads, through the day before the race.
    ctls, atls = pmc.pmc_series(plan.loads, ctl0=ctl, atl0=atl)
    assert plan.race_ctl == pytest.approx(ctls[-1]) and plan.race_atl == pytest.approx(atls[-1])
    assert plan.projection[-1].day == TODAY + timedelta(days=days - 1)
    assert plan.loads[-2] == 0.0  # rest two days out


@pytest.mark.parametrize("days", [3, 5])
def test_a_short_taper_still_fits_a_moderately_tired_athlete(days: int) -> None:
    plan = plan_taper(76.0, 81.0, start=TODAY, race_day=TODAY + timedelta(days=days))
    assert plan.in_band and plan.taper_days == days


def test_too_little_time_says_so_and_gives_the_freshest_plan() -> None:
    plan = plan_taper(60.0, 110.0, start=TODAY, race_day=TODAY + timedelta(days=2))
    assert not plan.in_band
    assert plan.loads == [0.0, 0.0]


def test_recovery_days_come_first_when_signals_are_red() -> None:
    plan = plan_taper(76.0, 81.0, start=TODAY, race_day=TODAY + timedelta(days=25), recovery_days=3)
    assert plan.recovery_days == 3
    assert all(load < 76.0 * 0.5 for load in plan.loads[:3])
    assert plan.in_band


@pytest.mark.parametrize("ramp", [-5.0, 0.0, 3.0, 5.0])
def test_weekly_load_for_ramp_inverts_the_pmc(ramp: float) -> None:
    weekly = weekly_load_for_ramp(70.0, ramp)
    ctls, _ = pmc.pmc_series([weekly / 7] * 7, ctl0=70.0, atl0=70.0)
    assert ctls[-1] - 70.0 == pytest.approx(ramp)


def test_race_requests() -> None:
    race = parse_race(["Gran", "Fondo\u200b", "2026-12-20"], today=TODAY)
    assert race.name == "Gran Fondo" and race.day == date(2026, 12, 20)
    with pytest.raises(RaceRequestError, match="more than a year"):
        parse_race(["Far", "2027-11-26"], today=TODAY)
    assert parse_race(["Edge", "2026-11-26"], today=TODAY).day == date(2026, 11, 26)
    # The date forms every command reads (coach.dates), as /settings dob does: day first, never month first.
    assert parse_race(["Fondo", "18.01.2027"], today=TODAY).day == date(2027, 1, 18)
    assert parse_race(["Fondo", "18/01/2027", "B"], today=TODAY).day == date(2027, 1, 18)
    with pytest.raises(RaceRequestError, match="not a date on the calendar"):
        parse_race(["Fondo", "31.02.2027"], today=TODAY)
    assert parse_question(["  why", "\x00so\n", "tired?"]) == "why so tired?"
    assert parse_question([]) is None
