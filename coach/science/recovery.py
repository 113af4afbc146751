"""Recovery signals: HRV baseline against its normal range, resting-HR elevation, sleep.

HRV statistics use ln(rMSSD), because raw rMSSD is right-skewed (Plews et al. 2013/2014):

- baseline  B = mean of ln rMSSD over the last 7 days (needs at least 3 values);
- normal range = mu +/- c*sigma of the daily ln rMSSD over the last 60 days (HRV4Training's 60-day
  window; c = 0.5 is the smallest-worthwhile-change band of Vesterinen 2016 / Javaloyes 2019).

Resting HR gets the same 7-day-versus-60-day treatment, plus an "elevated" flag when it sits 5 bpm or
more above its 60-day mean on 2 or more consecutive mornings (Buchheit 2014, a common fatigue/illness flag).

Sleep debt is the sum over 7 nights of max(0, need - slept), need = 8 h by default (Van Dongen 2003).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

BASELINE_DAYS = 7
NORMAL_RANGE_DAYS = 60
MIN_BASELINE_VALUES = 3
# Fewer than two weeks of mornings give a standard deviation too noisy to draw a band from.
MIN_RANGE_VALUES = 14
DEFAULT_BAND_SD = 0.5

RHR_ELEVATION_BPM = 5.0
RHR_ELEVATED_MORNINGS = 2

SLEEP_NEED_H = 8.0
SHORT_NIGHT_H = 6.0
SLEEP_DEBT_DAYS = 7
SLEEP_DEBT_LIMIT_H = 5.0


class Band(StrEnum):
    BELOW = "below"
    WITHIN = "within"
    ABOVE = "above"


@dataclass(frozen=True, slots=True)
class HrvStatus:
    """Where the 7-day ln rMSSD baseline sits against the 60-day normal range."""

    today_rmssd_ms: float | None
    baseline_ln: float
    range_low_ln: float
    range_high_ln: float
    values_in_baseline: int
    values_in_range: int
    band: Band
    # Today's single reading below the band while the baseline is normal: an acute dip.
    acute_dip: bool

    @property
    def baseline_rmssd_ms(self) -> float:
        return math.exp(self.baseline_ln)

    @property
    def range_rmssd_ms(self) -> tuple[float, float]:
        return math.exp(self.range_low_ln), math.exp(self.range_high_ln)


@dataclass(frozen=True, slots=True)
class RestingHrStatus:
    today_bpm: float | None
    mean_60d_bpm: float
    mean_7d_bpm: float
    elevated_mornings: int

    @property
    def elevated(self) -> bool:
        return self.elevated_mornings >= RHR_ELEVATED_MORNINGS

    @property
    def elevation_bpm(self) -> float | None:
        return None if self.today_bpm is None else self.today_bpm - self.mean_60d_bpm


@dataclass(frozen=True, slots=True)
class SleepStatus:
    last_night_h: float | None
    debt_7d_h: float
    nights_counted: int

    @property
    def short_night(self) -> bool:
        return self.last_night_h is not None and self.last_night_h < SHORT_NIGHT_H

    @property
    def in_debt(self) -> bool:
        return self.debt_7d_h > SLEEP_DEBT_LIMIT_H


def _window(values: Mapping[date, float], today: date, days: int) -> list[tuple[date, float]]:
    start = today - timedelta(days=days - 1)
    return sorted((d, v) for d, v in values.items() if start <= d <= today)


def _sample_sd(values: Sequence[float], mean: float) -> float:
    """The sample standard deviation in floats. `statistics.stdev` is exact (it sums in fractions), which
    cost a fifth of a morning brief's arithmetic for no difference a band of ±0.5 SD could show."""
    return math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1))


def hrv_status(
    rmssd_by_day: Mapping[date, float], today: date, *, band_sd: float = DEFAULT_BAND_SD
) -> HrvStatus | None:
    """The HRV picture for ``today``, or ``None`` when there are too few mornings to say anything."""
    ln_by_day = {d: math.log(v) for d, v in rmssd_by_day.items() if v > 0}
    recent = _window(ln_by_day, today, BASELINE_DAYS)
    history = _window(ln_by_day, today, NORMAL_RANGE_DAYS)
    if len(recent) < MIN_BASELINE_VALUES or len(history) < MIN_RANGE_VALUES:
        return None
    baseline = statistics.fmean(v for _, v in recent)
    values = [v for _, v in history]
    mu = statistics.fmean(values)
    sigma = _sample_sd(values, mu)
    low, high = mu - band_sd * sigma, mu + band_sd * sigma
    band = Band.BELOW if baseline < low else Band.ABOVE if baseline > high else Band.WITHIN
    today_ln = ln_by_day.get(today)
    acute = band is Band.WITHIN and today_ln is not None and today_ln < low
    return HrvStatus(
        today_rmssd_ms=rmssd_by_day.get(today),
        baseline_ln=baseline,
        range_low_ln=low,
        range_high_ln=high,
        values_in_baseline=len(recent),
        values_in_range=len(history),
        band=band,
        acute_dip=acute,
    )


def resting_hr_status(rhr_by_day: Mapping[date, float], today: date) -> RestingHrStatus | None:
    """Resting HR against its 60-day mean, or ``None`` with too few mornings."""
    history = _window(rhr_by_day, today, NORMAL_RANGE_DAYS)
    recent = _window(rhr_by_day, today, BASELINE_DAYS)
    if len(history) < MIN_RANGE_VALUES or not recent:
        return None
    mean_60 = statistics.fmean(v for _, v in history)
    elevated = 0
    day = today
    while (value := rhr_by_day.get(day)) is not None and value - mean_60 >= RHR_ELEVATION_BPM:
        elevated += 1
        day -= timedelta(days=1)
    return RestingHrStatus(
        today_bpm=rhr_by_day.get(today),
        mean_60d_bpm=mean_60,
        mean_7d_bpm=statistics.fmean(v for _, v in recent),
        elevated_mornings=elevated,
    )


def sleep_status(
    hours_by_day: Mapping[date, float], today: date, *, need_h: float = SLEEP_NEED_H
) -> SleepStatus | None:
    """Last night (the row dated ``today``) and the 7-night debt; ``None`` without any night recorded."""
    nights = _window(hours_by_day, today, SLEEP_DEBT_DAYS)
    if not nights:
        return None
    return SleepStatus(
        last_night_h=hours_by_day.get(today),
        debt_7d_h=sum(max(0.0, need_h - h) for _, h in nights),
        nights_counted=len(nights),
    )
