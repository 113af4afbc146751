"""Inline buttons end to end: only the right person, in the right chat, before expiry, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Update

from bot import buttons
from bot.console.botapi import JsonDict, LocalBotApi
from bot.context import Context
from db.models import CallbackAction
from db.repositories import actions, users
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(4242, "Ann")
EVE = LocalBotApi.user(6666, "Eve")


@buttons.on("test.echo")
async def _echo(update: Update, context: Context, action: CallbackAction) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, f"pressed {action.payload['n']}")


def _message(chat_id: int) -> JsonDict:
    return {"message_id": 1, "date": 0, "chat": {"id": chat_id, "type": "private"}}


async def _issue(harness: Harness, who: JsonDict, *, kind: str = "test.echo", **kw: object) -> str:
    async with harness.sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=who["id"], chat_id=who["id"], name=None)).user
        options: dict[str, object] = {"ttl": timedelta(hours=1), "payload": {"n": 7}} | kw
        return await actions.issue(
            session,
            user_id=user.id,
            chat_id=who["id"],
            kind=kind,
            now=NOW,
            **options,  # type: ignore[arg-type]
        )


async def _press(harness: Harness, who: JsonDict, chat_id: int, data: str) -> str:
    press = await harness.api.press_button(who, _message(chat_id), data)
    answer = await harness.api.callback_answer(press)
    return str(answer.get("text") or "")


async def test_a_press_acts_once(harness: Harness) -> None:
    action_id = await _issue(harness, ANN)
    assert await _press(harness, ANN, ANN["id"], buttons.PREFIX + action_id) == ""
    assert (await harness.api.next_reply(ANN["id"])).text == "pressed 7"
    assert await _press(harness, ANN, ANN["id"], buttons.PREFIX + action_id) == "This button has expired."
    assert [s.text for s in harness.api.replies(ANN["id"])] == ["pressed 7"]


@pytest.mark.parametrize(
    "case",
    ["another user", "another chat", "forged id", "not our format", "expired", "unknown kind", "unlinked user"],
)
async def test_foreign_forged_and_stale_presses_do_nothing(harness: Harness, case: str) -> None:
    ttl = timedelta(minutes=-1) if case == "expired" else timedelta(hours=1)
    action_id = await _issue(harness, ANN, ttl=ttl, kind="test.nobody" if case == "unknown kind" else "test.echo")
    if case != "unlinked user":
        await _issue(harness, EVE)  # Eve exists and has a button of her own
    who, chat_id, data = ANN, ANN["id"], buttons.PREFIX + action_id
    if case in ("another user", "unlinked user"):
        who, chat_id = EVE, EVE["id"]
    elif case == "another chat":
        chat_id = EVE["id"]
    elif case == "forged id":
        data = buttons.PREFIX + action_id[:-2] + ("xx" if not action_id.endswith("xx") else "yy")
    elif case == "not our format":
        data = '{"user": 4242, "action": "rest"}'
    assert await _press(harness, who, chat_id, data) == "This button has expired."
    assert harness.api.replies(ANN["id"]) == [] and harness.api.replies(EVE["id"]) == []
