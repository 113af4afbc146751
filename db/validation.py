"""The seed's application-level validation rules, as small checks that raise `InvalidValue`.

Ranges (seed, "Data Validation"): FTP > 0 and < 500 W, weight > 30 and < 200 kg, recovery 0–100,
HRV positive, historical dates not in the future. The athlete-profile checks are our own: a max HR outside
100–230 bpm, a resting HR outside 25–120 bpm or a threshold HR outside 80–220 bpm is a typo (elite
endurance athletes rest in the high 20s and 30s; nobody sustains an hour above 220), a time zone must be one
the IANA database knows, and sex and sport focus are small closed vocabularies.

Availability and plan settings (our own, the plan never asks for more than these): 1–30 hours a week; the
longest session of a training day 20 minutes to 8 hours (0 = not a training day); a running threshold pace of
2:00–12:00 per km; a CTL ramp of 5–8 points a week (faster is not sustainable, slower is not a plan); a
recovery week every 4th (3:1) or 3rd (2:1) week; distances in km or mi. A race's name is 1–60 characters,
its distance above 0 and at most 5,000 km, a target power 1–2,000 W.

The models call these from ``@validates`` hooks, so an invalid value raises at assignment and never
reaches a flush; bulk writers call them directly on each row before building a statement.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.errors import N_, InvalidValue

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

WEEKLY_HOURS_RANGE = (1.0, 30.0)  # inclusive bounds
SESSION_MINUTES_RANGE = (20, 480)  # inclusive bounds for a training day; 0 = no training that day
THRESHOLD_PACE_RANGE_S_PER_KM = (120, 720)  # inclusive bounds: 2:00–12:00 per km
CTL_RAMP_RANGE = (5.0, 8.0)  # inclusive bounds, CTL points per week
RECOVERY_RHYTHMS = ("3:1", "2:1")
DISTANCE_UNITS = ("km", "mi")
RACE_PRIORITIES = ("A", "B", "C")
RACE_SPORTS = ("ride", "run", "swim")
RACE_NAME_MAX_CHARS = 60
RACE_DISTANCE_MAX_KM = 5000.0
TARGET_POWER_RANGE_W = (1, 2000)  # inclusive bounds
PLAN_STATUSES = ("active", "superseded")
SESSION_STATUSES = ("planned", "done", "partial", "missed", "skipped", "replaced")

# A record dated a few minutes ahead is clock skew between devices, not a future workout.
CLOCK_SKEW = timedelta(minutes=10)
# A calendar date may be "tomorrow" in UTC while it is already today somewhere (UTC+14).
MAX_DATE_LEAD = timedelta(days=1)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_ftp(value: int | None) -> int | None:
    lo, hi = FTP_RANGE_W
    if value is not None and not (_is_number(value) and lo < value < hi):
        raise InvalidValue(N_("FTP"), N_("more than {lo} and less than {hi} W"), value, lo=lo, hi=hi)
    return value


def check_weight(value: float | None) -> float | None:
    lo, hi = WEIGHT_RANGE_KG
    if value is not None and not (_is_number(value) and lo < value < hi):
        raise InvalidValue(N_("weight"), N_("more than {lo} and less than {hi} kg"), value, lo=f"{lo:g}", hi=f"{hi:g}")
    return value


def check_max_hr(value: int | None) -> int | None:
    lo, hi = MAX_HR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("max HR"), N_("between {lo} and {hi} bpm"), value, lo=lo, hi=hi)
    return value


def check_resting_hr(value: int | None) -> int | None:
    lo, hi = RESTING_HR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("resting HR"), N_("between {lo} and {hi} bpm"), value, lo=lo, hi=hi)
    return value


def check_lthr(value: int | None) -> int | None:
    lo, hi = LTHR_RANGE_BPM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("threshold HR (LTHR)"), N_("between {lo} and {hi} bpm"), value, lo=lo, hi=hi)
    return value


def check_sex(value: str | None) -> str | None:
    if value is not None and value not in SEXES:
        raise InvalidValue(N_("sex"), " or ".join(SEXES), value)
    return value


def check_sport_focus(value: str | None) -> str | None:
    if value is not None and value not in SPORT_FOCUSES:
        raise InvalidValue(N_("sport focus"), ", ".join(SPORT_FOCUSES), value)
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
        raise InvalidValue(
            N_("date of birth"), N_("a date giving an age of {lo} to {hi} years"), born.isoformat(), lo=lo, hi=hi
        )
    return value


def check_recovery(value: int | None) -> int | None:
    lo, hi = RECOVERY_RANGE
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("recovery score"), N_("between {lo} and {hi}"), value, lo=lo, hi=hi)
    return value


def check_hrv(value: float | None) -> float | None:
    if value is not None and not (_is_number(value) and value > 0):
        raise InvalidValue(N_("HRV (rMSSD)"), N_("a positive number of milliseconds"), value)
    return value


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as err:
        raise InvalidValue(N_("time zone"), N_("an IANA name such as Europe/Berlin"), value) from err
    return value


def check_instant_not_future(field: str, value: datetime, *, now: datetime | None = None) -> datetime:
    if value.tzinfo is None:
        raise InvalidValue(field, N_("a time with a time zone"), value)
    limit = (now or datetime.now(UTC)) + CLOCK_SKEW
    if value > limit:
        raise InvalidValue(field, N_("not in the future"), value.isoformat())
    return value


def check_date_not_future(field: str, value: date, *, today: date | None = None) -> date:
    limit = (today or datetime.now(UTC).date()) + MAX_DATE_LEAD
    if value > limit:
        raise InvalidValue(field, N_("not in the future"), value.isoformat())
    return value


def check_weekly_hours(value: float | None) -> float | None:
    lo, hi = WEEKLY_HOURS_RANGE
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("weekly hours"), N_("between {lo} and {hi} hours"), value, lo=f"{lo:g}", hi=f"{hi:g}")
    return value


def check_day_minutes(value: list[int] | None) -> list[int] | None:
    """Seven longest-session lengths, Monday first, in minutes; 0 marks a day without training."""
    if value is None:
        return None
    lo, hi = SESSION_MINUTES_RANGE
    if len(value) != 7 or not all(_is_number(v) and float(v).is_integer() for v in value):
        raise InvalidValue(N_("training days"), N_("seven whole numbers of minutes, Monday first"), value)
    if not any(value):
        raise InvalidValue(N_("training days"), N_("at least one day with training"), "no training day")
    for minutes in value:
        if minutes != 0 and not lo <= minutes <= hi:
            raise InvalidValue(N_("longest session"), N_("between {lo} and {hi} minutes"), minutes, lo=lo, hi=hi)
    return value


def check_threshold_pace(value: int | None) -> int | None:
    lo, hi = THRESHOLD_PACE_RANGE_S_PER_KM
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        low, high = f"{lo // 60}:{lo % 60:02d}", f"{hi // 60}:{hi % 60:02d}"
        raise InvalidValue(N_("threshold pace"), N_("between {lo} and {hi} per km"), value, lo=low, hi=high)
    return value


def check_ctl_ramp(value: float | None) -> float | None:
    lo, hi = CTL_RAMP_RANGE
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("CTL ramp"), N_("between {lo} and {hi} points a week"), value, lo=f"{lo:g}", hi=f"{hi:g}")
    return value


def _one_of(field: str, allowed: tuple[str, ...], value: str | None) -> str | None:
    if value is not None and value not in allowed:
        raise InvalidValue(field, " or ".join(allowed), value)
    return value


def check_recovery_rhythm(value: str | None) -> str | None:
    return _one_of(N_("recovery rhythm"), RECOVERY_RHYTHMS, value)


def check_distance_unit(value: str) -> str:
    _one_of(N_("distance unit"), DISTANCE_UNITS, value)
    return value


def check_race_name(value: str) -> str:
    if not value or not value.strip():
        raise InvalidValue(N_("race name"), N_("1 to 60 characters"), value)
    if len(value) > RACE_NAME_MAX_CHARS:
        raise InvalidValue(
            N_("race name"), N_("at most {n} characters"), f"{len(value)} characters", n=RACE_NAME_MAX_CHARS
        )
    return value


def check_race_priority(value: str) -> str:
    _one_of(N_("race priority"), RACE_PRIORITIES, value)
    return value


def check_race_sport(value: str) -> str:
    _one_of(N_("race sport"), RACE_SPORTS, value)
    return value


def check_race_distance(value: float | None) -> float | None:
    if value is not None and not (_is_number(value) and 0 < value <= RACE_DISTANCE_MAX_KM):
        raise InvalidValue(
            N_("race distance"), N_("more than 0 and at most {hi} km"), value, hi=f"{RACE_DISTANCE_MAX_KM:g}"
        )
    return value


def check_target_power(value: int | None) -> int | None:
    lo, hi = TARGET_POWER_RANGE_W
    if value is not None and not (_is_number(value) and lo <= value <= hi):
        raise InvalidValue(N_("target power"), N_("between {lo} and {hi} W"), value, lo=lo, hi=hi)
    return value


def check_plan_status(value: str) -> str:
    _one_of("plan status", PLAN_STATUSES, value)
    return value


def check_session_status(value: str) -> str:
    _one_of("session status", SESSION_STATUSES, value)
    return value
