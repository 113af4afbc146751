"""/brief through the real client: today's brief on demand, and switching it off, on and to a new time."""

from __future__ import annotations

from datetime import time

from bot.console.botapi import LocalBotApi
from db.repositories import users
from tests.bot.conftest import Harness

ANN = LocalBotApi.user(6161, "Ann")


async def test_brief_on_demand(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    reply = (await harness.ask(ANN, "/brief"))[0].text
    assert "Morning brief — Wed 25 Nov" in reply
    assert "Your morning brief is <b>on</b> at 07:00 (UTC)" in reply


async def test_brief_off_on_and_time(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    assert "switched <b>off</b>" in (await harness.ask(ANN, "/brief off"))[0].text
    assert "Morning brief <b>on</b>: every day at 07:00" in (await harness.ask(ANN, "/brief on"))[0].text
    assert "every day at 06:15 your time" in (await harness.ask(ANN, "/brief 06:15"))[0].text
    for bad in ("25:00", "7:61", "soon", "07:30pm"):
        text = (await harness.ask(ANN, f"/brief {bad}"))[0].text
        assert text.startswith("Nothing changed:") and "HH:MM on the 24-hour clock" in text
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None and user.brief_enabled and user.brief_time == time(6, 15)
