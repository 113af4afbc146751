"""Training zones: Coggan's 7 power zones, Coggan's 5 heart-rate zones (% LTHR), 5 zones of % max HR.

A zone's ``low`` bound is inclusive and its ``high`` bound exclusive; the top zone is open (``high=None``).
Bounds are in the unit of the threshold they are built from (watts or bpm).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coach.science.wording import N_

# Coggan 7-zone model, % FTP (GoldenCheetah `Zones.cpp` initial_zone_default {0,55,75,90,105,120,150};
# sweatpy `POWER_ZONES_THRESHOLD`). The Wahoo ELEMNT reference file stores exactly these for FTP 220 W.
POWER_ZONE_FRACTIONS_OF_FTP = (0.55, 0.75, 0.90, 1.05, 1.20, 1.50)
# Zone names are English (`Zone.name`); where one is shown, it is said with ``coach.i18n.t(zone.name)``.
POWER_ZONE_NAMES = (
    N_("Active recovery"),
    N_("Endurance"),
    N_("Tempo"),
    N_("Lactate threshold"),
    N_("VO2max"),
    N_("Anaerobic capacity"),
    N_("Neuromuscular"),
)

# Coggan heart-rate zones, % LTHR (GoldenCheetah `HrZones`; sweatpy `HEART_RATE_ZONES`).
HR_ZONE_FRACTIONS_OF_LTHR = (0.68, 0.83, 0.94, 1.05)
HR_ZONE_NAMES_LTHR = (N_("Active recovery"), N_("Endurance"), N_("Tempo"), N_("Threshold"), N_("VO2max"))

# Consumer default (Garmin): 50–60–70–80–90 % of max HR. Below 50 % is no zone.
HR_ZONE_FRACTIONS_OF_MAX = (0.50, 0.60, 0.70, 0.80, 0.90)
HR_ZONE_NAMES_MAX = (N_("Very light"), N_("Light"), N_("Moderate"), N_("Hard"), N_("Maximum"))


@dataclass(frozen=True, slots=True)
class Zone:
    """One training zone: ``low <= value < high`` (``high=None``: no upper bound)."""

    number: int
    name: str
    low: float
    high: float | None

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies in this zone."""
        return value >= self.low and (self.high is None or value < self.high)


def _zones(threshold: float, fractions: Sequence[float], names: Sequence[str], *, floor: float) -> list[Zone]:
    """Zones whose bounds are ``fractions`` of ``threshold``; the first zone starts at ``floor``·threshold."""
    if threshold <= 0:
        raise ValueError("threshold must be positive")
    lows = [floor, *fractions]
    highs: list[float | None] = [*fractions, None]
    if len(names) != len(lows):
        raise ValueError("one name per zone")
    return [
        Zone(number=i + 1, name=name, low=low * threshold, high=None if high is None else high * threshold)
        for i, (name, low, high) in enumerate(zip(names, lows, highs, strict=True))
    ]


def power_zones(ftp_w: float) -> list[Zone]:
    """Coggan's 7 power zones for ``ftp_w``: <55, 55–75, 75–90, 90–105, 105–120, 120–150, >150 % FTP."""
    return _zones(ftp_w, POWER_ZONE_FRACTIONS_OF_FTP, POWER_ZONE_NAMES, floor=0.0)


def hr_zones_by_lthr(lthr_bpm: float) -> list[Zone]:
    """Coggan's 5 heart-rate zones: <68, 68–83, 83–94, 94–105, >105 % LTHR."""
    return _zones(lthr_bpm, HR_ZONE_FRACTIONS_OF_LTHR, HR_ZONE_NAMES_LTHR, floor=0.0)


def hr_zones_by_max(max_hr_bpm: float) -> list[Zone]:
    """5 zones of % max HR: 50–60, 60–70, 70–80, 80–90, ≥90 %."""
    return _zones(max_hr_bpm, HR_ZONE_FRACTIONS_OF_MAX[1:], HR_ZONE_NAMES_MAX, floor=HR_ZONE_FRACTIONS_OF_MAX[0])


def zone_of(value: float, zones: Sequence[Zone]) -> Zone | None:
    """The zone ``value`` falls in; ``None`` below the first zone (e.g. under 50 % of max HR)."""
    for zone in zones:
        if zone.contains(value):
            return zone
    return None
