"""Thresholds from data, on synthetic athletes whose CP and W′ (or CS and D′) are known."""

import numpy as np
import pytest

from coach.science.curve import CURVE_DURATIONS_S
from coach.science.thresholds import (
    FTP_FRACTION_OF_CP,
    BestEffort,
    DatedCurve,
    Quality,
    best_efforts,
    differs,
    estimate_critical_speed,
    estimate_ftp,
    estimate_lthr,
    fit_critical_model,
)


def model_value(critical: float, reserve: float, duration_s: int, *, peak: float) -> float:
    """The 2-parameter model, capped at a sprint peak where W′/t runs away below a minute."""
    return min(peak, reserve / duration_s + critical)


def synthetic_curves(
    critical: float, reserve: float, *, peak: float, seed: int, workouts: int = 30, noise: float = 0.005
) -> list[DatedCurve]:
    """A block of workouts: most sub-maximal everywhere (60–92 % of the model), a few all-out at some durations.

    Every maximal effort carries ±``noise`` measurement scatter; the durations each all-out workout hits are
    random, so some 3–20 min bests come from sub-maximal days only and sit under the model.
    """
    rng = np.random.default_rng(seed)
    curves = []
    for index in range(workouts):
        all_out = index % 5 == 0
        values: list[float | None] = []
        for duration_s in CURVE_DURATIONS_S:
            true_w = model_value(critical, reserve, duration_s, peak=peak)
            if all_out and rng.random() < 0.6:
                values.append(true_w * (1 + rng.uniform(-noise, noise)))
            else:
                values.append(true_w * rng.uniform(0.60, 0.92))
        curves.append(DatedCurve(CURVE_DURATIONS_S, values, age_days=int(rng.integers(0, 89))))
    return curves


@pytest.mark.parametrize(
    ("cp_w", "w_prime_j", "seed"),
    [(250.0, 20_000.0, 1), (180.0, 12_000.0, 2), (330.0, 26_000.0, 3), (275.0, 16_000.0, 4), (210.0, 22_000.0, 5)],
)
def test_recovers_cp_and_w_prime_within_3_percent(cp_w: float, w_prime_j: float, seed: int) -> None:
    estimate = estimate_ftp(synthetic_curves(cp_w, w_prime_j, peak=1100.0, seed=seed))
    assert estimate.quality is Quality.GOOD
    assert estimate.cp_w == pytest.approx(cp_w, rel=0.03)
    assert estimate.w_prime_j == pytest.approx(w_prime_j, rel=0.03)
    assert estimate.ftp_w == pytest.approx(FTP_FRACTION_OF_CP * cp_w, rel=0.03)
    assert all(180 <= e.duration_s <= 1200 for e in estimate.efforts)


def test_exact_model_points_give_the_model_back() -> None:
    efforts = [BestEffort(d, 20_000 / d + 250, 0, 1) for d in (180, 300, 600, 1200)]
    model, quality = fit_critical_model(efforts)
    assert quality is Quality.GOOD and model is not None
    assert model.critical == pytest.approx(250.0)
    assert model.reserve == pytest.approx(20_000.0)
    assert model.value_at(600) == pytest.approx(20_000 / 600 + 250)


def test_a_submaximal_best_is_left_out_of_the_fit() -> None:
    efforts = [BestEffort(d, 20_000 / d + 250, 0, 1) for d in (180, 240, 300, 600, 900, 1200)]
    efforts[3] = BestEffort(600, 0.8 * (20_000 / 600 + 250), 1, 1)
    model, _ = fit_critical_model(efforts)
    assert model is not None
    assert 600 not in {e.duration_s for e in model.efforts}
    assert model.critical == pytest.approx(250.0)


@pytest.mark.parametrize(
    ("durations_s", "quality"),
    [((180, 300, 600), Quality.TOO_FEW_EFFORTS), ((180, 240, 300, 360, 480), Quality.NARROW_SPREAD)],
)
def test_too_little_data_gives_no_estimate(durations_s: tuple[int, ...], quality: Quality) -> None:
    curve = DatedCurve(durations_s, [20_000 / d + 250 for d in durations_s], age_days=3)
    estimate = estimate_ftp([curve])
    assert estimate.quality is quality
    assert estimate.ftp_w is None


def test_old_efforts_do_not_count() -> None:
    fresh = DatedCurve((180, 300, 600, 1200), [20_000 / d + 250 for d in (180, 300, 600, 1200)], age_days=91)
    assert estimate_ftp([fresh]).quality is Quality.TOO_FEW_EFFORTS
    assert best_efforts([fresh], recent_days=91)[600].source == 0


def test_a_steady_ride_is_implausible_not_an_ftp() -> None:
    flat = DatedCurve((180, 300, 600, 1200), [200.0, 200.0, 199.0, 199.0], age_days=1)
    estimate = estimate_ftp([flat])
    assert estimate.quality is Quality.IMPLAUSIBLE
    assert estimate.ftp_w is None


def test_a_20_minute_best_that_disagrees_with_the_model_is_inconsistent() -> None:
    # A big W′ (45 kJ) lifts the 20-minute best: 0.95 × 287.5 = 273 W against CP / 1.04 = 240 W.
    durations = (180, 300, 600, 1200)
    estimate = estimate_ftp([DatedCurve(durations, [45_000 / d + 250 for d in durations], age_days=1)])
    assert estimate.quality is Quality.INCONSISTENT
    assert estimate.ftp_w is None


@pytest.mark.parametrize(("cs_m_s", "d_prime_m", "seed"), [(4.2, 200.0, 7), (3.3, 150.0, 8), (5.0, 260.0, 9)])
def test_recovers_critical_speed_and_d_prime_of_a_synthetic_runner(cs_m_s: float, d_prime_m: float, seed: int) -> None:
    estimate = estimate_critical_speed(synthetic_curves(cs_m_s, d_prime_m, peak=9.0, seed=seed))
    assert estimate.quality is Quality.GOOD
    assert estimate.cs_m_s == pytest.approx(cs_m_s, rel=0.03)
    assert estimate.d_prime_m == pytest.approx(d_prime_m, rel=0.03)


def test_lthr_takes_the_higher_of_the_60_minute_and_95_percent_of_the_20_minute_heart_rate() -> None:
    ride = DatedCurve((1200, 3600), [176.0, 165.0], age_days=4)
    estimate = estimate_lthr([ride])
    assert estimate is not None
    assert estimate.lthr_bpm == pytest.approx(0.95 * 176.0)
    assert estimate.rule == "95 % of best 20 min"
    long_ride = DatedCurve((1200, 3600), [176.0, 169.0], age_days=4)
    hour = estimate_lthr([long_ride])
    assert hour is not None and hour.lthr_bpm == pytest.approx(169.0) and hour.rule == "best 60 min"
    assert estimate_lthr([DatedCurve((600,), [180.0], age_days=1)]) is None


@pytest.mark.parametrize(
    ("estimate", "setting", "expected"),
    [(262.0, 250.0, True), (257.0, 250.0, False), (242.0, 250.0, True), (250.0, None, True)],
)
def test_differs_beyond_a_fraction_of_the_setting(estimate: float, setting: float | None, expected: bool) -> None:
    assert differs(estimate, setting, tolerance=0.03) is expected
