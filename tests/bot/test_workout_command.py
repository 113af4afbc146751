"""/workout end to end: the real bot over the local Bot API sends the planned session as a file."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import fitdecode
from sqlalchemy import select, update

from bot.console.botapi import LocalBotApi, Sent
from db.models import PlannedWorkout, User
from db.repositories import users
from tests.bot.conftest import Harness

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")
TODAY = date(2026, 11, 25)  # the harness clock in Europe/Berlin, the demo athlete's time zone


async def _user_id(harness: Harness, telegram_id: int) -> str:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=telegram_id)
        assert user is not None
        return user.id


async def _sessions(harness: Harness, user_id: str) -> list[PlannedWorkout]:
    async with harness.sessions() as session:
        stmt = (
            select(PlannedWorkout)
            .where(PlannedWorkout.user_id == user_id, PlannedWorkout.date >= TODAY, PlannedWorkout.status == "planned")
            .order_by(PlannedWorkout.date)
        )
        return list((await session.scalars(stmt)).all())


def _file(harness: Harness, sent: Sent) -> bytes:
    assert sent.method == "sendDocument", sent.text
    return harness.api.files[sent.message["document"]["file_id"]].content


def _fit_seconds(data: bytes) -> int:
    """Total time of the FIT workout as a device runs it (repeat steps jump back)."""
    steps = []
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.ENABLED) as reader:
        steps = [
            {f.name: f.value for f in frame.fields}
            for frame in reader
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "workout_step"
        ]
    total, i, done = 0, 0, {}
    while i < len(steps):
        step = steps[i]
        if step["duration_type"] == "repeat_until_steps_cmplt":
            done[i] = done.get(i, 1) + 1
            if done[i] <= step["repeat_steps"]:
                i = step["duration_step"]
                continue
            done[i] = 1
        else:
            total += round(step["duration_time"])
        i += 1
    return total


async def test_a_planned_session_comes_as_a_fit_file_named_by_day_and_session(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    ann = await _user_id(harness, ANN["id"])
    planned = await _sessions(harness, ann)
    assert planned, "the demo athlete has a plan"
    row = planned[0]

    sent = (await harness.ask(ANN, f"/workout {row.date.isoformat()}"))[-1]

    assert sent.message["document"]["file_name"] == f"{row.date.isoformat()}-{row.key}.fit"
    assert _fit_seconds(_file(harness, sent)) == row.planned_duration_sec
    assert row.title in sent.text and "GARMIN/NewFiles" in sent.text


async def test_every_format_and_day_word(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    ann = await _user_id(harness, ANN["id"])
    row = (await _sessions(harness, ann))[0]
    words = {TODAY: "today", TODAY + timedelta(days=1): "tomorrow"}
    day = words.get(row.date, row.date.isoformat())

    zwo = (await harness.ask(ANN, f"/workout zwo {day}"))[-1]
    root = ET.fromstring(_file(harness, zwo))
    assert root.findtext("name") == row.title
    assert zwo.message["document"]["file_name"].endswith(".zwo")
    for fmt in ("erg", "mrc"):
        sent = (await harness.ask(ANN, f"/workout {row.date.isoformat()} {fmt.upper()}"))[-1]
        text = _file(harness, sent).decode()
        assert "[COURSE DATA]" in text
        last_minute = text.split("[COURSE DATA]")[1].strip().splitlines()[-2].split()[0]
        assert round(float(last_minute) * 60) == row.planned_duration_sec


async def test_a_day_without_a_session_gets_a_sentence(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    ann = await _user_id(harness, ANN["id"])
    planned_days = {r.date for r in await _sessions(harness, ann)}
    rest = next(TODAY + timedelta(days=n) for n in range(1, 30) if TODAY + timedelta(days=n) not in planned_days)
    sent = await harness.ask(ANN, f"/workout {rest.isoformat()} zwo")
    assert [s.method for s in sent] == ["sendMessage"]
    assert f"There is no session planned for {rest:%A} {rest.day} {rest:%B}." in sent[0].text
    # Someone without a plan is told the same, never sent another athlete's session.
    for_bob = await harness.ask(BOB, f"/workout {min(planned_days).isoformat()}")
    assert [s.method for s in for_bob] == ["sendMessage"]
    assert "There is no session planned" in for_bob[0].text


async def test_a_bad_format_or_day_names_what_is_allowed(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    tcx = (await harness.ask(ANN, "/workout tcx"))[-1]
    assert tcx.method == "sendMessage"
    assert "“tcx” is neither a day nor a file format" in tcx.text and "fit, zwo, erg, mrc" in tcx.text
    bad_day = (await harness.ask(ANN, "/workout 2026-13-40 fit"))[-1]
    assert "“2026-13-40” is neither a day nor a file format" in bad_day.text


async def test_an_erg_file_without_an_ftp_is_refused_with_the_way_out(harness: Harness) -> None:
    await harness.ask(ANN, "/demo")
    ann = await _user_id(harness, ANN["id"])
    row = (await _sessions(harness, ann))[0]
    async with harness.sessions.begin() as session:
        await session.execute(update(User).where(User.id == ann).values(ftp=None))
    assert row.sport == "ride"  # the demo athlete rides
    sent = (await harness.ask(ANN, f"/workout {row.date.isoformat()} erg"))[-1]
    assert sent.method == "sendMessage"
    assert "An ERG file needs your FTP" in sent.text and "MRC" in sent.text
    mrc = (await harness.ask(ANN, f"/workout {row.date.isoformat()} mrc"))[-1]
    assert mrc.method == "sendDocument"  # percent of the app's FTP needs none of ours


async def _press(harness: Harness, who: dict[str, object], sent: Sent, label: str) -> list[Sent]:
    data = next(b["callback_data"] for b in sent.buttons if b["text"] == label)
    await harness.api.press_button(who, sent.message, data)
    return await harness.api.drain(int(str(who["id"])), quiet=0.3, wait_s=15)


async def test_today_and_plan_carry_download_buttons_that_send_the_file(harness: Harness) -> None:
    """The session /today shows, and every day of /plan's week ahead, comes as a file with one tap."""
    await harness.ask(ANN, "/demo")
    ann = await _user_id(harness, ANN["id"])
    planned = await _sessions(harness, ann)
    today_row = next((r for r in planned if r.date == TODAY), None)
    today = [s for s in await harness.ask(ANN, "/today") if s.method == "sendMessage"][-1]
    if today_row is not None:
        assert [b["text"] for b in today.buttons] == ["📥 FIT", "📥 ZWO", "📥 ERG", "📥 MRC"]
        zwo = (await _press(harness, ANN, today, "📥 ZWO"))[-1]
        assert zwo.message["document"]["file_name"] == f"{TODAY.isoformat()}-{today_row.key}.zwo"
        assert ET.fromstring(_file(harness, zwo)).findtext("name") == today_row.title
        # Pressed again for another format: the button is not spent.
        fit = (await _press(harness, ANN, today, "📥 FIT"))[-1]
        assert _fit_seconds(_file(harness, fit)) == today_row.planned_duration_sec
    else:
        assert today.buttons == [] or all(not b["text"].startswith("📥") for b in today.buttons)

    shown = [s for s in await harness.ask(ANN, "/plan") if s.method == "sendMessage"][-1]
    week_end = TODAY + timedelta(days=6 - TODAY.weekday())
    ahead = [r for r in planned if r.date <= week_end]
    labels = [b["text"] for b in shown.buttons if b["text"].startswith("📥")]
    assert labels == [f"📥 {r.date:%a %d}" for r in ahead]
    if ahead:
        sent = (await _press(harness, ANN, shown, labels[-1]))[-1]
        assert sent.message["document"]["file_name"] == f"{ahead[-1].date.isoformat()}-{ahead[-1].key}.fit"
        # Someone else pressing it gets "expired" and no file.
        data = next(b["callback_data"] for b in shown.buttons if b["text"] == labels[-1])
        press = await harness.api.press_button(BOB, shown.message, data)
        assert "expired" in (await harness.api.callback_answer(press)).get("text", "")
