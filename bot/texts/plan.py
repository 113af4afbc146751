"""What the bot says about the plan: /plan, today's session under /today and the brief (Telegram HTML).

Every number comes from the plan service (`coach.plans`): session texts are `coach.workouts.describe`'s, in
the athlete's units, loads and forms are the rules'. These functions only arrange and escape them.
"""

from __future__ import annotations

from datetime import date

from bot import texts
from bot.texts import duration, esc
from coach import i18n
from coach.daily import Assessment
from coach.i18n import N_, t
from coach.plans import Choice, Option, PlanView, SessionView, TodayPlan, WeekView
from coach.readiness import Action

NO_PLAN_HINT = N_("No training plan yet: /plan builds one, and then I name today's session in your own numbers.")
SHORTFALL_SHOWN_TSS = 10  # a few TSS short is rounding, not a message
PHASE_NAMES = {"base": N_("Base"), "build": N_("Build"), "peak": N_("Peak"), "taper": N_("Taper")}
STATUS_MARKS = {
    "done": N_("✓ done"),
    "partial": N_("◐ partly done"),
    "missed": N_("✗ missed"),
    "skipped": N_("– skipped"),
}
OPTION_NAMES = {
    Action.PROCEED: N_("as planned"),
    Action.MODIFY: N_("shorter (fewer repeats)"),
    Action.REDUCE_INTENSITY: N_("endurance instead"),
    Action.ACTIVE_RECOVERY: N_("active recovery"),
    Action.REST: N_("rest"),
}
WEEK_LABELS = (N_("This week"), N_("Next week"))


def phase_name(phase: str) -> str:
    """A plan phase's name in the athlete's language (an unknown phase as it is stored)."""
    name = PHASE_NAMES.get(phase)
    return t(name) if name else phase


def status_mark(status: str) -> str:
    """`` ✓ done`` after a session acted upon (nothing for a planned one)."""
    mark = STATUS_MARKS.get(status)
    return f" {t(mark)}" if mark else ""


def signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


def _day(day: date) -> str:
    return i18n.when(day, "%a %d %b")


def _steps(session: SessionView) -> list[str]:
    return [f"• {esc(line)}" for line in session.steps]


def _estimates(*, pace: bool, lthr: bool) -> str | None:
    if pace and lthr:
        return t(
            "Note: your threshold pace is estimated from your runs (<code>/settings pace 4:30</code> sets it); "
            "your threshold HR is estimated from max and resting HR (<code>/settings lthr 170</code>)."
        )
    if pace:
        return t("Note: your threshold pace is estimated from your runs (<code>/settings pace 4:30</code> sets it).")
    if lthr:
        return t("Note: your threshold HR is estimated from max and resting HR (<code>/settings lthr 170</code>).")
    return None


# --------------------------------------------------------------------------- today


def _tomorrow_form(option: Option) -> str:
    """``Tomorrow's form +3.`` as a sentence of its own (nothing when not projected)."""
    return t("Tomorrow's form {form}.", form=signed(option.tomorrow_tsb)) if option.tomorrow_tsb is not None else ""


def _option_line(option: Option) -> str:
    name = t(OPTION_NAMES[option.action])
    what = f"{esc(option.session.title)} — {esc(option.session.summary)}" if option.session else t("no training")
    if option.tomorrow_tsb is None:
        return t("• {option}: {what}", option=name, what=what)
    return t("• {option}: {what} (tomorrow's form {form})", option=name, what=what, form=signed(option.tomorrow_tsb))


def session_section(plan: TodayPlan) -> str:
    """Today's session with its steps, what readiness made of it, the options, and tomorrow."""
    lines: list[str] = []
    proposed = plan.proposed
    if plan.planned is None:
        lines.append(t("<b>Today's plan: rest day.</b>"))
    elif proposed is None:  # acted upon already: done, skipped, …
        title = t("<b>Today's session: {title}</b>", title=esc(plan.planned.title))
        lines.append(title + status_mark(plan.status))
        lines.append(esc(plan.planned.summary))
    elif proposed.session is None:
        lines.append(t("<b>Today: rest</b> instead of the planned {title}.", title=esc(plan.planned.title)))
        if form := _tomorrow_form(proposed):
            lines.append(form)
    else:
        session = proposed.session
        if proposed.action is not Action.PROCEED:
            lines.append(
                t(
                    "<b>Today's session, adapted to your readiness: {title}</b> (instead of {planned})",
                    title=esc(session.title),
                    planned=esc(plan.planned.title),
                )
            )
        elif plan.adapted_for:
            lines.append(_changed(plan.adapted_for, esc(session.title)))
        else:
            lines.append(t("<b>Today's session: {title}</b>", title=esc(session.title)))
        lines.append(esc(session.summary))
        lines += _steps(session)
        if form := _tomorrow_form(proposed):
            lines.append(form)
    if plan.alternatives:
        lines += ["", t("Other options:")]
        lines += [_option_line(option) for option in plan.alternatives]
    if plan.tomorrow is not None:
        lines += [
            "",
            t(
                "Tomorrow: <b>{title}</b> — {summary}",
                title=esc(plan.tomorrow.title),
                summary=esc(plan.tomorrow.summary),
            ),
        ]
    else:
        lines += ["", t("Tomorrow: rest day.")]
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
        return f"{base}\n\n{t(NO_PLAN_HINT)}" if assessment.suggestion is not None else base
    if assessment.suggestion is None:
        return f"{session_section(plan)}\n\n{base}"
    headline, _, rest = base.partition("\n\n")
    return f"{headline}\n\n{session_section(plan)}\n\n{rest}"


def choice_noted(choice: Choice, fallback: str) -> str:
    """The answer to a brief button once today's session has been changed (or kept)."""
    if not choice.changed and choice.session is None:
        return fallback
    if choice.session is None:
        return t("😴 Noted: rest today — I took today's session off your plan. Recovery is training too.")
    session = choice.session
    if choice.action is Action.PROCEED:
        head = t("👍 Noted: today's session <b>{title}</b>.", title=esc(session.title))
    else:
        head = t("🔽 Changed: today's session is now <b>{title}</b>.", title=esc(session.title))
    return "\n".join([head, esc(session.summary), *_steps(session)])


# --------------------------------------------------------------------------- /plan


def _week_title(week: WeekView, label: str) -> str:
    phase = phase_name(week.phase)
    kind = t("{phase} (recovery week)", phase=phase) if week.recovery else phase
    kind = f" — {esc(kind)}" if kind else ""
    if not week.sessions:
        return t("<b>{week} (from {day}){phase}: no sessions</b>", week=label, day=_day(week.start), phase=kind)
    return t(
        "<b>{week} (from {day}){phase}: {tss} TSS, {duration}</b>",
        week=label,
        day=_day(week.start),
        phase=kind,
        tss=i18n.number(week.planned_tss),
        duration=duration(week.duration_s),
    )


def _session_line(session: SessionView, today: date) -> str:
    mark = status_mark(session.status)
    now = " " + t("← today") if session.day == today else ""
    return f"{i18n.when(session.day, '%a %d')}: <b>{esc(session.title)}</b> — {esc(session.summary)}{mark}{now}"


def no_plan_yet() -> str:
    return t(
        "You have no training plan yet. /plan builds one — to your next A race (add it with "
        "<code>/race Gran Fondo 2027-05-16 A</code>), or a 12-week base and build block without one."
    )


def plan_view(view: PlanView) -> str:
    if view.created:
        lines = [t("📅 <b>{name}</b> — built just now", name=esc(view.name))]
    else:
        lines = [f"📅 <b>{esc(view.name)}</b>"]
    if view.race is not None:
        race = {"day": _day(view.race.date), "race": esc(view.race.name), "priority": view.race.priority}
        if view.race_morning_tsb is not None:
            lines.append(
                t(
                    "Race day: <b>{day}</b>, {race} ({priority}), race-morning form projected {form} (target +5…+25)",
                    form=signed(view.race_morning_tsb),
                    **race,
                )
            )
        else:
            lines.append(t("Race day: <b>{day}</b>, {race} ({priority})", **race))
    else:
        lines.append(
            t("{start} to {end}: no A race yet, so a base and build block.", start=_day(view.start), end=_day(view.end))
        )
    phases = " · ".join(
        f"{phase_name(name)} {i18n.when(first, '%d %b')}–{i18n.when(last, '%d %b')}"
        for name, first, last in view.phases
    )
    lines += [t("Phases: {phases}", phases=phases), ""]
    for week, label in zip(view.weeks, WEEK_LABELS, strict=True):
        lines.append(_week_title(week, t(label)))
        lines += [_session_line(s, view.today) for s in week.sessions] or [t("Rest.")]
        if week.shortfall_tss >= SHORTFALL_SHOWN_TSS:
            lines.append(
                t(
                    "(The rules asked for {tss} TSS more than your days and hours can carry: "
                    "more time in /settings would let your fitness build faster.)",
                    tss=i18n.number(week.shortfall_tss),
                )
            )
        lines.append("")
    if view.defaults_used:
        names = esc(", ".join(t(name) for name in view.defaults_used))
        lines.append(t("Using defaults for: {settings} — set them in /settings and I rebuild.", settings=names))
    shown = [s.summary for week in view.weeks for s in week.sessions]
    pace_shown = any("/km" in text or "/mi" in text for text in shown)
    if note := _estimates(pace=view.pace_estimated and pace_shown, lthr=view.lthr_estimated and _bpm(shown)):
        lines.append(note)
    lines.append(t("/today shows today's session step by step; /races changes your races."))
    return "\n".join(lines).strip()


def _changed(reason: str, title: str) -> str:
    """Today's session when the plan's own rules changed it (`coach.plan_adapt`), or the athlete did."""
    if reason == "illness":
        return t("<b>Today's session: {title}</b> (changed from the plan: you reported being ill)", title=title)
    if reason == "veto":
        return t("<b>Today's session: {title}</b> (changed from the plan: your recovery signals said so)", title=title)
    if reason == "rebalance":
        return t("<b>Today's session: {title}</b> (moved here when your week was rebalanced)", title=title)
    return t("<b>Today's session: {title}</b> (changed from the plan at your choice)", title=title)
