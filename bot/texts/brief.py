"""What the morning brief and its buttons say: pure functions returning Telegram HTML."""

from __future__ import annotations

from bot import texts
from bot.texts import esc, quote_input
from bot.texts import plan as texts_plan
from coach.brief import Brief
from coach.readiness import Action
from db.models import User

FEEL_LABELS = texts.FEEL_LABELS
SORENESS_LABELS = texts.SORENESS_LABELS
CHOICE_BUTTONS = {"do_it": "✅ Do it", "easier": "🔽 Easier option", "rest": "😴 Rest today"}


def morning_brief(brief: Brief) -> str:
    """The brief: a greeting with the local date, what has not arrived, then today's assessment."""
    day = brief.local_date.strftime("%a %d %b")
    lines = [f"☀️ <b>Morning brief — {day}</b>"]
    if brief.missing:
        lines.append(
            f"Not arrived yet: {esc(_join(brief.missing))}. I waited for it; the advice below leaves it out, "
            "and nothing from yesterday is shown as today's."
        )
    if brief.check_in is not None and brief.check_in.illness:
        lines.append("You told me you feel ill — rest comes first.")
    lines += [
        "",
        texts_plan.today(brief.assessment, brief.plan),
        "",
        "Tap how today goes, or check in: how do you feel?",
    ]
    return "\n".join(lines)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def brief_status(user: User) -> str:
    state = "on" if user.brief_enabled else "off"
    blocked = "" if user.active else " (paused: you had blocked me; writing to me again resumed it)"
    at = user.brief_time.strftime("%H:%M")
    return (
        f"Your morning brief is <b>{state}</b> at {at} ({esc(user.timezone)}){blocked}.\n"
        "Change it with <code>/brief off</code>, <code>/brief on</code> or <code>/brief 07:30</code>."
    )


def brief_saved(user: User) -> str:
    if not user.brief_enabled:
        return "Morning brief switched <b>off</b>. <code>/brief on</code> brings it back."
    return (
        f"Morning brief <b>on</b>: every day at {user.brief_time.strftime('%H:%M')} your time ({esc(user.timezone)})."
    )


def brief_invalid(raw: str) -> str:
    return (
        f"Nothing changed: “{quote_input(raw)}” is not a brief time. Use HH:MM on the 24-hour clock "
        "(00:00–23:59), e.g. <code>/brief 07:30</code> — or <code>/brief on</code> / <code>/brief off</code>."
    )


EASIER = {
    Action.PROCEED: Action.MODIFY,
    Action.MODIFY: Action.REDUCE_INTENSITY,
    Action.REDUCE_INTENSITY: Action.ACTIVE_RECOVERY,
    Action.ACTIVE_RECOVERY: Action.REST,
    Action.REST: Action.REST,
}


def easier_headline(action: Action | None) -> str:
    """The next easier option than today's suggestion (active recovery when there is no suggestion)."""
    easier = EASIER[action] if action is not None else Action.ACTIVE_RECOVERY
    return texts.ACTION_HEADLINES[easier].capitalize()


def choice_noted(choice: str, headline: str | None) -> str:
    if choice == "do_it":
        return "👍 Noted: you're doing today's session. Have a good one."
    if choice == "easier":
        easier = f" The easier option: {esc(headline)}." if headline else ""
        return f"🔽 Noted: an easier day.{easier}"
    return "😴 Noted: rest today. Recovery is training too."


def ask_feel() -> str:
    return "How do you feel this morning? 1 = awful, 5 = great."


def ask_soreness(feel: int) -> str:
    return f"Feeling {feel}/5 ({FEEL_LABELS[feel]}), noted. Any muscle soreness?"


def ask_illness() -> str:
    return "Last one: are you feeling ill (fever, sore throat, chest cold)?"


def check_in_done(feel: int | None, soreness: int | None, illness: bool, headline: str | None) -> str:
    parts = []
    if feel is not None:
        parts.append(f"feel {feel}/5")
    if soreness is not None:
        parts.append(SORENESS_LABELS[soreness])
    parts.append("ill" if illness else "not ill")
    verdict = f"\n\nWith that, today: <b>{esc(headline)}</b>." if headline else ""
    advice = "\nIllness always means rest: no training until the symptoms are gone." if illness else ""
    return f"Thanks — check-in saved ({esc(', '.join(parts))}).{verdict}{advice}"


CHECK_IN_BUTTON = "📝 Check in: how do you feel?"
ILLNESS_BUTTONS = {False: "No, I'm well", True: "Yes, I feel ill"}
