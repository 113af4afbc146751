import math

import numpy as np
import pytest

from coach.science.heart_rate import (
    HeartRateProfile,
    Sex,
    average_hr,
    average_hr_from_beats,
    default_lthr_bpm,
    heart_rate_reserve_fraction,
    hrss,
    max_hr,
    trimp,
    trimp_of_threshold_hour,
)
from coach.science.sampling import hold_on_grid

NAN = math.nan
ONE_HOUR_S = 3600


def test_average_hr_on_the_held_grid_is_time_weighted() -> None:
    # Smart recording: 100 bpm for 50 s written once, then 160 bpm written every second for 10 s.
    sample_s = np.array([0.0, *np.arange(50.0, 60.0)])
    samples = np.array([100.0] + [160.0] * 10)
    assert np.mean(samples) == pytest.approx(1700 / 11)  # what a plain sample mean would say
    held = hold_on_grid(sample_s, samples, np.arange(0.0, 60.0))
    assert average_hr(held) == pytest.approx(110.0)


def test_average_and_max_ignore_seconds_without_a_reading() -> None:
    assert average_hr([NAN, 120.0, 140.0]) == pytest.approx(130.0)
    assert max_hr([NAN, 120.0, 140.0]) == 140.0


def test_heart_rate_metrics_are_none_without_a_reading() -> None:
    profile = HeartRateProfile()
    assert average_hr([NAN, NAN]) is None
    assert max_hr([]) is None
    assert hrss([NAN] * 10, profile=profile) is None


def test_heart_rate_reserve_is_clipped_to_zero_and_one() -> None:
    reserve = heart_rate_reserve_fraction([40.0, 50.0, 120.0, 190.0, 200.0], rest_hr_bpm=50, max_hr_bpm=190)
    assert reserve.tolist() == pytest.approx([0.0, 0.0, 0.5, 1.0, 1.0])


@pytest.mark.parametrize(
    ("sex", "expected"),
    [(Sex.MALE, 50.15), (Sex.FEMALE, 59.46)],  # reference/science.md §2.1 worked numbers
)
def test_banister_trimp_of_an_hour_at_half_reserve(sex: Sex, expected: float) -> None:
    profile = HeartRateProfile(rest_hr_bpm=50, max_hr_bpm=190, sex=sex)
    assert trimp([120.0] * ONE_HOUR_S, profile=profile) == pytest.approx(expected, abs=0.01)


def test_trimp_respects_the_sample_interval() -> None:
    profile = HeartRateProfile(rest_hr_bpm=50, max_hr_bpm=190)
    per_second = trimp([120.0] * ONE_HOUR_S, profile=profile)
    assert trimp([120.0] * 720, profile=profile, sample_s=5.0) == pytest.approx(per_second)


def test_hrss_reference_hour_and_worked_example() -> None:
    profile = HeartRateProfile(rest_hr_bpm=50, max_hr_bpm=190, lthr_bpm=170)
    assert trimp_of_threshold_hour(profile) == pytest.approx(170.65, abs=0.01)
    assert hrss([150.0] * ONE_HOUR_S, profile=profile) == pytest.approx(63.3, abs=0.05)


@pytest.mark.parametrize("sex", list(Sex))
def test_one_hour_at_lthr_scores_100(sex: Sex) -> None:
    profile = HeartRateProfile(rest_hr_bpm=55, max_hr_bpm=185, lthr_bpm=165, sex=sex)
    assert hrss([165.0] * ONE_HOUR_S, profile=profile) == pytest.approx(100.0)


@pytest.mark.parametrize(("rest", "maximum", "expected"), [(50, 190, 169.0), (60, 200, 179.0)])
def test_default_lthr_is_85_percent_of_reserve(rest: float, maximum: float, expected: float) -> None:
    assert default_lthr_bpm(rest, maximum) == pytest.approx(expected)
    assert HeartRateProfile(rest_hr_bpm=rest, max_hr_bpm=maximum).threshold_hr_bpm == pytest.approx(expected)


def test_profile_rejects_rest_at_or_above_max() -> None:
    with pytest.raises(ValueError, match="rest_hr_bpm"):
        HeartRateProfile(rest_hr_bpm=190, max_hr_bpm=190)


def test_hrss_is_none_when_lthr_is_at_rest() -> None:
    profile = HeartRateProfile(rest_hr_bpm=60, max_hr_bpm=190, lthr_bpm=60)
    assert hrss([150.0] * 60, profile=profile) is None


def test_average_hr_from_beats_is_beats_over_time() -> None:
    # 60 beats at 0.5 s then 30 at 1.0 s: 90 beats in 60 s is 90 bpm (the mean of 60/RR would say 100).
    assert average_hr_from_beats([0.5] * 60 + [1.0] * 30) == pytest.approx(90.0)
    assert average_hr_from_beats([]) is None
