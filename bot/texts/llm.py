"""What the bot says around Gemini's answers, and the rendering of those answers as Telegram HTML.

Model output is untrusted (OWASP LLM05): it is escaped entirely, then only ``**bold**`` becomes ``<b>``;
links are removed (a link could carry data in its query string, and previews are off anyway), and long
answers are split under Telegram's 4,096-character limit on line boundaries, so every piece renders.
"""

from __future__ import annotations

import re
from datetime import date

from bot.texts import ACTION_HEADLINES, esc
from coach import i18n
from coach.i18n import N_, t, tn
from coach.readiness import Action, Factor
from db.models import Race

TELEGRAM_LIMIT = 4096
_BOLD = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|net|org|io|ru|xyz|info|biz|top)(?:/\S*)?\b")


def _render_line(line: str) -> str:
    line = _URL.sub(t("[link removed]"), line)
    return _BOLD.sub(r"<b>\1</b>", esc(line))


def _pieces(line: str, limit: int) -> list[str]:
    """A raw line cut so each piece renders within ``limit`` (escaping can lengthen it)."""
    rendered = _render_line(line)
    if len(rendered) <= limit:
        return [rendered]
    half = len(line) // 2
    cut = line.rfind(" ", 0, half)
    cut = cut if cut > 0 else half
    return _pieces(line[:cut], limit) + _pieces(line[cut:].lstrip(), limit)


def split_messages(rendered_lines: list[str], limit: int = TELEGRAM_LIMIT) -> list[str]:
    messages: list[str] = []
    current = ""
    for line in rendered_lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            messages.append(current)
        current = line
    if current:
        messages.append(current)
    return messages or [""]


def veto_banner(vetoes: list[Factor]) -> str:
    top = vetoes[0]
    return t(
        "<b>Today's rule stands: {headline}</b> ({reason}).",
        headline=esc(t(ACTION_HEADLINES[top.action])),
        reason=esc(top.text),
    )


def answer(text: str, vetoes: list[Factor], *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Gemini's answer as one or more HTML messages, below the standing veto if there is one."""
    lines: list[str] = []
    if vetoes:
        lines += [veto_banner(vetoes), ""]
    for raw in text.strip().splitlines():
        lines += _pieces(raw, limit)
    return split_messages(lines, limit)


def needs_key_notice() -> str:
    return t(
        "<i>Free-text coaching with the AI model isn't switched on for this bot, so I answer with my rules "
        "coach: how to train today, the days ahead, whether to rest, what to do when you're ill, sore or "
        "short of sleep, and your next race.</i>"
    )


def gemini_down_notice() -> str:
    return t("<i>My free-form answers are unavailable right now, so this comes from my rules coach.</i>")


def budget_spent() -> str:
    return t(
        "You've used today's allowance of free-form answers — thanks for all the questions! It resets at "
        "midnight UTC. Until then /today and your morning brief still work."
    )


def cannot_answer() -> str:
    """A question the rules coach has no answer to: what it can answer instead."""
    return t(
        "I can't answer that one yet. I can tell you how to train today (<i>how should I train today?</i>), "
        "what's ahead tomorrow or this week, whether to rest, what to do when you're ill, your legs are sore "
        "or you slept badly, and when your next race is. /help lists everything else."
    )


def illness_noted(plan_changed: bool) -> str:
    """An illness told in a message: recorded as today's check-in (a hard veto)."""
    if plan_changed:
        return t(
            "🤒 Noted: I've recorded that you're ill today. Illness always means rest, so I've taken the hard "
            "sessions out of the next few days of your plan. Get well soon!"
        )
    return t("🤒 Noted: I've recorded that you're ill today. Illness always means rest. Get well soon!")


def sore_legs_noted(very: bool) -> str:
    if very:
        return t("🦵 Very sore legs, noted in today's check-in: I've made today's advice easier for it.")
    return t(
        "🦵 Sore legs, noted in today's check-in. If they still feel heavy after a 15-minute warm-up, keep "
        "the session easy."
    )


def slept_badly_noted() -> str:
    return t(
        "😴 A bad night, noted. I read your sleep from your watch or ring once it syncs; one short night alone "
        "doesn't cancel a session, but if you feel flat after the warm-up, keep it easy and go to bed early."
    )


def rest_verdict(action: Action | None) -> str:
    """Rest today, yes or no, from the rules' action (``None``: no data to judge)."""
    if action is None:
        return t("I can't tell yet whether you should rest today:")
    if action is Action.REST:
        return t("<b>Yes, rest today.</b>")
    if action is Action.ACTIVE_RECOVERY:
        return t("<b>Yes, more or less: rest, or an easy spin at most.</b>")
    return t("<b>No, you don't need a rest day today.</b>")


PHASE_WEEKS = {
    "base": N_("This week is a base week of your plan."),
    "build": N_("This week is a build week of your plan."),
    "peak": N_("This week is a peak week of your plan."),
    "taper": N_("This week is a taper week of your plan: less volume, some sharpness, fresh legs for race day."),
}


def next_race(race: Race, *, today: date, phase: str | None, recovery: bool) -> str:
    """The next race: when, how many days to go, and where the plan is this week."""
    days = (race.date - today).days
    when = i18n.when(race.date, "%a %d %b %Y")
    if days == 0:
        line = t(
            "🏁 Your next race is today: <b>{name}</b>, your <b>{priority}</b> race. Good luck!",
            name=esc(race.name),
            priority=race.priority,
        )
    else:
        line = tn(
            "🏁 Your next race: <b>{name}</b> on {date}, your <b>{priority}</b> race — {n} day to go.",
            "🏁 Your next race: <b>{name}</b> on {date}, your <b>{priority}</b> race — {n} days to go.",
            days,
            name=esc(race.name),
            date=when,
            priority=race.priority,
        )
    lines = [line]
    if recovery and phase != "taper":
        lines.append(t("This week is a recovery week of your plan."))
    elif phase in PHASE_WEEKS:
        lines.append(t(PHASE_WEEKS[phase]))
    lines.append(t("/races lists all your races; /plan shows the training toward them."))
    return "\n".join(lines)


def no_race() -> str:
    return t(
        "You have no race coming up. Add one with <code>/race Gran Fondo 2027-05-16 A 120</code> (name, date, "
        "priority A/B/C, distance in km — the last two optional), and I'll count down to it and build your plan "
        "toward it."
    )
