"""Races and the plan through the real bot: /race, /races and its buttons, /plan, /today, settings, the brief.

The athlete rides (FTP 250 W) and has an A race ten weeks out; their history is six weeks of steady rides, so
readiness says *proceed* and today's session is the plan's own. Targets are checked against the stored session:
the watts, heart rates and paces in the chat are the plan's fractions of threshold times the athlete's own.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select

from bot.console.botapi import JsonDict, LocalBotApi, Sent
from coach.plans import workout_of
from coach.workouts.model import StepIntensity
from coach.workouts.targets import lthr_fraction
from db.models import PlannedWorkout, Race, Report, TrainingPlan, User
from db.repositories import users, workouts
from tests.bot.conftest import NOW, Harness

ANN = LocalBotApi.user(8181, "Ann")
RUE = LocalBotApi.user(8282, "Rue")
TODAY = NOW.date()  # Wed 25 Nov 2026
RACE_DAY = TODAY + timedelta(weeks=10)
EVERY_DAY_BUT_MONDAY = "tue 90 wed 90 thu 90 fri 60 sat 240 sun 150"


async def _user(harness: Harness, who: JsonDict) -> User:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=who["id"])
        assert user is not None
        return user


async def _athlete(harness: Harness, who: JsonDict, *, sport: str = "Ride", tss: float = 60.0) -> User:
    """Linked, with six weeks of one steady session a day (no recovery data: readiness reads form alone)."""
    await harness.ask(who, "/races")  # links the account
    user = await _user(harness, who)
    rows = []
    for back in range(1, 43):
        day = TODAY - timedelta(days=back)
        rows.append(
            {
                "user_id": user.id,
                "source": "test",
                "external_id": f"{sport}-{day}",
                "date": datetime.combine(day, time(7, 0), tzinfo=UTC),
                "title": "Steady",
                "type": sport,
                "duration_sec": 3600,
                "distance_meters": 30000.0 if sport == "Ride" else 11000.0,
                "tss": tss,
                "intensity_factor": 0.77,
            }
        )
    async with harness.sessions.begin() as session:
        await workouts.upsert_many(session, rows)
    return user


async def _race(harness: Harness, who: JsonDict, text: str) -> str:
    """Send ``/race …``; its answer, once the taper report it starts (if any) has been delivered."""
    before = len(await _race_reports(harness))
    await harness.api.send_text(who, text)
    first = await harness.api.next_reply(who["id"], wait_s=15)
    if "Saved:" not in first.text:
        return first.text  # refused: no report follows
    async with asyncio.timeout(30):
        while not await _reports_finished(harness, before + 1):  # noqa: ASYNC110 - the state lives in PostgreSQL
            await asyncio.sleep(0.05)
    await harness.idle()
    sent = await harness.api.drain(who["id"], quiet=0.3, wait_s=15)
    assert any(s.method == "sendPhoto" for s in sent)  # the taper report with its chart
    return first.text


async def _race_reports(harness: Harness) -> list[str]:
    async with harness.sessions() as session:
        return list((await session.scalars(select(Report.status).where(Report.type == "RACE_PREP"))).all())


async def _reports_finished(harness: Harness, count: int) -> bool:
    statuses = await _race_reports(harness)
    return len(statuses) == count and all(s in ("COMPLETED", "FAILED") for s in statuses)


async def _session_rows(harness: Harness, user_id: str) -> list[PlannedWorkout]:
    async with harness.sessions() as session:
        stmt = select(PlannedWorkout).where(PlannedWorkout.user_id == user_id).order_by(PlannedWorkout.date)
        return list((await session.scalars(stmt)).all())


async def _today_row(harness: Harness, user_id: str) -> PlannedWorkout:
    rows = [r for r in await _session_rows(harness, user_id) if r.date == TODAY and r.status == "planned"]
    assert len(rows) == 1, rows
    return rows[0]


def _main_step(row: PlannedWorkout) -> tuple[float, float]:
    """The longest working step of the session (its fractions of threshold)."""
    steps = [s for s in workout_of(row).steps() if s.intensity is StepIntensity.ACTIVE] or list(workout_of(row).steps())
    main = max(steps, key=lambda s: s.duration_s)
    return main.low, main.high


async def _rider_with_plan(harness: Harness) -> User:
    user = await _athlete(harness, ANN)
    await harness.ask(ANN, "/settings ftp 250")
    await harness.ask(ANN, f"/settings days {EVERY_DAY_BUT_MONDAY}")
    assert "Saved: <b>Gran Fondo</b>" in await _race(harness, ANN, f"/race Gran Fondo {RACE_DAY.isoformat()} A 120")
    plan = (await harness.ask(ANN, "/plan"))[0].text
    assert f"Race day: <b>{RACE_DAY:%a %d %b}</b>, Gran Fondo (A)" in plan
    return user


async def test_plan_to_race_day_and_today_in_watts_from_ftp(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    async with harness.sessions() as session:
        plan = (await session.scalars(select(TrainingPlan).where(TrainingPlan.user_id == user.id))).one()
        race = (await session.scalars(select(Race).where(Race.user_id == user.id))).one()
    assert (plan.status, plan.start_date, plan.end_date, plan.race_id) == ("active", TODAY, RACE_DAY, race.id)
    assert plan.weeks[0]["phase"] == "base" and plan.weeks[-1]["phase"] == "taper"
    rows = await _session_rows(harness, user.id)
    assert rows[0].date >= TODAY and rows[-1].date == RACE_DAY
    # Every session keeps to the athlete's days: nothing on Mondays, none longer than that day's limit.
    limits = {0: 0, 1: 90, 2: 90, 3: 90, 4: 60, 5: 240, 6: 150}
    assert all(r.planned_duration_sec <= limits[r.date.weekday()] * 60 for r in rows if r.date != RACE_DAY)

    today = await _today_row(harness, user.id)
    low, high = _main_step(today)
    watts = f"{round(low * 250)}–{round(high * 250)} W" if round(low * 250) != round(high * 250) else "W"
    reply = (await harness.ask(ANN, "/today"))[0].text
    assert "go ahead with your planned session" in reply
    assert f"<b>Today's session: {today.title}</b>" in reply
    assert watts in reply and "bpm" not in reply.split("<b>The numbers</b>")[0]
    assert "Tomorrow:" in reply and "tomorrow's form" in reply.lower()


async def test_questions_about_tomorrow_and_the_week_are_answered_from_the_plan(harness: Harness) -> None:
    await harness.ask(ANN, "/races")
    assert (
        "You have no training plan yet. /plan builds one"
        in (await harness.ask(ANN, "what should I do tomorrow?"))[0].text
    )
    user = await _rider_with_plan(harness)
    tomorrow = [r for r in await _session_rows(harness, user.id) if r.date == TODAY + timedelta(days=1)]
    reply = (await harness.ask(ANN, "how much should I ride this week?"))[0].text
    assert "<b>This week (from Mon 23 Nov)" in reply and "<b>Next week (from Mon 30 Nov)" in reply
    assert all(r.title in reply for r in tomorrow)


async def test_without_a_power_meter_the_same_session_is_in_heart_rate(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    await harness.ask(ANN, "/settings lthr 170")
    await harness.ask(ANN, "/settings maxhr 190")
    saved = (await harness.ask(ANN, "/settings powermeter no"))[0].text
    assert "Saved your power meter" in saved
    today = await _today_row(harness, user.id)
    low, high = _main_step(today)
    reply = (await harness.ask(ANN, "/today"))[0].text
    section = reply.split("<b>The numbers</b>")[0]
    bpm_low, bpm_high = round(lthr_fraction(low) * 170), round(lthr_fraction(high) * 170)
    expected = f"{bpm_low}–{bpm_high} bpm" if bpm_low != bpm_high else f"{bpm_low} bpm"
    assert expected in section and not re.search(r"\d W\b", section)


async def test_a_runner_gets_paces(harness: Harness) -> None:
    user = await _athlete(harness, RUE, sport="Run", tss=55.0)
    await harness.ask(RUE, "/settings sport running")
    await harness.ask(RUE, "/settings pace 4:30")
    await harness.ask(RUE, f"/settings days {EVERY_DAY_BUT_MONDAY}")
    await _race(harness, RUE, f"/race City Marathon {RACE_DAY.isoformat()} A 42.2")
    plan = (await harness.ask(RUE, "/plan"))[0].text
    assert "/km" in plan and not re.search(r"\d W\b", plan)
    async with harness.sessions() as session:
        race = (await session.scalars(select(Race).where(Race.user_id == user.id))).one()
    assert (race.sport, race.distance) == ("run", 42.2)
    today = await _today_row(harness, user.id)
    assert today.sport == "run"
    low, _high = _main_step(today)
    pace_s = round(1000 / (low * 1000 / 270))  # the slow end of the main step, per km
    reply = (await harness.ask(RUE, "/today"))[0].text
    assert f"{pace_s // 60}:{pace_s % 60:02d}" in reply and "/km" in reply
    await harness.ask(RUE, "/settings units mi")
    assert "/mi" in (await harness.ask(RUE, "/today"))[0].text


async def _race_count(harness: Harness, who: JsonDict) -> int:
    user = await _user(harness, who)
    async with harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Race).where(Race.user_id == user.id)) or 0)


async def test_race_validation_one_sentence_and_nothing_stored(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    past = (await harness.ask(ANN, "/race Old Race 2026-11-01"))[0].text
    assert past.startswith("01 Nov 2026 is in the past; give the date of an upcoming race.")
    long_name = "x" * 61
    assert (
        "The race name is 61 characters; keep it to 60."
        in (await harness.ask(ANN, f"/race {long_name} 2027-01-10"))[0].text
    )
    bad_priority = (await harness.ask(ANN, "/race Fondo 2027-01-10 D"))[0].text
    assert "a priority (A, B or C) and a distance in km" in bad_priority
    assert await _race_count(harness, ANN) == 0

    saved = await _race(harness, ANN, '/race "Gran Fondo" 2027-01-10 B 120km')
    assert "Saved: <b>Gran Fondo</b> on Sun 10 Jan 2027, a <b>B</b> race" in saved
    again = await _race(harness, ANN, "/race “Gran Fondo” 2027-01-10")
    assert again == (
        "Nothing saved: you already have <b>Gran Fondo</b> on 10 Jan 2027. "
        "Change its priority or delete it with /races."
    )
    assert await _race_count(harness, ANN) == 1
    user = await _user(harness, ANN)
    async with harness.sessions() as session:
        race = (await session.scalars(select(Race).where(Race.user_id == user.id))).one()
    assert (race.name, race.date, race.priority, race.distance) == ("Gran Fondo", date(2027, 1, 10), "B", 120.0)


def _button(sent: Sent, label: str) -> str:
    return next(b["callback_data"] for b in sent.buttons if b["text"] == label)


async def test_races_buttons_change_priority_and_delete_and_rebuild_the_plan(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    await _race(harness, ANN, f"/race Hill Climb {(TODAY + timedelta(weeks=4)).isoformat()} C")
    listing = (await harness.ask(ANN, "/races"))[0]
    assert "1. <b>Hill Climb</b>" in listing.text and "2. <b>Gran Fondo</b>" in listing.text
    assert [b["text"] for b in listing.buttons][:4] == ["1: A", "1: B", "1: ●C", "1: 🗑 Delete"]

    # Another athlete pressing Ann's button changes nothing.
    await harness.ask(RUE, "/start")
    foreign = await harness.api.press_button(RUE, listing.message, _button(listing, "1: B"))
    assert (await harness.api.callback_answer(foreign)).get("text") == "This button has expired."

    await harness.api.press_button(ANN, listing.message, _button(listing, "1: B"))
    edited = await harness.api.next_reply(ANN["id"])
    assert "Hill Climb is now a <b>B</b> race" in edited.text and "1: ●B" in [b["text"] for b in edited.buttons]
    async with harness.sessions() as session:
        plans = (await session.scalars(select(TrainingPlan).where(TrainingPlan.user_id == user.id))).all()
    # Built by /plan, rebuilt for the Hill Climb, rebuilt again for its new priority.
    assert sorted(p.status for p in plans) == ["active", "superseded", "superseded"]

    await harness.api.press_button(ANN, edited.message, _button(edited, "2: 🗑 Delete"))
    after = await harness.api.next_reply(ANN["id"])
    assert "Deleted Gran Fondo" in after.text and "Gran Fondo" not in after.text.split("\n\n", 1)[1]
    async with harness.sessions() as session:
        active = (
            await session.scalars(
                select(TrainingPlan).where(TrainingPlan.user_id == user.id, TrainingPlan.status == "active")
            )
        ).one()
    assert active.race_id is None and active.end_date != RACE_DAY  # no A race left: a 12-week block


async def test_plan_settings_are_validated_and_rebuild_the_plan(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    bad = (await harness.ask(ANN, "/settings days mon 10"))[0].text
    assert bad == "Nothing changed: longest session must be between 20 and 480 minutes; got 10."
    assert (await harness.ask(ANN, "/settings ramp 9"))[0].text.startswith(
        "Nothing changed: CTL ramp must be between 5 and 8 points a week"
    )
    before = {r.id for r in await _session_rows(harness, user.id) if r.date >= TODAY}
    saved = (await harness.ask(ANN, "/settings days sat 120 sun 120"))[0].text
    assert "Your plan is rebuilt from today" in saved and "Training days: Sat 2 h, Sun 2 h" in saved
    rows = [r for r in await _session_rows(harness, user.id) if r.date >= TODAY]
    assert not before & {r.id for r in rows}
    assert {r.date.weekday() for r in rows if r.date != RACE_DAY} <= {5, 6}
    assert all(r.planned_duration_sec <= 120 * 60 for r in rows if r.date != RACE_DAY)


async def test_brief_buttons_change_todays_session(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    original = await _today_row(harness, user.id)
    await harness.api.send_text(ANN, "/brief")
    brief = await harness.api.next_reply(ANN["id"])
    assert f"Today's session: {original.title}" in brief.text

    await harness.api.press_button(ANN, brief.message, _button(brief, "🔽 Easier option"))
    changed = await harness.api.next_reply(ANN["id"])
    rows = [r for r in await _session_rows(harness, user.id) if r.date == TODAY]
    by_status = {r.status: r for r in rows}
    assert set(by_status) == {"replaced", "planned"}
    replacement = by_status["planned"]
    assert by_status["replaced"].id == original.id and replacement.replaces_id == original.id
    assert replacement.adapted_for == "modify" and replacement.planned_tss <= original.planned_tss
    assert f"today's session is now <b>{replacement.title}</b>" in changed.text

    # The next brief shows the changed session; resting takes it off the plan.
    await harness.api.send_text(ANN, "/brief")
    second = await harness.api.next_reply(ANN["id"])
    assert f"Today's session: {replacement.title}</b> (changed from the plan at your choice)" in second.text
    await harness.api.press_button(ANN, second.message, _button(second, "😴 Rest today"))
    assert "Noted: rest today" in (await harness.api.next_reply(ANN["id"])).text


async def test_rest_button_skips_the_planned_session(harness: Harness) -> None:
    user = await _rider_with_plan(harness)
    original = await _today_row(harness, user.id)
    await harness.api.send_text(ANN, "/brief")
    brief = await harness.api.next_reply(ANN["id"])
    await harness.api.press_button(ANN, brief.message, _button(brief, "😴 Rest today"))
    assert "I took today's session off your plan" in (await harness.api.next_reply(ANN["id"])).text
    rows = [r for r in await _session_rows(harness, user.id) if r.date == TODAY]
    assert [(r.id, r.status, r.adapted_for) for r in rows] == [(original.id, "skipped", "rest")]
    reply = (await harness.ask(ANN, "/today"))[0].text
    assert f"Today's session: {original.title}</b> – skipped" in reply
