"""Today's assessment for one user: read their rows, compute load and recovery, ask the rules coach.

This is the seam between the database and the pure science: it reads only the given user's rows, turns
them into day-indexed series in the user's own time zone, and hands them to `coach.science` and
`coach.readiness`. Everything it used is kept on the `Assessment`, so an answer can quote its numbers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import day_loads, loads
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
from db.repositories import checkins, daily_loads, metrics, workouts

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
    today = local_today(user, now)
    summary = (await stored_loads(session, [user], todays={user.id: today}))[user.id]
    first_day = today - timedelta(days=NORMAL_RANGE_DAYS - 1)
    daily = (await metrics.recovery_between_many(session, user_ids=[user.id], start=first_day, end=today))[user.id]
    # This morning's check-in (buttons under the brief): reported illness is a hard veto in the rules.
    check_in = await checkins.get(session, user_id=user.id, day=today)
    return assess_summary(
        user, now=now, loads=summary, daily=daily, check_in=check_in, band_sd=band_sd, illness=illness
    )


async def assess_many(
    session: AsyncSession,
    users: Sequence[User],
    *,
    now: datetime,
    band_sd: float = 0.5,
    as_of: Mapping[str, datetime] | None = None,
) -> dict[str, Assessment]:
    """`assess_today` for many users with a few queries in all (the morning fan-out composes thousands).

    ``as_of`` gives a user an earlier instant than ``now`` to be assessed at (a brief for a local date that
    has just ended is composed as of its last moment, not with the new day's numbers).
    """
    if not users:
        return {}
    instants = {u.id: min(now, (as_of or {}).get(u.id, now)) for u in users}
    todays = {u.id: local_today(u, instants[u.id]) for u in users}
    earliest = min(todays.values())
    ids = [u.id for u in users]
    summaries = await stored_loads(session, users, todays=todays)
    daily = await metrics.recovery_between_many(
        session, user_ids=ids, start=earliest - timedelta(days=NORMAL_RANGE_DAYS - 1), end=max(todays.values())
    )
    check_ins = await checkins.get_many(session, keys=list(todays.items()))
    out = {}
    for user in users:
        # Give the event loop a turn between users: a batch is CPU work, and paced sends must keep time.
        await asyncio.sleep(0)
        today = todays[user.id]
        first_day = today - timedelta(days=NORMAL_RANGE_DAYS - 1)
        out[user.id] = assess_summary(
            user,
            now=instants[user.id],
            loads=summaries[user.id],
            daily=[d for d in daily[user.id] if first_day <= d.date <= today],
            check_in=check_ins.get((user.id, today)),
            band_sd=band_sd,
        )
    return out


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What the assessment takes from the workouts of the look-back: this morning's form and two counts."""

    form: FormStatus | None
    workouts_counted: int
    loads_estimated: int


def summary_of_rows(rows: Sequence[LoggedSession], *, user: User, today: date) -> LoadSummary:
    """The summary from the look-back's workouts themselves (the definition the stored days must equal)."""
    counted = loads.count(list(rows), user)
    return LoadSummary(
        form=form_status(counted, today=today, tz=ZoneInfo(user.timezone)),
        workouts_counted=len(rows),
        loads_estimated=sum(1 for c in counted if c.load.method is LoadMethod.ESTIMATE),
    )


async def stored_loads(
    session: AsyncSession, users: Sequence[User], *, todays: dict[str, date]
) -> dict[str, LoadSummary]:
    """The summary of each user's last `PMC_LOOKBACK_DAYS` from the stored days: five rows per user.

    Equal (to rounding) to `summary_of_rows` over the same workouts; the stale days are rebuilt first.
    """
    await day_loads.refresh(session, users)
    keys = [day_loads.window_key(u, today=todays[u.id], lookback_days=PMC_LOOKBACK_DAYS) for u in users]
    windows = await daily_loads.windows_many(session, keys)
    out = {}
    for key in keys:
        rows = windows[key.user_id]
        before = rows.before_start
        counted = (rows.at_today.sessions_total if rows.at_today else 0) - (before.sessions_total if before else 0)
        estimated = (rows.at_today.estimated_total if rows.at_today else 0) - (before.estimated_total if before else 0)
        form = None
        # Only today's sessions so far (or none): nothing has shaped this morning's form yet.
        if rows.first is not None and rows.first <= key.end:
            window = pmc.window_form(
                start=key.start,
                end=key.end,
                first=rows.first,
                at_end=day_loads.stored(rows.at_end),
                before_start=day_loads.stored(before),
                at_ramp=day_loads.stored(rows.at_ramp),
            )
            form = FormStatus(
                ctl=window.ctl,
                atl=window.atl,
                ramp_per_week=window.ramp_per_week,
                days_of_history=window.days_of_history,
            )
        out[key.user_id] = LoadSummary(form=form, workouts_counted=counted, loads_estimated=estimated)
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
    summary = summary_of_rows(rows, user=user, today=local_today(user, now))
    return assess_summary(
        user, now=now, loads=summary, daily=daily, check_in=check_in, band_sd=band_sd, illness=illness
    )


def assess_summary(
    user: User,
    *,
    now: datetime,
    loads: LoadSummary,
    daily: Sequence[RecoveryDay],
    check_in: CheckIn | None,
    band_sd: float = 0.5,
    illness: bool = False,
) -> Assessment:
    """The assessment from the look-back's load summary and the daily metrics of the last 60 days."""
    today = local_today(user, now)
    form = loads.form
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
        workouts_counted=loads.workouts_counted,
        loads_estimated=loads.loads_estimated,
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
