"""The brief's buttons adapt the plan: rest rebalances the week (never onto tomorrow), an illness check-in
takes intensity out of the next days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.console.botapi import LocalBotApi
from coach.plan_adapt import ILLNESS_VETO_DAYS
from coach.planning.build import is_quality
from coach.plans import workout_of
from db.models import PlannedWorkout
from db.repositories import users
from tests.bot.conftest import NOW, Harness
from tests.bot.test_brief_feedback import _button, _press, check_in

ANN = LocalBotApi.user(7171, "Ann")


async def _rows(harness: Harness) -> dict[str, PlannedWorkout]:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        rows = (await session.scalars(select(PlannedWorkout).where(PlannedWorkout.user_id == user.id))).all()
    return {r.id: r for r in rows}


def _state(rows: dict[str, PlannedWorkout]) -> dict[str, tuple[object, ...]]:
    return {k: (r.date, r.status, r.key, r.adapted_for) for k, r in rows.items()}


async def test_rest_is_not_piled_onto_tomorrow(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    before = _state(await _rows(harness))
    await harness.api.send_text(ANN, "/brief")
    brief = await harness.api.next_reply(ANN["id"])
    await _press(harness, ANN, brief, _button(brief, "😴"))
    await harness.api.drain(ANN["id"], quiet=0.3)
    after = _state(await _rows(harness))
    today, tomorrow = NOW.date(), NOW.date() + timedelta(days=1)
    assert [v[1] for v in after.values() if v[0] == today and v[1] != "replaced"] == ["skipped"]
    assert {k: v for k, v in after.items() if v[0] == tomorrow} == {k: v for k, v in before.items() if v[0] == tomorrow}
    new = {k: v for k, v in after.items() if k not in before}
    assert all(v[3] == "rebalance" and v[0] > tomorrow for v in new.values())


async def test_an_illness_check_in_moves_the_intensity_days(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    before = await _rows(harness)
    veto = {NOW.date() + timedelta(days=i) for i in range(ILLNESS_VETO_DAYS)}
    await check_in(harness, ANN, feel="2", soreness="Very sore", ill="Yes")
    await harness.api.drain(ANN["id"], quiet=0.3)

    after = await _rows(harness)
    visible = [r for r in after.values() if r.status != "replaced"]
    assert not any(r.date in veto and r.kind != "race" and is_quality(workout_of(r)) for r in visible)
    veto_rows = [r for r in visible if r.date in veto and r.status == "planned"]
    assert veto_rows and all(r.adapted_for == "illness" or r.id in before for r in veto_rows)
    assert any(r.adapted_for == "illness" for r in visible)
