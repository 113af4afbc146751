"""Heart-rate metrics: time-weighted average and maximum, Banister TRIMP and HRSS.

Input is heart rate on the 1 Hz timer grid (`coach.science.sampling`): one value per second the timer ran,
each second holding the latest reading (sample-and-hold), NaN where there is no reading yet. On that grid a
plain mean *is* the time-weighted mean; on the raw, irregular samples it is not (Forerunner 110 "smart
recording": 148.1 bpm sample mean vs 147.6 time-weighted vs the device's 147; `reference/science.md` §2.5).

Load (`reference/science.md` §2.1–2.2):

    HRr    = (HR − HR_rest) / (HR_max − HR_rest), clipped to [0, 1]
    TRIMP  = Σ Δt_min · HRr · a · e^(b·HRr)           (per-sample Banister TRIMP)
    HRSS   = 100 · TRIMP / TRIMP(60 min at LTHR)      (1 h at threshold scores 100, like TSS)

with a = 0.64, b = 1.92 for men and a = 0.86, b = 1.67 for women (Banister/Morton 1990, as in the Kubios
definition). GoldenCheetah (`TRIMPPoints.cpp`) and Elevate use 0.64 with b = 1.67 for women instead; the
difference cancels almost entirely in HRSS, which divides by a TRIMP computed with the same coefficients.
Per-sample TRIMP is preferred to the session-average form because the weighting is convex.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

SECONDS_PER_MINUTE = 60.0
HRSS_REFERENCE_MIN = 60.0
HRSS_SCALE = 100.0
# Elevate's fallback threshold when the athlete has not set one: LTHR = rest + 0.85 · (max − rest)
# (`DEFAULT_LTHR_KARVONEN_HRR_FACTOR`).
DEFAULT_LTHR_FRACTION_OF_RESERVE = 0.85
# Used when the athlete's own values are unknown: a typical adult resting HR, and 208 − 0.7·age (Tanaka)
# for a 25-year-old. Personal values change HRSS a lot; these only keep an HR-only workout from scoring zero.
DEFAULT_REST_HR_BPM = 60.0
DEFAULT_MAX_HR_BPM = 190.0


class Sex(StrEnum):
    """Selects the TRIMP coefficients."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True, slots=True)
class TrimpCoefficients:
    """Weighting a · e^(b·HRr) of one minute at heart-rate reserve fraction HRr."""

    a: float
    b: float


TRIMP_COEFFICIENTS: dict[Sex, TrimpCoefficients] = {
    Sex.MALE: TrimpCoefficients(a=0.64, b=1.92),
    Sex.FEMALE: TrimpCoefficients(a=0.86, b=1.67),
}


@dataclass(frozen=True, slots=True)
class HeartRateProfile:
    """The athlete's heart-rate anchors; ``lthr_bpm=None`` means use `default_lthr_bpm`."""

    rest_hr_bpm: float = DEFAULT_REST_HR_BPM
    max_hr_bpm: float = DEFAULT_MAX_HR_BPM
    lthr_bpm: float | None = None
    sex: Sex = Sex.MALE

    def __post_init__(self) -> None:
        if not 0 < self.rest_hr_bpm < self.max_hr_bpm:
            raise ValueError("heart-rate profile needs 0 < rest_hr_bpm < max_hr_bpm")

    @property
    def threshold_hr_bpm(self) -> float:
        """LTHR as set, or the default derived from rest and max."""
        if self.lthr_bpm is not None:
            return self.lthr_bpm
        return default_lthr_bpm(self.rest_hr_bpm, self.max_hr_bpm)


def profile_from_settings(
    *, rest_hr_bpm: float | None, max_hr_bpm: float | None, lthr_bpm: float | None, female: bool
) -> HeartRateProfile:
    """The athlete's anchors, with the documented defaults for whatever is not set (or is inconsistent)."""
    rest = float(rest_hr_bpm) if rest_hr_bpm is not None else DEFAULT_REST_HR_BPM
    maximum = float(max_hr_bpm) if max_hr_bpm is not None else DEFAULT_MAX_HR_BPM
    if maximum <= rest:  # inconsistent settings: fall back rather than divide by zero or less
        rest, maximum = DEFAULT_REST_HR_BPM, DEFAULT_MAX_HR_BPM
    lthr = float(lthr_bpm) if lthr_bpm is not None and rest < lthr_bpm <= maximum else None
    return HeartRateProfile(rest_hr_bpm=rest, max_hr_bpm=maximum, lthr_bpm=lthr, sex=Sex.FEMALE if female else Sex.MALE)


def default_lthr_bpm(rest_hr_bpm: float, max_hr_bpm: float) -> float:
    """LTHR = rest + 0.85 · (max − rest), Elevate's fallback (Karvonen at 85 % of reserve)."""
    return rest_hr_bpm + DEFAULT_LTHR_FRACTION_OF_RESERVE * (max_hr_bpm - rest_hr_bpm)


def average_hr(hr_bpm: npt.ArrayLike) -> float | None:
    """Time-weighted average heart rate over the grid; ``None`` without any reading."""
    hr = np.asarray(hr_bpm, dtype=np.float64)
    if np.all(np.isnan(hr)):
        return None
    return float(np.nanmean(hr))


def max_hr(hr_bpm: npt.ArrayLike) -> float | None:
    """Highest heart rate on the grid; ``None`` without any reading."""
    hr = np.asarray(hr_bpm, dtype=np.float64)
    if np.all(np.isnan(hr)):
        return None
    return float(np.nanmax(hr))


def heart_rate_reserve_fraction(
    hr_bpm: npt.ArrayLike, *, rest_hr_bpm: float, max_hr_bpm: float
) -> npt.NDArray[np.float64]:
    """HRr = (HR − rest) / (max − rest), clipped to [0, 1]; NaN stays NaN."""
    hr = np.asarray(hr_bpm, dtype=np.float64)
    return np.clip((hr - rest_hr_bpm) / (max_hr_bpm - rest_hr_bpm), 0.0, 1.0)


def trimp(hr_bpm: npt.ArrayLike, *, profile: HeartRateProfile, sample_s: float = 1.0) -> float:
    """Banister TRIMP, summed per sample: Σ (Δt/60) · HRr · a · e^(b·HRr); seconds without a reading add 0."""
    coefficients = TRIMP_COEFFICIENTS[profile.sex]
    reserve = heart_rate_reserve_fraction(hr_bpm, rest_hr_bpm=profile.rest_hr_bpm, max_hr_bpm=profile.max_hr_bpm)
    weights = reserve * coefficients.a * np.exp(coefficients.b * reserve)
    return float(np.nansum(weights)) * sample_s / SECONDS_PER_MINUTE


def trimp_of_threshold_hour(profile: HeartRateProfile) -> float:
    """TRIMP of 60 minutes at LTHR: the HRSS reference (rest 50, max 190, LTHR 170 gives 170.65)."""
    coefficients = TRIMP_COEFFICIENTS[profile.sex]
    reserve = (profile.threshold_hr_bpm - profile.rest_hr_bpm) / (profile.max_hr_bpm - profile.rest_hr_bpm)
    reserve = min(max(reserve, 0.0), 1.0)
    return HRSS_REFERENCE_MIN * reserve * coefficients.a * math.exp(coefficients.b * reserve)


def hrss(hr_bpm: npt.ArrayLike, *, profile: HeartRateProfile, sample_s: float = 1.0) -> float | None:
    """HRSS = 100 · TRIMP / TRIMP(60 min at LTHR) (GoldenCheetah `TRIMP100Points`, Elevate).

    Comparable to power TSS, unlike raw TRIMP, which runs about 1.7× TSS. ``None`` without any reading, or
    when LTHR is at or below resting HR (the reference hour would score zero).
    """
    hr = np.asarray(hr_bpm, dtype=np.float64)
    if np.all(np.isnan(hr)):
        return None
    reference = trimp_of_threshold_hour(profile)
    if reference <= 0:
        return None
    return HRSS_SCALE * trimp(hr, profile=profile, sample_s=sample_s) / reference
