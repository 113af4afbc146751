"""Thresholds found from data: FTP and W′, critical speed and D′, LTHR, from the best efforts of recent workouts.

Input is what every workout keeps (`coach.science.curve.CURVE_DURATIONS_S` and one best value per duration), with
the workout's age in days; output is numbers, the efforts they rest on, and a verdict on whether the data is good
enough to act on. No I/O: the caller reads the curves and decides what to do with an estimate.

Model (`reference/science.md` §1.5): the 2-parameter critical-power model P(t) = W′/t + CP (Monod & Scherrer),
fitted by least squares in its linear work–time form, work(t) = CP·t + W′, to the best efforts of 3 to 20
minutes. Each point is weighted by 1/t, so every effort's error counts as a fraction of its power: unweighted,
the 20-minute point's work (≈ 300 kJ) swamps the 3-minute one's and W′ drifts with 1 % of noise.
The same model on distance–time, distance(t) = CS·t + D′, gives a runner's critical speed and D′.

Best efforts across many workouts are not all maximal: a rider who never went hard for 8 minutes has an 8-minute
best well under the model. Such points lie *below* the curve the maximal points trace, so after a first fit the
points more than `SUBMAXIMAL_TOLERANCE` below the model are dropped and the model refitted (an envelope fit: the
model should touch the maximal efforts, not average them with easy days). At least `MIN_EFFORTS` points remain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from coach.science.curve import CP_MAX_DURATION_S, CP_MIN_DURATION_S, FTP_FRACTION_OF_20MIN, FTP_TEST_DURATION_S
from coach.science.wording import N_

# Only efforts of the last 90 days count: fitness changes over a block (science.md §1.5: a 42–90-day window).
RECENT_DAYS = 90
# The fit needs this many durations in 3–20 min, and the longest at least this many times the shortest,
# so CP (the slope) is not extrapolated from a cluster of similar durations.
MIN_EFFORTS = 4
MIN_DURATION_SPREAD = 3.0
# A best effort this far below the first fit is taken as sub-maximal and left out of the second.
SUBMAXIMAL_TOLERANCE = 0.03
# CP is typically 3–5 % above FTP (science.md §1.5); FTP = CP / 1.04 takes the middle.
FTP_FRACTION_OF_CP = 1 / 1.04
# The CP estimate and 95 % of the best 20 min are two views of one threshold; when they differ by more than
# this the efforts are not telling one story (a 20-minute best that was not all-out, a sprint-heavy block).
CROSS_CHECK_TOLERANCE = 0.10
# W′ of trained cyclists is 10–25 kJ; outside 2–60 kJ the fit describes non-maximal efforts.
W_PRIME_PLAUSIBLE_J = (2_000.0, 60_000.0)
# Runners' D′ is typically 100–300 m (Jones & Vanhatalo 2017); outside 20–600 m the efforts were not maximal.
D_PRIME_PLAUSIBLE_M = (20.0, 600.0)
# LTHR from sustained efforts (TrainingPeaks, quoted in science.md §1.5): the best 60-minute mean HR, or 95 %
# of the best 20-minute mean HR, whichever is higher.
LTHR_FRACTION_OF_20MIN_HR = 0.95
LTHR_LONG_DURATION_S = 60 * 60


class Quality(StrEnum):
    """Why an estimate can or cannot be acted on; ``GOOD`` is the only value that may change a setting."""

    GOOD = "good"
    TOO_FEW_EFFORTS = "too_few_efforts"  # fewer than MIN_EFFORTS recent bests in 3–20 min
    NARROW_SPREAD = "narrow_spread"  # the durations do not span the fit window
    IMPLAUSIBLE = "implausible"  # W′ / D′ outside physiology, or CP ≤ 0: the efforts were not maximal
    INCONSISTENT = "inconsistent"  # CP-based FTP and 95 % of 20 min disagree by more than CROSS_CHECK_TOLERANCE


@dataclass(frozen=True, slots=True)
class DatedCurve:
    """One workout's best values at fixed durations (``None`` where it had none) and its age in whole days."""

    durations_s: Sequence[int]
    values: Sequence[float | None]
    age_days: int


@dataclass(frozen=True, slots=True)
class BestEffort:
    """The best value at one duration and where it came from (``source``: index into the input curves)."""

    duration_s: int
    value: float
    source: int
    age_days: int


@dataclass(frozen=True, slots=True)
class CriticalModel:
    """Fitted P(t) = W′/t + CP (or speed, with D′ in metres) and the efforts the fit kept."""

    critical: float  # CP in W, or CS in m/s
    reserve: float  # W′ in J, or D′ in m
    efforts: tuple[BestEffort, ...]

    def value_at(self, duration_s: float) -> float:
        """Power (or speed) the model predicts can be held for ``duration_s`` seconds."""
        return self.reserve / duration_s + self.critical


@dataclass(frozen=True, slots=True)
class FtpEstimate:
    """Estimated FTP with its model and cross-check; ``ftp_w`` is ``None`` unless ``quality`` allows one."""

    ftp_w: float | None
    cp_w: float | None
    w_prime_j: float | None
    ftp_from_20min_w: float | None  # 0.95 × best 20-minute power, the cross-check
    efforts: tuple[BestEffort, ...]  # what the fit rests on (shown to the athlete as evidence)
    quality: Quality


@dataclass(frozen=True, slots=True)
class CriticalSpeedEstimate:
    cs_m_s: float | None
    d_prime_m: float | None
    efforts: tuple[BestEffort, ...]
    quality: Quality


@dataclass(frozen=True, slots=True)
class LthrEstimate:
    lthr_bpm: float
    effort: BestEffort  # the sustained effort it comes from
    rule: str  # "best 60 min" or "95 % of best 20 min" (English; shown with ``coach.i18n.t(rule)``)


def best_efforts(curves: Sequence[DatedCurve], *, recent_days: int = RECENT_DAYS) -> dict[int, BestEffort]:
    """The best value for each duration across the curves no older than ``recent_days``, with its source."""
    best: dict[int, BestEffort] = {}
    for index, curve in enumerate(curves):
        if curve.age_days > recent_days:
            continue
        for duration_s, value in zip(curve.durations_s, curve.values, strict=True):
            if value is None or not np.isfinite(value) or value <= 0:
                continue
            current = best.get(duration_s)
            if current is None or value > current.value:
                best[duration_s] = BestEffort(duration_s, float(value), index, curve.age_days)
    return best


def fit_critical_model(
    efforts: Sequence[BestEffort],
    *,
    min_duration_s: int = CP_MIN_DURATION_S,
    max_duration_s: int = CP_MAX_DURATION_S,
) -> tuple[CriticalModel | None, Quality]:
    """Least squares of work (value × t) on t over the efforts in the window, refitted without sub-maximal ones.

    Returns the model and ``Quality.GOOD``, or ``None`` and why not (too few efforts, too narrow a spread).
    Plausibility of the reserve is the caller's: W′ and D′ have different units and ranges.
    """
    inside = (e for e in efforts if min_duration_s <= e.duration_s <= max_duration_s)
    window = sorted(inside, key=lambda e: e.duration_s)
    if len(window) < MIN_EFFORTS:
        return None, Quality.TOO_FEW_EFFORTS
    if window[-1].duration_s < MIN_DURATION_SPREAD * window[0].duration_s:
        return None, Quality.NARROW_SPREAD
    kept = window
    critical, reserve = _work_time_fit(kept)
    if critical > 0:
        maximal = [e for e in window if e.value >= (1 - SUBMAXIMAL_TOLERANCE) * (reserve / e.duration_s + critical)]
        spread = len(maximal) >= 2 and maximal[-1].duration_s >= MIN_DURATION_SPREAD * maximal[0].duration_s
        if len(maximal) >= MIN_EFFORTS and spread and len(maximal) < len(window):
            kept = maximal
            critical, reserve = _work_time_fit(kept)
    if critical <= 0:
        return None, Quality.IMPLAUSIBLE
    return CriticalModel(critical=critical, reserve=reserve, efforts=tuple(kept)), Quality.GOOD


def _work_time_fit(efforts: Sequence[BestEffort]) -> tuple[float, float]:
    durations = np.array([e.duration_s for e in efforts], dtype=np.float64)
    work = np.array([e.value for e in efforts], dtype=np.float64) * durations
    slope, intercept = np.polyfit(durations, work, 1, w=1 / durations)
    return float(slope), float(intercept)


def estimate_ftp(curves: Sequence[DatedCurve], *, recent_days: int = RECENT_DAYS) -> FtpEstimate:
    """FTP = CP / 1.04 from the 2-parameter fit to the recent 3–20 min power bests, cross-checked by 0.95 × 20 min.

    ``ftp_w`` is given only on good data: enough efforts spread over the window, a plausible W′, and agreement
    with the 20-minute rule within `CROSS_CHECK_TOLERANCE`.
    """
    best = best_efforts(curves, recent_days=recent_days)
    twenty = best.get(FTP_TEST_DURATION_S)
    from_20min_w = FTP_FRACTION_OF_20MIN * twenty.value if twenty is not None else None
    model, quality = fit_critical_model(list(best.values()))
    if model is None:
        return FtpEstimate(None, None, None, from_20min_w, (), quality)
    if not W_PRIME_PLAUSIBLE_J[0] <= model.reserve <= W_PRIME_PLAUSIBLE_J[1]:
        return FtpEstimate(None, model.critical, model.reserve, from_20min_w, model.efforts, Quality.IMPLAUSIBLE)
    ftp_w = FTP_FRACTION_OF_CP * model.critical
    if from_20min_w is not None and abs(ftp_w - from_20min_w) > CROSS_CHECK_TOLERANCE * from_20min_w:
        return FtpEstimate(None, model.critical, model.reserve, from_20min_w, model.efforts, Quality.INCONSISTENT)
    return FtpEstimate(ftp_w, model.critical, model.reserve, from_20min_w, model.efforts, Quality.GOOD)


def estimate_critical_speed(curves: Sequence[DatedCurve], *, recent_days: int = RECENT_DAYS) -> CriticalSpeedEstimate:
    """Critical speed (m/s) and D′ (m) from the recent 3–20 min speed bests of runs (distance = CS·t + D′)."""
    best = best_efforts(curves, recent_days=recent_days)
    model, quality = fit_critical_model(list(best.values()))
    if model is None:
        return CriticalSpeedEstimate(None, None, (), quality)
    if not D_PRIME_PLAUSIBLE_M[0] <= model.reserve <= D_PRIME_PLAUSIBLE_M[1]:
        return CriticalSpeedEstimate(None, None, model.efforts, Quality.IMPLAUSIBLE)
    return CriticalSpeedEstimate(model.critical, model.reserve, model.efforts, Quality.GOOD)


def estimate_lthr(curves: Sequence[DatedCurve], *, recent_days: int = RECENT_DAYS) -> LthrEstimate | None:
    """LTHR from sustained heart-rate bests: the higher of the best 60-min HR and 95 % of the best 20-min HR.

    ``None`` without a recent effort of at least 20 minutes with heart rate.
    """
    best = best_efforts(curves, recent_days=recent_days)
    candidates: list[LthrEstimate] = []
    if (hour := best.get(LTHR_LONG_DURATION_S)) is not None:
        candidates.append(LthrEstimate(hour.value, hour, N_("best 60 min")))
    if (twenty := best.get(FTP_TEST_DURATION_S)) is not None:
        candidates.append(LthrEstimate(LTHR_FRACTION_OF_20MIN_HR * twenty.value, twenty, N_("95 % of best 20 min")))
    return max(candidates, key=lambda c: c.lthr_bpm, default=None)


def differs(estimate: float, setting: float | None, *, tolerance: float) -> bool:
    """Whether ``estimate`` is more than ``tolerance`` (a fraction) away from the stored ``setting``."""
    return setting is None or setting <= 0 or abs(estimate - setting) > tolerance * setting
