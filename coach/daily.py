"""Today's assessment for one user: read their rows, compute load and recovery, ask the rules coach.

This is the seam between the database and the pure science: it reads only the given user's rows, turns
them into day-indexed series in the user's own time zone, and hands them to `coach.science` and
`coach.readiness`. Everything it used is kept on the `Assessment`, so an answer can quote its numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import loads
from coach.form import read_form
from coach.loads import CountedWorkout, LoggedSession
from coach.readiness import FormStatus, ReadinessInputs, Suggestion, suggest
from coach.science import pmc
from coach.science.load import LoadMethod, TrainingLoad
from coach.science.recovery import (
    NORMAL_RANGE_DAYS,
    HrvStatus,
    RestingHrStatus,
    SleepStatus,
    hrv_status,
    resting_hr_status,
    sleep_status,
)
from db.models import CheckIn, User, Workout
from db.repositories import checkins, metrics, workouts

# CTL is a 42-day average with a long memory: a year of history settles it to within a fraction of a point.
PMC_LOOKBACK_DAYS = 365


@dataclass(frozen=True, slots=True)
class Assessment:
    today: date
    timezone: str
    form: FormStatus | None
    hrv: HrvStatus | None
    resting_hr: RestingHrStatus | None
    sleep: SleepStatus | None
    suggestion: Suggestion | None
    workouts_counted: int
    # Sessions without power or heart rate, counted by duration × sport (say so when it matters).
    loads_estimated: int
    # The daily rows it read (last 60 days) and this morning's check-in, for callers that say what is missing.
    daily: tuple[RecoveryDay, ...] = ()
    check_in: CheckIn | None = None


def local_today(user: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(user.timezone)).date()


def local_day_start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def form_status(rows: Sequence[CountedWorkout], *, today: date, tz: ZoneInfo) -> FormStatus | None:
    """Fitness, fatigue and ramp as of this morning (the end of yesterday), from the one `read_form`."""
    reading = read_form(rows, today=today, tz=tz)
    morning = reading.morning
    if morning is None:
        return None  # nothing before today: nothing has shaped this morning's form yet
    yesterday = morning.day
    return FormStatus(
        ctl=morning.ctl,
        atl=morning.atl,
        ramp_per_week=reading.ramp_per_week(yesterday),
        days_of_history=len(reading.through(yesterday)),
    )


class RecoveryDay(Protocol):
    """A morning's recovery signals: a stored `DailyMetric`, or the lighter `metrics.RecoveryRow`."""

    @property
    def date(self) -> date: ...
    @property
    def hrv(self) -> float | None: ...
    @property
    def resting_hr(self) -> int | None: ...
    @property
    def hours_slept(self) -> float | None: ...


def recovery_series(
    rows: Sequence[RecoveryDay],
) -> tuple[dict[date, float], dict[date, float], dict[date, float]]:
    """HRV, resting HR and hours slept by date, each only where the row has the value."""
    hrv = {r.date: r.hrv for r in rows if r.hrv is not None}
    rhr = {r.date: float(r.resting_hr) for r in rows if r.resting_hr is not None}
    sleep = {r.date: r.hours_slept for r in rows if r.hours_slept is not None}
    return hrv, rhr, sleep


async def assess_today(
    session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5, illness: bool = False
) -> Assessment:
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    history_start = local_day_start(today - timedelta(days=PMC_LOOKBACK_DAYS), tz)
    rows = (await workouts.loads_between_many(session, user_ids=[user.id], start=history_start, end=now))[user.id]
    first_day = today - timedelta(days=NORMAL_RANGE_DAYS - 1)
    daily = (await metrics.recovery_between_many(session, user_ids=[user.id], start=first_day, end=today))[user.id]
    # This morning's check-in (buttons under the brief): reported illness is a hard veto in the rules.
    check_in = await checkins.get(session, user_id=user.id, day=today)
    return assess_rows(user, now=now, rows=rows, daily=daily, check_in=check_in, band_sd=band_sd, illness=illness)


async def assess_many(
    session: AsyncSession, users: Sequence[User], *, now: datetime, band_sd: float = 0.5
) -> dict[str, Assessment]:
    """`assess_today` for many users with three queries in all (the morning fan-out composes thousands)."""
    if not users:
        return {}
    todays = {u.id: local_today(u, now) for u in users}
    earliest = min(todays.values())
    history_start = local_day_start(earliest - timedelta(days=PMC_LOOKBACK_DAYS + 1), ZoneInfo("UTC"))
    ids = [u.id for u in users]
    rows = await workouts.loads_between_many(session, user_ids=ids, start=history_start, end=now)
    daily = await metrics.recovery_between_many(
        session, user_ids=ids, start=earliest - timedelta(days=NORMAL_RANGE_DAYS - 1), end=max(todays.values())
    )
    check_ins = await checkins.get_many(session, keys=list(todays.items()))
    out = {}
    for user in users:
        # Give the event loop a turn between users: a batch is CPU work, and paced sends must keep time.
        await asyncio.sleep(0)
        today = todays[user.id]
        tz = ZoneInfo(user.timezone)
        start = local_day_start(today - timedelta(days=PMC_LOOKBACK_DAYS), tz)
        first_day = today - timedelta(days=NORMAL_RANGE_DAYS - 1)
        out[user.id] = assess_rows(
            user,
            now=now,
            rows=[w for w in rows[user.id] if w.date >= start],
            daily=[d for d in daily[user.id] if first_day <= d.date <= today],
            check_in=check_ins.get((user.id, today)),
            band_sd=band_sd,
        )
    return out


def assess_rows(
    user: User,
    *,
    now: datetime,
    rows: Sequence[LoggedSession],
    daily: Sequence[RecoveryDay],
    check_in: CheckIn | None,
    band_sd: float = 0.5,
    illness: bool = False,
) -> Assessment:
    """The assessment from one user's rows (workouts of the last year, daily metrics of the last 60 days)."""
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    counted = loads.count(list(rows), user)
    form = form_status(counted, today=today, tz=tz)
    hrv_by_day, rhr_by_day, sleep_by_day = recovery_series(daily)
    hrv = hrv_status(hrv_by_day, today, band_sd=band_sd)
    rhr = resting_hr_status(rhr_by_day, today)
    sleep = sleep_status(sleep_by_day, today)
    suggestion = suggest(
        ReadinessInputs(
            form=form,
            hrv=hrv,
            resting_hr=rhr,
            sleep=sleep,
            illness=illness or bool(check_in is not None and check_in.illness),
            feel=check_in.feel if check_in is not None else None,
            soreness=check_in.soreness if check_in is not None else None,
        )
    )
    return Assessment(
        today=today,
        timezone=user.timezone,
        form=form,
        hrv=hrv,
        resting_hr=rhr,
        sleep=sleep,
        suggestion=suggestion,
        workouts_counted=len(rows),
        loads_estimated=sum(1 for c in counted if c.load.method is LoadMethod.ESTIMATE),
        daily=tuple(daily),
        check_in=check_in,
    )


@dataclass(frozen=True, slots=True)
class LoadImpact:
    """How one workout moved fitness and fatigue at the end of its day (form is for the next morning)."""

    day: date
    load: TrainingLoad
    ctl_before: float
    ctl_after: float
    atl_before: float
    atl_after: float

    @property
    def tsb_before(self) -> float:
        return self.ctl_before - self.atl_before

    @property
    def tsb_after(self) -> float:
        return self.ctl_after - self.atl_after


async def load_impact(session: AsyncSession, user: User, *, candidate: Workout) -> LoadImpact:
    """The workout's effect on the PMC of its own local day, with and without it.

    ``candidate`` may be stored already or not (a dry run): a stored row with the same source and external
    id is left out of "before", so re-importing a file shows the impact it has, not zero.
    """
    tz = ZoneInfo(user.timezone)
    day = candidate.date.astimezone(tz).date()
    start = local_day_start(day - timedelta(days=PMC_LOOKBACK_DAYS), tz)
    stored = await workouts.between(session, user_id=user.id, start=start, end=local_day_start(day + timedelta(1), tz))
    others = [w for w in stored if (w.source, w.external_id) != (candidate.source, candidate.external_id)]
    profile = loads.heart_rate_profile(user)
    load = loads.workout_load(candidate, profile)
    before = pmc.sum_loads_by_day((w.date.astimezone(tz).date(), loads.workout_load(w, profile).value) for w in others)
    after = dict(before)
    after[day] = after.get(day, 0.0) + load.value
    first = min(after)
    end_before = pmc.pmc_days(before, first, day)[-1] if before else None
    end_after = pmc.pmc_days(after, first, day)[-1]
    return LoadImpact(
        day=day,
        load=load,
        ctl_before=end_before.ctl if end_before else 0.0,
        ctl_after=end_after.ctl,
        atl_before=end_before.atl if end_before else 0.0,
        atl_after=end_after.atl,
    )
