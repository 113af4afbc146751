"""Look-ahead questions get the plan's days ahead, with each morning's projected form."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.console.botapi import LocalBotApi
from coach.daily import assess_today
from coach.plan_ahead import Horizon, days_of, horizon
from coach.science import pmc
from db.repositories import plans, users
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(4242, "Ann")
WEDNESDAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("question", "expected", "first", "last"),
    [
        ("what should I do tomorrow?", Horizon.TOMORROW, date(2026, 11, 26), date(2026, 11, 26)),
        ("should I do intervals tomorrow?", Horizon.TOMORROW, date(2026, 11, 26), date(2026, 11, 26)),
        ("how much should I ride this week?", Horizon.THIS_WEEK, date(2026, 11, 26), date(2026, 11, 29)),
        ("what's on the plan this weekend?", Horizon.WEEKEND, date(2026, 11, 28), date(2026, 11, 29)),
        ("what about next week?", Horizon.NEXT_WEEK, date(2026, 11, 30), date(2026, 12, 6)),
    ],
)
def test_the_question_names_its_days(question: str, expected: Horizon, first: date, last: date) -> None:
    assert horizon(question) is expected
    assert days_of(expected, WEDNESDAY) == (first, last)


async def test_intervals_tomorrow_gets_tomorrows_session_and_its_morning_form(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    today = NOW.date()
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        assessment = await assess_today(session, user, now=NOW)
        rows = await plans.sessions_between(session, user_id=user.id, start=today, end=today + timedelta(days=1))
    assert assessment.form is not None
    today_load = sum(r.planned_tss for r in rows if r.date == today and r.status == "planned")
    ctls, atls = pmc.pmc_series([today_load], ctl0=assessment.form.ctl, atl0=assessment.form.atl)
    expected = round(ctls[-1] - atls[-1])

    (reply,) = await harness.ask(ANN, "should I do intervals tomorrow?")
    assert "<b>Tomorrow</b> in your plan" in reply.text
    tomorrow = [r for r in rows if r.date == today + timedelta(days=1)]
    for row in tomorrow:
        assert row.title in reply.text
    match = re.search(r"form that morning ([+−]\d+)", reply.text)
    assert match is not None and int(match.group(1).replace("−", "-")) == expected
