"""HRV baseline and band, resting-HR elevation and sleep debt, with hand-computed values."""

from __future__ import annotations

import math
import statistics
from datetime import date, timedelta

import pytest

from coach.science.recovery import Band, hrv_status, resting_hr_status, sleep_status

TODAY = date(2026, 11, 25)


def _days(values: list[float]) -> dict[date, float]:
    """Values for consecutive days ending today."""
    return {TODAY - timedelta(days=len(values) - 1 - i): v for i, v in enumerate(values)}


def test_hrv_band_from_sixty_days_of_ln_rmssd() -> None:
    history = [60.0, 66.0, 55.0, 63.0] * 15  # 60 mornings
    status = hrv_status(_days(history), TODAY)
    assert status is not None
    ln = [math.log(v) for v in history]
    mu, sigma = statistics.fmean(ln), statistics.stdev(ln)
    assert status.range_low_ln == pytest.approx(mu - 0.5 * sigma)
    assert status.range_high_ln == pytest.approx(mu + 0.5 * sigma)
    assert status.baseline_ln == pytest.approx(statistics.fmean(ln[-7:]))
    assert status.band is Band.WITHIN
    assert status.values_in_range == 60


def test_a_falling_week_puts_the_baseline_below_the_band() -> None:
    history = [60.0, 66.0, 55.0, 63.0] * 13 + [48.0] * 7
    status = hrv_status(_days(history), TODAY)
    assert status is not None and status.band is Band.BELOW
    assert status.baseline_rmssd_ms == pytest.approx(48.0)


def test_one_low_morning_on_a_normal_week_is_an_acute_dip() -> None:
    history = [50.0, 72.0, 58.0, 66.0] * 15
    history[-1] = 45.0
    status = hrv_status(_days(history), TODAY)
    assert status is not None and status.band is Band.WITHIN and status.acute_dip


def test_band_width_is_configurable() -> None:
    history = [60.0, 66.0, 55.0, 63.0] * 15
    narrow, wide = hrv_status(_days(history), TODAY), hrv_status(_days(history), TODAY, band_sd=1.0)
    assert narrow is not None and wide is not None
    assert wide.range_high_ln - wide.range_low_ln == pytest.approx(2 * (narrow.range_high_ln - narrow.range_low_ln))


def test_too_few_mornings_give_no_hrv_status() -> None:
    assert hrv_status(_days([60.0] * 13), TODAY) is None  # under 14 values for the band
    sparse = {TODAY - timedelta(days=d): 60.0 for d in range(10, 40)}  # none in the last 7 days
    assert hrv_status(sparse, TODAY) is None


def test_resting_hr_elevated_on_consecutive_mornings() -> None:
    values = [48.0] * 58 + [54.0, 55.0]
    status = resting_hr_status(_days(values), TODAY)
    assert status is not None
    assert status.mean_60d_bpm == pytest.approx(statistics.fmean(values))
    assert status.elevated_mornings == 2 and status.elevated
    single = resting_hr_status(_days([48.0] * 59 + [56.0]), TODAY)
    assert single is not None and single.elevated_mornings == 1 and not single.elevated


def test_sleep_debt_over_seven_nights() -> None:
    status = sleep_status(_days([8.0, 7.0, 6.5, 9.0, 7.5, 8.0, 5.5]), TODAY)
    assert status is not None
    assert status.debt_7d_h == pytest.approx(1.0 + 1.5 + 0.5 + 2.5)
    assert status.last_night_h == 5.5 and status.short_night and status.in_debt  # 5.5 h > 5 h limit
    assert sleep_status({}, TODAY) is None
