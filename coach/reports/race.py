"""Race preparation: a taper that brings form (TSB) to +5…+25 on race day, projected with the PMC model.

The search itself is pure and shared with the training plan (`coach.planning.taper`); this module reads the
athlete's history and recovery, and writes the report.

Race-day form is the morning's: CTL − ATL at the end of the day before the race (science.md §4.3), the same
readiness form the daily coach uses. The plan has two phases of daily loads, simulated with the same recurrence
as the fitness chart (`coach.science.pmc`):

- **build/hold** until the taper: the daily load that raises CTL about 3 per week (load ≈ CTL + 20; §4.4 calls
  +3…+7/week sustainable), for at most 5 weeks (+15 CTL), then holding (load = CTL);
- **taper**: ``days`` at ``fraction`` of the load that held CTL when the taper began, with the race-week rhythm
  most coaches use — a rest day two days out and short openers the day before.

Among tapers of 7–14 days at 40–60 % of the usual volume (Bosquet et al. 2007, meta-analysis: 8–14 days,
volume cut by 41–60 %, intensity kept [lit]) — widened to 3–21 days and 30–80 % if none fits — the plan
keeps the highest race-day CTL whose TSB lands in +5…+25, preferring
TSB near +15 (Friel's A-race target, §4.5) on ties. With too few days left for the band, it says so and gives
the freshest plan possible.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from coach import history, i18n
from coach.charts import FitnessSeries
from coach.daily import assess_today, local_day_start, local_today
from coach.i18n import t, tn, tp
from coach.planning.taper import TARGET_TSB as TARGET_TSB
from coach.planning.taper import TaperPlan as TaperPlan
from coach.planning.taper import plan_taper as plan_taper
from coach.planning.taper import simulate as simulate
from coach.reports.content import Progress, ReportContent
from coach.reports.requests import RaceRequest
from coach.reports.words import percent, whole
from coach.reports.words import signed as _signed
from coach.science import pmc
from coach.science.recovery import Band
from db.models import User

RECOVERY_DAYS = 3  # with HRV below its range or resting HR up, the plan starts with easy days
HISTORY_SHOWN_DAYS = 42


def _weeks(plan: TaperPlan) -> list[tuple[date, date, float]]:
    """The plan in calendar weeks of 7 days from today (the last may be shorter): (first, last, total load)."""
    out = []
    for i in range(0, len(plan.projection), 7):
        chunk = plan.projection[i : i + 7]
        out.append((chunk[0].day, chunk[-1].day, sum(d.load for d in chunk)))
    return out


def _day_note(index_from_race: int, load: float, taper: bool) -> str:
    if index_from_race == 1:
        return t("openers: 30–45 min easy with 3 × 1 min at race pace")
    if index_from_race == 2 and load == 0:
        return tp("race week day", "rest")
    if not taper:
        return t("training as usual")
    if index_from_race in (4, 6):
        return t("short race-pace efforts, e.g. 3 × 5 min, the rest easy")
    return t("easy endurance")


def compose(race: RaceRequest, plan: TaperPlan, *, ctl0: float, atl0: float, today: date, warnings: list[str]) -> str:
    days = (race.day - today).days
    taper_start = race.day - timedelta(days=plan.taper_days)
    short = "%a %d %b"
    lines = [
        "# " + t("Race plan: {name}", name=race.name),
        "",
        tn(
            "**{day}** — {n} day to go.",
            "**{day}** — {n} days to go.",
            days,
            day=i18n.when(race.day, "%A %d %B %Y"),
        ),
        "",
    ]
    lines += ["## " + t("Where you are"), ""]
    lines.append(
        "- "
        + t(
            "Fitness (CTL) **{ctl}**, fatigue (ATL) {atl}, form (TSB) **{tsb}** this morning",
            ctl=whole(ctl0),
            atl=whole(atl0),
            tsb=_signed(ctl0 - atl0),
        )
    )
    lines += [f"- {w}" for w in warnings]
    lines += ["", "## " + t("Race day, projected"), ""]
    race_day = {"tsb": _signed(plan.race_tsb), "ctl": whole(plan.race_ctl), "atl": whole(plan.race_atl)}
    if plan.in_band:
        lines.append(
            "- "
            + t(
                "Form (TSB) **{tsb}**, inside the race-ready band +5…+25; fitness (CTL) {ctl}, fatigue (ATL) {atl}",
                **race_day,
            )
        )
    else:
        lines.append(
            "- "
            + t(
                "Form (TSB) **{tsb}**, outside the race-ready band +5…+25 — there is not enough time to get there; "
                "fitness (CTL) {ctl}, fatigue (ATL) {atl}",
                **race_day,
            )
        )
    change = plan.race_ctl - ctl0
    lines.append("- " + t("Fitness by race day: {change} CTL against today", change=_signed(change)))
    lines += ["", "## " + t("The plan"), ""]
    if plan.recovery_days:
        first_hard = today + timedelta(days=plan.recovery_days)
        lines.append(
            "- "
            + t(
                "**First {days} days: recover.** Easy, about {load} TSS a day, until your HRV and resting HR are "
                "back in range (then from {day}).",
                days=plan.recovery_days,
                load=whole(plan.loads[0]),
                day=i18n.when(first_hard, short),
            )
        )
    if days > plan.taper_days:
        build_load = plan.loads[plan.recovery_days] if len(plan.loads) > plan.recovery_days else plan.loads[0]
        train = {"day": i18n.when(taper_start - timedelta(days=1), short), "load": whole(build_load * 7)}
        if _has_easier_week(plan, taper_start):
            lines.append(
                "- "
                + t(
                    "**Until {day}: train.** Keep building gently — about {load} TSS a week, raising fitness ~3 CTL "
                    "a week — with the easier weeks shown below.",
                    **train,
                )
            )
        else:
            lines.append(
                "- "
                + t(
                    "**Until {day}: train.** Keep building gently — about {load} TSS a week, raising fitness ~3 CTL "
                    "a week — the plan has no easier week before the taper, so if your legs stay heavy for several "
                    "days, take an easy week and let /today adapt.",
                    **train,
                )
            )
    lines.append(
        "- "
        + t(
            "**Taper from {day} ({days} days):** cut the volume to about {share} of your usual, keep a little "
            "intensity so the legs stay sharp.",
            day=i18n.when(taper_start, short),
            days=plan.taper_days,
            share=percent(plan.fraction),
        )
    )
    lines += ["", t("Weekly load (TSS) of the plan:"), ""]
    for first, last, total in _weeks(plan):
        lines.append(f"- {i18n.when(first, '%d %b')} – {i18n.when(last, '%d %b')}: {total:.0f}")
    lines += ["", "## " + t("The last days"), ""]
    last_days = plan.projection[-min(7, len(plan.projection)) :]
    for day in last_days:
        index = (race.day - day.day).days
        note = _day_note(index, day.load, day.day >= taper_start)
        lines.append(
            "- "
            + t(
                "{day}: {load} TSS — {note} (form {tsb} after)",
                day=i18n.when(day.day, short),
                load=whole(day.load),
                note=note,
                tsb=_signed(day.ctl - day.atl),
            )
        )
    lines.append(
        "- "
        + t(
            "**{day}: race** — form {tsb} in the morning",
            day=i18n.when(race.day, short),
            tsb=_signed(plan.race_tsb),
        )
    )
    lines += [
        "",
        t(
            "_Projected with the fitness/fatigue model (CTL 42 days, ATL 7 days) from these daily loads; "
            "real days vary, so check /fitness as the race nears._"
        ),
    ]
    return "\n".join(lines).strip() + "\n"


def _has_easier_week(plan: TaperPlan, taper_start: date) -> bool:
    """Whether the build weeks really have an easier week (the plan says so only when the loads have one)."""
    build = [total for _first, last, total in _weeks(plan) if last < taper_start]
    # An easier week is a dip between two heavier ones; the step from building to holding is not one.
    return any(b < a and b < c for a, b, c in zip(build, build[1:], build[2:], strict=False))


def chart(pmc_days: list[pmc.PmcDay], plan: TaperPlan, race: RaceRequest, *, today: date) -> FitnessSeries:
    """History of the last 6 weeks joined to the projection, through the race morning."""
    past = [d for d in pmc_days if d.day < today][-HISTORY_SHOWN_DAYS:]
    days = [*past, *plan.projection]
    # The race morning's point: yesterday's CTL and ATL carried onto the race day.
    race_point = pmc.PmcDay(day=race.day, load=0.0, ctl=plan.race_ctl, atl=plan.race_atl)
    days.append(race_point)
    return FitnessSeries(
        days=[d.day for d in days],
        ctl=[d.ctl for d in days],
        atl=[d.atl for d in days],
        tsb=[d.tsb for d in days],
        projected_from=today,
        event_day=race.day,
        event_label=race.name[:24],
    )


async def build(
    session: AsyncSession, user: User, race: RaceRequest, *, now: datetime, band_sd: float, progress: Progress
) -> ReportContent:
    today = local_today(user, now)
    await progress(t("Reading your training load"))
    loads = await history.load_history(session, user, now=now)
    yesterday = loads.on(today - timedelta(days=1))
    ctl0, atl0 = (yesterday.ctl, yesterday.atl) if yesterday else (0.0, 0.0)
    await progress(t("Checking recovery"))
    assessment = await assess_today(session, user, now=now, band_sd=band_sd)
    warnings = []
    red = (assessment.hrv is not None and assessment.hrv.band is Band.BELOW) or (
        assessment.resting_hr is not None and assessment.resting_hr.elevated
    )
    if yesterday is None:
        warnings.append(t("No training load recorded yet: the projection starts from zero fitness."))
    elif len(loads.days) < pmc.WARMUP_DAYS:
        warnings.append(
            # The English message has always said "days", even for one (its output stays as it was).
            tn(
                "Only {n} days of history: fitness reads low until there are 6 weeks.",
                "Only {n} days of history: fitness reads low until there are 6 weeks.",
                len(loads.days),
            )
        )
    if assessment.hrv is not None and assessment.hrv.band is Band.BELOW:
        warnings.append(t("Your HRV is below its normal range: take the next easy days seriously before building."))
    if assessment.resting_hr is not None and assessment.resting_hr.elevated:
        warnings.append(t("Resting HR is elevated: if you feel ill, rest first — the plan can wait a few days."))
    await progress(t("Projecting the taper"))
    # The projection searches taper lengths and volumes: CPU work, kept off the event loop.
    plan = await asyncio.to_thread(
        plan_taper, ctl0, atl0, start=today, race_day=race.day, recovery_days=RECOVERY_DAYS if red else 0
    )
    series = chart(loads.days, plan, race, today=today)
    facts: dict[str, Any] = {
        "race": race.to_json(),
        "days_to_race": (race.day - today).days,
        "now": {"ctl": round(ctl0, 1), "atl": round(atl0, 1), "tsb": round(ctl0 - atl0, 1)},
        "race_day": {"ctl": round(plan.race_ctl, 1), "atl": round(plan.race_atl, 1), "tsb": round(plan.race_tsb, 1)},
        "in_target_band": plan.in_band,
        "recovery_days": plan.recovery_days,
        "taper": {
            "days": plan.taper_days,
            "start": (race.day - timedelta(days=plan.taper_days)).isoformat(),
            "volume_fraction": plan.fraction,
        },
        "daily_load": [{"date": d.day.isoformat(), "tss": round(d.load, 1)} for d in plan.projection],
        "warnings": warnings,
    }
    caption = t(
        "{race}: form {tsb} on race day (target +5…+25), fitness {ctl}",
        race=race.name,
        tsb=_signed(plan.race_tsb),
        ctl=whole(plan.race_ctl),
    )
    return ReportContent(
        markdown=compose(race, plan, ctl0=ctl0, atl0=atl0, today=today, warnings=warnings),
        facts=facts,
        chart=series,
        chart_caption=caption,
    )


def date_range(user: User, race: RaceRequest, *, now: datetime) -> tuple[datetime, datetime]:
    tz = ZoneInfo(user.timezone)
    return local_day_start(local_today(user, now), tz), local_day_start(race.day + timedelta(days=1), tz)
