"""The plan service: read the athlete's state, let the pure planner decide, store and show the plan.

The numbers have one source each. This morning's CTL and ATL come from `coach.daily.assess_today` — the same
assessment `/today` and the morning brief quote — so the plan starts where those answers say the athlete is.
The plan itself (phases, weekly loads, sessions) is `coach.planning.build.build_plan`'s; readiness changes a
session only through `coach.planning.adapt.adapt_for_readiness`; sessions are put in words, in the athlete's
units, by `coach.workouts.describe`. This module only moves data between those and PostgreSQL.

Storing is one transaction: the old plan is superseded from today (what was done, and every past day, stays
as it was) and the new plan with all its sessions is written. The user's row is locked first, so two
rebuilds at once (a race added while a setting changes) follow each other instead of both writing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from coach import availability, loads
from coach.daily import Assessment, assess_today, local_day_start, local_today
from coach.planning.adapt import adapt_for_readiness, tomorrow_form
from coach.planning.build import build_plan, plan_name_text
from coach.planning.model import Plan, PlanInputs, PlannedSession
from coach.races import goals
from coach.readiness import Action
from coach.workouts import describe, library, model
from coach.workouts.model import StructuredWorkout
from coach.workouts.serialize import blocks_to_json, workout_from_json
from db.models import PlannedWorkout, Race, TrainingPlan, User
from db.repositories import plans, races, workouts

# Rows of a day the athlete acted upon: a rebuild keeps them, and plans nothing else on their day.
ACTED_UPON = ("done", "partial", "skipped", "missed")
# Past sessions taken to have happened (not matched to a workout yet counts: better a day too many between
# hard days than two in a row).
HAPPENED = ("planned", "done", "partial")
HARD_KINDS = frozenset(kind.value for kind in model.HARD_KINDS)


@dataclass(frozen=True, slots=True)
class SessionView:
    """One session in the athlete's units: the summary line, the steps, and the numbers behind them."""

    day: date
    title: str
    kind: str
    summary: str
    steps: tuple[str, ...]
    duration_s: int
    tss: float
    status: str = "planned"


@dataclass(frozen=True, slots=True)
class Targets:
    """The athlete's thresholds for the session texts, and which are estimates (said so next to them)."""

    thresholds: availability.AthleteThresholds

    def view(self, day: date, workout: StructuredWorkout, status: str = "planned") -> SessionView:
        t = self.thresholds.thresholds
        return SessionView(
            day=day,
            title=library.title_text(workout),
            kind=workout.kind.value,
            summary=describe.session_text(workout, t),
            steps=tuple(describe.step_lines(workout, t)),
            duration_s=workout.duration_s,
            tss=workout.planned_tss,
            status=status,
        )


def workout_of(row: PlannedWorkout) -> StructuredWorkout:
    return workout_from_json(
        {
            "key": row.key,
            "sport": row.sport,
            "kind": row.kind,
            "title": row.title,
            "description": row.description,
            "blocks": row.steps,
        }
    )


def session_values(day: date, workout: StructuredWorkout) -> dict[str, Any]:
    return {
        "date": day,
        "sport": workout.sport.value,
        "title": workout.title,
        "key": workout.key,
        "kind": workout.kind.value,
        "description": workout.description,
        "steps": blocks_to_json(workout.blocks),
        "planned_duration_sec": workout.duration_s,
        "planned_tss": round(workout.planned_tss, 1),
    }


def targets_for(user: User, plan: TrainingPlan | None) -> Targets:
    estimate = plan.estimated_pace_s_per_km if plan is not None else None
    return Targets(availability.thresholds(user, estimated_pace_s_per_km=estimate))


# --------------------------------------------------------------------------- building


async def _loads_this_week(session: AsyncSession, user: User, *, today: date) -> dict[date, float]:
    """What the athlete did this week before today, by local day (the week's target and ramp count it)."""
    tz = ZoneInfo(user.timezone)
    monday = monday_of(today)
    if monday == today:
        return {}
    rows = await workouts.between(
        session, user_id=user.id, start=local_day_start(monday, tz), end=local_day_start(today, tz)
    )
    by_day: dict[date, float] = {}
    for counted in loads.count(list(rows), user):
        day = counted.workout.date.astimezone(tz).date()
        by_day[day] = by_day.get(day, 0.0) + counted.load.value
    return by_day


async def _last_hard_day(session: AsyncSession, user: User, *, today: date) -> date | None:
    """The last day before today with a hard planned session that was not missed or skipped."""
    rows = await plans.sessions_between(session, user_id=user.id, start=today - timedelta(days=7), end=today)
    hard = [r.date for r in rows if r.date < today and r.kind in HARD_KINDS and r.status in HAPPENED]
    return max(hard, default=None)


async def _estimated_pace(session: AsyncSession, user: User, *, now: datetime) -> int | None:
    if user.threshold_pace_s_per_km is not None:
        return None
    runs = await workouts.between(session, user_id=user.id, start=availability.run_window_start(now), end=now)
    pace = availability.estimate_threshold_pace(runs)
    return round(pace) if pace is not None else None


async def inputs_for(session: AsyncSession, user: User, *, assessment: Assessment) -> tuple[PlanInputs, list[Race]]:
    """The planner's inputs: this morning's CTL/ATL (the assessment /today quotes), races, availability, and
    what this week already holds."""
    today = assessment.today
    form = assessment.form
    upcoming = [r for r in await races.upcoming(session, user_id=user.id, today=today) if r.date > today]
    race_goals = goals(upcoming)
    a_race = next((g for g in race_goals if g.priority.value == "A"), None)
    sport = a_race.sport if a_race is not None else availability.plan_sport(user)
    inputs = PlanInputs(
        today=today,
        sport=sport,
        ctl=form.ctl if form is not None else 0.0,
        atl=form.atl if form is not None else 0.0,
        availability=availability.plan_settings(user).availability,
        races=race_goals,
        done_tss_by_day=await _loads_this_week(session, user, today=today),
        last_hard_day=await _last_hard_day(session, user, today=today),
    )
    return inputs, upcoming


def _weeks_json(plan: Plan) -> list[dict[str, Any]]:
    return [
        {
            "start": week.start.isoformat(),
            "phase": week.phase.value,
            "recovery": week.recovery,
            "targetTss": round(week.target_tss, 1),
            "plannedTss": round(week.planned_tss, 1),
            "plannedDurationSec": week.duration_s,
            "shortfallTss": round(week.shortfall_tss, 1),
        }
        for week in plan.weeks
    ]


def _projection_json(plan: Plan) -> list[dict[str, Any]]:
    return [{"date": p.day.isoformat(), "ctl": round(p.ctl, 2), "atl": round(p.atl, 2)} for p in plan.projection]


async def build(session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5) -> TrainingPlan:
    """Build the plan from today and store it, superseding the active one (past sessions stay as they were)."""
    await session.execute(select(User.id).where(User.id == user.id).with_for_update())
    assessment = await assess_today(session, user, now=now, band_sd=band_sd)
    inputs, upcoming = await inputs_for(session, user, assessment=assessment)
    plan = build_plan(inputs)
    today = inputs.today
    await plans.supersede(session, user_id=user.id, from_day=today)
    kept = await plans.sessions_between(session, user_id=user.id, start=today, end=plan.end)
    kept_days = {row.date for row in kept if row.status in ACTED_UPON}
    race_id = None
    if plan.race is not None:
        race_id = next((r.id for r in upcoming if (r.name, r.date) == (plan.race.name, plan.race.day)), None)
    return await plans.add(
        session,
        user_id=user.id,
        name=plan.name,
        start=plan.start,
        end=plan.end,
        weeks=_weeks_json(plan),
        projection=_projection_json(plan),
        race_id=race_id,
        estimated_pace_s_per_km=await _estimated_pace(session, user, now=now),
        sessions=[
            session_values(s.day, s.workout) for s in plan.sessions() if s.day >= today and s.day not in kept_days
        ],
    )


async def rebuild_if_active(session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5) -> bool:
    """A race or availability changed: rebuild from today if the athlete has a plan (else leave it to /plan)."""
    if await plans.active(session, user_id=user.id) is None:
        return False
    await build(session, user, now=now, band_sd=band_sd)
    return True


# --------------------------------------------------------------------------- showing


@dataclass(frozen=True, slots=True)
class WeekView:
    start: date
    phase: str
    recovery: bool
    target_tss: float
    sessions: tuple[SessionView, ...]
    # Load the rules asked for that the athlete's days and hours could not carry.
    shortfall_tss: float = 0.0

    @property
    def planned_tss(self) -> float:
        return sum(s.tss for s in self.sessions)

    @property
    def duration_s(self) -> int:
        return sum(s.duration_s for s in self.sessions)


@dataclass(frozen=True, slots=True)
class PlanView:
    """The stored plan as `/plan` shows it: its phases, this week and next, race day."""

    name: str
    start: date
    end: date
    today: date
    race: Race | None
    phases: tuple[tuple[str, date, date], ...]  # (phase, first Monday, last Sunday), in order
    weeks: tuple[WeekView, ...]  # this week and next
    race_morning_tsb: float | None
    created: bool
    pace_estimated: bool
    lthr_estimated: bool
    defaults_used: tuple[str, ...]


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _phases(weeks: Sequence[dict[str, Any]], *, first: date, last: date) -> tuple[tuple[str, date, date], ...]:
    """Consecutive weeks of one phase joined, from the plan's first day to its last (race day)."""
    out: list[tuple[str, date, date]] = []
    for week in weeks:
        start = max(first, date.fromisoformat(week["start"]))
        end = min(last, date.fromisoformat(week["start"]) + timedelta(days=6))
        if out and out[-1][0] == week["phase"]:
            out[-1] = (out[-1][0], out[-1][1], end)
        else:
            out.append((week["phase"], start, end))
    return tuple(out)


def _morning_tsb(projection: Sequence[dict[str, Any]], day: date) -> float | None:
    before = (day - timedelta(days=1)).isoformat()
    point = next((p for p in projection if p["date"] == before), None)
    return float(point["ctl"]) - float(point["atl"]) if point is not None else None


async def show(
    session: AsyncSession, user: User, *, now: datetime, band_sd: float = 0.5, build_if_missing: bool = True
) -> PlanView | None:
    """The active plan for `/plan` — built first when there is none (or it has run out)."""
    today = local_today(user, now)
    plan = await plans.active(session, user_id=user.id)
    created = False
    if plan is None or plan.end_date < today:
        if not build_if_missing:
            return None
        plan = await build(session, user, now=now, band_sd=band_sd)
        created = True
    return await _view(session, user, plan, today=today, created=created)


async def _view(session: AsyncSession, user: User, plan: TrainingPlan, *, today: date, created: bool) -> PlanView:
    targets = targets_for(user, plan)
    first = monday_of(today)
    rows = await plans.sessions_between(session, user_id=user.id, start=first, end=first + timedelta(days=13))
    weeks = []
    for offset in (0, 7):
        start = first + timedelta(days=offset)
        summary = next((w for w in plan.weeks if w["start"] == start.isoformat()), None)
        in_week = [r for r in rows if start <= r.date < start + timedelta(days=7)]
        weeks.append(
            WeekView(
                start=start,
                phase=str(summary["phase"]) if summary else "",
                recovery=bool(summary["recovery"]) if summary else False,
                target_tss=float(summary["targetTss"]) if summary else 0.0,
                shortfall_tss=float(summary.get("shortfallTss", 0.0)) if summary else 0.0,
                sessions=tuple(targets.view(r.date, workout_of(r), r.status) for r in in_week),
            )
        )
    race = await races.get(session, user_id=user.id, race_id=plan.race_id) if plan.race_id else None
    return PlanView(
        name=plan_name_text(plan.name),
        start=plan.start_date,
        end=plan.end_date,
        today=today,
        race=race,
        phases=_phases(plan.weeks, first=plan.start_date, last=plan.end_date),
        weeks=tuple(weeks),
        race_morning_tsb=_morning_tsb(plan.projection, race.date) if race is not None else None,
        created=created,
        pace_estimated=targets.thresholds.pace_estimated,
        lthr_estimated=targets.thresholds.lthr_estimated,
        defaults_used=availability.plan_settings(user).defaults_used,
    )


# --------------------------------------------------------------------------- today


@dataclass(frozen=True, slots=True)
class Option:
    """One way today can go: a readiness action, the session it means (``None``: rest), tomorrow's form."""

    action: Action
    session: SessionView | None
    tomorrow_tsb: float | None


@dataclass(frozen=True, slots=True)
class TodayPlan:
    """Today's planned session, what readiness makes of it, and tomorrow's — for /today, the brief, the coach."""

    day: date
    planned: SessionView | None  # None: a rest day in the plan (or a session already acted upon)
    proposed: Option | None  # the session readiness allows today (None without a planned session)
    alternatives: tuple[Option, ...]
    tomorrow: SessionView | None
    status: str  # today's row: planned, done, skipped… ("rest" without one)
    adapted_for: str | None  # set when today's session was changed from the plan (the brief's buttons)
    pace_estimated: bool
    lthr_estimated: bool


def _option(targets: Targets, session: PlannedSession, action: Action, ctl: float | None, atl: float | None) -> Option:
    adapted = adapt_for_readiness(session, action)
    view = targets.view(session.day, adapted.workout) if adapted is not None else None
    tomorrow = tomorrow_form(ctl=ctl, atl=atl, session=adapted) if ctl is not None and atl is not None else None
    return Option(action, view, tomorrow)


def today_plan(
    user: User,
    *,
    today: date,
    rows: Sequence[PlannedWorkout],
    tomorrow_rows: Sequence[PlannedWorkout],
    plan: TrainingPlan | None,
    assessment: Assessment,
) -> TodayPlan | None:
    """Today from the stored rows and the morning's assessment (pure, so a batch of briefs can use it)."""
    if plan is None and not rows:
        return None
    targets = targets_for(user, plan)
    row = rows[0] if rows else None
    form = assessment.form
    ctl, atl = (form.ctl, form.atl) if form is not None else (None, None)
    tomorrow_row = tomorrow_rows[0] if tomorrow_rows else None
    tomorrow = targets.view(tomorrow_row.date, workout_of(tomorrow_row)) if tomorrow_row is not None else None
    th = targets.thresholds
    if row is None or row.status != "planned":
        return TodayPlan(
            day=today,
            planned=targets.view(today, workout_of(row), row.status) if row is not None else None,
            proposed=None,
            alternatives=(),
            tomorrow=tomorrow,
            status=row.status if row is not None else "rest",
            adapted_for=row.adapted_for if row is not None else None,
            pace_estimated=th.pace_estimated,
            lthr_estimated=th.lthr_estimated,
        )
    session = PlannedSession(day=today, workout=workout_of(row))
    suggestion = assessment.suggestion
    # An already adapted session (the athlete chose it with the brief's buttons) is what they do today.
    action = suggestion.action if suggestion is not None and row.adapted_for is None else Action.PROCEED
    proposed = _option(targets, session, action, ctl, atl)
    others: list[Action] = []
    if row.adapted_for is None:  # a session the athlete already changed offers no more choices
        others = [a for a in (suggestion.alternatives if suggestion is not None else []) if a is not action]
        if action is not Action.PROCEED:
            others = [Action.PROCEED, *others]
    return TodayPlan(
        day=today,
        planned=targets.view(today, session.workout),
        proposed=proposed,
        alternatives=tuple(_option(targets, session, a, ctl, atl) for a in dict.fromkeys(others)),
        tomorrow=tomorrow,
        status=row.status,
        adapted_for=row.adapted_for,
        pace_estimated=th.pace_estimated,
        lthr_estimated=th.lthr_estimated,
    )


async def today(session: AsyncSession, user: User, *, assessment: Assessment) -> TodayPlan | None:
    """Today's session for one athlete, as `/today` and the coach show it."""
    return await _today(session, user, await plans.active(session, user_id=user.id), assessment=assessment)


async def _today(
    session: AsyncSession, user: User, plan: TrainingPlan | None, *, assessment: Assessment
) -> TodayPlan | None:
    """`today` with the active plan read already."""
    day = assessment.today
    rows = await plans.sessions_between(session, user_id=user.id, start=day, end=day + timedelta(days=1))
    return today_plan(
        user,
        today=day,
        rows=[r for r in rows if r.date == day],
        tomorrow_rows=[r for r in rows if r.date > day],
        plan=plan,
        assessment=assessment,
    )


async def today_and_view(
    session: AsyncSession, user: User, *, assessment: Assessment, now: datetime
) -> tuple[TodayPlan | None, PlanView | None]:
    """`today` and `show` (without building a plan) together, reading the active plan once: the coach's answer
    to a typed question shows both."""
    plan = await plans.active(session, user_id=user.id)
    todays = await _today(session, user, plan, assessment=assessment)
    local = local_today(user, now)
    if plan is None or plan.end_date < local:
        return todays, None
    return todays, await _view(session, user, plan, today=local, created=False)


async def today_many(
    session: AsyncSession, users: Sequence[User], *, assessments: dict[str, Assessment]
) -> dict[str, TodayPlan | None]:
    """`today` for a batch of users in two queries (the morning fan-out)."""
    keys = [(u.id, assessments[u.id].today) for u in users if u.id in assessments]
    tomorrow_keys = [(uid, day + timedelta(days=1)) for uid, day in keys]
    rows = await plans.sessions_on_many(session, keys=keys + tomorrow_keys)
    active = await plans.active_many(session, user_ids=[uid for uid, _ in keys])
    out: dict[str, TodayPlan | None] = {}
    for user in users:
        if user.id not in assessments:
            continue
        a = assessments[user.id]
        out[user.id] = today_plan(
            user,
            today=a.today,
            rows=rows.get((user.id, a.today), []),
            tomorrow_rows=rows.get((user.id, a.today + timedelta(days=1)), []),
            plan=active.get(user.id),
            assessment=a,
        )
    return out


# --------------------------------------------------------------------------- the brief's buttons


EASIER = {
    Action.PROCEED: Action.MODIFY,
    Action.MODIFY: Action.REDUCE_INTENSITY,
    Action.REDUCE_INTENSITY: Action.ACTIVE_RECOVERY,
    Action.ACTIVE_RECOVERY: Action.REST,
    Action.REST: Action.REST,
}


@dataclass(frozen=True, slots=True)
class Choice:
    """What a brief button did to today's session."""

    action: Action
    session: SessionView | None  # what the athlete does today now (None: rest)
    changed: bool  # False: there was no planned session to change


async def choose(session: AsyncSession, user: User, *, day: date, choice: str, assessment: Assessment) -> Choice:
    """Apply a brief button to the day's planned session: ``do_it`` (the session readiness proposed),
    ``easier`` (one step easier than that), ``rest``. The original row is kept as ``replaced``."""
    suggestion = assessment.suggestion
    proposed = suggestion.action if suggestion is not None and assessment.today == day else Action.PROCEED
    action = {"do_it": proposed, "easier": EASIER[proposed], "rest": Action.REST}[choice]
    rows = await plans.sessions_between(session, user_id=user.id, start=day, end=day)
    rows = [r for r in rows if r.status == "planned" and r.adapted_for is None]
    if not rows:
        return Choice(action, None, changed=False)
    row = rows[0]
    plan = await plans.active(session, user_id=user.id)
    targets = targets_for(user, plan)
    adapted = adapt_for_readiness(PlannedSession(day=day, workout=workout_of(row)), action)
    if adapted is None:
        row.status, row.adapted_for = "skipped", choice
        await session.flush()
        return Choice(action, None, changed=True)
    if action is Action.PROCEED:
        return Choice(action, targets.view(day, adapted.workout), changed=False)
    replacement = await plans.replace_session(
        session, original=row, values=session_values(day, adapted.workout), adapted_for=action.value
    )
    return Choice(action, targets.view(day, workout_of(replacement)), changed=True)
