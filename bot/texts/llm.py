"""What the bot says around Gemini's answers, and the rendering of those answers as Telegram HTML.

Model output is untrusted (OWASP LLM05): it is escaped entirely, then only ``**bold**`` becomes ``<b>``;
links are removed (a link could carry data in its query string, and previews are off anyway), and long
answers are split under Telegram's 4,096-character limit on line boundaries, so every piece renders.
"""

from __future__ import annotations

import re

from bot.texts import ACTION_HEADLINES, esc
from coach.readiness import Factor

TELEGRAM_LIMIT = 4096
_BOLD = re.compile(r"\*\*(\S(?:.*?\S)?)\*\*")
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9.-]+\.(?:com|net|org|io|ru|xyz|info|biz|top)(?:/\S*)?\b")


def _render_line(line: str) -> str:
    line = _URL.sub("[link removed]", line)
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
    return f"<b>Today's rule stands: {esc(ACTION_HEADLINES[top.action])}</b> ({esc(top.text)})."


def answer(text: str, vetoes: list[Factor], *, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Gemini's answer as one or more HTML messages, below the standing veto if there is one."""
    lines: list[str] = []
    if vetoes:
        lines += [veto_banner(vetoes), ""]
    for raw in text.strip().splitlines():
        lines += _pieces(raw, limit)
    return split_messages(lines, limit)


def needs_key_notice() -> str:
    return (
        "<i>Free-form answers need a Gemini key (set GEMINI_API_KEY); until then I answer from my rules "
        "coach, which covers how to train today.</i>"
    )


def gemini_down_notice() -> str:
    return "<i>My free-form answers are unavailable right now, so this comes from my rules coach.</i>"


def budget_spent() -> str:
    return (
        "You've used today's allowance of free-form answers — thanks for all the questions! It resets at "
        "midnight UTC. Until then /today and your morning brief still work."
    )
