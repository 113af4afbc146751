"""Groups and channels get one line; failures reach the user as a short apology and the log without secrets."""

from __future__ import annotations

import io
import logging
from datetime import timedelta

from telegram import Update

from bot import buttons
from bot.console.botapi import LocalBotApi
from bot.context import Context
from bot.logs import RedactSecrets
from db.models import CallbackAction
from db.repositories import actions, users
from tests.bot.conftest import NOW, TOKEN, Harness

ANN = LocalBotApi.user(4242, "Ann")
APOLOGY = "Sorry — something went wrong on my side. Please try again in a minute."


@buttons.on("test.explode")
async def _explode(update: Update, context: Context, action: CallbackAction) -> None:
    raise RuntimeError(f"provider said no: https://api.example.invalid/bot{TOKEN}/x?access_token=tok-canary")


async def test_channel_commands_get_the_hint_and_other_posts_nothing(harness: Harness) -> None:
    channel = {"id": -1001234, "type": "channel", "title": "Club news"}
    await harness.api.post_in_channel(channel, "Ride on Sunday!")
    await harness.api.post_in_channel(channel, "/start")
    replies = await harness.api.drain(channel["id"])
    assert [r.text for r in replies] == ["I coach one athlete at a time — please talk to me in a private chat."]


async def test_a_failing_button_apologises_and_logs_no_secret(harness: Harness) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactSecrets(["tok-canary"]))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        async with harness.sessions.begin() as session:
            user = (
                await users.link_telegram_user(session, telegram_user_id=ANN["id"], chat_id=ANN["id"], name="Ann")
            ).user
            action_id = await actions.issue(
                session, user_id=user.id, chat_id=ANN["id"], kind="test.explode", now=NOW, ttl=timedelta(hours=1)
            )
        message = {"message_id": 1, "date": 0, "chat": {"id": ANN["id"], "type": "private"}}
        await harness.api.press_button(ANN, message, buttons.PREFIX + action_id)
        reply = await harness.api.next_reply(ANN["id"])
    finally:
        root.removeHandler(handler)
    assert reply.text == APOLOGY
    logged = stream.getvalue()
    assert "update failed" in logged and "RuntimeError" in logged
    assert TOKEN not in logged and TOKEN.split(":")[1] not in logged and "tok-canary" not in logged
