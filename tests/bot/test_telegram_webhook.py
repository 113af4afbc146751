"""Webhook mode end to end: the real Application behind our Starlette endpoint, replying via the local Bot API."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.app import build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.context import AppContext, Context
from bot.settings import Settings
from bot.telegram_webhook import LEASE, MARK_EVERY_S, SECRET_HEADER, TelegramWebhook
from db.models import TelegramUpdate
from db.repositories import inbox, telegram_updates
from tests.bot.conftest import NOW, TOKEN

SECRET = "s3cret_token-for-tests"
ANN = LocalBotApi.user(4242, "Ann")
_ids = itertools.count(1000)


def _update(text: str, user: dict[str, Any] = ANN, update_id: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": next(_ids),
        "date": int(NOW.timestamp()),
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
        "from": user,
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": update_id if update_id is not None else next(_ids), "message": message}


@dataclass
class Hook:
    api: LocalBotApi
    app: Application  # type: ignore[type-arg]
    receiver: TelegramWebhook
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]

    async def post(self, body: object, *, secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.http.post("/webhooks/telegram", json=body, headers=headers)
        return response.status_code

    async def stored(self) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(TelegramUpdate)) or 0


def _welcomes(hook: Hook) -> int:
    return sum("I'm Coach Watts" in sent.text for sent in hook.api.replies(ANN["id"]))


@pytest.fixture
def mark_every_s() -> float:
    """How often the receiver writes its processed marks (a test parametrizes it to hold them back)."""
    return MARK_EVERY_S


async def _processed_at(hook: Hook, update_id: int) -> object:
    async with hook.sessions() as session:
        row = await session.get(TelegramUpdate, update_id)
        assert row is not None
        return row.processed_at


@pytest.fixture
async def hook(sessions: async_sessionmaker[AsyncSession], mark_every_s: float) -> AsyncIterator[Hook]:
    api = LocalBotApi(TOKEN)
    ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=lambda: NOW)  # type: ignore[call-arg]
    async with BackgroundServer(api.asgi()) as bot_api:
        app = build_application(
            ctx, token=TOKEN, base_url=f"{bot_api.url}/bot", base_file_url=f"{bot_api.url}/file/bot", polling=False
        )
        async with app:
            await app.start()
            # The tests drive the stranded-update sweep themselves; a background one would race them.
            receiver = TelegramWebhook(
                app, sessions, secret=SECRET, clock=lambda: NOW, sweep_every_s=None, mark_every_s=mark_every_s
            )
            web = Starlette(routes=[Mount("/webhooks", routes=[receiver.route()])])
            async with BackgroundServer(web) as server, httpx.AsyncClient(base_url=server.url) as http:
                await receiver.start()
                try:
                    yield Hook(api=api, app=app, receiver=receiver, http=http, sessions=sessions)
                finally:
                    await receiver.stop()
            await app.stop()


async def test_an_update_is_stored_acknowledged_and_answered(hook: Hook) -> None:
    assert await hook.post(_update("/start")) == 200
    reply = await hook.api.next_reply(ANN["id"])
    assert "Coach Watts" in reply.text
    await hook.receiver.idle()
    async with hook.sessions() as session:
        row = (await session.scalars(select(TelegramUpdate))).one()
        assert row.processed_at is not None


async def test_an_update_is_marked_processed_only_once_its_handler_has_finished(hook: Hook) -> None:
    """Marks are written in batches; one written while a handler still runs must leave its update out."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(update: object, context: Context) -> None:
        started.set()
        await release.wait()

    hook.app.add_handler(TypeHandler(Update, slow), group=-100)
    done, held = _update("/help"), _update("/help", user=LocalBotApi.user(4343, "Bob"))
    release.set()  # the first one goes through
    assert await hook.post(done) == 200
    await hook.receiver.idle()
    release.clear()
    started.clear()
    assert await hook.post(held) == 200
    await started.wait()
    await hook.receiver.write_marks()  # a batch written while the second update's handler is still running
    assert await _processed_at(hook, done["update_id"]) == NOW
    assert await _processed_at(hook, held["update_id"]) is None
    release.set()
    await hook.receiver.idle()
    assert await _processed_at(hook, held["update_id"]) == NOW


@pytest.mark.parametrize("mark_every_s", [3600.0])  # no batch is written before the "crash"
async def test_an_update_handled_but_not_yet_marked_when_the_process_dies_is_answered_by_the_sweep(
    hook: Hook,
) -> None:
    update = _update("/help")
    assert await hook.post(update) == 200
    await hook.receiver.idle(write_marks=False)  # handled and answered; the process dies before the write
    assert len(hook.api.replies(ANN["id"])) == 1
    async with hook.sessions() as session:
        row = await session.get(TelegramUpdate, update["update_id"])
        assert row is not None and row.processed_at is None and row.claimed_at == NOW and row.attempts == 1
    # Another process, once the dead one's lease is over, takes it again: answered a second time, not lost.
    later = NOW + LEASE + timedelta(seconds=1)
    successor = TelegramWebhook(hook.app, hook.sessions, secret=SECRET, clock=lambda: later, sweep_every_s=None)
    assert await successor.sweep() == 1
    await successor.write_marks()
    assert await _processed_at(hook, update["update_id"]) == later
    assert len(hook.api.replies(ANN["id"])) == 2
    await hook.receiver.write_marks()  # the dead process's batch, had it been written late, changes nothing
    assert await _processed_at(hook, update["update_id"]) == later


@pytest.mark.parametrize("text", ["/start", "how should I train today?", "thanks"])
async def test_an_update_reads_its_athlete_once(hook: Hook, text: str) -> None:
    """The language step or the dialog check reads the athlete; the handler after it takes that, not a new read."""
    assert await hook.post(_update("/start")) == 200
    await hook.receiver.idle()
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if 'FROM "User" JOIN "Account"' in statement:
            reads.append(statement)

    engine = hook.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await hook.post(_update(text)) == 200
        await hook.receiver.idle()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 1
    assert hook.api.replies(ANN["id"])[-1].text  # and it was answered


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_requests_without_the_secret_are_refused_and_store_nothing(hook: Hook, secret: str | None) -> None:
    assert await hook.post(_update("/start"), secret=secret) == 401
    assert await hook.stored() == 0
    assert hook.api.replies(ANN["id"]) == []


@pytest.mark.parametrize("body", [{"message": {}}, {"update_id": "x"}, [1, 2], "hello"])
async def test_a_body_that_is_not_an_update_is_refused(hook: Hook, body: object) -> None:
    assert await hook.post(body) == 400
    assert await hook.stored() == 0


async def test_redeliveries_are_answered_once(hook: Hook) -> None:
    update = _update("/start")
    assert [await hook.post(update) for _ in range(3)] == [200, 200, 200]
    await hook.receiver.idle()
    assert _welcomes(hook) == 1  # /start answers once: one welcome (and its first setup question)
    assert await hook.stored() == 1


async def test_an_update_stranded_by_a_crash_is_answered_by_the_sweep(hook: Hook) -> None:
    # The process committed the update and sent the 200, then died before processing it.
    update = _update("/start")
    async with hook.sessions.begin() as session:
        await telegram_updates.store(
            session, update_id=update["update_id"], payload=update, now=NOW - timedelta(minutes=5)
        )
    assert await hook.receiver.sweep() == 1
    assert "Coach Watts" in (await hook.api.next_reply(ANN["id"])).text
    assert await hook.receiver.sweep() == 0
    assert await hook.post(update) == 200  # Telegram retrying it changes nothing
    await hook.receiver.idle()
    assert _welcomes(hook) == 1  # /start answers once: one welcome (and its first setup question)


async def test_a_live_claim_is_left_alone_and_a_dead_one_is_taken(hook: Hook) -> None:
    live, dead = _update("/start"), _update("/help")
    async with hook.sessions.begin() as session:
        for update in (live, dead):
            await telegram_updates.store(
                session, update_id=update["update_id"], payload=update, now=NOW - timedelta(minutes=10)
            )
        lease = timedelta(minutes=2)
        assert await telegram_updates.claim(session, update_id=live["update_id"], now=NOW, lease=lease)
        assert await telegram_updates.claim(
            session, update_id=dead["update_id"], now=NOW - timedelta(minutes=3), lease=lease
        )
    assert await hook.receiver.sweep() == 1
    reply = await hook.api.next_reply(ANN["id"])
    assert "/today" in reply.text  # the help text answered the dead worker's /help; /start stays with its worker


async def test_an_update_that_always_fails_is_parked_after_its_last_attempt_and_counted(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    """An update whose processing raises every time (here one the Update parser cannot read) is tried
    `inbox.MAX_ATTEMPTS` times, then parked: never taken again, logged at WARNING and counted; the sweep
    goes on to the updates behind it."""
    broken = {"update_id": 777, "message": {"message_id": 1, "date": int(NOW.timestamp()), "chat": "x"}}
    fine = _update("/start")
    async with hook.sessions.begin() as session:
        for update in (broken, fine):
            await telegram_updates.store(
                session, update_id=update["update_id"], payload=update, now=NOW - timedelta(minutes=5)
            )
    answered = [await hook.receiver.sweep() for _ in range(inbox.MAX_ATTEMPTS + 2)]
    assert answered == [1] + [0] * (inbox.MAX_ATTEMPTS + 1)  # /start answered despite the broken one
    assert "Coach Watts" in (await hook.api.next_reply(ANN["id"])).text
    async with hook.sessions() as session:
        row = await session.get(TelegramUpdate, 777)
        assert row is not None
        assert row.attempts == inbox.MAX_ATTEMPTS and row.parked_at is not None and row.processed_at is not None
        assert await inbox.parked_count(session, telegram_updates.INBOX) == 1
        later = NOW + timedelta(hours=1)
        assert await telegram_updates.claim(session, update_id=777, now=later, lease=timedelta(0)) is None
    parked = [r for r in caplog.records if r.levelname == "WARNING" and "777 parked" in r.getMessage()]
    assert len(parked) == 1


async def test_an_update_whose_process_died_on_every_attempt_is_parked_by_the_sweep(hook: Hook) -> None:
    """Attempts are counted when an update is taken, so one that kills its worker is parked too."""
    update = _update("/start")
    lease = timedelta(minutes=2)
    async with hook.sessions.begin() as session:
        await telegram_updates.store(
            session, update_id=update["update_id"], payload=update, now=NOW - timedelta(hours=1)
        )
        for n in range(inbox.MAX_ATTEMPTS):  # each take's worker died: its lease ran out
            taken_at = NOW - timedelta(minutes=50) + n * (lease + timedelta(seconds=1))
            assert await telegram_updates.claim(session, update_id=update["update_id"], now=taken_at, lease=lease)
    assert await hook.receiver.sweep() == 0
    assert hook.api.replies(ANN["id"]) == []
    async with hook.sessions() as session:
        row = await session.get(TelegramUpdate, update["update_id"])
        assert row is not None and row.parked_at is not None
