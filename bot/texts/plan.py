"""What the bot says about the plan: /plan, today's session under /today and the brief (Telegram HTML).

Every number comes from the plan service (`coach.plans`): session texts are `coach.workouts.describe`'s, in
the athlete's units, loads and forms are the rules'. These functions only arrange and escape them.
"""

from __future__ import annotations

from datetime import date

from bot import texts
from bot.texts import duration, esc
from coach.daily import Assessment
from coach.plans import Choice, Option, PlanView, SessionView, TodayPlan, WeekView
from coach.readiness import Action

NO_PLAN_HINT = "No training plan yet: /plan builds one, and then I name today's session in your own numbers."
SHORTFALL_SHOWN_TSS = 10  # a few TSS short is rounding, not a message
PHASE_NAMES = {"base": "Base", "build": "Build", "peak": "Peak", "taper": "Taper"}
STATUS_MARKS = {"done": " ✓ done", "partial": " ◐ partly done", "missed": " ✗ missed", "skipped": " – skipped"}
OPTION_NAMES = {
    Action.PROCEED: "as planned",
    Action.MODIFY: "shorter (fewer repeats)",
    Action.REDUCE_INTENSITY: "endurance instead",
    Action.ACTIVE_RECOVERY: "active recovery",
    Action.REST: "rest",
}


def signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def _steps(session: SessionView) -> list[str]:
    return [f"• {esc(line)}" for line in session.steps]


def _estimates(*, pace: bool, lthr: bool) -> str | None:
    parts = []
    if pace:
        parts.append("your threshold pace is estimated from your runs (<code>/settings pace 4:30</code> sets it)")
    if lthr:
        parts.append("your threshold HR is estimated from max and resting HR (<code>/settings lthr 170</code>)")
    return "Note: " + "; ".join(parts) + "." if parts else None


# --------------------------------------------------------------------------- today


def _tomorrow_form(option: Option) -> str:
    return f"tomorrow's form {signed(option.tomorrow_tsb)}" if option.tomorrow_tsb is not None else ""


def _option_line(option: Option) -> str:
    name = OPTION_NAMES[option.action]
    what = f"{esc(option.session.title)} — {esc(option.session.summary)}" if option.session else "no training"
    form = _tomorrow_form(option)
    return f"• {name}: {what}" + (f" ({form})" if form else "")


def session_section(plan: TodayPlan) -> str:
    """Today's session with its steps, what readiness made of it, the options, and tomorrow."""
    lines: list[str] = []
    proposed = plan.proposed
    if plan.planned is None:
        lines.append("<b>Today's plan: rest day.</b>")
    elif proposed is None:  # acted upon already: done, skipped, …
        mark = STATUS_MARKS.get(plan.status, "")
        lines.append(f"<b>Today's session: {esc(plan.planned.title)}</b>{mark}")
        lines.append(esc(plan.planned.summary))
    elif proposed.session is None:
        lines.append(f"<b>Today: rest</b> instead of the planned {esc(plan.planned.title)}.")
        if form := _tomorrow_form(proposed):
            lines.append(form[:1].upper() + form[1:] + ".")
    else:
        session = proposed.session
        if proposed.action is Action.PROCEED:
            changed = " (changed from the plan at your choice)" if plan.adapted_for else ""
            lines.append(f"<b>Today's session: {esc(session.title)}</b>{changed}")
        else:
            lines.append(
                f"<b>Today's session, adapted to your readiness: {esc(session.title)}</b> "
                f"(instead of {esc(plan.planned.title)})"
            )
        lines.append(esc(session.summary))
        lines += _steps(session)
        if form := _tomorrow_form(proposed):
            lines.append(form[:1].upper() + form[1:] + ".")
    if plan.alternatives:
        lines += ["", "Other options:"]
        lines += [_option_line(option) for option in plan.alternatives]
    if plan.tomorrow is not None:
        lines += ["", f"Tomorrow: <b>{esc(plan.tomorrow.title)}</b> — {esc(plan.tomorrow.summary)}"]
    else:
        lines += ["", "Tomorrow: rest day."]
    summaries = [s.summary for s in _sessions(plan)]
    if note := _estimates(pace=plan.pace_estimated and _has_run(plan), lthr=plan.lthr_estimated and _bpm(summaries)):
        lines.append(note)
    return "\n".join(lines)


def _has_run(plan: TodayPlan) -> bool:
    return any("/km" in s.summary or "/mi" in s.summary for s in _sessions(plan))


def _bpm(summaries: list[str]) -> bool:
    return any("bpm" in text for text in summaries)


def _sessions(plan: TodayPlan) -> list[SessionView]:
    out = [s for s in (plan.planned, plan.tomorrow) if s is not None]
    if plan.proposed is not None and plan.proposed.session is not None:
        out.append(plan.proposed.session)
    return out


def today(assessment: Assessment, plan: TodayPlan | None) -> str:
    """`/today`'s answer: the rules' verdict, today's session right under it, then the numbers."""
    base = texts.today(assessment)
    if plan is None:
        return f"{base}\n\n{NO_PLAN_HINT}" if assessment.suggestion is not None else base
    if assessment.suggestion is None:
        return f"{session_section(plan)}\n\n{base}"
    headline, _, rest = base.partition("\n\n")
    return f"{headline}\n\n{session_section(plan)}\n\n{rest}"


def choice_noted(choice: Choice, fallback: str) -> str:
    """The answer to a brief button once today's session has been changed (or kept)."""
    if not choice.changed and choice.session is None:
        return fallback
    if choice.session is None:
        return "😴 Noted: rest today — I took today's session off your plan. Recovery is training too."
    session = choice.session
    head = "👍 Noted: today's session" if choice.action is Action.PROCEED else "🔽 Changed: today's session is now"
    return "\n".join([f"{head} <b>{esc(session.title)}</b>.", esc(session.summary), *_steps(session)])


# --------------------------------------------------------------------------- /plan


def _week_title(week: WeekView, label: str) -> str:
    phase = PHASE_NAMES.get(week.phase, week.phase)
    kind = f"{phase} (recovery week)" if week.recovery else phase
    kind = f" — {kind}" if kind else ""
    load = f"{week.planned_tss:.0f} TSS" if week.sessions else "no sessions"
    hours = f", {duration(week.duration_s)}" if week.sessions else ""
    return f"<b>{label} (from {_day(week.start)}){esc(kind)}: {load}{hours}</b>"


def _session_line(session: SessionView, today: date) -> str:
    mark = STATUS_MARKS.get(session.status, "")
    now = " ← today" if session.day == today else ""
    return f"{session.day:%a %d}: <b>{esc(session.title)}</b> — {esc(session.summary)}{mark}{now}"


def no_plan_yet() -> str:
    return (
        "You have no training plan yet. /plan builds one — to your next A race (add it with "
        "<code>/race Gran Fondo 2027-05-16 A</code>), or a 12-week base and build block without one."
    )


def plan_view(view: PlanView) -> str:
    lines = [f"📅 <b>{esc(view.name)}</b>" + (" — built just now" if view.created else "")]
    if view.race is not None:
        tsb = ""
        if view.race_morning_tsb is not None:
            tsb = f", race-morning form projected {signed(view.race_morning_tsb)} (target +5…+25)"
        lines.append(f"Race day: <b>{_day(view.race.date)}</b>, {esc(view.race.name)} ({view.race.priority}){tsb}")
    else:
        lines.append(f"{_day(view.start)} to {_day(view.end)}: no A race yet, so a base and build block.")
    phases = " · ".join(
        f"{PHASE_NAMES.get(name, name)} {first:%d %b}–{last:%d %b}" for name, first, last in view.phases
    )
    lines += [f"Phases: {phases}", ""]
    for week, label in zip(view.weeks, ("This week", "Next week"), strict=True):
        lines.append(_week_title(week, label))
        lines += [_session_line(s, view.today) for s in week.sessions] or ["Rest."]
        if week.shortfall_tss >= SHORTFALL_SHOWN_TSS:
            lines.append(
                f"(The rules asked for {week.shortfall_tss:.0f} TSS more than your days and hours can carry: "
                "more time in /settings would let your fitness build faster.)"
            )
        lines.append("")
    if view.defaults_used:
        lines.append(
            "Using defaults for: " + esc(", ".join(view.defaults_used)) + " — set them in /settings and I rebuild."
        )
    shown = [s.summary for week in view.weeks for s in week.sessions]
    pace_shown = any("/km" in text or "/mi" in text for text in shown)
    if note := _estimates(pace=view.pace_estimated and pace_shown, lthr=view.lthr_estimated and _bpm(shown)):
        lines.append(note)
    lines.append("/today shows today's session step by step; /races changes your races.")
    return "\n".join(lines).strip()
