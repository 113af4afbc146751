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
