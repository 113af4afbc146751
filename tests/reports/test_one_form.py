"""Every view quotes the same fitness, fatigue and form for the same morning (`coach.form.read_form`).

The demo athlete plus one run logged without power (its load is an HR-based estimate, not a TSS): a view that
summed raw TSS, or read another day, would show a different form than `/today`.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.console.botapi import LocalBotApi
from coach.llm.tools import LoadArgs, ToolScope, get_training_load
from db.models import User, Workout
from tests.bot.conftest import NOW, Harness
from tests.reports.test_report_commands import _ask_report, _texts

ANN = LocalBotApi.user(4242, "Ann")
NUMBER = r"([+−-]?\d+)"


def _int(text: str) -> int:
    return int(text.replace("−", "-"))


async def test_today_fitness_week_race_and_the_gemini_tool_agree_on_this_morning(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    async with harness.sessions.begin() as session:
        user = (await session.scalars(select(User))).one()
        session.add(
            Workout(
                user_id=user.id,
                external_id="hr-only-run",
                source="MANUAL",
                date=NOW - timedelta(days=1, hours=3),
                title="Easy run",
                type="Run",
                duration_sec=5400,
                average_hr=150,
                raw_json={},
            )
        )

    today = (await harness.ask(ANN, "/today"))[0].text
    m = re.search(rf"Fitness \(CTL\) {NUMBER}, fatigue \(ATL\) {NUMBER}, form \(TSB\) {NUMBER} this morning", today)
    assert m is not None, today
    ctl, atl, tsb = (_int(g) for g in m.groups())

    fitness = (await harness.ask(ANN, "/fitness"))[0].text
    m = re.search(rf"Fitness \(CTL\) {NUMBER} · fatigue \(ATL\) {NUMBER} · form \(TSB\) {NUMBER} this morning", fitness)
    assert m is not None, fitness
    assert tuple(_int(g) for g in m.groups()) == (ctl, atl, tsb)

    week = "\n".join(_texts(await _ask_report(harness, ANN, "/week"))[1:])
    m = re.search(r"form \(TSB\) <b>[+−-]?[\d.]+</b> tonight \(this morning ([+−-]?[\d.]+)\)", week)
    assert m is not None, week
    assert abs(float(m.group(1).replace("−", "-")) - tsb) <= 0.5  # one decimal here, whole numbers in /today

    async with harness.sessions() as session:
        tool = await get_training_load(session, ToolScope(user_id=user.id, now=NOW), LoadArgs())
    assert (round(tool["ctl"]), round(tool["atl"]), round(tool["tsb"])) == (ctl, atl, tsb)
    assert "end of yesterday" in tool["convention"]
