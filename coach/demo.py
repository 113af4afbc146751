"""The demo athlete: a deterministic, realistic 180-day history, so the coach has something true to say.

An amateur cyclist who also runs: FTP 250 W, max HR 186 bpm. Training follows a three-weeks-build,
one-week-recover rhythm that grows from base to build over the six months. Recovery responds to load:
HRV (ln rMSSD) falls and resting HR rises when fatigue (ATL) outruns fitness (CTL), nights after big
days run a little longer, two nights in the past were bad, and the last ten days are a heavy block that
leaves this morning with HRV below its normal range and resting HR up — a real sign of fatigue.

Every value is a function of the calendar date and the end date only (seeded per day), so loading the
demo twice writes the same rows, and the schema's unique keys keep it free of duplicates. Demo rows carry
``source = "demo"``; loading never overwrites a day that a real device recorded.

So that ``/today`` and ``/plan`` have sessions to show, the demo also gives the athlete a goal — an A race ten
weeks ahead (kept if they already have one of that name and day) — and builds their plan to it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import plans
from coach.i18n import N_, t
from coach.science import pmc
from db.models import User
from db.repositories import metrics, races, workouts

SOURCE = "demo"
DAYS = 180
SEED = 20_240_601

FTP_W = 250
MAX_HR_BPM = 186
REST_HR_BPM = 47.0
WEIGHT_KG = 71.5
LN_RMSSD_BASE = 4.15  # about 63 ms
PRIOR_CTL = 45.0
THRESHOLD_PACE_S_PER_KM = 270  # 4:30/km: the runs' own paces put the demo athlete about there
RACE_NAME = "Demo Gran Fondo"  # a name, and what finds the demo's race again on a reload: not translated
RACE_WEEKS_AHEAD = 10
RACE_DISTANCE_KM = 120.0

# Weekly template (Monday first): (sport, title, minutes, intensity factor); None is a rest day. The titles are
# written in the athlete's language when the history is loaded, as their own device would name the sessions.
_WEEK: list[tuple[str, str, int, float] | None] = [
    None,
    ("Ride", N_("VO2max intervals 5x4 min"), 75, 0.86),
    ("Run", N_("Easy run"), 45, 0.72),
    ("Ride", N_("Tempo 3x15 min"), 90, 0.82),
    ("Ride", N_("Recovery spin"), 45, 0.58),
    ("Ride", N_("Long endurance ride"), 210, 0.70),
    ("Run", N_("Long run"), 80, 0.76),
]
_BLOCK_FACTORS = (0.95, 1.05, 1.15, 0.6)  # three weeks build, one week recover
_HEAVY_BLOCK_DAYS = 10
_HEAVY_BLOCK_FACTOR = 1.35
_BAD_NIGHTS = {40: 4.9, 75: 5.3}  # days before the end date -> hours slept


@dataclass(frozen=True, slots=True)
class DemoHistory:
    workouts: list[dict[str, Any]]
    metrics: list[dict[str, Any]]


def _rng(day: date) -> random.Random:
    return random.Random(SEED * 100_003 + day.toordinal())


def _workout(user_id: str, day: date, tz: ZoneInfo, spec: tuple[str, str, int, float], factor: float) -> dict[str, Any]:
    sport, title, minutes, intensity = spec
    rng = _rng(day)
    duration_s = int(minutes * 60 * (0.8 + 0.25 * factor) * rng.uniform(0.95, 1.05))
    intensity = min(1.05, intensity * rng.uniform(0.97, 1.03) * (0.97 + 0.03 * factor))
    hours = duration_s / 3600
    tss = round(100 * hours * intensity**2, 1)
    start_hour = 9 if day.weekday() >= 5 else 6
    start = datetime.combine(day, time(start_hour, 30), tzinfo=tz).astimezone(UTC)
    hr_avg = round(REST_HR_BPM + (MAX_HR_BPM - REST_HR_BPM) * (0.35 + 0.45 * intensity))
    row: dict[str, Any] = {
        "user_id": user_id,
        "source": SOURCE,
        "external_id": f"demo-{day.isoformat()}",
        "date": start,
        "title": t(title),
        "type": sport,
        "duration_sec": duration_s,
        "average_hr": hr_avg,
        "max_hr": min(MAX_HR_BPM, hr_avg + rng.randint(12, 25)),
        "tss": tss,
        "intensity_factor": round(intensity, 3),
        "raw_json": {"generator": "coach-watts demo athlete", "seed": SEED},
    }
    if sport == "Ride":
        np_w = round(FTP_W * intensity)
        variability = rng.uniform(1.04, 1.12) if intensity > 0.8 else rng.uniform(1.02, 1.06)
        avg_w = round(np_w / variability)
        speed_ms = 6.0 + 4.5 * intensity
        row |= {
            "normalized_power": np_w,
            "average_watts": avg_w,
            "max_watts": round(np_w * rng.uniform(2.2, 3.4)),
            "kilojoules": round(avg_w * duration_s / 1000),
            "distance_meters": round(speed_ms * duration_s, 1),
            "elevation_gain": round(duration_s / 3600 * rng.uniform(250, 650)),
        }
    else:
        speed_ms = 2.2 + 2.0 * intensity
        row |= {
            "distance_meters": round(speed_ms * duration_s, 1),
            "elevation_gain": round(duration_s / 3600 * rng.uniform(40, 160)),
        }
    return row


def generate(user_id: str, *, end: date, tz: ZoneInfo) -> DemoHistory:
    """The demo history ending on ``end`` (the user's local today): workouts until yesterday, recovery
    data until this morning."""
    start = end - timedelta(days=DAYS - 1)
    workout_rows: list[dict[str, Any]] = []
    loads: dict[date, float] = {}
    for i in range(DAYS - 1):  # no workout yet today
        day = start + timedelta(days=i)
        days_before_end = (end - day).days
        spec = _WEEK[day.weekday()]
        if spec is None:
            continue
        if days_before_end <= _HEAVY_BLOCK_DAYS:
            factor = _HEAVY_BLOCK_FACTOR
        else:
            progression = 0.8 + 0.3 * i / DAYS
            factor = progression * _BLOCK_FACTORS[(day.toordinal() // 7) % 4]
        row = _workout(user_id, day, tz, spec, factor)
        workout_rows.append(row)
        loads[day] = row["tss"]

    series = pmc.daily_load_series(loads, start, end)
    # The athlete trained before the window: start from a settled state, not from zero fitness.
    ctls, atls = pmc.pmc_series(series, ctl0=PRIOR_CTL, atl0=PRIOR_CTL)
    metric_rows = []
    for i in range(DAYS):
        day = start + timedelta(days=i)
        rng = _rng(day)
        days_before_end = (end - day).days
        # The morning after day i-1: yesterday's fatigue balance and yesterday's load shape today.
        imbalance = (atls[i - 1] - ctls[i - 1]) if i else 0.0
        load_prev = series[i - 1] if i else 0.0
        ln_rmssd = LN_RMSSD_BASE - 0.004 * imbalance - 0.0008 * (load_prev - 60) + rng.gauss(0, 0.06)
        rhr = REST_HR_BPM + 0.07 * imbalance + rng.gauss(0, 1.0)
        if days_before_end < 3:  # the recent sign of fatigue
            ln_rmssd -= 0.30
        if days_before_end < 2:
            rhr += 8.0
        hours = min(9.6, max(5.6, 7.5 + 0.004 * load_prev + rng.gauss(0, 0.4)))
        hours = _BAD_NIGHTS.get(days_before_end, hours)
        if days_before_end < 2:
            hours = min(hours, 6.4)  # tired athletes sleep worse: the nights agree with the low recovery
        rmssd = math.exp(ln_rmssd)
        metric_rows.append(
            {
                "user_id": user_id,
                "date": day,
                "source": SOURCE,
                "hrv": round(rmssd, 1),
                "resting_hr": round(rhr),
                "hours_slept": round(hours, 2),
                "sleep_score": round(max(20.0, min(99.0, 100 - 11 * abs(8.1 - hours) + rng.gauss(0, 3)))),
                # WHOOP-style recovery from the same night's HRV, resting HR and sleep, so the three agree:
                # a tired morning reads in the red (under 34 %), not a clipped 1 % beside a great night.
                "recovery_score": round(
                    max(
                        5.0,
                        min(
                            99.0,
                            60 + 70 * (ln_rmssd - LN_RMSSD_BASE) - 1.5 * (rhr - REST_HR_BPM) + 4 * (hours - 7.5),
                        ),
                    )
                ),
                "strain_score": round(min(21.0, 4 + 17 * (1 - math.exp(-load_prev / 140))), 1),
            }
        )
    return DemoHistory(workouts=workout_rows, metrics=metric_rows)


@dataclass(frozen=True, slots=True)
class DemoLoad:
    workouts_written: int
    days_written: int
    profile_filled: list[str]
    race_added: bool = False
    plan_weeks: int = 0
    # The account held the demo before this load: the rows were refreshed, not added.
    already_loaded: bool = False


async def load(session: AsyncSession, user: User, *, now: datetime) -> DemoLoad:
    """Write the demo history for ``user`` (idempotent) and fill profile fields they have not set."""
    tz = ZoneInfo(user.timezone)
    history = generate(user.id, end=now.astimezone(tz).date(), tz=tz)
    already_loaded = await workouts.has_source(session, user_id=user.id, source=SOURCE)
    written_workouts = await workouts.upsert_many(session, history.workouts)
    written_days = await metrics.upsert_many(session, history.metrics, only_overwrite_source=SOURCE)
    filled = []
    for field, value in (
        ("ftp", FTP_W),
        ("max_hr", MAX_HR_BPM),
        ("weight", WEIGHT_KG),
        ("threshold_pace_s_per_km", THRESHOLD_PACE_S_PER_KM),
    ):
        if getattr(user, field) is None:
            setattr(user, field, value)
            filled.append(field)
    await session.flush()
    today = now.astimezone(tz).date()
    race = await races.add(
        session,
        user_id=user.id,
        name=RACE_NAME,
        day=today + timedelta(weeks=RACE_WEEKS_AHEAD),
        priority="A",
        distance_km=RACE_DISTANCE_KM,
    )
    plan = await plans.build(session, user, now=now)
    return DemoLoad(
        workouts_written=written_workouts,
        days_written=written_days,
        profile_filled=filled,
        race_added=race is not None,
        plan_weeks=len(plan.weeks),
        already_loaded=already_loaded,
    )
