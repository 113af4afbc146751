"""Feedback in one tap: the brief's buttons, the morning check-in feeding readiness, and foreign presses."""

from __future__ import annotations

from bot.console.botapi import JsonDict, LocalBotApi, Sent
from coach.daily import assess_today
from coach.readiness import Action
from db.repositories import checkins, users
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(7171, "Ann")
EVE = LocalBotApi.user(7272, "Eve")
EXPIRED = "This button has expired."


def _button(sent: Sent, label_start: str) -> str:
    return next(b["callback_data"] for b in sent.buttons if b["text"].startswith(label_start))


async def _press(harness: Harness, who: JsonDict, sent: Sent, data: str) -> str:
    press = await harness.api.press_button(who, sent.message, data)
    answer = await harness.api.callback_answer(press)
    return str(answer.get("text") or "")


async def check_in(harness: Harness, who: JsonDict, *, feel: str, soreness: str, ill: str) -> None:
    """/brief, then the check-in through its buttons: feel, soreness, illness (the last answer not awaited)."""
    await harness.api.send_text(who, "/brief")
    brief = await harness.api.next_reply(who["id"])
    await _press(harness, who, brief, _button(brief, "📝"))
    question = await harness.api.next_reply(who["id"])
    await _press(harness, who, question, _button(question, feel))
    asked = await harness.api.next_reply(who["id"])
    await _press(harness, who, asked, _button(asked, soreness))
    illness = await harness.api.next_reply(who["id"])
    await _press(harness, who, illness, _button(illness, ill))


async def _brief(harness: Harness) -> Sent:
    await harness.ask(ANN, "/start")
    await harness.api.send_text(ANN, "/brief")
    return await harness.api.next_reply(ANN["id"])


async def test_brief_buttons_fit_the_advice_and_a_choice_is_taken_once(harness: Harness) -> None:
    brief = await _brief(harness)  # no data yet: nothing to "do", so only the check-in
    assert [b["text"] for b in brief.buttons] == ["📝 Check in: how do you feel?"]

    await harness.ask(ANN, "/demo")  # the demo's last mornings are tired: a rest day
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        assessment = await assess_today(session, user, now=NOW)
    assert assessment.suggestion is not None and assessment.suggestion.action is Action.REST
    await harness.api.send_text(ANN, "/brief")
    brief = await harness.api.next_reply(ANN["id"])
    labels = [b["text"] for b in brief.buttons]
    assert labels == ["😴 Rest today", "📝 Check in: how do you feel?"]  # no "Easier option" on a rest day
    assert all(b["callback_data"].startswith("a:") and len(b["callback_data"]) <= 64 for b in brief.buttons)

    rest = _button(brief, "😴")
    assert await _press(harness, ANN, brief, rest) == ""
    assert "Noted: rest today" in (await harness.api.next_reply(ANN["id"])).text
    assert await _press(harness, ANN, brief, rest) == EXPIRED  # one answer per brief
    async with harness.sessions() as session:
        stored = await checkins.get(session, user_id=user.id, day=NOW.date())
        assert stored is not None and stored.choice == "rest"


async def test_check_in_is_stored_and_illness_vetoes_training(harness: Harness) -> None:
    brief = await _brief(harness)
    assert await _press(harness, ANN, brief, _button(brief, "📝")) == ""
    question = await harness.api.next_reply(ANN["id"])
    assert "How do you feel" in question.text and [b["text"] for b in question.buttons] == ["1", "2", "3", "4", "5"]

    four = _button(question, "4")
    await _press(harness, ANN, question, _button(question, "2"))
    soreness = await harness.api.next_reply(ANN["id"])  # the question is edited in place
    assert soreness.method == "editMessageText" and "Feeling 2/5 (poor)" in soreness.text
    assert await _press(harness, ANN, question, four) == EXPIRED  # one answer per question

    await _press(harness, ANN, soreness, _button(soreness, "Very sore"))
    illness = await harness.api.next_reply(ANN["id"])
    assert "are you feeling ill" in illness.text
    await _press(harness, ANN, illness, _button(illness, "Yes"))
    done = await harness.api.next_reply(ANN["id"])
    assert "check-in saved (feel 2/5, very sore, ill)" in done.text
    assert "With that, today: <b>rest today</b>" in done.text

    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        stored = await checkins.get(session, user_id=user.id, day=NOW.date())
        assert stored is not None and (stored.feel, stored.soreness, stored.illness) == (2, 2, True)
        assessment = await assess_today(session, user, now=NOW)
    assert assessment.suggestion is not None and assessment.suggestion.action is Action.REST
    assert assessment.suggestion.factors[0].key == "illness"
    # The next brief says so.
    await harness.api.send_text(ANN, "/brief")
    assert "You told me you feel ill" in (await harness.api.next_reply(ANN["id"])).text


async def test_a_check_in_shows_in_today_even_when_the_devices_decided_the_day(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    await harness.ask(ANN, "/demo")  # a rest day from HRV and resting HR: the check-in does not decide it
    await check_in(harness, ANN, feel="2", soreness="Very sore", ill="No")
    await harness.api.next_reply(ANN["id"])

    today = (await harness.ask(ANN, "/today"))[0].text
    assert "• Your check-in this morning: feel 2/5 (poor), very sore" in today


async def test_foreign_old_and_forged_presses_get_expired_and_nothing_else(harness: Harness) -> None:
    old = await _brief(harness)
    await harness.ask(EVE, "/start")
    # Eve presses Ann's button (from her own chat, and as if in Ann's chat).
    assert await _press(harness, EVE, old, _button(old, "📝")) == EXPIRED
    eve_chat = {**old.message, "chat": {"id": EVE["id"], "type": "private"}}
    press = await harness.api.press_button(EVE, eve_chat, _button(old, "📝"))
    assert (await harness.api.callback_answer(press)).get("text") == EXPIRED
    # A forged payload.
    assert await _press(harness, ANN, old, "a:" + "x" * 22) == EXPIRED
    assert await _press(harness, ANN, old, '{"choice": "rest", "user": 7171}') == EXPIRED
    # A newer brief retires the old one's buttons.
    await harness.api.send_text(ANN, "/brief")
    new = await harness.api.next_reply(ANN["id"])
    assert await _press(harness, ANN, old, _button(old, "📝")) == EXPIRED
    assert await _press(harness, ANN, new, _button(new, "📝")) == ""
    assert "How do you feel" in (await harness.api.next_reply(ANN["id"])).text
    assert [s.text for s in harness.api.replies(EVE["id"])][2:] == []  # only her welcome and setup question
