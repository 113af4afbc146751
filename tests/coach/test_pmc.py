"""Fitness/fatigue/form against the worked numbers of science.md §4."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from coach.science import pmc


def test_constants_are_exponential() -> None:
    assert pytest.approx(0.023528, abs=1e-6) == pmc.K_CTL
    assert pytest.approx(0.133122, abs=1e-6) == pmc.K_ATL


def test_forty_two_days_at_one_hundred() -> None:
    ctl, atl = pmc.pmc_series([100.0] * 42)
    assert ctl[-1] == pytest.approx(63.21, abs=0.01)
    assert atl[-1] == pytest.approx(99.75, abs=0.01)


def test_a_single_day_raises_ctl_and_atl_by_k() -> None:
    ctl, atl = pmc.pmc_series([100.0])
    assert (ctl[0], atl[0]) == (pytest.approx(2.3528, abs=1e-4), pytest.approx(13.3122, abs=1e-4))


def test_rest_days_decay_exponentially() -> None:
    ctl, atl = pmc.pmc_series([0.0] * 42, ctl0=50.0, atl0=50.0)
    assert ctl[-1] == pytest.approx(50 * math.exp(-1), rel=1e-9)
    assert atl[-1] == pytest.approx(50 * math.exp(-6), rel=1e-9)


def test_days_fill_gaps_with_zero_and_sum_per_day() -> None:
    d0 = date(2026, 3, 1)
    loads = pmc.sum_loads_by_day(
        [(d0, 50.0), (d0, 30.0), (d0 + timedelta(days=2), None), (d0 + timedelta(days=3), 40.0)]
    )
    days = pmc.pmc_days(loads, d0, d0 + timedelta(days=3))
    assert [d.load for d in days] == [80.0, 0.0, 0.0, 40.0]
    assert days[-1].tsb == pytest.approx(days[-1].ctl - days[-1].atl)


def test_ramp_is_the_change_over_seven_days() -> None:
    ctl, _ = pmc.pmc_series([100.0] * 20)
    assert pmc.ramp_rate(ctl) == pytest.approx(ctl[-1] - ctl[-8])
    assert pmc.ramp_rate(ctl[:7]) is None
