"""The plan's settings with their documented defaults, and threshold pace estimated from run summaries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from coach import availability
from db.models import User


@dataclass(frozen=True)
class Run:
    type: str | None
    duration_sec: int
    distance_meters: float | None
    intensity_factor: float | None = None


def _user(**values: object) -> User:
    user = User(id="u", email="u@telegram.invalid", timezone="UTC", distance_unit="km")
    for name, value in values.items():
        setattr(user, name, value)
    return user


def test_unset_settings_take_the_documented_defaults() -> None:
    settings = availability.plan_settings(_user())
    assert settings.availability.weekly_hours == 6.0
    assert dict(settings.availability.max_minutes_by_weekday) == {1: 60, 2: 60, 3: 60, 5: 150, 6: 90}
    assert (settings.availability.recovery_every, settings.availability.ctl_ramp_per_week) == (4, 5.0)
    assert settings.defaults_used == ("weekly hours", "training days", "CTL ramp", "recovery rhythm")


def test_set_values_are_used_as_they_are() -> None:
    user = _user(weekly_hours=9.5, day_minutes=[0, 0, 90, 0, 0, 240, 0], ctl_ramp=7.0, recovery_rhythm="2:1")
    settings = availability.plan_settings(user)
    assert dict(settings.availability.max_minutes_by_weekday) == {2: 90, 5: 240}
    assert (settings.availability.weekly_hours, settings.availability.recovery_every) == (9.5, 3)
    assert settings.availability.ctl_ramp_per_week == 7.0 and settings.defaults_used == ()


@pytest.mark.parametrize(
    ("ftp", "said", "power"),
    [(250, None, True), (None, None, False), (250, False, False), (None, True, True)],
)
def test_power_meter_defaults_to_having_an_ftp(ftp: int | None, said: bool | None, power: bool) -> None:
    assert availability.has_power_meter(_user(ftp=ftp, has_power_meter=said)) is power


def test_pace_from_runs_with_an_intensity_factor_is_the_median_threshold_speed() -> None:
    # 10 km in 50 min at IF 0.8: threshold speed 3.333 / 0.8 = 4.167 m/s, i.e. 4:00/km.
    runs = [Run("Run", 3000, 10_000.0, 0.8), Run("TrailRun", 3000, 10_000.0, 0.8), Run("run", 1800, 6000.0, 0.8)]
    assert availability.estimate_threshold_pace(runs) == pytest.approx(240.0, abs=0.5)


def test_pace_without_intensity_reads_the_fastest_run_as_tempo() -> None:
    runs = [Run("Run", 2400, 8000.0), Run("Run", 3600, 10_000.0), Run("Run", 1500, 5000.0)]
    fastest = 5000.0 / 1500  # m/s
    assert availability.estimate_threshold_pace(runs) == pytest.approx(1000 / (fastest / 0.88))


def test_too_few_usable_runs_give_no_estimate() -> None:
    runs = [
        Run("Run", 3000, 10_000.0, 0.8),
        Run("Ride", 3600, 30_000.0, 0.8),  # not a run
        Run("Run", 600, 2000.0, 0.8),  # too short
        Run("Run", 3000, None, 0.8),  # no distance
    ]
    assert availability.estimate_threshold_pace(runs) is None


def test_thresholds_say_which_values_are_estimates() -> None:
    set_up = availability.thresholds(_user(ftp=250, lthr=170, threshold_pace_s_per_km=270))
    assert (set_up.lthr_estimated, set_up.pace_estimated) == (False, False)
    assert set_up.thresholds.threshold_pace_s_per_km == 270
    estimated = availability.thresholds(_user(max_hr=190, resting_hr=50), estimated_pace_s_per_km=300)
    assert estimated.lthr_estimated and estimated.pace_estimated
    assert estimated.thresholds.lthr_bpm == round(50 + 0.85 * 140)
    assert availability.format_pace(270) == "4:30/km" and availability.format_pace(270, imperial=True) == "7:15/mi"
