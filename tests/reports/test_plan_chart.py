"""/planchart: the plan's projected fitness, fatigue and form to race day, with the actual lines over it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.console.botapi import LocalBotApi
from coach import charts
from db.repositories import plans, users
from tests.bot.conftest import Harness
from tests.reports.pngs import assert_readable_png
from tests.reports.test_chart_commands import _photo

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")


def test_the_plan_chart_renders_without_an_actual_line_too() -> None:
    days = [date(2026, 12, 7) + timedelta(days=i) for i in range(70)]
    series = charts.PlanSeries(
        planned_days=days,
        planned_ctl=[50 + i * 0.5 for i in range(70)],
        planned_atl=[55 + (i % 7) for i in range(70)],
        actual_days=[],
        actual_ctl=[],
        actual_atl=[],
        race_day=days[-1],
        race_label="Gran Fondo",
    )
    assert_readable_png(charts.plan_png(series))


async def test_planchart_on_the_demo_athlete(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    (sent,) = await harness.ask(ANN, "/planchart")
    assert_readable_png(_photo(harness, sent))
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        plan = await plans.active(session, user_id=user.id)
    assert plan is not None and plan.race_id is not None
    last = plan.projection[-1]
    eve = next(p for p in plan.projection if p["date"] == (plan.end_date - timedelta(days=1)).isoformat())
    match = re.search(r"Race day (\d\d \w{3}): fitness (\d+), race-morning form ([+−]\d+)", sent.text)
    assert match is not None
    assert match.group(1) == f"{plan.end_date:%d %b}"
    assert int(match.group(2)) == round(last["ctl"])
    assert int(match.group(3).replace("−", "-")) == round(eve["ctl"] - eve["atl"])
    assert sent.text.startswith("Today fitness ")


async def test_planchart_without_a_plan_says_so(harness: Harness) -> None:
    (sent,) = await harness.ask(BOB, "/planchart")
    assert sent.method == "sendMessage" and "/plan builds one" in sent.text
