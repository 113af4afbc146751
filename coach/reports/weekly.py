"""The weekly analysis: load, intensity distribution, recovery trend, and what to change next week.

Everything comes from the rules and the science modules; the numbers quoted are the numbers computed.
The week is the last 7 local days including today. Intensity is classified per session from its whole-session
intensity factor (or, without power, its average heart rate against max HR), because only summaries are stored:

    easy      IF < 0.75   (or < 75 % HRmax)   — endurance and recovery
    moderate  IF 0.75–0.85 (75–85 % HRmax)    — tempo, long runs, sweet spot
    hard      IF ≥ 0.85   (≥ 85 % HRmax)      — threshold and VO2max sessions

A session's whole-session IF is lower than its intervals' (an interval day of 5×4 min at 115 % FTP averages
about 0.85), hence the thresholds. Endurance athletes typically spend about 80 % of their time easy
(Seiler 2010, polarized distribution [lit]).

Next week's load target comes from the PMC itself: a constant daily load L moves CTL from C0 to
C0 + r in 7 days when L = (C0 + r − C0·a) / (1 − a), a = (1 − k_CTL)^7.
"""

from __future__ import annotations

import asyncio
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import history, i18n, loads
from coach.charts import FitnessSeries
from coach.daily import Assessment, assess_today, local_day_start, local_today, recovery_series
from coach.i18n import t, tn
from coach.readiness import RAMP_LIMIT_PER_WEEK, TSB_OVERLOAD
from coach.reports.compliance import Compliance, compliance
from coach.reports.compliance import lines as compliance_lines
from coach.reports.content import Progress, ReportContent
from coach.reports.words import action, percent, signed, whole
from coach.science import pmc
from coach.science.recovery import Band, hrv_status, resting_hr_status, sleep_status
from db.models import User, Workout
from db.repositories import metrics, plans, workouts

WEEK_DAYS = 7
EASY_IF, HARD_IF = 0.75, 0.85
EASY_HR, HARD_HR = 0.75, 0.85
EASY_SHARE_TARGET = 0.80
HARD_SHARE_LIMIT = 0.25
SLEEP_NEED_H = 8.0

# CTL change per week aimed at next week (science.md §4.4: +3…+7 sustainable, > 8 risky).
RECOVER_RAMP = (-5.0, -2.0)
HOLD_RAMP = (-1.0, 2.0)
BUILD_RAMP = (3.0, 5.0)


def weekly_load_for_ramp(ctl_now: float, ramp_per_week: float) -> float:
    """Total load over 7 days, spread evenly, that moves CTL by ``ramp_per_week`` (the PMC inverted)."""
    a = (1.0 - pmc.K_CTL) ** WEEK_DAYS
    daily = (ctl_now + ramp_per_week - ctl_now * a) / (1.0 - a)
    return max(0.0, daily * WEEK_DAYS)


def intensity_class(workout: Workout, max_hr: int | None) -> str | None:
    if workout.intensity_factor is not None:
        f = workout.intensity_factor
        return "easy" if f < EASY_IF else "moderate" if f < HARD_IF else "hard"
    if workout.average_hr is not None and max_hr:
        share = workout.average_hr / max_hr
        return "easy" if share < EASY_HR else "moderate" if share < HARD_HR else "hard"
    return None


@dataclass(frozen=True, slots=True)
class WeekLoad:
    sessions: int
    hours: float
    load: float
    by_sport: dict[str, tuple[int, float, float]]  # sport -> (sessions, hours, load)
    longest_title: str | None
    longest_h: float
    intensity_h: dict[str, float]  # easy/moderate/hard/unknown -> hours
    monotony: float | None


def week_load(
    rows: Sequence[Workout], daily: Sequence[float], max_hr: int | None, load_of: Mapping[int, float]
) -> WeekLoad:
    by_sport: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    intensity: dict[str, float] = {"easy": 0.0, "moderate": 0.0, "hard": 0.0, "unknown": 0.0}
    for w in rows:
        entry = by_sport[w.type or "Other"]
        entry[0] += 1
        entry[1] += w.duration_sec / 3600
        entry[2] += load_of.get(id(w), 0.0)
        intensity[intensity_class(w, max_hr) or "unknown"] += w.duration_sec / 3600
    longest = max(rows, key=lambda w: w.duration_sec, default=None)
    sd = statistics.pstdev(daily) if len(daily) > 1 else 0.0
    return WeekLoad(
        sessions=len(rows),
        hours=sum(w.duration_sec for w in rows) / 3600,
        load=sum(daily),
        by_sport={k: (int(v[0]), v[1], v[2]) for k, v in sorted(by_sport.items())},
        longest_title=longest.title if longest else None,
        longest_h=longest.duration_sec / 3600 if longest else 0.0,
        intensity_h=intensity,
        # Foster's monotony: mean daily load over its SD; undefined for a perfectly even (or empty) week.
        monotony=statistics.fmean(daily) / sd if sd > 0 else None,
    )


def _signed(value: float) -> str:
    return signed(value, 1)


def _h(hours: float) -> str:
    whole = int(hours)
    minutes = round((hours - whole) * 60)
    if minutes == 60:
        whole, minutes = whole + 1, 0
    return f"{whole} h {minutes:02d} min" if whole else f"{minutes} min"


@dataclass(frozen=True, slots=True)
class WeeklyInputs:
    start: date
    end: date
    this_week: WeekLoad
    previous_week: WeekLoad
    four_week_avg_load: float
    pmc_days: list[pmc.PmcDay]
    assessment: Assessment
    hrv_week_ago_ms: float | None
    band_week_ago: tuple[float, float] | None
    rhr_7d: float | None
    rhr_60d: float | None
    rhr_elevated_mornings: int
    sleep_avg_h: float | None
    sleep_debt_h: float | None
    ftp: int | None
    plan: Compliance | None = None


async def gather(
    session: AsyncSession, user: User, *, now: datetime, band_sd: float, progress: Progress
) -> WeeklyInputs:
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    start = today - timedelta(days=WEEK_DAYS - 1)
    await progress(t("Reading your workouts"))
    # Five weeks of workouts (this week, last week, the four before) and the stored PMC: a few hundred rows at
    # most, whatever the length of the history.
    prev_start = start - timedelta(days=WEEK_DAYS)
    rows = await workouts.between(
        session, user_id=user.id, start=local_day_start(start - timedelta(days=4 * WEEK_DAYS), tz), end=now
    )
    counted = loads.count(list(rows), user)
    pmc_days = await history.stored_pmc_days(session, user, now=now, end=today)

    def in_days(first: date, last: date) -> list[Workout]:
        return [w for w in rows if first <= w.date.astimezone(tz).date() <= last]

    by_day = history.daily_loads(counted, tz=tz)
    load_of = {id(c.workout): c.load.value for c in counted}
    this_days = pmc.daily_load_series(by_day, start, today)
    prev_days = pmc.daily_load_series(by_day, prev_start, start - timedelta(days=1))
    four = pmc.daily_load_series(by_day, start - timedelta(days=4 * WEEK_DAYS), start - timedelta(days=1))
    await progress(t("Checking recovery"))
    assessment = await assess_today(session, user, now=now, band_sd=band_sd)
    daily = await metrics.between(session, user_id=user.id, start=today - timedelta(days=70), end=today)
    hrv, rhr, sleep = recovery_series(daily)
    week_ago = hrv_status(hrv, today - timedelta(days=WEEK_DAYS), band_sd=band_sd)
    rhr_now = resting_hr_status(rhr, today)
    sleep_now = sleep_status(sleep, today)
    week_sleep = [h for d, h in sleep.items() if start <= d <= today]
    planned = await plans.sessions_between(session, user_id=user.id, start=start, end=today)
    this_week = week_load(in_days(start, today), this_days, user.max_hr, load_of)
    return WeeklyInputs(
        start=start,
        end=today,
        this_week=this_week,
        previous_week=week_load(in_days(prev_start, start - timedelta(days=1)), prev_days, user.max_hr, load_of),
        four_week_avg_load=sum(four) / 4,
        pmc_days=pmc_days,
        assessment=assessment,
        hrv_week_ago_ms=week_ago.baseline_rmssd_ms if week_ago else None,
        band_week_ago=week_ago.range_rmssd_ms if week_ago else None,
        rhr_7d=rhr_now.mean_7d_bpm if rhr_now else None,
        rhr_60d=rhr_now.mean_60d_bpm if rhr_now else None,
        rhr_elevated_mornings=rhr_now.elevated_mornings if rhr_now else 0,
        sleep_avg_h=statistics.fmean(week_sleep) if week_sleep else None,
        sleep_debt_h=sleep_now.debt_7d_h if sleep_now else None,
        ftp=user.ftp,
        plan=compliance(planned, today=today, done_tss=this_week.load),
    )


@dataclass(frozen=True, slots=True)
class NextWeek:
    stance: str
    target_load: tuple[float, float] | None
    changes: list[str]


def next_week(inputs: WeeklyInputs) -> NextWeek:
    """The rules for next week, most pressing first."""
    a = inputs.assessment
    changes: list[str] = []
    hrv_low = a.hrv is not None and a.hrv.band is Band.BELOW
    rhr_up = a.resting_hr is not None and a.resting_hr.elevated
    last = inputs.pmc_days[-1] if inputs.pmc_days else None
    tsb = last.tsb if last else None
    ramp = pmc.ramp_rate([d.ctl for d in inputs.pmc_days])
    week = inputs.this_week
    if hrv_low or rhr_up or (tsb is not None and tsb < TSB_OVERLOAD):
        stance, ramp_range = "recover", RECOVER_RAMP
        signs = []
        if hrv_low:
            signs.append(t("HRV below your normal range"))
        if rhr_up:
            signs.append(t("resting HR elevated"))
        if tsb is not None and tsb < TSB_OVERLOAD:
            signs.append(t("form (TSB) {tsb}, below {limit}", tsb=_signed(tsb), limit=whole(TSB_OVERLOAD)))
        changes.append(
            t(
                "**Start with 2–3 easy days** ({signs}): zone 1–2 only, no intervals until the HRV 7-day mean is "
                "back in its range and resting HR is back near its average.",
                signs=", ".join(signs),
            )
        )
    elif ramp is not None and ramp > RAMP_LIMIT_PER_WEEK:
        stance, ramp_range = "hold", HOLD_RAMP
        changes.append(
            t(
                "**Hold the load**: fitness rose {ramp} this week, above the ~{limit}/week that most athletes sustain.",
                ramp=_signed(ramp),
                limit=whole(RAMP_LIMIT_PER_WEEK),
            )
        )
    elif tsb is not None and tsb > pmc_fresh_limit():
        stance, ramp_range = "build", BUILD_RAMP
        changes.append(t("**Build**: you are fresh (TSB {tsb}), so there is room to add load.", tsb=_signed(tsb)))
    elif last is None and a.hrv is None and a.resting_hr is None:
        # Nothing read at all: "in range" would be a claim about signals never seen.
        stance, ramp_range = "start", BUILD_RAMP
        changes.append(
            t(
                "**Start gently**: I have no workouts or recovery mornings from you yet, so I can't judge your load; "
                "connect a provider (/connect) or upload a ride, and next week's advice will rest on your numbers."
            )
        )
    else:
        stance, ramp_range = "build", BUILD_RAMP
        changes.append(t("**Build steadily**: recovery signals are in range, so add a little load."))

    if week.hours > 0:
        easy = week.intensity_h["easy"] / week.hours
        hard = week.intensity_h["hard"] / week.hours
        if hard > HARD_SHARE_LIMIT:
            changes.append(
                t(
                    "**Less intensity**: {share} of your time was in hard sessions; keep it under {limit} — turn one "
                    "hard day into an endurance ride.",
                    share=percent(hard),
                    limit=percent(HARD_SHARE_LIMIT),
                )
            )
        elif easy < EASY_SHARE_TARGET - 0.15:
            changes.append(
                t(
                    "**More easy time**: only {share} of your time was easy (target ~{target}); make the moderate "
                    "sessions truly easy, or shorter.",
                    share=percent(easy),
                    target=percent(EASY_SHARE_TARGET),
                )
            )
        elif week.intensity_h["hard"] == 0 and stance == "build":
            if inputs.ftp:
                session = t("4×8 min at {low}–{high} W", low=round(inputs.ftp * 0.95), high=inputs.ftp)
            else:
                session = t("4×8 min at 95–100 % of FTP")
            changes.append(t("**Add one quality session**: no hard session this week; try {session}.", session=session))
    if inputs.sleep_debt_h is not None and inputs.sleep_debt_h > 5.0:
        changes.append(
            t(
                "**Sleep**: {debt} h short over the last 7 nights; aim for {need} h — it is the cheapest recovery "
                "there is.",
                debt=i18n.number(inputs.sleep_debt_h, 1),
                need=whole(SLEEP_NEED_H),
            )
        )
    if week.monotony is not None and week.monotony > 2.0:
        changes.append(
            t(
                "**Vary the days**: training monotony {monotony} (above 2 is high) — make easy days easier and keep "
                "a rest day.",
                monotony=i18n.number(week.monotony, 1),
            )
        )
    target = None
    if last is not None:
        target = (
            weekly_load_for_ramp(last.ctl, ramp_range[0]),
            weekly_load_for_ramp(last.ctl, ramp_range[1]),
        )
    return NextWeek(stance=stance, target_load=target, changes=changes)


def pmc_fresh_limit() -> float:
    """Above this form (TSB) the athlete is fresh: science.md §4.5's +5."""
    return 5.0


def compose(inputs: WeeklyInputs, plan: NextWeek) -> str:
    w, p = inputs.this_week, inputs.previous_week
    a = inputs.assessment
    week = t("Week {start} – {end}", start=i18n.when(inputs.start, "%d %b"), end=i18n.when(inputs.end, "%d %b"))
    lines = [f"# {week}", ""]
    lines += ["## " + t("Load"), ""]
    if w.sessions == 0:
        lines.append("- " + t("No workouts recorded this week."))
    else:
        # The English messages have always said "sessions", even for one (their output stays as it was).
        lines.append(
            "- "
            + tn(
                "{n} sessions, {time}, training load **{load}** TSS",
                "{n} sessions, {time}, training load **{load}** TSS",
                w.sessions,
                time=_h(w.hours),
                load=whole(w.load),
            )
        )
        lines.append(
            "- "
            + tn(
                "Previous week: {n} sessions, {time}, {load} TSS; 4-week average {average} TSS",
                "Previous week: {n} sessions, {time}, {load} TSS; 4-week average {average} TSS",
                p.sessions,
                time=_h(p.hours),
                load=whole(p.load),
                average=whole(inputs.four_week_avg_load),
            )
        )
        for sport, (n, hours, load) in w.by_sport.items():
            lines.append(f"- {sport}: {n}×, {_h(hours)}, {load:.0f} TSS")
        if w.longest_title:
            lines.append("- " + t("Longest: {title} ({time})", title=w.longest_title, time=_h(w.longest_h)))
    if inputs.pmc_days:
        lines.append("- " + _pmc_line(inputs))
    if w.monotony is not None:
        lines.append(
            "- "
            + t("Monotony {monotony} (mean daily load / its SD; above 2 is high)", monotony=i18n.number(w.monotony, 1))
        )
    if inputs.plan is not None:
        lines += ["", "## " + t("Planned vs done"), ""]
        lines += compliance_lines(inputs.plan)
    lines += ["", "## " + t("Intensity distribution"), ""]
    if w.hours > 0:
        shares = {key: (_h(hours), f"{hours / w.hours:.0%}") for key, hours in w.intensity_h.items()}
        lines.append("- " + t("Easy: {time} ({share})", time=shares["easy"][0], share=shares["easy"][1]))
        lines.append("- " + t("Moderate: {time} ({share})", time=shares["moderate"][0], share=shares["moderate"][1]))
        lines.append("- " + t("Hard: {time} ({share})", time=shares["hard"][0], share=shares["hard"][1]))
        if w.intensity_h["unknown"] > 0:
            lines.append("- " + t("Unknown (no power or heart rate): {time}", time=_h(w.intensity_h["unknown"])))
        lines.append(
            "- "
            + t(
                "_Per session, from its intensity factor (or average HR); the usual target is ~{target} easy._",
                target=percent(EASY_SHARE_TARGET),
            )
        )
    else:
        lines.append("- " + t("No training time this week."))
    lines += ["", "## " + t("Recovery trend"), ""]
    if a.hrv is not None:
        lines.append("- " + _hrv_line(inputs))
    else:
        lines.append("- " + t("HRV: too few mornings for a 7-day mean and a normal range."))
    if inputs.rhr_7d is not None and inputs.rhr_60d is not None:
        rhr = {"mean": whole(inputs.rhr_7d), "base": whole(inputs.rhr_60d)}
        if inputs.rhr_elevated_mornings >= 2:
            lines.append(
                "- "
                + t(
                    "Resting HR 7-day mean {mean} bpm against a 60-day mean of {base} bpm; elevated (5+ bpm up) on "
                    "the last {mornings} mornings",
                    mornings=inputs.rhr_elevated_mornings,
                    **rhr,
                )
            )
        else:
            lines.append("- " + t("Resting HR 7-day mean {mean} bpm against a 60-day mean of {base} bpm", **rhr))
    if inputs.sleep_avg_h is not None:
        average = i18n.number(inputs.sleep_avg_h, 1)
        if inputs.sleep_debt_h is not None:
            # The debt adds up the short nights only (long nights do not pay it back), so an average near
            # 8 h can still carry a debt: say so, or the two numbers read as a contradiction.
            lines.append(
                "- "
                + t(
                    "Sleep {average} h a night on average; the nights under 8 h fell {debt} h short in all over the "
                    "last 7 nights (a long night does not make up for a short one)",
                    average=average,
                    debt=i18n.number(inputs.sleep_debt_h, 1),
                )
            )
        else:
            lines.append("- " + t("Sleep {average} h a night on average", average=average))
    if a.suggestion is not None:
        lines.append(
            "- "
            + t("Today's call: {action} — {reason}", action=action(a.suggestion.action), reason=a.suggestion.reason)
        )
    lines += ["", "## " + t("Next week"), ""]
    lines += [f"- {change}" for change in plan.changes]
    if plan.target_load is not None:
        low_t, high_t = plan.target_load
        target = {
            "low": whole(low_t),
            "high": whole(high_t),
            "this_week": whole(w.load),
            "ramp": _ramp_words(plan.stance),
        }
        if plan.stance == "recover":
            lines.append(
                "- "
                + t(
                    "Aim for about **{low}–{high} TSS** over the week (this week {this_week}): the load that lets "
                    "fitness settle a little by {ramp} on the fitness/fatigue model.",
                    **target,
                )
            )
        else:
            lines.append(
                "- "
                + t(
                    "Aim for about **{low}–{high} TSS** over the week (this week {this_week}): the load that moves "
                    "fitness by {ramp} on the fitness/fatigue model.",
                    **target,
                )
            )
    return "\n".join(lines).strip() + "\n"


def _pmc_line(inputs: WeeklyInputs) -> str:
    """Fitness, fatigue and form tonight, with the week's ramp and this morning's form when known."""
    last = inputs.pmc_days[-1]
    ramp = pmc.ramp_rate([d.ctl for d in inputs.pmc_days])
    morning = next((d for d in inputs.pmc_days if d.day == inputs.end - timedelta(days=1)), None)
    values = {"ctl": whole(last.ctl), "atl": whole(last.atl), "tsb": _signed(last.tsb)}
    if ramp is not None and morning is not None:
        return t(
            "Fitness (CTL) **{ctl}**, ramp {ramp} this week; fatigue (ATL) {atl}; form (TSB) **{tsb}** tonight "
            "(this morning {morning})",
            ramp=_signed(ramp),
            morning=_signed(morning.tsb),
            **values,
        )
    if ramp is not None:
        return t(
            "Fitness (CTL) **{ctl}**, ramp {ramp} this week; fatigue (ATL) {atl}; form (TSB) **{tsb}** tonight",
            ramp=_signed(ramp),
            **values,
        )
    if morning is not None:
        return t(
            "Fitness (CTL) **{ctl}**; fatigue (ATL) {atl}; form (TSB) **{tsb}** tonight (this morning {morning})",
            morning=_signed(morning.tsb),
            **values,
        )
    return t("Fitness (CTL) **{ctl}**; fatigue (ATL) {atl}; form (TSB) **{tsb}** tonight", **values)


def _hrv_line(inputs: WeeklyInputs) -> str:
    """The HRV 7-day mean against its normal range, and a week ago when known."""
    hrv = inputs.assessment.hrv
    assert hrv is not None
    low, high = hrv.range_rmssd_ms
    values = {"mean": whole(hrv.baseline_rmssd_ms), "low": whole(low), "high": whole(high)}
    was = ""
    if inputs.hrv_week_ago_ms is not None:
        was = " " + t("(a week ago {ms} ms)", ms=whole(inputs.hrv_week_ago_ms))
    if hrv.band is Band.BELOW:
        return t("HRV 7-day mean **{mean} ms**{was}, below your normal range {low}–{high} ms", was=was, **values)
    if hrv.band is Band.ABOVE:
        return t("HRV 7-day mean **{mean} ms**{was}, above your normal range {low}–{high} ms", was=was, **values)
    return t("HRV 7-day mean **{mean} ms**{was}, within your normal range {low}–{high} ms", was=was, **values)


def _ramp_words(stance: str) -> str:
    ramp = {"recover": RECOVER_RAMP, "hold": HOLD_RAMP, "build": BUILD_RAMP}[stance]
    return t("{low} to {high} CTL", low=_signed(ramp[0]), high=_signed(ramp[1]))


def facts(inputs: WeeklyInputs, plan: NextWeek) -> dict[str, Any]:
    """The numbers behind the report (stored as ``Report.suggestions``, the only thing a narrator sees)."""
    w = inputs.this_week
    last = inputs.pmc_days[-1] if inputs.pmc_days else None
    a = inputs.assessment
    return {
        "week": {"start": inputs.start.isoformat(), "end": inputs.end.isoformat()},
        "load": {
            "sessions": w.sessions,
            "hours": round(w.hours, 2),
            "tss": round(w.load, 1),
            "previous_week_tss": round(inputs.previous_week.load, 1),
            "four_week_avg_tss": round(inputs.four_week_avg_load, 1),
            "monotony": round(w.monotony, 2) if w.monotony is not None else None,
        },
        "pmc": {"ctl": round(last.ctl, 1), "atl": round(last.atl, 1), "tsb": round(last.tsb, 1)} if last else None,
        "intensity_hours": {k: round(v, 2) for k, v in w.intensity_h.items()},
        "hrv_7d_ms": round(a.hrv.baseline_rmssd_ms, 1) if a.hrv else None,
        "hrv_band": a.hrv.band.value if a.hrv else None,
        "resting_hr_7d": round(inputs.rhr_7d, 1) if inputs.rhr_7d is not None else None,
        "sleep_avg_h": round(inputs.sleep_avg_h, 2) if inputs.sleep_avg_h is not None else None,
        "today": a.suggestion.to_json() if a.suggestion else None,
        "plan": inputs.plan.to_json() if inputs.plan is not None else None,
        "next_week": {
            "stance": plan.stance,
            "target_tss": [round(v) for v in plan.target_load] if plan.target_load else None,
            "changes": plan.changes,
        },
    }


def _chart(inputs: WeeklyInputs) -> FitnessSeries | None:
    return history.fitness_series_of(inputs.pmc_days)


async def build(
    session: AsyncSession, user: User, *, now: datetime, band_sd: float, progress: Progress
) -> ReportContent:
    inputs = await gather(session, user, now=now, band_sd=band_sd, progress=progress)
    await progress(t("Planning next week"))
    # Pure work on rows already read: a worker thread, so the bot answers other chats meanwhile.
    return await asyncio.to_thread(_content, inputs)


def _content(inputs: WeeklyInputs) -> ReportContent:
    plan = next_week(inputs)
    chart = _chart(inputs)
    caption = None
    if chart is not None:
        # The English message has always said "days", even for one (its output stays as it was).
        caption = tn(
            "Fitness {ctl} · fatigue {atl} · form {tsb} tonight — last {n} days",
            "Fitness {ctl} · fatigue {atl} · form {tsb} tonight — last {n} days",
            len(chart.days),
            ctl=whole(chart.ctl[-1]),
            atl=whole(chart.atl[-1]),
            tsb=_signed(chart.tsb[-1]),
        )
    return ReportContent(markdown=compose(inputs, plan), facts=facts(inputs, plan), chart=chart, chart_caption=caption)


def date_range(user: User, *, now: datetime) -> tuple[datetime, datetime]:
    tz = ZoneInfo(user.timezone)
    today = local_today(user, now)
    return local_day_start(today - timedelta(days=WEEK_DAYS - 1), tz), local_day_start(today + timedelta(days=1), tz)
