"""A .fit file sent in chat is matched to the planned session of its day, like every other arriving workout."""

from __future__ import annotations

from datetime import UTC

from bot.console.botapi import LocalBotApi
from db.repositories import users
from integrations.fit.summary import summarize_fit
from tests.bot.conftest import Harness
from tests.fit.conftest import FIXTURES
from tests.fit.test_reference_files import EDGE_810
from tests.planning.support import add_plan, ride, statuses

ANN = LocalBotApi.user(4343, "Ann")


async def test_a_fit_file_in_chat_marks_its_session_done(harness: Harness) -> None:
    await harness.ask(ANN, "/today")  # links the chat to an account (time zone UTC until set)
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
    data = (FIXTURES / EDGE_810).read_bytes()
    day = summarize_fit(data).start_time.astimezone(UTC).date()
    await add_plan(harness.sessions, user.id, [(day, ride(minutes=60))])

    await harness.api.send_document(ANN, data, file_name=EDGE_810)
    (reply,) = await harness.api.drain(ANN["id"], quiet=0.3, wait_s=60)
    assert reply.text.startswith("<b>Ride imported</b>")
    status, workout_id = (await statuses(harness.sessions, user.id))[day]
    assert status == "done" and workout_id is not None
