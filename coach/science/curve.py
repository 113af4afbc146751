"""Mean-maximal curves, FTP from the best 20 minutes, and the 2-parameter critical-power model.

The curve takes a 1 Hz power stream of timer-on seconds (`coach.science.sampling`); seconds without a reading
count as 0 W and timer pauses are simply left out, as in GoldenCheetah after `FixGaps`. Entry ``d - 1`` of the
curve is the best mean power over any ``d`` consecutive seconds.

`mean_max_at` gives the same best means at a fixed set of durations (`CURVE_DURATIONS_S`), which is what each
workout keeps: one short array per channel (power, heart rate, speed) instead of the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from coach.science.sampling import FloatArray

# Allen & Coggan: FTP ≈ 95 % of the best 20-minute mean power.
FTP_TEST_DURATION_S = 20 * 60
FTP_FRACTION_OF_20MIN = 0.95

# Critical-power fit window: efforts of about 3 to 20 minutes are where the 2-parameter model holds
# (shorter ones are limited by peak power, longer ones fall below CP); `reference/science.md` §1.5.
CP_MIN_DURATION_S = 3 * 60
CP_MAX_DURATION_S = 20 * 60
CP_FIT_DURATIONS_S = (180, 240, 300, 360, 480, 600, 720, 900, 1200, 1500, 1800)
CP_MIN_POINTS = 4
# W' of trained cyclists is typically 10–25 kJ; outside 2–60 kJ the fit is describing non-maximal efforts.
W_PRIME_PLAUSIBLE_J = (2_000.0, 60_000.0)

# The durations every workout's curve is kept at, 1 s to 5 h: dense where the curve bends (sprints, 3–20 min
# efforts for critical power), sparse where it is flat.
CURVE_DURATIONS_S = (
    1, 2, 3, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 360, 480, 600, 720, 900, 1200, 1500, 1800,
    2400, 2700, 3600, 5400, 7200, 10800, 14400, 18000,
)  # fmt: skip

# When every watt is a whole number and the ride's energy fits in int32, window sums in int32 are exact and
# the O(n²) loop moves half the bytes of float64 (≈25 % faster on a 6-hour ride).
_INT32_MAX = np.iinfo(np.int32).max


def mean_max_power(power_w: npt.ArrayLike) -> FloatArray:
    """Mean-maximal power for every duration 1 s … len(power_w) s, made non-increasing.

    MMP(d) = max_i (E[i+d] − E[i]) / d over the prefix sums E (sweatpy `mean_max`): for each duration one
    vectorised subtraction and max over all start times, O(n²) work in total (≈105 ms for 6 hours at 1 Hz).
    The raw maxima can rise with duration ([300, 0, 300]: 150 W over 2 s, 200 W over 3 s), so each duration
    takes the best of itself and all longer ones: whoever held 200 W for 3 s held it for 2.
    """
    power = np.nan_to_num(np.asarray(power_w, dtype=np.float64), nan=0.0)
    n = power.size
    if n == 0:
        return np.empty(0, dtype=np.float64)
    sums = np.concatenate((np.zeros(1), np.cumsum(power)))
    if np.all(power == np.round(power)) and np.abs(power).sum() <= _INT32_MAX:
        sums = sums.astype(np.int32)
    best_sums = np.empty(n, dtype=np.float64)
    window = np.empty(n, dtype=sums.dtype)
    for duration in range(1, n + 1):
        span = window[: n + 1 - duration]
        np.subtract(sums[duration:], sums[: n + 1 - duration], out=span)
        best_sums[duration - 1] = span.max()
    curve = best_sums / np.arange(1, n + 1, dtype=np.float64)
    return np.maximum.accumulate(curve[::-1])[::-1]


def mean_max_at(values: npt.ArrayLike, durations_s: npt.ArrayLike = CURVE_DURATIONS_S) -> FloatArray:
    """Best mean of ``values`` over any ``d`` consecutive samples, for each ``d`` in ``durations_s``.

    Exact: max_i (E[i+d] − E[i]) / d over the prefix sums E, each duration one vectorised pass (O(n) per
    duration, ≈31 passes for the standard set). Windows holding a NaN are not candidates, so a channel that
    starts late (heart rate before the strap connects) is judged on its readings only; pass power with NaN
    as 0 W for the curve convention above. Entries are NaN where no window fits (the activity is shorter
    than ``d``, or every window has a gap). Unlike `mean_max_power` the raw maxima are kept, without making
    them non-increasing: each value is the best of that exact duration, as a brute-force search finds it.
    """
    samples = np.asarray(values, dtype=np.float64)
    durations = np.asarray(durations_s, dtype=np.int64)
    if np.any(durations < 1):
        raise ValueError("durations_s must be at least 1")
    best = np.full(durations.shape, np.nan, dtype=np.float64)
    n = samples.size
    if n == 0:
        return best
    missing = np.isnan(samples)
    sums = np.empty(n + 1, dtype=np.float64)
    sums[0] = 0.0
    np.cumsum(np.where(missing, 0.0, samples), out=sums[1:])
    gaps = None
    if missing.any():
        gaps = np.empty(n + 1, dtype=np.int64)
        gaps[0] = 0
        np.cumsum(missing, out=gaps[1:])
    for k, duration in enumerate(durations.tolist()):
        if duration > n:
            continue
        window = sums[duration:] - sums[: n + 1 - duration]
        if gaps is not None:
            window[(gaps[duration:] - gaps[: n + 1 - duration]) > 0] = -np.inf
        top = float(window.max())
        if top != -np.inf:
            best[k] = top / duration
    return best


def curve_value(curve_w: npt.ArrayLike, duration_s: int) -> float | None:
    """The curve at ``duration_s`` seconds; ``None`` when the ride is shorter."""
    curve = np.asarray(curve_w, dtype=np.float64)
    if duration_s < 1 or duration_s > curve.size:
        return None
    return float(curve[duration_s - 1])


def ftp_from_curve(curve_w: npt.ArrayLike) -> float | None:
    """FTP ≈ 0.95 × best 20-minute power (Allen & Coggan); ``None`` for rides under 20 minutes."""
    best_20min_w = curve_value(curve_w, FTP_TEST_DURATION_S)
    if best_20min_w is None:
        return None
    return FTP_FRACTION_OF_20MIN * best_20min_w


@dataclass(frozen=True, slots=True)
class CriticalPower:
    """2-parameter model P(t) = W'/t + CP (Monod & Scherrer)."""

    cp_w: float
    w_prime_j: float

    def power_at(self, duration_s: float) -> float:
        """Power the model predicts can be held for ``duration_s`` seconds."""
        return self.w_prime_j / duration_s + self.cp_w


def critical_power(
    curve_w: npt.ArrayLike,
    *,
    min_duration_s: int = CP_MIN_DURATION_S,
    max_duration_s: int = CP_MAX_DURATION_S,
) -> CriticalPower | None:
    """Fit CP and W' to the curve by least squares on work = CP · t + W' (the linear work–time form).

    Uses the curve at the fixed durations `CP_FIT_DURATIONS_S` inside [min, max]. Guard rails, each giving
    ``None`` instead of a number nobody should train by:
      * the curve must reach ``max_duration_s`` (points must span the range, not cluster at its short end)
        and give at least `CP_MIN_POINTS` points;
      * CP must be positive and W' within `W_PRIME_PLAUSIBLE_J`: outside it the efforts were not maximal.
    Only feed curves of plausibly maximal efforts (a season's best curve, a test): a steady ride gives a flat
    curve, a W' near zero, and therefore ``None``.
    """
    curve = np.asarray(curve_w, dtype=np.float64)
    if min_duration_s >= max_duration_s or curve.size < max_duration_s:
        return None
    durations = np.array([d for d in CP_FIT_DURATIONS_S if min_duration_s <= d <= max_duration_s], dtype=np.float64)
    if durations.size < CP_MIN_POINTS:
        return None
    work_j = curve[durations.astype(np.int64) - 1] * durations
    cp_w, w_prime_j = np.polyfit(durations, work_j, 1)
    if cp_w <= 0 or not W_PRIME_PLAUSIBLE_J[0] <= w_prime_j <= W_PRIME_PLAUSIBLE_J[1]:
        return None
    return CriticalPower(cp_w=float(cp_w), w_prime_j=float(w_prime_j))
