"""The coach's race and plan tools read the asking athlete's races and plan, and nobody else's.

Ann and Bob both have races and plans; every call runs in Ann's scope. What the tools return is what Gemini
would see, so Bob's race name (a canary) must never be in it, and the numbers must be the rules' own.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import plans
from coach.daily import assess_today
from coach.llm.tools import ToolScope, run_tool
from db.models import User
from db.repositories import races, users, workouts
from tests.bot.conftest import NOW

CANARY = "ZZCANARY-BOB-RACE-7h2p"


async def _athlete(session: AsyncSession, telegram_id: int, race_name: str, weeks: int) -> User:
    user = (await users.link_telegram_user(session, telegram_user_id=telegram_id, chat_id=telegram_id, name="x")).user
    user.ftp = 250
    rows = [
        {
            "user_id": user.id,
            "source": "test",
            "external_id": f"ride-{back}",
            "date": datetime.combine(NOW.date() - timedelta(days=back), time(7), tzinfo=UTC),
            "title": "Steady",
            "type": "Ride",
            "duration_sec": 3600,
            "tss": 60.0,
        }
        for back in range(1, 43)
    ]
    await workouts.upsert_many(session, rows)
    await races.add(session, user_id=user.id, name=race_name, day=NOW.date() + timedelta(weeks=weeks))
    await plans.build(session, user, now=NOW)
    return user


async def test_races_and_plan_tools_see_only_the_asking_athlete(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        ann = await _athlete(session, 1001, "Ann's Gran Fondo", weeks=10)
        bob = await _athlete(session, 1002, CANARY, weeks=8)
    scope = ToolScope(user_id=ann.id, now=NOW)
    async with sessions() as session:
        got_races = await run_tool(session, scope, "get_races", {})
        got_plan = await run_tool(session, scope, "get_plan", {})
        refused = await run_tool(session, scope, "get_plan", {"user_id": bob.id})
        assessment = await assess_today(session, ann, now=NOW)
        today = await plans.today(session, ann, assessment=assessment)
    assert got_races.ok and got_plan.ok
    assert [r["name"] for r in got_races.result["races"]] == ["Ann's Gran Fondo"]
    assert got_races.result["races"][0]["days_to_go"] == 70
    assert got_plan.result["race"]["name"] == "Ann's Gran Fondo"
    for result in (got_races.result, got_plan.result):
        text = json.dumps(result)
        assert CANARY not in text and bob.id not in text and ann.id not in text
    # The model gets the rules' words and numbers for today, exactly as /today shows them.
    assert today is not None and today.planned is not None
    planned = got_plan.result["today"]["planned"]
    assert (planned["title"], planned["text"], planned["steps"]) == (
        today.planned.title,
        today.planned.summary,
        list(today.planned.steps),
    )
    assert not refused.ok and "user_id" in refused.result["error"] and bob.id not in json.dumps(refused.result)


async def test_without_a_plan_the_tool_says_so_and_builds_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        user = (await users.link_telegram_user(session, telegram_user_id=1003, chat_id=1003, name="x")).user
    async with sessions() as session:
        got = await run_tool(session, ToolScope(user_id=user.id, now=NOW), "get_plan", {})
        assert got.ok and got.result["plan"] is None
        assert await plans.show(session, user, now=NOW, build_if_missing=False) is None
