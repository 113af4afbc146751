import math

import numpy as np
import pytest

from coach.science.curve import (
    CURVE_DURATIONS_S,
    FTP_TEST_DURATION_S,
    CriticalPower,
    critical_power,
    curve_value,
    ftp_from_curve,
    mean_max_at,
    mean_max_power,
)

NAN = math.nan


def brute_force_mmp(watts: list[float]) -> list[float]:
    """Best mean over every window of every length, then the non-increasing envelope, longhand."""
    n = len(watts)
    raw = [max(sum(watts[i : i + d]) / d for i in range(n - d + 1)) for d in range(1, n + 1)]
    return [max(raw[d:]) for d in range(n)]


@pytest.mark.parametrize(
    "watts",
    [
        [250.0],
        [100.0, 400.0, 50.0, 300.0, 300.0, 0.0, 900.0, 120.0],
        [300.0, 0.0, 300.0],
        [0.0, 0.0, 0.0],
        [123.4, 250.6, 99.9, 310.2, 180.0],
    ],
)
def test_mmp_matches_the_longhand_definition(watts: list[float]) -> None:
    assert mean_max_power(watts).tolist() == pytest.approx(brute_force_mmp(watts))


def test_mmp_is_lifted_where_a_longer_effort_beats_a_shorter_one() -> None:
    # Raw bests: 300 W over 1 s, 150 W over 2 s, 200 W over 3 s; 2 s is lifted to 200.
    assert mean_max_power([300.0, 0.0, 300.0]).tolist() == pytest.approx([300.0, 200.0, 200.0])


def test_mmp_counts_missing_power_as_zero() -> None:
    assert mean_max_power([200.0, NAN, 200.0]).tolist() == pytest.approx([200.0, 200.0 / 3 * 2, 400.0 / 3])


def test_mmp_of_nothing_is_empty() -> None:
    assert mean_max_power([]).size == 0


def test_mmp_is_exact_for_fractional_watts_too() -> None:
    rng = np.random.default_rng(7)
    watts = rng.uniform(0, 500, 300)
    whole = np.round(watts)
    assert mean_max_power(watts).tolist() == pytest.approx(brute_force_mmp(watts.tolist()))
    assert mean_max_power(whole).tolist() == pytest.approx(brute_force_mmp(whole.tolist()))


@pytest.mark.parametrize(("duration_s", "expected"), [(0, None), (1, 400.0), (3, 200.0), (4, None)])
def test_curve_value(duration_s: int, expected: float | None) -> None:
    assert curve_value([400.0, 300.0, 200.0], duration_s) == expected


def test_ftp_is_95_percent_of_the_best_20_minutes() -> None:
    ride = [150.0] * 600 + [300.0] * FTP_TEST_DURATION_S + [150.0] * 600
    assert ftp_from_curve(mean_max_power(ride)) == pytest.approx(285.0)
    assert ftp_from_curve(mean_max_power([300.0] * (FTP_TEST_DURATION_S - 1))) is None


def model_curve(cp_w: float, w_prime_j: float, length_s: int) -> np.ndarray:
    durations = np.arange(1, length_s + 1, dtype=np.float64)
    return w_prime_j / durations + cp_w


def test_critical_power_recovers_the_model_it_was_drawn_from() -> None:
    fit = critical_power(model_curve(cp_w=260.0, w_prime_j=18_000.0, length_s=1800))
    assert fit is not None
    assert fit.cp_w == pytest.approx(260.0)
    assert fit.w_prime_j == pytest.approx(18_000.0)
    assert fit.power_at(300) == pytest.approx(320.0)


def test_critical_power_can_use_efforts_up_to_30_minutes() -> None:
    fit = critical_power(model_curve(cp_w=240.0, w_prime_j=15_000.0, length_s=1800), max_duration_s=1800)
    assert fit == CriticalPower(cp_w=pytest.approx(240.0), w_prime_j=pytest.approx(15_000.0))


@pytest.mark.parametrize(
    ("curve", "why"),
    [
        (model_curve(260.0, 18_000.0, 1199), "does not reach 20 minutes"),
        (np.full(1800, 220.0), "flat: W' of zero, the efforts were not maximal"),
        (model_curve(260.0, 90_000.0, 1800), "W' above any athlete's"),
        (model_curve(-20.0, 100_000.0, 1800), "negative CP"),
    ],
)
def test_critical_power_refuses_implausible_fits(curve: np.ndarray, why: str) -> None:
    assert critical_power(curve) is None, why


def test_critical_power_needs_enough_points_in_range() -> None:
    curve = model_curve(260.0, 18_000.0, 1800)
    assert critical_power(curve, min_duration_s=600, max_duration_s=720) is None
    assert critical_power(curve, min_duration_s=900, max_duration_s=600) is None


def brute_force_best_means(values: list[float], durations_s: list[int]) -> list[float]:
    """Each duration's best mean over windows without a NaN, every window summed from scratch; NaN if none."""
    best = []
    for d in durations_s:
        means = [
            sum(values[i : i + d]) / d
            for i in range(len(values) - d + 1)
            if not any(math.isnan(v) for v in values[i : i + d])
        ]
        best.append(max(means) if means else NAN)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_mean_max_at_equals_a_brute_force_search(seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.round(rng.gamma(2.0, 100.0, 400))
    if seed % 2:
        values[rng.integers(0, 400, 12)] = NAN  # heart rate with gaps: windows over a gap do not count
    durations = [1, 2, 3, 5, 10, 30, 60, 120, 399, 400, 401]
    expected = brute_force_best_means(values.tolist(), durations)
    assert mean_max_at(values, durations) == pytest.approx(expected, abs=1e-9, nan_ok=True)


def test_mean_max_at_keeps_the_raw_best_of_each_duration() -> None:
    # 150 W over 2 s, 200 W over 3 s: unlike `mean_max_power`, the 2-s value is not raised to 200.
    assert mean_max_at([300.0, 0.0, 300.0], [1, 2, 3]).tolist() == [300.0, 150.0, 200.0]


def test_mean_max_at_standard_durations_run_from_1_s_to_5_h() -> None:
    assert CURVE_DURATIONS_S[0] == 1
    assert CURVE_DURATIONS_S[-1] == 5 * 3600
    assert list(CURVE_DURATIONS_S) == sorted(set(CURVE_DURATIONS_S))
    assert np.isnan(mean_max_at([], [1])).all()
    with pytest.raises(ValueError, match="at least 1"):
        mean_max_at([1.0], [0])
