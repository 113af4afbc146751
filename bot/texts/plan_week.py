"""The days ahead in words: the weekly message, what its taps did, and look-ahead answers."""

from __future__ import annotations

from bot.texts import duration, esc
from bot.texts.plan import PHASE_NAMES
from coach.plan_ahead import Ahead, Horizon
from coach.plans import WeekView

ACCEPT = "👍 Sounds good"
EASIER = "🪶 Make it an easier week"


def week_ahead(week: WeekView, *, title: str = "Next week") -> str:
    phase = PHASE_NAMES.get(week.phase, week.phase)
    kind = f"{phase}, recovery week" if week.recovery else phase
    head = f"📆 <b>{title} from {week.start:%a %d %b}</b>" + (f" — {esc(kind)}" if kind else "")
    lines = [head]
    if not week.sessions:
        lines.append("No sessions planned: a week off.")
        return "\n".join(lines)
    lines.append(f"{len(week.sessions)} sessions, {duration(week.duration_s)}, {week.planned_tss:.0f} TSS planned")
    lines.append("")
    lines += [f"{s.day:%a %d}: <b>{esc(s.title)}</b> — {esc(s.summary)}" for s in week.sessions]
    return "\n".join(lines)


def weekly_message(week: WeekView) -> str:
    return week_ahead(week) + "\n\nHappy with it, or would you rather have an easier week?"


def accepted(week: WeekView | None) -> str:
    start = f" from {week.start:%a %d %b}" if week is not None else ""
    return f"👍 Next week{start} stays as planned. /plan shows it any time."


def made_easier(week: WeekView) -> str:
    return "🪶 Done — next week is now a recovery week:\n\n" + week_ahead(week)


def nothing_to_change() -> str:
    return "That week has no sessions left to change."


def no_plan() -> str:
    return "You have no training plan yet: /plan builds one (to your next A race, or a 12-week block)."


def _signed(value: float) -> str:
    return f"{value:+.0f}".replace("-", "−")


HORIZON_TITLES = {
    Horizon.TOMORROW: "Tomorrow",
    Horizon.WEEKEND: "This weekend",
    Horizon.THIS_WEEK: "The rest of this week",
    Horizon.NEXT_WEEK: "Next week",
}


def days_ahead(a: Ahead) -> str:
    """A look-ahead answer: each day's session with its targets, and the projected form that morning."""
    lines = [f"🗓 <b>{HORIZON_TITLES[a.horizon]}</b> in your plan"]
    for day in a.days:
        form = f" (form that morning {_signed(day.morning_tsb)})" if day.morning_tsb is not None else ""
        if not day.sessions:
            lines.append(f"{day.day:%a %d}: rest{form}")
        for s in day.sessions:
            lines.append(f"{day.day:%a %d}: <b>{esc(s.title)}</b> — {esc(s.summary)}{form}")
            if a.horizon is Horizon.TOMORROW and s.status == "planned":
                lines += [f"  • {esc(step)}" for step in s.steps]
    if len(a.days) > 1 and a.duration_s:
        lines.append(f"In all: {duration(a.duration_s)}, {a.planned_tss:.0f} TSS planned.")
    if not a.days:
        lines.append("Nothing left of it in the plan.")
    lines.append("Form is projected from this morning's fitness and fatigue and the plan's load in between.")
    return "\n".join(lines)
