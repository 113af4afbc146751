"""Whatever a person types is echoed back shortened, so every refusal stays a message Telegram accepts."""

from __future__ import annotations

import pytest

from bot import texts
from bot.console.botapi import LocalBotApi, Sent
from coach import places
from tests.bot.conftest import Harness

ANN = LocalBotApi.user(4343, "Ann")
TYPED = "x" * 10_000  # a paste far beyond Telegram's 4096-character message limit
APOLOGY = texts.apology()


@pytest.fixture(autouse=True, scope="module")
def _places_loaded() -> None:
    """The place names load once per process, slowly on a busy machine; not what these tests are about."""
    places.warm_up()


def _only_message(replies: list[Sent]) -> Sent:
    sent = [r for r in replies if r.method == "sendMessage"]
    assert len(sent) == 1, [r.text for r in sent]
    return sent[0]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (f"/settings ftp {TYPED}", "Nothing changed: FTP must be"),
        (f"/settings weight {TYPED}", "Nothing changed: weight must be"),
        (f"/settings {TYPED} 250", "Nothing changed: I don't know a setting called"),
        (f"/settings timezone {TYPED}", "I couldn't find"),
        (f"/brief {TYPED}", "is not a brief time"),
        (f"/{TYPED}", "I don't know"),
    ],
)
async def test_a_10kb_value_is_refused_with_a_short_echo(harness: Harness, command: str, expected: str) -> None:
    await harness.ask(ANN, "/start")
    reply = _only_message(await harness.ask(ANN, command))
    assert APOLOGY not in reply.text
    assert expected in reply.text
    assert "xxxx…" in reply.text  # the echo is there, cut short
    assert len(reply.text) < 400


async def test_a_10kb_answer_during_setup_is_refused_with_a_short_echo(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    reply = _only_message(await harness.ask(ANN, TYPED))  # the first question asks where the athlete is
    assert APOLOGY not in reply.text
    assert "I couldn't find" in reply.text and "xxxx…" in reply.text
    assert len(reply.text) < 400


def test_quote_input_escapes_and_cuts() -> None:
    assert texts.quote_input("<b>") == "&lt;b&gt;"
    assert texts.quote_input("a" * 100, limit=5) == "aaaa…"
    assert texts.quote_input("a&" * 100, limit=4) == "a&amp;a…"  # cut before escaping: no half entity
    assert texts.quote_input("line\nbreak") == "line break"


async def test_the_local_bot_api_refuses_what_telegram_refuses(harness: Harness) -> None:
    """Messages over 4096 characters and captions over 1024, sent or edited, are a 400 as on Telegram."""
    from telegram.error import BadRequest

    bot = harness.app.bot
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ANN["id"], "y" * 4097)
    sent = await bot.send_message(ANN["id"], "short")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.edit_message_text("y" * 4097, chat_id=ANN["id"], message_id=sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_document(ANN["id"], b"data", filename="a.txt", caption="y" * 1025)
