"""The demo athlete of the plan tests: FTP 250, an A race ten weeks out, ten hours over six days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from coach.planning.model import Availability, PlanInputs, Priority, RaceGoal
from coach.workouts.model import Sport

TODAY = date(2026, 12, 7)  # a Monday
RACE_DAY = TODAY + timedelta(weeks=10, days=6)  # a Sunday, ten weeks out
WEEKDAYS = {0: 60, 1: 90, 2: 60, 3: 90, 5: 240, 6: 180}  # Friday off


def demo_inputs(**changes: object) -> PlanInputs:
    fields: dict[str, object] = {
        "today": TODAY,
        "sport": Sport.RIDE,
        "ctl": 50.0,
        "atl": 55.0,
        "availability": Availability(weekly_hours=10.0, max_minutes_by_weekday=WEEKDAYS, ctl_ramp_per_week=5.0),
        "races": (RaceGoal("Gran Fondo", RACE_DAY, Priority.A, distance_km=120.0),),
    }
    fields.update(changes)
    return PlanInputs(**fields)  # type: ignore[arg-type]


@pytest.fixture
def inputs() -> PlanInputs:
    return demo_inputs()
