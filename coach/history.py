"""One user's history as day-indexed series: the fitness chart, the HRV chart and the power curve.

Reads only the given user's rows (through the repositories) and hands them to `coach.science`; the charts
and reports draw and quote exactly these numbers.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import day_loads, form, loads
from coach.charts import FitnessSeries, HrvSeries, PowerCurve
from coach.daily import PMC_LOOKBACK_DAYS, local_day_start, local_today, recovery_series
from coach.science import pmc
from coach.science.recovery import MIN_RANGE_VALUES, NORMAL_RANGE_DAYS, hrv_status
from db.models import DailyMetric, User, Workout
from db.repositories import daily_loads as stored_loads_repo
from db.repositories import metrics, workouts

FITNESS_DAYS = 90
HRV_DAYS = 60
CURVE_DAYS = 90
# Durations the summary-based curve is evaluated at (the chart's x grid), 1 min … 8 h.
CURVE_GRID_S = tuple(sorted({60 * m for m in (1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480)}))


@dataclass(frozen=True, slots=True)
class LoadHistory:
    """Every day's load and PMC from the first workout in the look-back to ``end`` (inclusive)."""

    days: list[pmc.PmcDay]
    workouts: Sequence[Workout]
    counted: list[loads.CountedWorkout]
    tz: ZoneInfo

    def since(self, start: date) -> list[pmc.PmcDay]:
        return [d for d in self.days if d.day >= start]

    def on(self, day: date) -> pmc.PmcDay | None:
        return next((d for d in reversed(self.days) if d.day == day), None)


async def load_history(session: AsyncSession, user: User, *, now: datetime, end: date | None = None) -> LoadHistory:
    """The PMC through ``end`` (default: yesterday, the last complete day) from up to a year of workouts."""
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    end = end if end is not None else today - timedelta(days=1)
    start = local_day_start(today - timedelta(days=PMC_LOOKBACK_DAYS), tz)
    rows = await workouts.between(session, user_id=user.id, start=start, end=now)
    return load_history_of(rows, user=user, end=end)


async def stored_pmc_days(
    session: AsyncSession, user: User, *, now: datetime, end: date, days: int = FITNESS_DAYS
) -> list[pmc.PmcDay]:
    """The last ``days`` of `load_history`'s PMC through ``end``, from the stored per-day loads (a few rows).

    The same numbers as `load_history(...).days[-days:]`: the look-back window starts a year before today
    with a zero seed, and the series starts at its first session.
    """
    await day_loads.refresh(session, [user])
    today = local_today(user, now)
    start = today - timedelta(days=PMC_LOOKBACK_DAYS)
    shown_from = end - timedelta(days=days - 1)
    window = (
        await stored_loads_repo.windows_many(
            session, [day_loads.window_key(user, today=today, lookback_days=PMC_LOOKBACK_DAYS)]
        )
    )[user.id]
    first = window.first
    if first is None or first > end:
        return []
    shown_start = max(shown_from, start)
    rows = await stored_loads_repo.between(session, user_id=user.id, first=shown_start, last=end)
    before_shown = await stored_loads_repo.last_before(session, user_id=user.id, day=shown_start)
    return pmc.window_days(
        [s for s in (day_loads.stored(r) for r in rows) if s is not None],
        start=start,
        first=first,
        end=end,
        before_start=day_loads.stored(window.before_start),
        before_shown=day_loads.stored(before_shown),
        shown_from=shown_from,
    )


def daily_loads(counted: Sequence[loads.CountedWorkout], *, tz: ZoneInfo) -> dict[date, float]:
    """Summed load per local calendar day, the input of the PMC."""
    return form.daily_loads(counted, tz=tz)


def load_history_of(rows: Sequence[Workout], *, user: User, end: date) -> LoadHistory:
    """The PMC of ``rows`` from the first loaded day through ``end``; empty when nothing was loaded by then.

    The numbers are `coach.form.read_form`'s, the same the daily coach quotes, so a chart and ``/today``
    never disagree.
    """
    tz = ZoneInfo(user.timezone)
    counted = loads.count(list(rows), user)
    reading = form.read_form(counted, today=end, tz=tz)
    return LoadHistory(days=list(reading.days), workouts=rows, counted=counted, tz=tz)


def fitness_series(history: LoadHistory, *, days: int = FITNESS_DAYS) -> FitnessSeries | None:
    return fitness_series_of(history.days, days=days)


def fitness_series_of(pmc_days: Sequence[pmc.PmcDay], *, days: int = FITNESS_DAYS) -> FitnessSeries | None:
    """The last ``days`` of a PMC as a chart series; ``None`` when there is nothing to draw."""
    if not pmc_days:
        return None
    shown = pmc_days[-days:]
    return FitnessSeries(
        days=[d.day for d in shown],
        ctl=[d.ctl for d in shown],
        atl=[d.atl for d in shown],
        tsb=[d.tsb for d in shown],
    )


@dataclass(frozen=True, slots=True)
class RecoveryHistory:
    rows: Sequence[DailyMetric]
    series: HrvSeries
    mornings_with_hrv: int
    mornings_with_rhr: int


async def recovery_history(
    session: AsyncSession, user: User, *, now: datetime, days: int = HRV_DAYS, band_sd: float = 0.5
) -> RecoveryHistory:
    """Daily HRV and resting HR for the last ``days`` mornings, each with the band as it stood that morning."""
    today = local_today(user, now)
    first = today - timedelta(days=days - 1)
    rows = await metrics.between(session, user_id=user.id, start=first - timedelta(days=NORMAL_RANGE_DAYS), end=today)
    return recovery_history_of(rows, today=today, days=days, band_sd=band_sd)


def recovery_history_of(
    rows: Sequence[DailyMetric], *, today: date, days: int = HRV_DAYS, band_sd: float = 0.5
) -> RecoveryHistory:
    first = today - timedelta(days=days - 1)
    hrv, rhr, _sleep = recovery_series(rows)
    shown = [first + timedelta(days=i) for i in range(days)]
    baseline: list[float | None] = []
    band_low: list[float | None] = []
    band_high: list[float | None] = []
    rhr_mean: list[float | None] = []
    for day in shown:
        status = hrv_status(hrv, day, band_sd=band_sd)
        baseline.append(status.baseline_rmssd_ms if status else None)
        band_low.append(math.exp(status.range_low_ln) if status else None)
        band_high.append(math.exp(status.range_high_ln) if status else None)
        window = [v for d, v in rhr.items() if day - timedelta(days=NORMAL_RANGE_DAYS - 1) <= d <= day]
        rhr_mean.append(statistics.fmean(window) if len(window) >= MIN_RANGE_VALUES else None)
    series = HrvSeries(
        days=shown,
        rmssd_ms=[hrv.get(d) for d in shown],
        baseline_ms=baseline,
        band_low_ms=band_low,
        band_high_ms=band_high,
        resting_hr_bpm=[rhr.get(d) for d in shown],
        resting_hr_mean_bpm=rhr_mean,
    )
    return RecoveryHistory(
        rows=rows,
        series=series,
        mornings_with_hrv=sum(1 for d in shown if d in hrv),
        mornings_with_rhr=sum(1 for d in shown if d in rhr),
    )


@dataclass(frozen=True, slots=True)
class CurveSummary:
    curve: PowerCurve
    rides_with_power: int
    days: int


class RideSummary(Protocol):
    """What the summary floor reads of a workout (a `Workout` row or a `db.repositories.curves.CurveRow`)."""

    @property
    def duration_sec(self) -> int: ...
    @property
    def average_watts(self) -> int | None: ...
    @property
    def max_watts(self) -> int | None: ...


def summary_power_curve(rows: Sequence[RideSummary]) -> PowerCurve:
    """The best curve that ride summaries can honestly support.

    Without per-second power the only true points are: the peak (max watts, a 1-second best) and, for each
    ride, its average power held for its whole duration. A ride of D seconds at average P proves the athlete
    held about P for D seconds, so for each duration d the best average over rides lasting at least d is a floor
    under the true mean-maximal curve. Normalized power is not a mean and is not used.
    """
    rides = [(w.duration_sec, float(w.average_watts)) for w in rows if w.average_watts and w.duration_sec > 0]
    peaks = [float(w.max_watts) for w in rows if w.max_watts]
    peak = max(peaks) if peaks else None
    if not rides:
        return PowerCurve(durations_s=[], power_w=[], peak_w=peak, from_streams=False)
    shortest = min(d for d, _ in rides)
    longest = max(d for d, _ in rides)
    # Below the shortest ride the summaries say nothing, so the line starts there rather than run flat to 1 min.
    grid = [shortest, *(g for g in CURVE_GRID_S if shortest < g < longest), longest]
    return PowerCurve(
        durations_s=grid,
        power_w=[max(p for d, p in rides if d >= g) for g in grid],
        peak_w=peak,
        from_streams=False,
        rides=rides,
    )


async def power_curve(session: AsyncSession, user: User, *, now: datetime, days: int = CURVE_DAYS) -> CurveSummary:
    tz = ZoneInfo(user.timezone)
    start = local_day_start(local_today(user, now) - timedelta(days=days - 1), tz)
    rows = await workouts.between(session, user_id=user.id, start=start, end=now)
    with_power = [w for w in rows if w.average_watts or w.max_watts]
    return CurveSummary(curve=summary_power_curve(with_power), rides_with_power=len(with_power), days=days)
