"""The tools the model may call: read-only views of the asking user's data, and nothing else.

The user is fixed before the model is called (`ToolScope`, built from the authenticated Telegram update);
every query is bound to ``scope.user_id``. No tool takes a user, chat or account id, a token, a URL or SQL:
the model chooses only *how much* of this user's data to see, within bounds. Arguments are validated
strictly (unknown fields, wrong types and out-of-range values are refused without running anything), and
refusals never echo the model's input back (OWASP LLM06: complete mediation in code, not by the model).

What a tool returns is exactly what Gemini sees, so it carries no name, e-mail, id or token. Free text the
user's devices wrote (workout titles) is truncated and returned as data in its own field.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from google.genai import types
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from coach import loads, plans
from coach.curves import curve_view
from coach.daily import PMC_LOOKBACK_DAYS, assess_today, local_day_start, recovery_series
from coach.form import read_form
from coach.plans import Option, SessionView
from coach.science import pmc
from coach.science.recovery import NORMAL_RANGE_DAYS, hrv_status, resting_hr_status
from coach.science.zones import Zone, hr_zones_by_lthr, hr_zones_by_max, power_zones
from db.models import User
from db.repositories import metrics, races, workouts

logger = logging.getLogger(__name__)

MAX_TOOL_CALLS_PER_TURN = 6
MAX_LOAD_DAYS = 365
MAX_RANGE_DAYS = 90
MAX_WORKOUTS = 50
TITLE_CHARS = 80
DAILY_POINTS_UP_TO = 90  # longer load series are sent weekly, to keep the prompt small


@dataclass(frozen=True, slots=True)
class ToolScope:
    """Whose data the tools read, fixed by the server before the model sees anything."""

    user_id: str
    now: datetime
    band_sd: float = 0.5


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _integral_floats(cls, value: object) -> object:
        # JSON has one number type and protobuf Structs carry doubles: 14.0 means 14, 14.5 does not.
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value


class NoArgs(_Args):
    pass


class LoadArgs(_Args):
    days: int = Field(default=42, ge=1, le=MAX_LOAD_DAYS, description="How many days back, ending yesterday.")


class WorkoutArgs(_Args):
    days: int = Field(default=14, ge=1, le=MAX_RANGE_DAYS, description="How many days back, including today.")
    limit: int = Field(default=20, ge=1, le=MAX_WORKOUTS, description="At most this many workouts, newest first.")


class MetricArgs(_Args):
    days: int = Field(default=14, ge=1, le=MAX_RANGE_DAYS, description="How many days back, including today.")


Result = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    description: str
    args: type[_Args]
    run: Callable[[AsyncSession, ToolScope, Any], Awaitable[Result]]

    def declaration(self) -> types.FunctionDeclaration:
        schema = self.args.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        schema["additionalProperties"] = False
        return types.FunctionDeclaration(name=self.name, description=self.description, parameters_json_schema=schema)


def _r(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


async def _user(session: AsyncSession, scope: ToolScope) -> User:
    user = await session.get(User, scope.user_id)
    assert user is not None  # the scope is built from an existing user
    return user


def _today(user: User, scope: ToolScope) -> tuple[date, ZoneInfo]:
    tz = ZoneInfo(user.timezone)
    return scope.now.astimezone(tz).date(), tz


def _zones(zones: list[Zone], unit: str) -> list[Result]:
    return [
        {"zone": z.number, "name": z.name, f"low_{unit}": round(z.low), f"high_{unit}": _r(z.high, 0)} for z in zones
    ]


async def get_profile(session: AsyncSession, scope: ToolScope, _args: NoArgs) -> Result:
    user = await _user(session, scope)
    result: Result = {
        "ftp_w": user.ftp,
        "max_hr_bpm": user.max_hr,
        "resting_hr_bpm": user.resting_hr,
        "threshold_hr_bpm": user.lthr,
        "weight_kg": user.weight,
        "sport_focus": user.sport_focus,
        "power_zones": _zones(power_zones(user.ftp), "w") if user.ftp else None,
    }
    if user.lthr:
        result["hr_zones"] = _zones(hr_zones_by_lthr(user.lthr), "bpm")
    elif user.max_hr:
        result["hr_zones"] = _zones(hr_zones_by_max(user.max_hr), "bpm")
    return {k: v for k, v in result.items() if v is not None} | {"not_set": [k for k, v in result.items() if v is None]}


async def get_training_load(session: AsyncSession, scope: ToolScope, args: LoadArgs) -> Result:
    user = await _user(session, scope)
    today, tz = _today(user, scope)
    start = local_day_start(today - timedelta(days=PMC_LOOKBACK_DAYS), tz)
    rows = await workouts.between(session, user_id=scope.user_id, start=start, end=scope.now)
    # The same reading `/today` and the charts quote; the headline is this morning's readiness (end of yesterday).
    yesterday = today - timedelta(days=1)
    days = read_form(loads.count(list(rows), user), today=today, tz=tz).through(yesterday)
    if not days:
        return {"series": [], "note": "no workouts with a training load yet"}
    ramp = pmc.ramp_rate([d.ctl for d in days])
    window = days[-args.days :]
    step = 1 if args.days <= DAILY_POINTS_UP_TO else 7
    picked = window[::-1][::step][::-1]
    return {
        "as_of": yesterday.isoformat(),
        "convention": "this morning's readiness: fitness, fatigue and form at the end of yesterday",
        "ctl": _r(days[-1].ctl),
        "atl": _r(days[-1].atl),
        "tsb": _r(days[-1].tsb),
        "ramp_per_week": _r(ramp),
        "history_days": len(days),
        "points": "daily" if step == 1 else "weekly",
        "series": [
            {"date": d.day.isoformat(), "tss": _r(d.load, 0), "ctl": _r(d.ctl), "atl": _r(d.atl), "tsb": _r(d.tsb)}
            for d in picked
        ],
    }


async def get_recent_workouts(session: AsyncSession, scope: ToolScope, args: WorkoutArgs) -> Result:
    user = await _user(session, scope)
    today, tz = _today(user, scope)
    start = local_day_start(today - timedelta(days=args.days - 1), tz)
    rows = await workouts.between(session, user_id=scope.user_id, start=start, end=scope.now)
    newest = list(reversed(rows))[: args.limit]
    return {
        "days": args.days,
        "count_in_range": len(rows),
        "workouts": [
            {
                "date": w.date.astimezone(tz).date().isoformat(),
                "type": w.type,
                # The athlete's own device text: data, never instructions.
                "title": w.title[:TITLE_CHARS],
                "duration_min": round(w.duration_sec / 60),
                "distance_km": _r(w.distance_meters / 1000 if w.distance_meters else None),
                "tss": _r(w.tss, 0),
                "intensity_factor": _r(w.intensity_factor, 2),
                "normalized_power_w": w.normalized_power,
                "average_power_w": w.average_watts,
                "average_hr_bpm": w.average_hr,
                "max_hr_bpm": w.max_hr,
                "elevation_gain_m": w.elevation_gain,
            }
            for w in newest
        ],
    }


async def get_daily_metrics(session: AsyncSession, scope: ToolScope, args: MetricArgs) -> Result:
    user = await _user(session, scope)
    today, _tz = _today(user, scope)
    rows = await metrics.between(
        session, user_id=scope.user_id, start=today - timedelta(days=NORMAL_RANGE_DAYS - 1), end=today
    )
    hrv_by_day, rhr_by_day, _sleep = recovery_series(rows)
    hrv = hrv_status(hrv_by_day, today, band_sd=scope.band_sd)
    rhr = resting_hr_status(rhr_by_day, today)
    first = today - timedelta(days=args.days - 1)
    baseline: Result | None = None
    if hrv is not None:
        low, high = hrv.range_rmssd_ms
        baseline = {
            "hrv_7d_mean_ms": _r(hrv.baseline_rmssd_ms),
            "normal_range_ms": [_r(low), _r(high)],
            "band": hrv.band.value,
            "hrv_today_ms": _r(hrv.today_rmssd_ms),
        }
    return {
        "days": [
            {
                "date": r.date.isoformat(),
                "hrv_ms": _r(r.hrv),
                "resting_hr_bpm": r.resting_hr,
                "sleep_h": _r(r.hours_slept),
                "sleep_score": r.sleep_score,
                "recovery_score": r.recovery_score,
            }
            for r in rows
            if r.date >= first
        ],
        "hrv_baseline": baseline or "not enough HRV data (3 of the last 7 mornings and 14 of the last 60)",
        "resting_hr": (
            {
                "mean_60d_bpm": _r(rhr.mean_60d_bpm),
                "mean_7d_bpm": _r(rhr.mean_7d_bpm),
                "elevated_mornings": rhr.elevated_mornings,
            }
            if rhr is not None
            else "not enough resting-HR data"
        ),
    }


async def get_readiness(session: AsyncSession, scope: ToolScope, _args: NoArgs) -> Result:
    user = await _user(session, scope)
    assessment = await assess_today(session, user, now=scope.now, band_sd=scope.band_sd)
    if assessment.suggestion is None:
        return {"date": assessment.today.isoformat(), "suggestion": None, "note": "no training or recovery data"}
    return {"date": assessment.today.isoformat(), "suggestion": assessment.suggestion.to_json()}


def _session(view: SessionView | None) -> Result | None:
    """A planned session as the rules wrote it: its words and numbers are the only ones the model may quote."""
    if view is None:
        return None
    return {
        "date": view.day.isoformat(),
        "title": view.title,
        "kind": view.kind,
        "text": view.summary,
        "steps": list(view.steps),
        "duration_min": round(view.duration_s / 60),
        "tss": _r(view.tss, 0),
        "status": view.status,
    }


def _option(option: Option) -> Result:
    return {
        "readiness_action": option.action.value,
        "session": _session(option.session) or "rest",
        "tomorrow_morning_tsb": _r(option.tomorrow_tsb),
    }


async def get_races(session: AsyncSession, scope: ToolScope, _args: NoArgs) -> Result:
    """The athlete's upcoming races (/race, /races): the goals the plan works towards."""
    user = await _user(session, scope)
    today, _tz = _today(user, scope)
    rows = await races.upcoming(session, user_id=scope.user_id, today=today, limit=20)
    return {
        "races": [
            {
                # The athlete's own text: data, never instructions.
                "name": r.name[:TITLE_CHARS],
                "date": r.date.isoformat(),
                "days_to_go": (r.date - today).days,
                "priority": r.priority,
                "sport": r.sport,
                "distance_km": r.distance,
            }
            for r in rows
        ],
        "note": "A: the plan peaks for it; B: a mini-taper; C: trained through. If none is listed, the athlete "
        "can add one with /race.",
    }


async def get_plan(session: AsyncSession, scope: ToolScope, _args: NoArgs) -> Result:
    """Today's planned session (and what readiness makes of it), tomorrow's, and this week's, from the plan."""
    user = await _user(session, scope)
    assessment = await assess_today(session, user, now=scope.now, band_sd=scope.band_sd)
    today, view = await plans.today_and_view(session, user, assessment=assessment, now=scope.now)
    if view is None:
        return {"plan": None, "note": "no training plan yet: the athlete can build one with /plan"}
    week = view.weeks[0]
    result: Result = {
        "plan": view.name,
        "race": {
            "name": view.race.name[:TITLE_CHARS],
            "date": view.race.date.isoformat(),
            "priority": view.race.priority,
        }
        if view.race is not None
        else None,
        "race_morning_tsb_projected": _r(view.race_morning_tsb),
        "this_week": {
            "start": week.start.isoformat(),
            "phase": week.phase,
            "recovery_week": week.recovery,
            "target_tss": _r(week.target_tss, 0),
            "planned_tss": _r(week.planned_tss, 0),
            "planned_hours": _r(week.duration_s / 3600),
            "sessions": [_session(s) for s in week.sessions],
        },
    }
    if today is not None:
        result["today"] = {
            "planned": _session(today.planned) or "rest day",
            "status": today.status,
            "proposed": _option(today.proposed) if today.proposed is not None else None,
            "options": [_option(o) for o in today.alternatives],
        }
        result["tomorrow"] = _session(today.tomorrow) or "rest day"
    return result


async def get_power_curve(session: AsyncSession, scope: ToolScope, _args: NoArgs) -> Result:
    """Best power per duration over 90 days (and the comparison span), with the estimate the rules made of it."""
    user = await _user(session, scope)
    view = await curve_view(session, user, now=scope.now)
    if not view.best:
        return {"note": "no workout of the last 90 days has a stored power curve (second-by-second power)"}
    ftp, cs, lthr = view.ftp, view.critical_speed, view.lthr
    return {
        "days": view.days,
        "workouts_with_curve": view.sessions_with_curve,
        "rides_without_curve": view.sessions_without_curve,
        "best_power_w": {str(d): _r(e.value, 0) for d, e in sorted(view.best.items())},
        "comparison": view.comparison_label,
        "comparison_best_power_w": {str(d): _r(e.value, 0) for d, e in sorted(view.comparison.items())},
        "ftp_estimate": {
            "estimated_ftp_w": _r(ftp.ftp_w, 0),
            "critical_power_w": _r(ftp.cp_w, 0),
            "w_prime_kj": _r(ftp.w_prime_j / 1000 if ftp.w_prime_j is not None else None),
            "ftp_from_95_percent_of_20_min_w": _r(ftp.ftp_from_20min_w, 0),
            "data_quality": ftp.quality.value,
            "stored_ftp_w": user.ftp,
        },
        "running": {
            "critical_speed_m_s": _r(cs.cs_m_s, 2),
            "d_prime_m": _r(cs.d_prime_m, 0),
            "data_quality": cs.quality.value,
        },
        "threshold_hr_estimate": (
            {"lthr_bpm": _r(lthr.lthr_bpm, 0), "rule": lthr.rule, "stored_lthr_bpm": user.lthr}
            if lthr is not None
            else "no recent effort of 20 minutes or more with heart rate"
        ),
    }


TOOLS: Mapping[str, Tool] = {
    t.name: t
    for t in (
        Tool("get_profile", "The athlete's FTP, heart-rate settings, weight and training zones.", NoArgs, get_profile),
        Tool(
            "get_training_load",
            "Fitness (CTL), fatigue (ATL), form (TSB), daily TSS and the CTL ramp per week, up to yesterday.",
            LoadArgs,
            get_training_load,
        ),
        Tool(
            "get_recent_workouts",
            "The athlete's recent workouts, newest first: type, title, duration, TSS, power and heart rate.",
            WorkoutArgs,
            get_recent_workouts,
        ),
        Tool(
            "get_daily_metrics",
            "Morning HRV, resting heart rate and sleep per day, plus the HRV baseline and normal range.",
            MetricArgs,
            get_daily_metrics,
        ),
        Tool("get_readiness", "Today's rules-based readiness suggestion and what it rests on.", NoArgs, get_readiness),
        Tool("get_races", "The athlete's upcoming races: date, priority (A/B/C), sport, distance.", NoArgs, get_races),
        Tool(
            "get_plan",
            "The training plan: today's session with its steps and targets in the athlete's units, what readiness "
            "makes of it and the other options with tomorrow's form, tomorrow's session, and this week's sessions "
            "and load. Quote these as they are; never change a number.",
            NoArgs,
            get_plan,
        ),
        Tool(
            "get_power_curve",
            "Best power for each duration (seconds to watts) over 90 days and over the season, and the FTP, "
            "critical power and W' the rules estimate from it, with the data quality.",
            NoArgs,
            get_power_curve,
        ),
    )
}


def declarations() -> list[types.FunctionDeclaration]:
    return [t.declaration() for t in TOOLS.values()]


@dataclass(frozen=True, slots=True)
class ToolOutcome:
    name: str  # the tool's name, or "unknown_tool": a name the model invented is never echoed
    ok: bool
    result: Result


def _refusal(err: ValidationError) -> str:
    # Field names and rule messages only: the model's input values are not repeated anywhere.
    problems = []
    for e in err.errors(include_input=False, include_url=False):
        where = ".".join(str(p) for p in e["loc"]) or "arguments"
        problems.append(f"{where}: {e['msg']}")
    return "invalid arguments — " + "; ".join(problems[:5])


async def run_tool(
    session: AsyncSession, scope: ToolScope, name: str | None, raw_args: Mapping[str, Any] | None
) -> ToolOutcome:
    tool = TOOLS.get(name or "")
    if tool is None:
        logger.info("model asked for a tool that does not exist")
        return ToolOutcome("unknown_tool", False, {"error": f"no such tool; the tools are: {', '.join(TOOLS)}"})
    try:
        args = tool.args.model_validate(dict(raw_args or {}))
    except ValidationError as err:
        logger.info("model's call to %s refused: invalid arguments", tool.name)
        return ToolOutcome(tool.name, False, {"error": _refusal(err)})
    return ToolOutcome(tool.name, True, await tool.run(session, scope, args))
