"""The seed's application-level validation rules, as small checks that raise `InvalidValue`.

Ranges (seed, "Data Validation"): FTP > 0 and < 500 W, weight > 30 and < 200 kg, recovery 0–100,
HRV positive, historical dates not in the future. The athlete-profile checks are our own: a max HR outside
100–230 bpm, a resting HR outside 25–120 bpm or a threshold HR outside 80–220 bpm is a typo (elite
endurance athletes rest in the high 20s and 30s; nobody sustains an hour above 220), a time zone must be one
the IANA database knows, and sex and sport focus are small closed vocabularies.

The models call these from ``@validates`` hooks, so an invalid value raises at assignment and never
reaches a flush; bulk writers call them directly on each row before building a statement.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.errors import InvalidValue

FTP_RANGE_W = (0, 500)  # exclusive bounds
WEIGHT_RANGE_KG = (30.0, 200.0)  # exclusive bounds
RECOVERY_RANGE = (0, 100)  # inclusive bounds
MAX_HR_RANGE_BPM = (100, 230)  # inclusive bounds
RESTING_HR_RANGE_BPM = (25, 120)  # inclusive bounds
LTHR_RANGE_BPM = (80, 220)  # inclusive bounds
# Sex selects the Banister TRIMP constants (coach.science.heart_rate); None means "not said".
SEXES = ("female", "male")
SPORT_FOCUSES = ("cycling", "running", "triathlon", "other")
# Age-graded metrics and max-HR estimates make sense from 10 to 110 years; outside that it is a typo.
AGE_RANGE_YEARS = (10, 110)  # inclusive bounds

# A record dated a few minutes ahead is clock skew between devices, not a future workout.
CLOCK_SKEW = timedelta(minutes=10)
# A calendar date may be "tomorrow" in UTC while it is already today somewhere (UTC+14).
MAX_DATE_LEAD = timedelta(days=1)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_ftp(value: int | None) -> int | None:
    lo, hi = FTP_RANGE_W
    if value is not None and not (_is_number(value) and lo < value < hi):
        raise InvalidValue("FTP", f"more than {lo} and less than {hi} W", value)
    return value


def check_weight(value: float | None) -> float | None:
    lo, hi = WEIGHT_RANGE_KG
    if value is not None and not (_is_number(value) and lo < value < hi):
        raise InvalidValue("weight", f"more than {lo:g} and less than {hi:g} kg", value)
    return value


def check_max_hr(value: int | None) -> int | None:
    lo, hi = MAX_HR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue("max HR", f"between {lo} and {hi} bpm", value)
    return value


def check_resting_hr(value: int | None) -> int | None:
    lo, hi = RESTING_HR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue("resting HR", f"between {lo} and {hi} bpm", value)
    return value


def check_lthr(value: int | None) -> int | None:
    lo, hi = LTHR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue("threshold HR (LTHR)", f"between {lo} and {hi} bpm", value)
    return value


def check_sex(value: str | None) -> str | None:
    if value is not None and value not in SEXES:
        raise InvalidValue("sex", " or ".join(SEXES), value)
    return value


def check_sport_focus(value: str | None) -> str | None:
    if value is not None and value not in SPORT_FOCUSES:
        raise InvalidValue("sport focus", ", ".join(SPORT_FOCUSES), value)
    return value


def check_dob(value: datetime | None, *, today: date | None = None) -> datetime | None:
    """A date of birth giving an age of 10 to 110 years (the seed stores it as a timestamp)."""
    if value is None:
        return None
    lo, hi = AGE_RANGE_YEARS
    today = today or datetime.now(UTC).date()
    born = value.date()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if not lo <= age <= hi:
        raise InvalidValue("date of birth", f"a date giving an age of {lo} to {hi} years", born.isoformat())
    return value


def check_recovery(value: int | None) -> int | None:
    lo, hi = RECOVERY_RANGE
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue("recovery score", f"between {lo} and {hi}", value)
    return value


def check_hrv(value: float | None) -> float | None:
    if value is not None and not (_is_number(value) and value > 0):
        raise InvalidValue("HRV (rMSSD)", "a positive number of milliseconds", value)
    return value


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise InvalidValue("time zone", "an IANA name such as Europe/Berlin", value) from err
    return value


def check_instant_not_future(field: str, value: datetime, *, now: datetime | None = None) -> datetime:
    if value.tzinfo is None:
        raise InvalidValue(field, "a time with a time zone", value)
    limit = (now or datetime.now(UTC)) + CLOCK_SKEW
    if value > limit:
        raise InvalidValue(field, "not in the future", value.isoformat())
    return value


def check_date_not_future(field: str, value: date, *, today: date | None = None) -> date:
    limit = (today or datetime.now(UTC).date()) + MAX_DATE_LEAD
    if value > limit:
        raise InvalidValue(field, "not in the future", value.isoformat())
    return value
