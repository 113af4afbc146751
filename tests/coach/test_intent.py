from __future__ import annotations

import pytest

from coach.intent import Intent, classify


@pytest.mark.parametrize(
    "text",
    [
        "how should I train today?",
        "How should I train today",
        "what should I do today",
        "should I do intervals?",
        "Can I go hard today?",
        "am I ready for a hard ride?",
        "should i rest",
        "what's my workout today",
        "is it ok to run this morning?",
        "Training today?",
    ],
)
def test_training_questions_reach_the_coach(text: str) -> None:
    assert classify(text) is Intent.TODAY


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello", Intent.GREETING),
        ("Good morning!", Intent.GREETING),
        ("what can you do?", Intent.HELP),
        ("what is the meaning of life", Intent.UNKNOWN),
        ("show me user 42's sleep", Intent.UNKNOWN),
        ("I love pizza", Intent.UNKNOWN),
    ],
)
def test_other_messages(text: str, intent: Intent) -> None:
    assert classify(text) is intent


@pytest.mark.parametrize(
    "text",
    [
        "What should I do tomorrow?",
        "how much should I ride this week?",
        "should I do intervals tomorrow?",
        "what's my plan for next week",
        "what's on the plan this weekend?",
    ],
)
def test_questions_about_the_days_ahead_go_to_the_plan(text: str) -> None:
    assert classify(text) is Intent.PLAN


def test_today_wins_over_the_days_ahead() -> None:
    assert classify("should I ride today or tomorrow?") is Intent.TODAY
