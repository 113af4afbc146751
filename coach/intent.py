"""What a free-text message asks for. Keyword rules, no model: cheap, predictable and testable.

Only the questions the rules coach can answer well are recognised ("how should I train today?" and its
paraphrases, and the days ahead: "what should I do tomorrow?", "how much should I ride this week?");
everything else is reported as unknown so the bot can say honestly what it can do.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Intent(StrEnum):
    TODAY = "today"
    PLAN = "plan"  # tomorrow, this week, next week: the plan's days ahead
    GREETING = "greeting"
    HELP = "help"
    UNKNOWN = "unknown"


_TRAINING = re.compile(
    r"\b(train|training|workout|work out|ride|riding|run|running|session|intervals?|go hard|push|"
    r"ready|readiness|rest|recover|recovery|easy|hard|bike|cycle|cycling|swim|exercise)\b"
)
_TODAY = re.compile(r"\b(today|todays|today's|this morning|this afternoon|this evening|tonight|now)\b")
_DECISION = re.compile(
    r"\b(should i|can i|do i|what should|what do i|how should|shall i|is it ok|am i|ok to|plan for)\b"
)
_AHEAD = re.compile(r"\b(tomorrow|tomorrow's|this week|next week|the week|rest of the week|weekend|my plan|the plan)\b")
_PLAN_WORDS = re.compile(r"\b(plan|planned|schedule|scheduled|what's on|whats on)\b")
_GREETING = re.compile(r"^(hi|hello|hey|good morning|morning|yo|hallo|hola)\b[!. ]*$")
_HELP = re.compile(r"\b(help|what can you do|commands|how does this work)\b")


def classify(text: str) -> Intent:
    t = " ".join(text.lower().replace("’", "'").split())
    if _GREETING.match(t):
        return Intent.GREETING
    training = bool(_TRAINING.search(t))
    today = bool(_TODAY.search(t))
    decision = bool(_DECISION.search(t))
    # "what should I do tomorrow?" and "how much should I ride this week?" ask for the days ahead.
    if _AHEAD.search(t) and (training or decision or _PLAN_WORDS.search(t)) and not today:
        return Intent.PLAN
    # "should I do intervals?", "training today?", and "what should I do today?" all ask for today's plan.
    if (training and (today or decision)) or (today and decision):
        return Intent.TODAY
    if _HELP.search(t):
        return Intent.HELP
    return Intent.UNKNOWN
