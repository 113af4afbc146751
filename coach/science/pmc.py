"""Performance Management Chart: fitness (CTL), fatigue (ATL) and form (TSB).

The recurrence is the exponentially weighted moving average used by GoldenCheetah
(`src/Metrics/PMCData.cpp`), Elevate and intervals.icu:

    CTL_d = CTL_{d-1} + k_c * (L_d - CTL_{d-1}),   k_c = 1 - e^(-1/42)
    ATL_d = ATL_{d-1} + k_a * (L_d - ATL_{d-1}),   k_a = 1 - e^(-1/7)

where L_d is the summed training load (TSS-equivalents) of calendar day d, zero on rest days.
Rest days still decay both values, so the series runs over every calendar day.

Readiness form follows TrainingPeaks: the form that decides how to train *today* is
yesterday's CTL minus yesterday's ATL, before today's session is applied.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

CTL_DAYS = 42
ATL_DAYS = 7
K_CTL = 1.0 - math.exp(-1.0 / CTL_DAYS)  # 0.023528
K_ATL = 1.0 - math.exp(-1.0 / ATL_DAYS)  # 0.133122
RAMP_WINDOW_DAYS = 7

# Under ~6 weeks of history CTL is still climbing from its zero seed and under-reads fitness.
WARMUP_DAYS = 42


@dataclass(frozen=True, slots=True)
class PmcDay:
    """Fitness, fatigue and form at the end of one calendar day (after that day's load)."""

    day: date
    load: float
    ctl: float
    atl: float

    @property
    def tsb(self) -> float:
        """Same-day form (intervals.icu convention): CTL - ATL including this day's load."""
        return self.ctl - self.atl


def pmc_series(
    daily_loads: Sequence[float], *, ctl0: float = 0.0, atl0: float = 0.0
) -> tuple[list[float], list[float]]:
    """CTL and ATL at the end of each day for a contiguous series of daily loads.

    Returns two lists as long as ``daily_loads``. ``ctl0``/``atl0`` seed the day before the first.
    """
    ctl, atl = ctl0, atl0
    ctls: list[float] = []
    atls: list[float] = []
    k_c, k_a = K_CTL, K_ATL
    for load in daily_loads:
        ctl += k_c * (load - ctl)
        atl += k_a * (load - atl)
        ctls.append(ctl)
        atls.append(atl)
    return ctls, atls


def daily_load_series(loads_by_day: Mapping[date, float], start: date, end: date) -> list[float]:
    """Loads for every calendar day from ``start`` to ``end`` inclusive, zero where nothing was logged."""
    days = (end - start).days + 1
    return [float(loads_by_day.get(start + timedelta(days=i), 0.0)) for i in range(max(days, 0))]


def pmc_days(
    loads_by_day: Mapping[date, float], start: date, end: date, *, ctl0: float = 0.0, atl0: float = 0.0
) -> list[PmcDay]:
    """The chart from ``start`` to ``end`` inclusive, one `PmcDay` per calendar day."""
    loads = daily_load_series(loads_by_day, start, end)
    ctls, atls = pmc_series(loads, ctl0=ctl0, atl0=atl0)
    return [PmcDay(day=start + timedelta(days=i), load=loads[i], ctl=ctls[i], atl=atls[i]) for i in range(len(loads))]


def sum_loads_by_day(items: Iterable[tuple[date, float | None]]) -> dict[date, float]:
    """Sum per-workout loads into per-day loads; workouts without a load count as zero."""
    totals: dict[date, float] = {}
    for day, load in items:
        if load is not None:
            totals[day] = totals.get(day, 0.0) + load
    return totals


def ramp_rate(ctls: Sequence[float], *, window_days: int = RAMP_WINDOW_DAYS) -> float | None:
    """Change in CTL over the last ``window_days`` days (GoldenCheetah: CTL_d - CTL_{d-7}).

    ``None`` when the series is shorter than the window.
    """
    if len(ctls) <= window_days:
        return None
    return ctls[-1] - ctls[-1 - window_days]


@dataclass(frozen=True, slots=True)
class StoredDay:
    """One day with sessions, as stored: its load and counts, and CTL/ATL over the whole history at its end.

    ``sessions_total``/``estimated_total`` count from the first session on, so the count of any window is the
    difference of two rows.
    """

    day: date
    load: float
    sessions: int
    estimated: int
    ctl: float
    atl: float
    sessions_total: int
    estimated_total: int


def accumulate(days: Iterable[tuple[date, float, int, int]], *, seed: StoredDay | None) -> list[StoredDay]:
    """Stored days for (day, load, sessions, estimated) in day order, continuing from ``seed`` (the last day before).

    Rest days between two stored days decay both values: (1 - k)^n, the recurrence with zero loads.
    """
    out: list[StoredDay] = []
    last = seed
    for day, load, sessions, estimated in days:
        ctl, atl = carried(last, day - timedelta(days=1))
        ctl += K_CTL * (load - ctl)
        atl += K_ATL * (load - atl)
        sessions_total = sessions + (last.sessions_total if last else 0)
        estimated_total = estimated + (last.estimated_total if last else 0)
        last = StoredDay(day, load, sessions, estimated, ctl, atl, sessions_total, estimated_total)
        out.append(last)
    return out


def carried(row: StoredDay | None, day: date) -> tuple[float, float]:
    """CTL and ATL at the end of ``day`` from the last stored day at or before it (zero before any)."""
    if row is None:
        return 0.0, 0.0
    gap = (day - row.day).days
    return row.ctl * (1.0 - K_CTL) ** gap, row.atl * (1.0 - K_ATL) ** gap


@dataclass(frozen=True, slots=True)
class WindowForm:
    """CTL/ATL at the end of a day as if the series had started from zero on the window's first day."""

    ctl: float
    atl: float
    ramp_per_week: float | None
    days_of_history: int


def window_form(
    *,
    start: date,
    end: date,
    first: date,
    at_end: StoredDay | None,
    before_start: StoredDay | None,
    at_ramp: StoredDay | None,
) -> WindowForm:
    """`pmc_series` over the days ``start``…``end`` (zero seed), read from stored whole-history rows.

    The recurrence is linear: CTL over the window at day d equals the whole-history CTL at d minus the
    whole-history CTL of the day before the window, decayed to d, (1 - k)^(d - start + 1) · CTL(start - 1).
    So a window of any length costs three rows: the last stored day at or before ``end``, before ``start``
    and at or before ``end - RAMP_WINDOW_DAYS`` (for the ramp). ``first`` is the first day with sessions in the
    window; the days before it are zero and change nothing, but the days of history count from it.
    """
    seed_ctl, seed_atl = carried(before_start, start - timedelta(days=1))

    def windowed(row: StoredDay | None, day: date) -> tuple[float, float]:
        ctl, atl = carried(row, day)
        n = (day - start).days + 1
        return ctl - (1.0 - K_CTL) ** n * seed_ctl, atl - (1.0 - K_ATL) ** n * seed_atl

    ctl, atl = windowed(at_end, end)
    days = (end - first).days + 1
    ramp = None
    if days > RAMP_WINDOW_DAYS:
        ctl_week_ago, _ = windowed(at_ramp, end - timedelta(days=RAMP_WINDOW_DAYS))
        ramp = ctl - ctl_week_ago
    return WindowForm(ctl=ctl, atl=atl, ramp_per_week=ramp, days_of_history=days)


def window_days(
    stored_days: Sequence[StoredDay],
    *,
    start: date,
    first: date,
    end: date,
    before_start: StoredDay | None,
    before_shown: StoredDay | None,
    shown_from: date,
) -> list[PmcDay]:
    """`pmc_days` of the window ``start``…``end`` (zero seed), for the days ``max(first, shown_from)``…``end`` only.

    ``stored_days`` are the stored days from ``shown_from`` through ``end``; ``before_shown`` the last stored day
    before ``shown_from``, ``before_start`` the last before ``start`` (see `window_form`).
    """
    seed_ctl, seed_atl = carried(before_start, start - timedelta(days=1))
    by_day = {d.day: d for d in stored_days}
    last = before_shown
    out: list[PmcDay] = []
    day = max(first, shown_from)
    while day <= end:
        last = by_day.get(day, last)
        ctl, atl = carried(last, day)
        n = (day - start).days + 1
        load = by_day[day].load if day in by_day else 0.0
        out.append(PmcDay(day, load, ctl - (1.0 - K_CTL) ** n * seed_ctl, atl - (1.0 - K_ATL) ** n * seed_atl))
        day += timedelta(days=1)
    return out
