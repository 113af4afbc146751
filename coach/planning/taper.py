"""The taper search: daily loads that bring race-morning form (TSB) into +5…+25, projected with the PMC model.

Race-day form is the morning's: CTL − ATL at the end of the day before the race (science.md §4.3), the same
readiness form the daily coach uses. The loads come in two phases, simulated with the same recurrence as the
fitness chart (`coach.science.pmc`):

- **build/hold** until the taper: the daily load that raises CTL about 3 per week (load ≈ CTL + 20; §4.4 calls
  +3…+7/week sustainable), for at most 5 weeks (+15 CTL), then holding (load = CTL). The training plan asks
  for a plain hold (``build_margin=0``): its own weeks did the building under the athlete's ramp limit;
- **taper**: ``days`` at ``fraction`` of the load that held CTL when the taper began, with the race-week rhythm
  most coaches use — a rest day two days out and short openers the day before.

Among tapers of 7–14 days at 40–60 % of the usual volume (Bosquet et al. 2007, meta-analysis: 8–14 days,
volume cut by 41–60 %, intensity kept [lit]) — widened to 3–21 days and 30–80 % if none fits — the search
keeps the highest race-day CTL whose TSB lands in +5…+25, preferring TSB near +15 (Friel's A-race target,
§4.5) on ties. With too few days left for the band, it gives the freshest plan possible.

Pure: `/race` (`coach.reports.race`) and the training plan (`coach.planning.build`) both call it, so the
report and the plan agree on race-day form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from coach.science import pmc

TARGET_TSB = (5.0, 25.0)
IDEAL_TSB = 15.0
BUILD_MARGIN = 20.0  # daily load above CTL that ramps CTL by about +3 per week
BUILD_MAX_GAIN = 15.0
TAPER_DAYS = range(7, 15)
TAPER_DAYS_WIDE = range(3, 22)
TAPER_FRACTIONS_PREFERRED = tuple(f / 100 for f in range(40, 65, 5))  # Bosquet: volume cut 41–60 %
TAPER_FRACTIONS = tuple(f / 100 for f in range(30, 85, 5))
OPENERS_FRACTION = 0.35
RECOVERY_FRACTION = 0.4  # the day before: 30–45 min with a few short race-pace efforts


@dataclass(frozen=True, slots=True)
class TaperPlan:
    taper_days: int
    fraction: float
    recovery_days: int
    loads: list[float]  # one per day from today to the day before the race
    projection: list[pmc.PmcDay]  # today … the day before the race
    race_ctl: float
    race_atl: float

    @property
    def race_tsb(self) -> float:
        return self.race_ctl - self.race_atl

    @property
    def in_band(self) -> bool:
        return TARGET_TSB[0] <= self.race_tsb <= TARGET_TSB[1]


def _loads(
    ctl0: float,
    days: int,
    taper_days: int,
    fraction: float,
    recovery_days: int,
    build_margin: float = BUILD_MARGIN,
) -> list[float]:
    build_days = max(0, days - taper_days)
    loads: list[float] = []
    ctl = ctl0
    for i in range(build_days):
        if i < recovery_days:  # recovery signals are red: easy days first, as the daily coach says
            load = ctl * RECOVERY_FRACTION
            loads.append(load)
            ctl += pmc.K_CTL * (load - ctl)
            continue
        load = ctl + build_margin if ctl < ctl0 + BUILD_MAX_GAIN else ctl
        loads.append(load)
        ctl += pmc.K_CTL * (load - ctl)
    hold = ctl
    taper = [hold * fraction] * min(taper_days, days)
    if len(taper) >= 2:
        taper[-2] = 0.0  # rest two days out
    if taper:
        taper[-1] = min(taper[-1], hold * OPENERS_FRACTION)  # openers the day before
    return loads + taper


def simulate(
    ctl0: float,
    atl0: float,
    start: date,
    days: int,
    taper_days: int,
    fraction: float,
    recovery_days: int = 0,
    build_margin: float = BUILD_MARGIN,
) -> TaperPlan:
    loads = _loads(ctl0, days, taper_days, fraction, recovery_days, build_margin)
    ctls, atls = pmc.pmc_series(loads, ctl0=ctl0, atl0=atl0)
    projection = [
        pmc.PmcDay(day=start + timedelta(days=i), load=loads[i], ctl=ctls[i], atl=atls[i]) for i in range(days)
    ]
    return TaperPlan(
        taper_days=min(taper_days, days),
        fraction=fraction,
        recovery_days=min(recovery_days, max(0, days - taper_days)),
        loads=loads,
        projection=projection,
        race_ctl=ctls[-1] if ctls else ctl0,
        race_atl=atls[-1] if atls else atl0,
    )


def plan_taper(
    ctl0: float,
    atl0: float,
    *,
    start: date,
    race_day: date,
    recovery_days: int = 0,
    build_margin: float = BUILD_MARGIN,
) -> TaperPlan:
    """The best taper for a race on ``race_day``, training from ``start`` (today) to the day before.

    ``build_margin`` is the daily load above CTL of the days before the taper (0: hold CTL).
    """
    days = (race_day - start).days
    assert days >= 1, "the race must be after today"
    for taper_range, fractions in ((TAPER_DAYS, TAPER_FRACTIONS_PREFERRED), (TAPER_DAYS_WIDE, TAPER_FRACTIONS)):
        candidates = [
            simulate(ctl0, atl0, start, days, t, f, recovery_days, build_margin)
            for t in sorted({min(t, days) for t in taper_range})
            for f in fractions
        ]
        good = [c for c in candidates if c.in_band]
        if good:
            return max(good, key=lambda c: (round(c.race_ctl, 1), -abs(c.race_tsb - IDEAL_TSB)))
    # Nothing lands in the band: too little time (or already very fresh). Take the closest to it.
    taper_lengths = sorted({min(t, days) for t in TAPER_DAYS_WIDE})
    candidates = [
        simulate(ctl0, atl0, start, days, t, f, recovery_days, build_margin)
        for t in taper_lengths
        for f in (0.0, *TAPER_FRACTIONS)
    ]
    return min(candidates, key=lambda c: (_distance_to_band(c.race_tsb), -c.race_ctl))


def _distance_to_band(tsb: float) -> float:
    low, high = TARGET_TSB
    return 0.0 if low <= tsb <= high else min(abs(tsb - low), abs(tsb - high))
