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
