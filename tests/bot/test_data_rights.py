"""/export, /deleteme and /privacy end to end, on real rows of two users."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import func, select

from bot.console.botapi import LocalBotApi, Sent
from db.models import Base, CallbackAction, DialogState, Integration, Job, Session, User, Workout
from db.repositories import telegram_updates, users
from tests.bot.conftest import NOW, TOKEN, Harness

ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(5353, "Bob")
SECRETS = ("ann-access-canary-1", "ann-refresh-canary-2", "ann-session-canary-3", "bob-access-canary-4")


async def _user_id(harness: Harness, telegram_id: int) -> str:
    async with harness.sessions() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=telegram_id)
        assert user is not None
        return user.id


async def _with_secrets(harness: Harness) -> tuple[str, str]:
    """Ann and Bob with demo data, a connected provider and a login session each (tokens are canaries)."""
    await harness.ask(ANN, "/demo")
    await harness.ask(BOB, "/demo")
    ann, bob = await _user_id(harness, ANN["id"]), await _user_id(harness, BOB["id"])
    async with harness.sessions.begin() as session:
        session.add(Integration(user_id=ann, provider="whoop", access_token=SECRETS[0], refresh_token=SECRETS[1]))
        session.add(Session(session_token=SECRETS[2], user_id=ann, expires=NOW))
        session.add(Integration(user_id=bob, provider="strava", access_token=SECRETS[3]))
    return ann, bob


def _zip(harness: Harness, sent: Sent) -> zipfile.ZipFile:
    stored = harness.api.files[sent.message["document"]["file_id"]]
    return zipfile.ZipFile(io.BytesIO(stored.content))


async def _count(harness: Harness, model: type[Base], user_id: str) -> int:
    column = model.__table__.c.get("userId")  # type: ignore[attr-defined]
    async with harness.sessions() as session:
        return await session.scalar(select(func.count()).select_from(model).where(column == user_id)) or 0


async def test_export_holds_everything_of_the_user_and_nothing_else(harness: Harness) -> None:
    ann, bob = await _with_secrets(harness)
    sent = (await harness.ask(ANN, "/export"))[0]
    assert sent.method == "sendDocument"
    assert sent.message["document"]["file_name"] == "coach-watts-export-2026-11-25.zip"
    assert "Tokens and other secrets are left out" in sent.text
    archive = _zip(harness, sent)
    names = set(archive.namelist())
    for table in ("User", "Account", "Session", "Integration", "Workout", "DailyMetric", "Report", "CallbackAction"):
        assert {f"{table}.json", f"{table}.csv"} <= names, table
    assert "VerificationToken.json" not in names

    everything = b"".join(archive.read(name) for name in names)
    for secret in SECRETS:
        assert secret.encode() not in everything
    assert bob.encode() not in everything and b"strava" not in everything
    assert TOKEN.encode() not in everything

    user_rows = json.loads(archive.read("User.json"))
    assert [row["id"] for row in user_rows] == [ann]
    assert user_rows[0]["ftp"] == 250
    workouts = json.loads(archive.read("Workout.json"))
    assert len(workouts) == await _count(harness, Workout, ann) > 100
    assert {row["userId"] for row in workouts} == {ann}
    integrations = list(csv.DictReader(io.StringIO(archive.read("Integration.csv").decode())))
    assert [row["provider"] for row in integrations] == ["whoop"]
    assert "accessToken" not in integrations[0] and "refreshToken" not in integrations[0]
    sessions_csv = archive.read("Session.csv").decode().splitlines()
    assert sessions_csv[0] == "userId,expires,createdAt,updatedAt" and len(sessions_csv) == 2


async def test_deleteme_confirms_revokes_and_cascades(harness: Harness) -> None:
    ann, bob = await _with_secrets(harness)
    revoked: list[str] = []

    async def revoke(user_id: str) -> list[str]:
        revoked.append(user_id)
        return ["whoop"]

    harness.ctx.revoke_tokens = revoke
    try:
        ask = (await harness.ask(ANN, "/deleteme"))[0]
        assert "Delete your account?" in ask.text and "/export" in ask.text
        keep = await harness.api.press_button(ANN, ask.message, ask.button("Keep my account")["callback_data"])
        assert "Nothing deleted" in (await harness.api.drain(ANN["id"]))[-1].text
        await harness.api.callback_answer(keep)
        # The other button of a kept confirmation is dead.
        late = await harness.api.press_button(ANN, ask.message, ask.button("Delete everything")["callback_data"])
        assert (await harness.api.callback_answer(late))["text"] == "This button has expired."
        assert revoked == []
        async with harness.sessions() as session:
            assert await session.get(User, ann) is not None

        # Updates as webhook mode keeps them (processed): Ann's message and button press, and Bob's message.
        async with harness.sessions.begin() as session:
            for update_id, payload in enumerate(
                [
                    {"message": {"from": ANN, "chat": {"id": ANN["id"], "type": "private"}, "text": "my knee hurts"}},
                    {"callback_query": {"from": ANN, "message": {"chat": {"id": ANN["id"]}}, "data": "x"}},
                    {"message": {"from": BOB, "chat": {"id": BOB["id"], "type": "private"}, "text": "hello"}},
                ],
                start=900,
            ):
                chat = payload[next(iter(payload))]["from"]["id"]
                session.add(
                    Job(
                        kind=telegram_updates.KIND,
                        key=str(update_id),
                        lock_key=f"chat:{chat}",
                        payload=payload,
                        state="done",
                        finished_at=NOW,
                    )
                )

        ask = (await harness.ask(ANN, "/deleteme"))[0]
        # Bob cannot press Ann's delete button.
        forged = await harness.api.press_button(BOB, ask.message, ask.button("Delete everything")["callback_data"])
        assert (await harness.api.callback_answer(forged))["text"] == "This button has expired."
        await harness.api.press_button(ANN, ask.message, ask.button("Delete everything")["callback_data"])
        replies = await harness.api.drain(ANN["id"])
        done = replies[-1].text
        assert "your account and everything I held about you are deleted" in done
        assert "I couldn't reach whoop to revoke my access" in done
        assert revoked == [ann]
    finally:
        harness.ctx.revoke_tokens = None

    async with harness.sessions() as session:
        assert await session.get(User, ann) is None
        assert await session.get(User, bob) is not None
    for table in Base.metadata.sorted_tables:
        if "userId" in table.c:
            async with harness.sessions() as session:
                left = await session.scalar(select(func.count()).select_from(table).where(table.c.userId == ann))
            assert left == 0, table.name
    assert await _count(harness, Integration, bob) == 1
    assert await _count(harness, Workout, bob) > 100
    async with harness.sessions() as session:
        kept = (await session.scalars(select(Job.key).where(Job.kind == telegram_updates.KIND))).all()
    assert list(kept) == ["902"], "Ann's stored updates outlived her account"
    # Writing again starts afresh.
    assert "Hi Ann! I'm Coach Watts" in (await harness.ask(ANN, "/start"))[0].text
    assert await _user_id(harness, ANN["id"]) != ann


async def test_deleteme_without_revocation_hook_still_deletes(harness: Harness) -> None:
    await harness.ask(ANN, "/start")
    ann = await _user_id(harness, ANN["id"])
    ask = (await harness.ask(ANN, "/deleteme"))[0]
    await harness.api.press_button(ANN, ask.message, ask.button("Delete everything")["callback_data"])
    done = (await harness.api.drain(ANN["id"]))[-1].text
    assert "deleted" in done and "couldn't reach" not in done
    for model in (User, DialogState, CallbackAction):
        async with harness.sessions() as session:
            key = model.__table__.c.get("userId", model.__table__.c.get("id"))  # type: ignore[attr-defined]
            assert await session.scalar(select(func.count()).select_from(model).where(key == ann)) == 0


async def test_privacy_says_what_goes_where(harness: Harness) -> None:
    text = (await harness.ask(ANN, "/privacy"))[0].text
    assert "<b>What I store</b>" in text and "PostgreSQL" in text
    assert "Gemini" in text and "Never your name, e-mail, date of birth, tokens or Telegram ids" in text
    assert "/export" in text and "/deleteme" in text
