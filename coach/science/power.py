"""Cycling power metrics computed the way head units compute them: NP, IF, TSS, work, average power, VI.

Every function takes the stream on the 1 Hz timer grid (`coach.science.sampling`):

  * ``power_w``: one value per second the timer ran, NaN where the device recorded no power (a sensor
    dropout);
  * ``segment_id`` (optional): equal values for seconds in one uninterrupted timer stretch; where it changes,
    the timer was paused. ``None`` means one stretch.

Conventions, each reproduced on real device files (`reference/science.md` §1.1–1.3,
`shared/fixtures/fit/README.md`):

  * Dropouts: Garmin skips a second without power (it counts for neither average power nor NP; Edge 800
    indoor file: 228.4 W skipped vs the device's 228), Wahoo counts it as 0 W (ELEMNT Bolt: 242.9 W
    zero-filled vs the device's 243). Chosen with `DropoutPolicy`.
  * Pauses: on Wahoo the 30-s window restarts after each pause and never spans one; a stretch shorter than
    30 s adds no window (ELEMNT, 56 pauses: 157.2 W vs the device's 157; joining the stretches gives 153.3).
    Garmin carries the window across the pause as if the stretches were one: pass no ``segment_id`` for that
    (Edge 530, 35 stretches: 263.7 W joined vs 267.9 restarted, device 264; `integrations.fit.conventions`).
  * Coasting zeros are real 0 W and are kept.
"""

from __future__ import annotations

import math
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from coach.science.sampling import FloatArray, stretch_index
from coach.science.wording import N_, Wording

BoolArray = npt.NDArray[np.bool_]

NP_WINDOW_S = 30
NP_EXPONENT = 4
SECONDS_PER_HOUR = 3600.0
JOULES_PER_KILOJOULE = 1000.0
# TSS is scaled so that one hour at FTP (IF = 1) scores 100.
TSS_PER_HOUR_AT_FTP = 100.0

# FTP plausibility. TSS per hour is 100·IF², so 150/h means IF ≈ 1.22 for the whole ride; and a rider's best
# 20 minutes is about 105 % of FTP (the 0.95 factor of the 20-min test, Allen & Coggan). Both are only
# meaningful for efforts of at least 20 minutes: shorter efforts above FTP are normal.
MAX_PLAUSIBLE_TSS_PER_HOUR = 150.0
MAX_PLAUSIBLE_20MIN_FRACTION_OF_FTP = 1.2
PLAUSIBILITY_MIN_DURATION_S = 20 * 60
BEST_20MIN_WINDOW_S = 20 * 60


class DropoutPolicy(StrEnum):
    """What a second without a power reading means."""

    SKIP = "skip"  # Garmin: the second does not exist for power metrics
    ZERO_FILL = "zero_fill"  # Wahoo: the second counts as 0 W


def counted_seconds_mask(power_w: npt.ArrayLike, dropouts: DropoutPolicy = DropoutPolicy.SKIP) -> BoolArray:
    """Which timer seconds count for power metrics: those with a reading, or all of them when zero-filling."""
    power = np.asarray(power_w, dtype=np.float64)
    if dropouts is DropoutPolicy.ZERO_FILL:
        return np.ones(power.shape, dtype=np.bool_)
    return ~np.isnan(power)


def rolling_mean_power(
    power_w: npt.ArrayLike,
    *,
    window_s: int = NP_WINDOW_S,
    segment_id: npt.ArrayLike | None = None,
    dropouts: DropoutPolicy = DropoutPolicy.SKIP,
) -> FloatArray:
    """Trailing ``window_s``-second mean power ending at each second; NaN where no full window ends.

    r_i = mean(p_{i-w+1..i}) over the counted seconds (`counted_seconds_mask`), for full windows only (the
    first w-1 seconds of every timer stretch have none) and never across a pause. The result lies on the input
    grid, so a lap's NP is the NP of this series restricted to the lap's seconds: windows carry in from the
    previous lap, as on Garmin (Edge 810: all 8 laps within 1 W; restarting at each lap start: up to 9 W off).
    All NaN when the stream has no power reading at all, whatever the dropout policy.
    """
    if window_s < 1:
        raise ValueError("window_s must be at least 1")
    power = np.asarray(power_w, dtype=np.float64)
    stretches = None if segment_id is None else stretch_index(segment_id)
    if stretches is not None and stretches.shape != power.shape:
        raise ValueError("segment_id must have the same shape as power_w")
    rolling = np.full(power.shape, np.nan, dtype=np.float64)
    counted = counted_seconds_mask(power, dropouts)
    # Zero-filling fills the gaps of a power meter; without a single reading there is no meter to fill for.
    if np.count_nonzero(counted) < window_s or np.all(np.isnan(power)):
        return rolling
    all_counted = bool(counted.all())
    values = power if all_counted else power[counted]
    # Prefix sums make every window one subtraction; float64 is exact for integer watts far beyond a day.
    # Work happens in place where possible: on a 6-hour ride every fresh array costs page faults worth
    # several times the arithmetic.
    sums = np.empty(values.size + 1, dtype=np.float64)
    sums[0] = 0.0
    np.cumsum(values, out=sums[1:])
    if np.isnan(sums[-1]):  # zero-filled dropouts: they add 0 W
        np.cumsum(np.nan_to_num(values, nan=0.0), out=sums[1:])
    means = sums[window_s:] - sums[:-window_s]
    means /= window_s
    if stretches is not None:
        counted_stretches = stretches if all_counted else stretches[counted]
        # Stretch numbers only grow, so a window whose ends lie in different stretches spans a pause.
        means[counted_stretches[window_s - 1 :] != counted_stretches[: values.size - window_s + 1]] = np.nan
    rolling[slice(window_s - 1, None) if all_counted else np.flatnonzero(counted)[window_s - 1 :]] = means
    return rolling


def normalized_power(rolling_w: npt.ArrayLike) -> float | None:
    """NP = (mean(r_i⁴))^¼ over the 30-s rolling means r_i (Coggan; GoldenCheetah `Coggan.cpp`, class NP).

    ``rolling_w`` is `rolling_mean_power` output, or a slice of it for a lap. ``None`` when no full window
    exists (under 30 s of counted power).
    """
    rolling = np.asarray(rolling_w, dtype=np.float64)
    fourth_powers = rolling[~np.isnan(rolling)]  # a copy, raised to the 4th power in place below
    if fourth_powers.size == 0:
        return None
    # r⁴ as (r²)², in place: numpy's general float power is 30× slower, and a fresh array per step costs
    # more in page faults than the arithmetic on a long ride.
    np.square(fourth_powers, out=fourth_powers)
    np.square(fourth_powers, out=fourth_powers)
    return float(np.mean(fourth_powers) ** (1.0 / NP_EXPONENT))


def tss_duration_s(power_w: npt.ArrayLike, *, dropouts: DropoutPolicy = DropoutPolicy.SKIP) -> int:
    """The t of TSS: the counted seconds less the 29 that prime the first 30-s window.

    Garmin Edge 810/1000/800 and Wahoo Bolt match with t = samples − 29 (timer time reads 0.3–3 % high). On
    the ELEMNT ride with 56 pauses the device still subtracts 29 s once, not per pause: counting only the
    seconds that end a window (29 fewer per stretch) gives 171.5 against the device's 190.0, this rule 190.6.
    """
    counted = int(np.count_nonzero(counted_seconds_mask(power_w, dropouts)))
    return max(counted - (NP_WINDOW_S - 1), 0)


def intensity_factor(normalized_power_w: float, ftp_w: float) -> float:
    """IF = NP / FTP."""
    if ftp_w <= 0:
        raise ValueError("ftp_w must be positive")
    return normalized_power_w / ftp_w


def training_stress_score(normalized_power_w: float, ftp_w: float, duration_s: float) -> float:
    """TSS = 100 · (t / 3600) · IF², so one hour at FTP scores 100.

    Same as GoldenCheetah's (t · NP · IF) / (FTP · 3600) · 100 (`Coggan.cpp`, class TSS) and sweatpy's
    `stress_score`. Pass ``duration_s`` from `tss_duration_s`.
    """
    factor = intensity_factor(normalized_power_w, ftp_w)
    return TSS_PER_HOUR_AT_FTP * (duration_s / SECONDS_PER_HOUR) * factor**2


def work_kj(power_w: npt.ArrayLike) -> float | None:
    """Mechanical work Σ P·Δt / 1000 with Δt = 1 s; seconds without a reading add nothing.

    Within 0.11 % of the device's ``total_work`` on the long reference rides. ``None`` without any reading.
    """
    power = np.asarray(power_w, dtype=np.float64)
    if np.all(np.isnan(power)):
        return None
    return float(np.nansum(power)) / JOULES_PER_KILOJOULE


def average_power(power_w: npt.ArrayLike, *, dropouts: DropoutPolicy = DropoutPolicy.SKIP) -> float | None:
    """Average power as devices report it: total work over the counted seconds.

    Zero-filled (Wahoo) this is work / timer time (ELEMNT: 101.7 W vs the device's 102). Skipping (Garmin)
    divides by the seconds with a reading (Edge 800 with 41 dropouts: 201.5 W vs the device's 201, against
    197.9 over the timer time). ``None`` without any reading.
    """
    power = np.asarray(power_w, dtype=np.float64)
    counted = int(np.count_nonzero(counted_seconds_mask(power, dropouts)))
    if counted == 0 or np.all(np.isnan(power)):
        return None
    return float(np.nansum(power)) / counted


def average_power_over(power_w: npt.ArrayLike, counted_s: int) -> float | None:
    """Total work over a time the device chose: Σ P / ``counted_s``; ``None`` without a reading or time.

    For devices that divide by less than the timer time: Sigma by the seconds above 0 W (ROX 11.1: 179.2 W
    vs the device's 179, against 159.1 W over every second), Hammerhead by the seconds in motion (Karoo 2:
    174.0 W vs 174, against 171.0). Work done in the other seconds still counts.
    """
    power = np.asarray(power_w, dtype=np.float64)
    if counted_s <= 0 or np.all(np.isnan(power)):
        return None
    return float(np.nansum(power)) / counted_s


def max_power(power_w: npt.ArrayLike) -> float | None:
    """Highest 1-s power; ``None`` without any reading."""
    power = np.asarray(power_w, dtype=np.float64)
    if np.all(np.isnan(power)):
        return None
    return float(np.nanmax(power))


def variability_index(normalized_power_w: float, average_power_w: float) -> float | None:
    """VI = NP / average power (GoldenCheetah `Coggan.cpp`, class VI); ``None`` when average power is 0."""
    if average_power_w <= 0:
        return None
    return normalized_power_w / average_power_w


def best_mean_power(
    power_w: npt.ArrayLike,
    window_s: int,
    *,
    segment_id: npt.ArrayLike | None = None,
    dropouts: DropoutPolicy = DropoutPolicy.SKIP,
) -> float | None:
    """Best mean power over ``window_s`` counted seconds inside one timer stretch; ``None`` if none fits."""
    rolling = rolling_mean_power(power_w, window_s=window_s, segment_id=segment_id, dropouts=dropouts)
    if np.all(np.isnan(rolling)):
        return None
    return float(np.nanmax(rolling))


MAX_PLAUSIBLE_IF_OVER_AN_HOUR = 1.05


def ftp_plausibility_warning(*, tss: float, duration_s: float, best_20min_w: float | None, ftp_w: float) -> str | None:
    """`ftp_plausibility` as an English sentence, else ``None``."""
    wording = ftp_plausibility(tss=tss, duration_s=duration_s, best_20min_w=best_20min_w, ftp_w=ftp_w)
    return wording.english() if wording is not None else None


def ftp_plausibility(*, tss: float, duration_s: float, best_20min_w: float | None, ftp_w: float) -> Wording | None:
    """A one-sentence warning when the ride says the FTP setting is too low, else ``None``.

    Two tests, for rides of at least 20 minutes: more than 150 TSS per hour (IF above ≈1.22 throughout), or a
    20-minute stretch above 120 % of FTP. A real file shows why: the Edge 1000 ride scores IF 1.337 and
    178 TSS/h because its FTP was left at 200 W (`reference/science.md` §1.2).
    """
    if duration_s < PLAUSIBILITY_MIN_DURATION_S:
        return None
    tss_per_hour = tss / (duration_s / SECONDS_PER_HOUR)
    if tss_per_hour > MAX_PLAUSIBLE_TSS_PER_HOUR:
        return Wording(
            N_(
                "FTP probably set too low: {tss_per_hour} TSS per hour is more than a rider can sustain "
                "(above {limit} is implausible), so this ride's IF and TSS are overstated."
            ),
            {"tss_per_hour": (tss_per_hour, 0), "limit": (MAX_PLAUSIBLE_TSS_PER_HOUR, 0)},
        )
    # FTP is by definition about the power held for an hour (IF 1.0), so an IF above 1.05 over more than an
    # hour says the FTP setting is below the rider's real one.
    intensity = math.sqrt(tss_per_hour / 100.0)
    if duration_s > SECONDS_PER_HOUR and intensity > MAX_PLAUSIBLE_IF_OVER_AN_HOUR:
        return Wording(
            N_(
                "FTP probably set too low: IF {intensity} for {hours} h, while FTP is about what a rider holds "
                "for an hour (IF 1.0); raise it with /settings ftp and the load reads right."
            ),
            {"intensity": (intensity, 2), "hours": (duration_s / SECONDS_PER_HOUR, 1)},
        )
    if best_20min_w is not None and best_20min_w > MAX_PLAUSIBLE_20MIN_FRACTION_OF_FTP * ftp_w:
        return Wording(
            N_(
                "FTP probably set too low: {watts} W held for 20 minutes is {percent} % of the {ftp} W FTP, "
                "while a best 20 minutes is about 105 % of FTP."
            ),
            {"watts": (best_20min_w, 0), "percent": (100 * best_20min_w / ftp_w, 0), "ftp": (ftp_w, 0)},
        )
    return None
