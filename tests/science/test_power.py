import math

import numpy as np
import pytest

from coach.science.power import (
    DropoutPolicy,
    average_power,
    average_power_over,
    best_mean_power,
    counted_seconds_mask,
    ftp_plausibility_warning,
    intensity_factor,
    max_power,
    normalized_power,
    rolling_mean_power,
    training_stress_score,
    tss_duration_s,
    variability_index,
    work_kj,
)

NAN = math.nan


def brute_force_np(stretches: list[list[float]]) -> float | None:
    """NP written out longhand: 30-s trailing means inside each stretch, 4th-power mean, 4th root."""
    means = [sum(stretch[end - 29 : end + 1]) / 30 for stretch in stretches for end in range(29, len(stretch))]
    if not means:
        return None
    return (sum(m**4 for m in means) / len(means)) ** 0.25


@pytest.mark.parametrize("watts", [0.0, 150.0, 287.0])
@pytest.mark.parametrize("seconds", [30, 31, 600])
def test_np_of_constant_power_is_that_power(watts: float, seconds: int) -> None:
    assert normalized_power(rolling_mean_power([watts] * seconds)) == pytest.approx(watts)


@pytest.mark.parametrize("seconds", [0, 1, 29])
def test_np_needs_one_full_30_second_window(seconds: int) -> None:
    assert normalized_power(rolling_mean_power([250.0] * seconds)) is None


def test_rolling_mean_is_trailing_and_skips_the_first_29_seconds() -> None:
    watts = np.arange(40, dtype=np.float64)
    rolling = rolling_mean_power(watts)
    assert np.all(np.isnan(rolling[:29]))
    assert rolling[29] == pytest.approx(np.mean(watts[0:30]))
    assert rolling[39] == pytest.approx(np.mean(watts[10:40]))


def test_np_matches_longhand_definition_on_intervals() -> None:
    ride = [100.0] * 60 + [400.0] * 45 + [0.0] * 20 + [250.0] * 90
    assert normalized_power(rolling_mean_power(ride)) == pytest.approx(brute_force_np([ride]))


def test_np_keeps_coasting_zeros() -> None:
    ride = [300.0] * 60 + [0.0] * 60
    assert normalized_power(rolling_mean_power(ride)) == pytest.approx(brute_force_np([ride]))
    assert normalized_power(rolling_mean_power(ride)) < 300.0


def test_window_restarts_after_a_pause_and_short_stretches_add_nothing() -> None:
    first, short, last = [200.0] * 50, [900.0] * 20, [300.0] * 70
    watts = first + short + last
    segments = [0] * 50 + [1] * 20 + [2] * 70
    rolling = rolling_mean_power(watts, segment_id=segments)
    assert np.all(np.isnan(rolling[50:70]))  # 20-s stretch: no full window
    assert np.all(np.isnan(rolling[70:99]))  # the window restarts after the pause
    assert normalized_power(rolling) == pytest.approx(brute_force_np([first, short, last]))


def test_reused_segment_labels_still_mark_a_pause() -> None:
    watts = [100.0] * 40 + [300.0] * 40 + [100.0] * 40
    by_label = rolling_mean_power(watts, segment_id=[0] * 40 + [1] * 40 + [0] * 40)
    by_number = rolling_mean_power(watts, segment_id=[0] * 40 + [1] * 40 + [2] * 40)
    np.testing.assert_array_equal(by_label, by_number)


def test_garmin_skips_dropouts_and_wahoo_counts_them_as_zero() -> None:
    watts = [200.0] * 40 + [NAN] * 10 + [200.0] * 40
    assert normalized_power(rolling_mean_power(watts, dropouts=DropoutPolicy.SKIP)) == pytest.approx(200.0)
    zero_filled = [200.0] * 40 + [0.0] * 10 + [200.0] * 40
    assert normalized_power(rolling_mean_power(watts, dropouts=DropoutPolicy.ZERO_FILL)) == pytest.approx(
        brute_force_np([zero_filled])
    )


def test_skipped_seconds_have_no_rolling_value() -> None:
    watts = [200.0] * 40 + [NAN] * 5 + [200.0] * 10
    rolling = rolling_mean_power(watts, dropouts=DropoutPolicy.SKIP)
    assert np.all(np.isnan(rolling[40:45]))
    assert rolling[45] == pytest.approx(200.0)  # the window reaches back over the dropout


def test_lap_np_uses_the_whole_rides_rolling_series() -> None:
    ride = [150.0] * 300 + [400.0] * 60 + [150.0] * 300
    rolling = rolling_mean_power(ride)
    lap = slice(300, 360)
    # The lap's first windows carry in 150 W from before the lap, so its NP sits below 400 W.
    carried_in = normalized_power(rolling[lap])
    assert carried_in is not None
    assert carried_in < 400.0
    assert carried_in == pytest.approx(brute_force_np([ride[271:360]]))


@pytest.mark.parametrize(
    ("counted", "dropouts", "expected_s"),
    [(3600, DropoutPolicy.SKIP, 3571), (29, DropoutPolicy.SKIP, 0), (0, DropoutPolicy.SKIP, 0)],
)
def test_tss_duration_is_counted_seconds_less_the_first_windows_29(
    counted: int, dropouts: DropoutPolicy, expected_s: int
) -> None:
    assert tss_duration_s([250.0] * counted, dropouts=dropouts) == expected_s


def test_tss_duration_counts_dropouts_only_when_zero_filling() -> None:
    watts = [250.0] * 100 + [NAN] * 50
    assert tss_duration_s(watts, dropouts=DropoutPolicy.SKIP) == 71
    assert tss_duration_s(watts, dropouts=DropoutPolicy.ZERO_FILL) == 121


@pytest.mark.parametrize(
    ("np_w", "ftp_w", "duration_s", "expected_if", "expected_tss"),
    [
        (250.0, 250.0, 3600, 1.0, 100.0),
        (200.0, 250.0, 3600, 0.8, 64.0),
        (301.0, 315.0, 4671, 0.955556, 118.47),
        (267.0, 200.0, 8327, 1.335, 412.2),
    ],
)
def test_intensity_factor_and_tss(
    np_w: float, ftp_w: float, duration_s: int, expected_if: float, expected_tss: float
) -> None:
    assert intensity_factor(np_w, ftp_w) == pytest.approx(expected_if, abs=1e-6)
    assert training_stress_score(np_w, ftp_w, duration_s) == pytest.approx(expected_tss, abs=0.05)


def test_intensity_factor_rejects_a_non_positive_ftp() -> None:
    with pytest.raises(ValueError, match="ftp_w"):
        intensity_factor(200.0, 0.0)


def test_work_is_watt_seconds_in_kilojoules_and_dropouts_add_nothing() -> None:
    assert work_kj([250.0] * 3600) == pytest.approx(900.0)
    assert work_kj([250.0, NAN, 250.0]) == pytest.approx(0.5)
    assert work_kj([NAN, NAN]) is None


@pytest.mark.parametrize(("dropouts", "expected_w"), [(DropoutPolicy.SKIP, 200.0), (DropoutPolicy.ZERO_FILL, 160.0)])
def test_average_power_divides_work_by_the_counted_seconds(dropouts: DropoutPolicy, expected_w: float) -> None:
    watts = [200.0] * 80 + [NAN] * 20
    assert average_power(watts, dropouts=dropouts) == pytest.approx(expected_w)


def test_power_summaries_are_none_without_any_reading() -> None:
    watts = [NAN] * 100
    assert average_power(watts) is None
    assert average_power(watts, dropouts=DropoutPolicy.ZERO_FILL) is None
    assert max_power(watts) is None
    assert normalized_power(rolling_mean_power(watts, dropouts=DropoutPolicy.ZERO_FILL)) is None


def test_counted_seconds_mask() -> None:
    watts = [1.0, NAN, 3.0]
    assert counted_seconds_mask(watts).tolist() == [True, False, True]
    assert counted_seconds_mask(watts, DropoutPolicy.ZERO_FILL).tolist() == [True, True, True]


def test_max_power_and_variability_index() -> None:
    assert max_power([100.0, NAN, 640.0, 0.0]) == 640.0
    assert variability_index(280.0, 250.0) == pytest.approx(1.12)
    assert variability_index(0.0, 0.0) is None


def test_best_mean_power_respects_pauses() -> None:
    watts = [300.0] * 600 + [300.0] * 600
    assert best_mean_power(watts, 1200) == pytest.approx(300.0)
    assert best_mean_power(watts, 1200, segment_id=[0] * 600 + [1] * 600) is None


def test_rolling_mean_power_validates_its_inputs() -> None:
    with pytest.raises(ValueError, match="window_s"):
        rolling_mean_power([1.0], window_s=0)
    with pytest.raises(ValueError, match="segment_id"):
        rolling_mean_power([1.0] * 40, segment_id=[0] * 39)


@pytest.mark.parametrize(
    ("tss", "duration_s", "best_20min_w", "ftp_w", "warns"),
    [
        (413.7, 8327, 300.0, 200.0, True),  # Edge 1000: 179 TSS/h
        (118.7, 4671, 320.0, 315.0, False),  # Edge 810: a hard but plausible ride
        (40.0, 600, None, 200.0, False),  # 10 min above FTP is normal
        (80.0, 3600, 250.0, 200.0, True),  # 20 min at 125 % of FTP
        (80.0, 3600, 235.0, 200.0, False),  # 117 %: a strong test, not an error
    ],
)
def test_ftp_plausibility_warning(
    tss: float, duration_s: int, best_20min_w: float | None, ftp_w: float, warns: bool
) -> None:
    warning = ftp_plausibility_warning(tss=tss, duration_s=duration_s, best_20min_w=best_20min_w, ftp_w=ftp_w)
    assert (warning is not None) == warns
    if warning is not None:
        assert warning.startswith("FTP probably set too low")
        assert warning.endswith(".")


def test_average_power_over_a_chosen_time_counts_all_work() -> None:
    # Sigma divides by the seconds above 0 W: 600 J over 3 such seconds, though 5 seconds ran.
    assert average_power_over([200.0, 0.0, 200.0, NAN, 200.0], 3) == pytest.approx(200.0)
    assert average_power_over([NAN, NAN], 2) is None
    assert average_power_over([100.0], 0) is None


def test_an_if_over_1_05_for_more_than_an_hour_says_the_ftp_is_probably_too_low() -> None:
    # 90 min at IF 1.10: 121 TSS/h, under the 150 TSS/h limit, yet no one holds 110 % of FTP for 1.5 h.
    warning = ftp_plausibility_warning(tss=1.5 * 100 * 1.10**2, duration_s=5400, best_20min_w=None, ftp_w=250)
    assert warning is not None and warning.startswith("FTP probably set too low: IF 1.10 for 1.5 h")
    # The same intensity for 50 minutes is a hard effort, not a wrong FTP.
    assert ftp_plausibility_warning(tss=50 / 60 * 100 * 1.10**2, duration_s=3000, best_20min_w=None, ftp_w=250) is None
    # IF 1.04 for two hours stays under the line.
    assert ftp_plausibility_warning(tss=2 * 100 * 1.04**2, duration_s=7200, best_20min_w=None, ftp_w=250) is None
