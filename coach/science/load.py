"""A workout's training load for the fitness/fatigue chart (`coach.science.pmc`), with how it was obtained.

Priority, as in intervals.icu's per-sport "training load priority" (`reference/science.md` §3):
power TSS when the workout has power and an FTP, else HRSS when it has heart rate, else an estimate from
duration and sport. All three are on the TSS scale (1 hour at threshold = 100), so they can be summed into
one daily load; raw TRIMP is never used because it runs about 1.7× TSS.

The estimate is a labelled guess, not a measurement. TSS per hour is 100·IF², so each constant below is
the IF of a typical session of that sport done easy to moderate:

  ======================  ============  =====================================
  sport                   TSS per hour  assumed typical IF
  ======================  ============  =====================================
  cycling                 50            0.71 (endurance ride)
  running                 60            0.77 (runs are rarely as easy as rides)
  swimming                50            0.71
  rowing, skiing          55            0.74
  hiking                  35            0.59
  walking                 20            0.45
  strength (training)     40            0.63
  anything else           45            0.67
  ======================  ============  =====================================
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from coach.science.heart_rate import HeartRateProfile, hrss
from coach.science.power import SECONDS_PER_HOUR

ESTIMATED_TSS_PER_HOUR: dict[str, float] = {
    "cycling": 50.0,
    "running": 60.0,
    "swimming": 50.0,
    "rowing": 55.0,
    "cross_country_skiing": 55.0,
    "hiking": 35.0,
    "walking": 20.0,
    "training": 40.0,
}
DEFAULT_ESTIMATED_TSS_PER_HOUR = 45.0

# Provider names for the same sports (Strava/intervals.icu types), lower-cased without separators.
_SPORT_ALIASES = {
    "ride": "cycling",
    "virtualride": "cycling",
    "ebikeride": "cycling",
    "gravelride": "cycling",
    "mountainbikeride": "cycling",
    "run": "running",
    "trailrun": "running",
    "virtualrun": "running",
    "swim": "swimming",
    "nordicski": "cross_country_skiing",
    "crosscountryskiing": "cross_country_skiing",
    "hike": "hiking",
    "walk": "walking",
    "weighttraining": "training",
    "strengthtraining": "training",
    "workout": "training",
}


class LoadMethod(StrEnum):
    """How a load was obtained, so estimates can be labelled as such."""

    POWER = "power"
    HEART_RATE = "heart_rate"
    ESTIMATE = "estimate"


@dataclass(frozen=True, slots=True)
class TrainingLoad:
    """A TSS-scaled load and where it came from."""

    value: float
    method: LoadMethod


def _sport_key(sport: str | None) -> str | None:
    if sport is None:
        return None
    key = sport.strip().lower()
    if key in ESTIMATED_TSS_PER_HOUR:
        return key
    return _SPORT_ALIASES.get(key.replace("_", "").replace(" ", "").replace("-", ""))


def estimated_tss_per_hour(sport: str | None) -> float:
    """The sport's TSS-per-hour constant (FIT names like ``cycling`` or provider types like ``Ride``)."""
    key = _sport_key(sport)
    if key is None:
        return DEFAULT_ESTIMATED_TSS_PER_HOUR
    return ESTIMATED_TSS_PER_HOUR[key]


def training_load(
    *, duration_s: float, sport: str | None, power_tss: float | None = None, hrss: float | None = None
) -> TrainingLoad:
    """The workout's load: power TSS, else HRSS, else duration × the sport's TSS per hour."""
    if power_tss is not None:
        return TrainingLoad(value=power_tss, method=LoadMethod.POWER)
    if hrss is not None:
        return TrainingLoad(value=hrss, method=LoadMethod.HEART_RATE)
    hours = max(duration_s, 0.0) / SECONDS_PER_HOUR
    return TrainingLoad(value=hours * estimated_tss_per_hour(sport), method=LoadMethod.ESTIMATE)


def imported_load(raw_json: dict[str, Any] | None) -> TrainingLoad | None:
    """The load an import computed from the streams (``rawJson["load"]`` and its method), if well-formed."""
    raw = raw_json or {}
    value, method = raw.get("load"), raw.get("load_method")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        try:
            return TrainingLoad(value=float(value), method=LoadMethod(str(method)))
        except ValueError:
            return None
    return None


def session_load(
    *,
    duration_s: int,
    sport: str | None,
    tss: float | None,
    average_hr: int | None,
    raw_json: dict[str, Any] | None,
    profile: HeartRateProfile,
) -> TrainingLoad:
    """A stored session's load: the imported one, else its TSS, else HRSS of its average HR, else the estimate.

    HRSS from the average is Banister's session form (one "sample" lasting the whole session): it reads low
    on interval sessions (the weighting is convex) and is exact for a steady hour.
    """
    imported = imported_load(raw_json)
    if imported is not None:
        return imported
    average_hrss = None
    if tss is None and average_hr is not None and duration_s > 0:
        average_hrss = hrss([float(average_hr)], profile=profile, sample_s=float(duration_s))
    return training_load(duration_s=float(duration_s), sport=sport, power_tss=tss, hrss=average_hrss)
