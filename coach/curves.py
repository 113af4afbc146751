"""The athlete's mean-maximal power curve from the workouts' stored curves, and the thresholds it supports.

Each workout keeps its best values at fixed durations (``rawJson.curves``, written at FIT import and at sync
from a provider's streams or curves). The athlete's curve is the best of each duration across the workouts of
the last 90 days; the comparison line is the same over a longer span (`comparison_span`). Workouts stored
without a curve (summaries only: manual entries, providers without streams) still prove they held their
average power for their whole length, so they are drawn as a labelled floor (`coach.history`), never mixed
into the true curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach.charts import PowerCurve
from coach.daily import local_day_start, local_today
from coach.history import summary_power_curve
from coach.i18n import t
from coach.science import thresholds
from coach.science.thresholds import BestEffort, CriticalSpeedEstimate, DatedCurve, FtpEstimate, LthrEstimate
from db.models import User
from db.repositories import curves as curve_rows
from db.repositories.curves import CurveRow

CURVE_DAYS = thresholds.RECENT_DAYS
# The durations the caption quotes: sprint, anaerobic, VO2max, threshold test, hour.
KEY_DURATIONS_S = (5, 60, 300, 1200, 3600)
# The comparison is this calendar year when it reaches further back than the 90 days; early in a year (when it
# would not), the last 365 days instead, so the two lines never say the same thing.
YEAR_DAYS = 365


@dataclass(frozen=True, slots=True)
class CurveView:
    """What /curve draws and says, and what the coach's tool returns."""

    days: int
    best: dict[int, BestEffort]  # 90-day best power per duration (``source`` indexes ``rows``)
    comparison: dict[int, BestEffort]
    comparison_label: str
    rows: Sequence[CurveRow]  # every workout of the comparison span, oldest first
    sessions_with_curve: int  # in the 90 days
    sessions_without_curve: int  # with power in the 90 days, summaries only
    floor: PowerCurve  # 90-day rides without a curve, from their averages (empty when none)
    ftp: FtpEstimate
    critical_speed: CriticalSpeedEstimate  # from runs' best speeds
    lthr: LthrEstimate | None  # from sustained heart-rate bests

    def key_numbers(self) -> dict[int, float]:
        return {d: self.best[d].value for d in KEY_DURATIONS_S if d in self.best}

    def chart(self) -> PowerCurve:
        """The chart's input: the true curve with its comparison and floor, or the summary floor alone."""
        if not self.best:
            return self.floor
        durations = sorted(self.best)
        compared = sorted(self.comparison)
        return PowerCurve(
            durations_s=durations,
            power_w=[self.best[d].value for d in durations],
            peak_w=None,
            from_streams=True,
            comparison_durations_s=compared,
            comparison_power_w=[self.comparison[d].value for d in compared],
            comparison_label=self.comparison_label,
            floor_durations_s=self.floor.durations_s,
            floor_power_w=self.floor.power_w,
        )


def comparison_span(today: date, *, days: int = CURVE_DAYS) -> tuple[date, str]:
    """First day and label of the comparison line: this year, or the last 365 days early in the year (the
    label in the current language: the chart's legend and the caption show it)."""
    new_year = date(today.year, 1, 1)
    if (today - new_year).days >= days:
        return new_year, f"{today.year}"
    return today - timedelta(days=YEAR_DAYS - 1), t("last 365 days")


def channel(curves: dict[str, Any] | None, name: str) -> tuple[list[int], list[float | None]] | None:
    """One channel of a stored curve (``power_w``, ``heart_rate_bpm``, ``speed_m_s``), or ``None``.

    Stored JSON is checked, not trusted: arrays of another length or non-numbers make the curve absent.
    """
    if curves is None:
        return None
    durations, values = curves.get("durations_s"), curves.get(name)
    if not isinstance(durations, list) or not isinstance(values, list) or len(durations) != len(values):
        return None
    if not all(isinstance(d, int) and d > 0 for d in durations):
        return None
    if not all(v is None or isinstance(v, int | float) for v in values):
        return None
    return durations, [None if v is None else float(v) for v in values]


def dated_curves(rows: Sequence[CurveRow], name: str, *, today: date, tz: ZoneInfo) -> list[DatedCurve]:
    """The rows' curves of one channel as `thresholds.DatedCurve` (empty values for rows without one)."""
    result = []
    for row in rows:
        found = channel(row.curves, name)
        durations, values = found if found is not None else ([], [])
        result.append(DatedCurve(durations, values, age_days=(today - row.date.astimezone(tz).date()).days))
    return result


async def curve_view(session: AsyncSession, user: User, *, now: datetime) -> CurveView:
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    first, label = comparison_span(today)
    rows = await curve_rows.between(
        session, user_id=user.id, start=local_day_start(min(first, today - timedelta(days=CURVE_DAYS - 1)), tz), end=now
    )
    power = dated_curves(rows, "power_w", today=today, tz=tz)
    best = thresholds.best_efforts(power, recent_days=CURVE_DAYS - 1)
    comparison = thresholds.best_efforts(power, recent_days=(today - first).days)
    recent = [(r, c) for r, c in zip(rows, power, strict=True) if c.age_days < CURVE_DAYS]
    with_curve = {r.session_id for r, c in recent if any(v is not None for v in c.values)}
    without: dict[str, CurveRow] = {}
    for row, _ in recent:
        if row.session_id not in with_curve and (row.average_watts or row.max_watts):
            without.setdefault(row.session_id, row)
    floor = summary_power_curve(list(without.values()))
    return CurveView(
        days=CURVE_DAYS,
        best=best,
        comparison=comparison,
        comparison_label=label,
        rows=rows,
        sessions_with_curve=len(with_curve),
        sessions_without_curve=len(without),
        floor=floor,
        ftp=thresholds.estimate_ftp(power, recent_days=CURVE_DAYS - 1),
        critical_speed=thresholds.estimate_critical_speed(
            dated_curves(rows, "speed_m_s", today=today, tz=tz), recent_days=CURVE_DAYS - 1
        ),
        lthr=thresholds.estimate_lthr(
            dated_curves(rows, "heart_rate_bpm", today=today, tz=tz), recent_days=CURVE_DAYS - 1
        ),
    )
