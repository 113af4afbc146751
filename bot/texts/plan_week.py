"""The days ahead in words: the weekly message, what its taps did, and look-ahead answers."""

from __future__ import annotations

from bot.texts import duration, esc
from bot.texts.plan import phase_name
from coach import i18n
from coach.i18n import N_, t, tn
from coach.plan_ahead import Ahead, Horizon
from coach.plans import WeekView

# Button captions (translated where the buttons are made: `t(ACCEPT)`); the callback data is the choice.
ACCEPT = N_("👍 Sounds good")
EASIER = N_("🪶 Make it an easier week")


def week_ahead(week: WeekView, *, title: str | None = None) -> str:
    phase = phase_name(week.phase)
    kind = t("{phase}, recovery week", phase=phase) if week.recovery else phase
    head = t("📆 <b>{title} from {day}</b>", title=title or t("Next week"), day=i18n.when(week.start, "%a %d %b"))
    head += f" — {esc(kind)}" if kind else ""
    lines = [head]
    if not week.sessions:
        lines.append(t("No sessions planned: a week off."))
        return "\n".join(lines)
    lines.append(
        tn(
            "{n} session, {duration}, {tss} TSS planned",
            "{n} sessions, {duration}, {tss} TSS planned",
            len(week.sessions),
            duration=duration(week.duration_s),
            tss=i18n.number(week.planned_tss),
        )
    )
    lines.append("")
    lines += [f"{i18n.when(s.day, '%a %d')}: <b>{esc(s.title)}</b> — {esc(s.summary)}" for s in week.sessions]
    return "\n".join(lines)


def weekly_message(week: WeekView) -> str:
    return week_ahead(week) + "\n\n" + t("Happy with it, or would you rather have an easier week?")


def accepted(week: WeekView | None) -> str:
    if week is None:
        return t("👍 Next week stays as planned. /plan shows it any time.")
    return t(
        "👍 Next week from {day} stays as planned. /plan shows it any time.", day=i18n.when(week.start, "%a %d %b")
    )


def made_easier(week: WeekView) -> str:
    return t("🪶 Done — next week is now a recovery week:") + "\n\n" + week_ahead(week)


def nothing_to_change() -> str:
    return t("That week has no sessions left to change.")


def no_plan() -> str:
    return t("You have no training plan yet: /plan builds one (to your next A race, or a 12-week block).")


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


HORIZON_TITLES = {
    Horizon.TOMORROW: N_("Tomorrow"),
    Horizon.WEEKEND: N_("This weekend"),
    Horizon.THIS_WEEK: N_("The rest of this week"),
    Horizon.NEXT_WEEK: N_("Next week"),
}


def days_ahead(a: Ahead) -> str:
    """A look-ahead answer: each day's session with its targets, and the projected form that morning."""
    lines = [t("🗓 <b>{title}</b> in your plan", title=t(HORIZON_TITLES[a.horizon]))]
    for day in a.days:
        form = ""
        if day.morning_tsb is not None:
            form = " " + t("(form that morning {form})", form=_signed(day.morning_tsb))
        when = i18n.when(day.day, "%a %d")
        if not day.sessions:
            lines.append(t("{day}: rest", day=when) + form)
        for s in day.sessions:
            lines.append(f"{when}: <b>{esc(s.title)}</b> — {esc(s.summary)}{form}")
            if a.horizon is Horizon.TOMORROW and s.status == "planned":
                lines += [f"  • {esc(step)}" for step in s.steps]
    if len(a.days) > 1 and a.duration_s:
        lines.append(
            t("In all: {duration}, {tss} TSS planned.", duration=duration(a.duration_s), tss=i18n.number(a.planned_tss))
        )
    if not a.days:
        lines.append(t("Nothing left of it in the plan."))
    lines.append(t("Form is projected from this morning's fitness and fatigue and the plan's load in between."))
    return "\n".join(lines)
