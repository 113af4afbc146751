"""The weekly message: next week's sessions, and what the athlete's tap did."""

from __future__ import annotations

from bot.texts import duration, esc
from bot.texts_plan import PHASE_NAMES
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
