"""The weekly message: Sunday evening in the athlete's zone, once whatever the number of processes, with a tap
to accept next week or make it the rules' easier week; and the daily close of the plan's days."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.console.botapi import ApiError, LocalBotApi
from bot.jobs.plan import CHECK, DAY_JOB, PlanJobs
from bot.jobs.runner import JobRunner
from bot.texts.plan_week import ACCEPT, EASIER
from coach.plan_week import recovery_target
from db.models import Job, PlannedWorkout, User
from db.repositories import plans, users
from db.repositories.jobs import DONE, QUEUED, NewJob
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(4242, "Ann")
SUNDAY_EVENING = datetime(2026, 11, 29, 18, 5, tzinfo=UTC)  # the demo athlete lives in UTC
NEXT_MONDAY = date(2026, 11, 30)


async def _rows(harness: Harness, user_id: str) -> dict[str, tuple[date, str, str, float, str | None]]:
    async with harness.sessions() as session:
        rows = (await session.scalars(select(PlannedWorkout).where(PlannedWorkout.user_id == user_id))).all()
    return {r.id: (r.date, r.status, r.key, r.planned_tss, r.adapted_for) for r in rows}


async def _processes(harness: Harness, at: datetime, count: int = 1) -> list[tuple[int, int]]:
    """``count`` processes each run the plan's check at ``at`` on the job queue: (days closed, messages sent)
    by each. The check's slot is enqueued by all of them, as their schedules do, and runs once."""

    async def one() -> tuple[int, int]:
        runner = JobRunner(harness.sessions, clock=lambda: at)
        plan = PlanJobs(harness.app.bot, harness.sessions, clock=lambda: at)
        plan.install(runner)
        await runner.enqueue([NewJob(kind=CHECK, key=at.isoformat())])
        await runner.run_due()
        return plan.closed, plan.sent

    return list(await asyncio.gather(*(one() for _ in range(count))))


async def _user_id(harness: Harness) -> str:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=4242)
        assert user is not None
        return user.id


async def test_the_weekly_message_goes_once_and_easier_makes_a_recovery_week(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    user_id = await _user_id(harness)
    ((_, sent),) = await _processes(harness, SUNDAY_EVENING - timedelta(days=1))
    assert sent == 0  # not Sunday evening yet
    ((_, sent),) = await _processes(harness, SUNDAY_EVENING - timedelta(hours=1))
    assert sent == 0

    results = await _processes(harness, SUNDAY_EVENING, count=3)
    assert sum(sent for _, sent in results) == 1
    (message,) = await harness.api.drain(ANN["id"], quiet=0.3)
    assert f"Next week from {NEXT_MONDAY:%a %d %b}" in message.text
    assert [b["text"] for b in message.buttons] == [ACCEPT, EASIER]
    later = await _processes(harness, SUNDAY_EVENING + timedelta(minutes=10), count=3)
    assert sum(sent for _, sent in later) == 0  # once per Sunday

    before = await _rows(harness, user_id)
    async with harness.sessions() as session:
        week = await plans.sessions_between(
            session, user_id=user_id, start=NEXT_MONDAY, end=NEXT_MONDAY + timedelta(days=6)
        )
        plan = await plans.active(session, user_id=user_id)
    assert plan is not None
    planned_before = sum(r.planned_tss for r in week)
    ctl = next(p["ctl"] for p in plan.projection if p["date"] == (NEXT_MONDAY - timedelta(days=1)).isoformat())
    target = recovery_target(ctl, sum(r.planned_tss for r in week if r.kind != "race"))

    press = await harness.api.press_button(ANN, message.message, message.button(EASIER)["callback_data"])
    await harness.api.callback_answer(press)
    replies = await harness.api.drain(ANN["id"], quiet=0.3)
    assert any("next week is now a recovery week" in r.text for r in replies)

    after = await _rows(harness, user_id)
    async with harness.sessions() as session:
        week_after = await plans.sessions_between(
            session, user_id=user_id, start=NEXT_MONDAY, end=NEXT_MONDAY + timedelta(days=6)
        )
    planned_after = sum(r.planned_tss for r in week_after)
    assert planned_before > target >= planned_after - 0.5  # the recovery week's load, no more
    hard = [r for r in week_after if r.kind in ("threshold", "vo2max", "anaerobic", "sprints", "sweet_spot", "tempo")]
    assert len(hard) <= 1  # a recovery week keeps its first quality session only
    # Nothing outside that week changed; inside it, the originals are kept as "replaced".
    outside = {k: v for k, v in before.items() if not NEXT_MONDAY <= v[0] < NEXT_MONDAY + timedelta(days=7)}
    assert {k: after[k] for k in outside} == outside
    assert all(r.adapted_for == "easier week" for r in week_after if r.id not in before)

    # The button was single-use: a second tap changes nothing.
    again = await harness.api.press_button(ANN, message.message, message.button(EASIER)["callback_data"])
    assert "expired" in str((await harness.api.callback_answer(again)).get("text", ""))
    assert await _rows(harness, user_id) == after


async def test_accept_keeps_the_week(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    user_id = await _user_id(harness)
    before = await _rows(harness, user_id)
    replies = await harness.ask(ANN, "/nextweek")
    (message,) = [r for r in replies if r.buttons]
    press = await harness.api.press_button(ANN, message.message, message.button(ACCEPT)["callback_data"])
    await harness.api.callback_answer(press)
    replies = await harness.api.drain(ANN["id"], quiet=0.3)
    assert any("stays as planned" in r.text for r in replies)
    assert await _rows(harness, user_id) == before


async def test_the_daily_close_marks_unmatched_days_missed_once(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    user_id = await _user_id(harness)
    async with harness.sessions() as session:
        (today_row,) = await plans.sessions_between(session, user_id=user_id, start=NOW.date(), end=NOW.date())
    after_midnight = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(
        minutes=20
    )
    results = await _processes(harness, after_midnight, count=2)
    assert sum(closed for closed, _ in results) == 1
    again = await _processes(harness, after_midnight + timedelta(minutes=10), count=2)
    assert sum(closed for closed, _ in again) == 0  # the day's job exists: once per day
    async with harness.sessions() as session:
        closes = (await session.scalars(select(Job).where(Job.kind == DAY_JOB))).all()
    assert [(j.key, j.state, j.attempts) for j in closes] == [
        (f"{user_id}:{(NOW.date() + timedelta(days=1)).isoformat()}", DONE, 1)
    ]
    async with harness.sessions() as session:
        row = await session.get(PlannedWorkout, today_row.id)
    assert row is not None and row.status in ("missed", "done")  # the demo rides nothing that day
    assert row.status == "missed"


async def test_a_blocked_athlete_gets_no_weekly_message_and_is_marked_inactive(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    user_id = await _user_id(harness)

    def blocked(params: dict[str, object]) -> ApiError | None:
        return ApiError(403, "Forbidden: bot was blocked by the user") if params["chat_id"] == ANN["id"] else None

    harness.api.faults["sendMessage"] = blocked
    assert await _processes(harness, SUNDAY_EVENING) == [(1, 0)]
    async with harness.sessions() as session:
        user = await session.get(User, user_id)
    assert user is not None and user.active is False
    later = SUNDAY_EVENING + timedelta(days=7)
    assert await _processes(harness, later) == [(0, 0)]  # not tried again


async def test_one_athletes_failure_does_not_stop_the_others(harness: Harness) -> None:
    bob = LocalBotApi.user(4343, "Bob")
    await harness.ask(ANN, "/demo")
    await harness.ask(bob, "/demo")
    ann_id = await _user_id(harness)
    async with harness.sessions.begin() as session:  # Ann's stored plan is damaged: her close cannot run
        for row in await plans.sessions_between(session, user_id=ann_id, start=NOW.date(), end=NOW.date()):
            row.steps = [{"duration_s": 0}]
    after_midnight = datetime.combine(NOW.date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    ((closed, _),) = await _processes(harness, after_midnight + timedelta(hours=1))
    assert closed == 1  # Bob's day was closed all the same
    async with harness.sessions() as session:  # Ann's close is retried later, with backoff
        ann = await session.scalar(select(Job).where(Job.kind == DAY_JOB, Job.key.startswith(ann_id)))
    assert ann is not None and (ann.state, ann.attempts) == (QUEUED, 1)
    assert ann.last_error is not None and ann.run_at > after_midnight + timedelta(hours=1)
