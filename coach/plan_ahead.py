"""The days ahead for look-ahead questions: "what should I do tomorrow?", "how much should I ride this week?".

The question names the horizon — tomorrow, the rest of this week, the weekend, or next week — and the answer
is the plan's stored sessions of those days in the athlete's units, with each morning's projected form.

Projected form is the PMC stepped from this morning's CTL/ATL (the assessment `/today` quotes) through the
days before each morning: today counts with what was done so far, or today's planned session if it is still
ahead; later days with their planned load (a skipped or missed day with none). The morning's form is the
day before's CTL − ATL, as the readiness rules read it (`reference/science.md` §4.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from coach import plan_adapt
from coach.daily import Assessment
from coach.plans import SessionView, targets_for, workout_of
from coach.science import pmc
from db.models import PlannedWorkout, User
from db.repositories import plans


class Horizon(StrEnum):
    TOMORROW = "tomorrow"
    WEEKEND = "weekend"
    THIS_WEEK = "this week"
    NEXT_WEEK = "next week"


_NEXT_WEEK = re.compile(r"\bnext week\b")
_WEEKEND = re.compile(r"\bweekend\b")
_WEEK = re.compile(r"\b(this week|the week|rest of the week|week)\b")


def horizon(question: str) -> Horizon:
    """Which days a look-ahead question asks about (tomorrow when it names no other)."""
    t = question.lower()
    if _NEXT_WEEK.search(t):
        return Horizon.NEXT_WEEK
    if _WEEKEND.search(t):
        return Horizon.WEEKEND
    if _WEEK.search(t) and "tomorrow" not in t:
        return Horizon.THIS_WEEK
    return Horizon.TOMORROW


def days_of(h: Horizon, today: date) -> tuple[date, date]:
    """First and last day of the horizon (inclusive)."""
    sunday = today + timedelta(days=6 - today.weekday())
    if h is Horizon.TOMORROW:
        return today + timedelta(days=1), today + timedelta(days=1)
    if h is Horizon.WEEKEND:
        saturday = sunday - timedelta(days=1)
        return max(saturday, today + timedelta(days=1)), sunday
    if h is Horizon.THIS_WEEK:
        return min(today + timedelta(days=1), sunday), sunday
    return sunday + timedelta(days=1), sunday + timedelta(days=7)


@dataclass(frozen=True, slots=True)
class DayAhead:
    day: date
    sessions: tuple[SessionView, ...]  # none: a rest day
    morning_tsb: float | None  # projected form that morning


@dataclass(frozen=True, slots=True)
class Ahead:
    horizon: Horizon
    days: tuple[DayAhead, ...]

    @property
    def planned_tss(self) -> float:
        return sum(s.tss for d in self.days for s in d.sessions if s.status == "planned")

    @property
    def duration_s(self) -> int:
        return sum(s.duration_s for d in self.days for s in d.sessions if s.status == "planned")


def _planned_load(rows: list[PlannedWorkout]) -> float:
    return sum(r.planned_tss for r in rows if r.status == "planned")


async def ahead(
    session: AsyncSession, user: User, *, question: str, assessment: Assessment, now: datetime
) -> Ahead | None:
    """The asked-for days of the athlete's plan; ``None`` without an active plan."""
    plan = await plans.active(session, user_id=user.id)
    if plan is None:
        return None
    today = assessment.today
    h = horizon(question)
    first, last = days_of(h, today)
    rows = await plans.sessions_between(session, user_id=user.id, start=today, end=last)
    by_day: dict[date, list[PlannedWorkout]] = {}
    for row in rows:
        by_day.setdefault(row.date, []).append(row)
    done_today = (await plan_adapt.done_by_day(session, user, start=today, end=now)).get(today, 0.0)
    form = assessment.form
    ctl, atl = (form.ctl, form.atl) if form is not None else (None, None)
    targets = targets_for(user, plan)
    out: list[DayAhead] = []
    day = today
    while day <= last:
        load = (
            max(done_today, _planned_load(by_day.get(day, []))) if day == today else _planned_load(by_day.get(day, []))
        )
        morning = None
        if ctl is not None and atl is not None:
            if day >= first:
                morning = ctl - atl
            ctls, atls = pmc.pmc_series([load], ctl0=ctl, atl0=atl)
            ctl, atl = ctls[-1], atls[-1]
        if day >= first:
            views = tuple(targets.view(r.date, workout_of(r), r.status) for r in by_day.get(day, []))
            out.append(DayAhead(day, views, morning))
        day += timedelta(days=1)
    return Ahead(h, tuple(out))
