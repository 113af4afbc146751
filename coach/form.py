"""The athlete's form: the one reading of fitness (CTL), fatigue (ATL) and form (TSB) every view quotes.

`/today`, the brief, `/week`, `/fitness`, the race report and the Gemini tools all read their numbers from
`read_form`, so the same morning never shows two forms. Two moments are named, never mixed up:

- **this morning** (readiness): the values at the end of *yesterday*, before today's sessions (TrainingPeaks'
  convention, science.md §4.3) — what decides how to train today;
- **tonight** (end of day): the values after today's sessions so far (intervals.icu's same-day convention).

Every workout counts with the load `coach.loads` gives it (power TSS, else HRSS, else a duration estimate),
summed per local calendar day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from coach.loads import CountedWorkout
from coach.science import pmc


@dataclass(frozen=True, slots=True)
class FormReading:
    """The PMC from the first loaded day through ``today`` (end of day), and the two moments read from it."""

    today: date
    days: tuple[pmc.PmcDay, ...]

    @property
    def morning(self) -> pmc.PmcDay | None:
        """This morning's readiness: the end of yesterday."""
        return self.on(self.today - timedelta(days=1))

    @property
    def tonight(self) -> pmc.PmcDay | None:
        """The end of today, after today's sessions so far."""
        return self.on(self.today)

    def on(self, day: date) -> pmc.PmcDay | None:
        index = (day - self.days[0].day).days if self.days else -1
        return self.days[index] if 0 <= index < len(self.days) else None

    def through(self, end: date) -> list[pmc.PmcDay]:
        """The days up to ``end`` inclusive (yesterday for the morning's chart, today for tonight's)."""
        return [d for d in self.days if d.day <= end]

    def ramp_per_week(self, end: date) -> float | None:
        """CTL change over the 7 days ending ``end`` (None with under a week of history)."""
        return pmc.ramp_rate([d.ctl for d in self.through(end)])


def daily_loads(counted: Sequence[CountedWorkout], *, tz: ZoneInfo) -> dict[date, float]:
    """Summed load per local calendar day, the input of the PMC."""
    return pmc.sum_loads_by_day((c.workout.date.astimezone(tz).date(), c.load.value) for c in counted)


def read_form(counted: Sequence[CountedWorkout], *, today: date, tz: ZoneInfo) -> FormReading:
    """Fitness, fatigue and form of every day from the first loaded one through the end of ``today``."""
    by_day = {d: v for d, v in daily_loads(counted, tz=tz).items() if d <= today}
    if not by_day:
        return FormReading(today=today, days=())
    return FormReading(today=today, days=tuple(pmc.pmc_days(by_day, min(by_day), today)))
