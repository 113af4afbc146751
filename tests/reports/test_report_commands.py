"""/week, /race and /report through the real bot on the demo athlete; the Report rows and their status flow."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import select

from bot.console.botapi import LocalBotApi, Sent
from coach.reports import ReportType
from coach.reports import service as reports
from db.models import Report, ReportRequest
from db.repositories import jobs, users
from tests.bot.conftest import NOW, Harness
from tests.reports.pngs import assert_readable_png

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")


async def _ask_report(harness: Harness, user: dict[str, object], text: str) -> list[Sent]:
    """Send a report command and collect everything sent until the report has been delivered."""
    chat_id = int(str(user["id"]))
    await harness.api.send_text(user, text)
    first = await harness.api.next_reply(chat_id, wait_s=15)
    async with asyncio.timeout(30):
        while not await _all_finished(harness):  # noqa: ASYNC110 - the state lives in PostgreSQL; polling it is the test's view
            await asyncio.sleep(0.05)
    await harness.idle()  # finished in the database; now let its last edit go out
    return [first, *await harness.api.drain(chat_id, quiet=0.3, wait_s=15)]


async def _all_finished(harness: Harness) -> bool:
    async with harness.sessions() as session:
        statuses = (await session.scalars(select(Report.status))).all()
    return bool(statuses) and all(s in ("COMPLETED", "FAILED") for s in statuses)


async def _reports(harness: Harness) -> list[tuple[Report, ReportRequest]]:
    async with harness.sessions() as session:
        rows = await session.execute(
            select(Report, ReportRequest)
            .join(ReportRequest, ReportRequest.report_id == Report.id)
            .order_by(Report.created_at)
        )
        return [(report, request) for report, request in rows]


def _photo(harness: Harness, sent: Sent) -> bytes:
    return harness.api.files[sent.message["photo"][0]["file_id"]].content


def _texts(sent: list[Sent], method: str = "sendMessage") -> list[str]:
    return [s.text for s in sent if s.method == method]


async def test_week_on_the_demo_athlete(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    sent = await _ask_report(harness, ANN, "/week")

    # Progress: one message, edited as each step finishes, ending ready.
    assert sent[0].method == "sendMessage" and "Working on your weekly report" in sent[0].params["text"]
    edits = _texts(sent, "editMessageText")
    assert "… Reading your workouts" in edits[0]
    assert edits[-1].startswith("✅ Your weekly report is ready.")
    assert {e.params["message_id"] for e in sent if e.method == "editMessageText"} == {sent[0].message["message_id"]}

    body = "\n".join(_texts(sent)[1:])
    for heading in ("Load", "Intensity distribution", "Recovery trend", "Next week"):
        assert f"<b>{heading}</b>" in body
    assert re.search(r"• \d+ sessions, \d+ h \d\d min, training load <b>\d+</b> TSS", body)
    assert "below your normal range" in body  # the demo's tired last days
    # An average near 8 h beside a sleep debt: the text says the debt counts the short nights only.
    assert re.search(r"Sleep \d\.\d h a night on average; the nights under 8 h fell \d\.\d h short in all", body)
    assert "a long night does not make up for a short one" in body
    assert "<b>Start with 2–3 easy days</b>" in body
    assert re.search(r"Aim for about <b>\d+–\d+ TSS</b>", body)

    photos = [s for s in sent if s.method == "sendPhoto"]
    assert len(photos) == 1
    assert_readable_png(_photo(harness, photos[0]))

    ((report, request),) = await _reports(harness)
    assert report.type == "WEEKLY_ANALYSIS" and report.status == "COMPLETED"
    assert report.markdown is not None and report.markdown.startswith("# Week ")
    assert report.suggestions is not None and report.suggestions["next_week"]["stance"] == "recover"
    assert (report.date_range_end - report.date_range_start).days == 7
    assert request.delivered_at is not None and request.last_error is None
    async with harness.sessions() as session:
        job = await jobs.get(session, kind=reports.KIND, key=report.id)
    assert job is not None and (job.state, job.attempts, job.lock_key) == (jobs.DONE, 1, f"user:{report.user_id}")
    assert report.model_version is None  # the rules alone


async def test_race_plan_lands_form_in_the_race_ready_band(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    sent = await _ask_report(harness, ANN, "/race Gran Fondo <Alps> 2026-12-20")
    body = "\n".join(_texts(sent)[1:])
    assert "<b>Race plan: Gran Fondo &lt;Alps&gt;</b>" in body  # the name is escaped, not markup
    assert "25 days to go" in body
    match = re.search(r"Form \(TSB\) <b>\+(\d+)</b>, inside the race-ready band", body)
    assert match is not None and 5 <= int(match.group(1)) <= 25
    assert "<b>Taper from " in body and "openers" in body
    photo = next(s for s in sent if s.method == "sendPhoto")
    assert_readable_png(_photo(harness, photo))
    assert "on race day (target +5…+25)" in photo.text

    ((report, _request),) = await _reports(harness)
    assert report.type == "RACE_PREP" and report.status == "COMPLETED"
    facts = report.suggestions
    assert facts is not None and facts["in_target_band"] is True
    assert 5 <= facts["race_day"]["tsb"] <= 25
    assert facts["race"] == {"name": "Gran Fondo <Alps>", "date": "2026-12-20", "priority": "A", "distance_km": None}
    assert report.date_range_end.date().isoformat() == "2026-12-21"


async def test_race_inputs_are_checked_with_clear_errors(harness: Harness) -> None:
    cases = {
        "/race": "Tell me the race and its date",
        "/race Gran Fondo": "I couldn't read the date",
        "/race Fondo 20-12-2026": "write it as YYYY-MM-DD",
        "/race Fondo 2026-02-30": "2026-02-30 is not a date on the calendar",
        "/race 2026-12-20": "Give the race a name",
        "/race Fondo 2026-11-01": "is in the past",
        "/race Fondo 2026-11-25": "That race is today",
        "/race Fondo 2028-01-01": "more than a year ahead",
        "/race " + "x" * 70 + " 2026-12-20": "keep it to 60",
    }
    for command, expected in cases.items():
        reply = (await harness.ask(ANN, command))[0].text
        assert expected in reply, (command, reply)
    assert await _reports(harness) == []


async def test_custom_report_is_honest_without_the_gemini_coach(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    assert "Ask a question after the command" in (await harness.ask(ANN, "/report"))[0].text
    sent = await _ask_report(harness, ANN, "/report am I ready for a <b>hilly</b> century?")
    body = "\n".join(_texts(sent)[1:])
    assert "<blockquote>am I ready for a &lt;b&gt;hilly&lt;/b&gt; century?</blockquote>" in body
    assert "needs a Gemini API key" in body
    assert "<b>Today: rest</b>" in body
    ((report, _),) = await _reports(harness)
    assert report.type == "CUSTOM" and report.status == "COMPLETED"


async def test_one_report_at_a_time(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    async with harness.sessions.begin() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
        assert user is not None
        # Another process has just started Ann's race plan (its job waits for that process for an hour).
        await reports.create(
            session,
            user,
            type=ReportType.RACE_PREP,
            chat_id=ANN["id"],
            params={"race": {"name": "Fondo", "date": "2026-12-20"}},
            now=NOW,
            hold=timedelta(hours=1),
        )
    reply = await harness.ask(ANN, "/week")
    assert [s.text for s in reply] == ["I'm still working on your previous report — it will arrive here in a moment."]
    assert len(await _reports(harness)) == 1


async def test_reports_without_data_say_what_is_missing(harness: Harness) -> None:
    sent = await _ask_report(harness, BOB, "/week")
    body = "\n".join(_texts(sent)[1:])
    assert "No workouts recorded this week" in body
    assert "HRV: too few mornings" in body
    assert "recovery signals are in range" not in body  # nothing was read, so nothing is "in range"
    assert "<b>Start gently</b>: I have no workouts or recovery mornings from you yet" in body
    assert not [s for s in sent if s.method == "sendPhoto"]  # no chart without data


async def test_race_plan_promises_only_the_easier_weeks_its_loads_have(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    sent = await _ask_report(harness, ANN, "/race Spring Classic 2027-03-14")
    body = "\n".join(_texts(sent)[1:])
    weekly = [int(m) for m in re.findall(r"• \d\d \w{3} – \d\d \w{3}: (\d+)", body)]
    assert len(weekly) >= 8, body
    assert "easier week every fourth" not in body
    taper_from = body.index("<b>Taper from")
    assert "no easier week before the taper" in body[:taper_from]
