"""Webhook mode end to end: the real Application behind our Starlette endpoint, replying via the local Bot API.

Updates are jobs of the queue (`telegram.update`); the tests drive the job runner themselves (``run_due``) and
its clock, so a crash is a runner that stops short and a lease running out is the clock moving on.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from telegram import Update
from telegram.ext import Application, TypeHandler

from bot.app import build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.context import AppContext, Context
from bot.jobs.runner import JobRunner
from bot.settings import Settings
from bot.telegram_webhook import LEASE, SECRET_HEADER, TelegramWebhook
from db.models import Job
from db.repositories import dialogs, jobs, telegram_updates, users
from db.repositories.telegram_updates import KIND, MAX_ATTEMPTS
from tests.bot.conftest import NOW, TOKEN

SECRET = "s3cret_token-for-tests"
ANN = LocalBotApi.user(4242, "Ann")
BOB = LocalBotApi.user(4343, "Bob")
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


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Hook:
    api: LocalBotApi
    app: Application  # type: ignore[type-arg]
    runner: JobRunner
    receiver: TelegramWebhook
    http: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock

    async def post(self, body: object, *, secret: str | None = SECRET) -> int:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        response = await self.http.post("/webhooks/telegram", json=body, headers=headers)
        return response.status_code

    async def stored(self) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(Job).where(Job.kind == KIND)) or 0

    async def job(self, update_id: int) -> Job:
        async with self.sessions() as session:
            row = await jobs.get(session, kind=KIND, key=str(update_id))
            assert row is not None
            return row

    async def dialog_step(self) -> str | None:
        """The step of the question open for ANN, if any."""
        async with self.sessions() as session:
            user = await users.get_by_telegram_id(session, telegram_user_id=ANN["id"])
            assert user is not None
            state = await dialogs.current(session, user_id=user.id, now=self.clock())
            return state.step if state is not None else None

    def another_process(self) -> tuple[JobRunner, TelegramWebhook]:
        """A second process on the same database: its own runner (another owner) and receiver."""
        runner = JobRunner(self.sessions, clock=self.clock)
        return runner, TelegramWebhook(self.app, runner, secret=SECRET)


def _hold_first(hook: Hook) -> tuple[asyncio.Event, asyncio.Event]:
    """A message "first" is held in its handler once started, until released: (started, release)."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(update: Update, context: Context) -> None:
        if update.message is not None and update.message.text == "first":
            started.set()
            await release.wait()

    hook.app.add_handler(TypeHandler(Update, slow), group=-100)
    return started, release


async def _note(handled: list[str], update: Update) -> None:
    handled.append(update.message.text if update.message is not None and update.message.text else "")


def _welcomes(hook: Hook) -> int:
    return sum("I'm Coach Watts" in sent.text for sent in hook.api.replies(ANN["id"]))


@pytest.fixture
async def hook(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Hook]:
    api = LocalBotApi(TOKEN)
    clock = Clock()
    ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=clock)  # type: ignore[call-arg]
    async with BackgroundServer(api.asgi()) as bot_api:
        app = build_application(
            ctx, token=TOKEN, base_url=f"{bot_api.url}/bot", base_file_url=f"{bot_api.url}/file/bot", polling=False
        )
        async with app:
            await app.start()
            # The runner is not started: the tests run it (`run_due`, `idle`), so nothing races them.
            runner = JobRunner(sessions, clock=clock)
            receiver = TelegramWebhook(app, runner, secret=SECRET)
            web = Starlette(routes=[Mount("/webhooks", routes=[receiver.route()])])
            async with BackgroundServer(web) as server, httpx.AsyncClient(base_url=server.url) as http:
                await receiver.start()
                try:
                    yield Hook(api, app, runner, receiver, http, sessions, clock)
                finally:
                    await receiver.stop()
                    async with sessions.begin() as session:  # the shared test database as it was
                        await session.execute(Job.__table__.delete().where(Job.kind == KIND))
            await app.stop()


async def test_an_update_is_stored_acknowledged_and_answered(hook: Hook) -> None:
    update = _update("/start")
    assert await hook.post(update) == 200
    reply = await hook.api.next_reply(ANN["id"])
    assert "Coach Watts" in reply.text
    await hook.receiver.idle()
    job = await hook.job(update["update_id"])
    assert (job.state, job.attempts, job.lock_key, job.finished_at) == ("done", 1, f"chat:{ANN['id']}", NOW)
    assert job.payload == update


async def test_an_update_is_marked_done_only_once_its_handler_has_finished(hook: Hook) -> None:
    """Ends are written in batches; one written while a handler still runs must leave its update out."""
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(update: object, context: Context) -> None:
        started.set()
        await release.wait()

    hook.app.add_handler(TypeHandler(Update, slow), group=-100)
    done, held = _update("/help"), _update("/help", user=BOB)
    release.set()  # the first one goes through
    assert await hook.post(done) == 200
    await hook.receiver.idle()
    release.clear()
    started.clear()
    assert await hook.post(held) == 200
    await started.wait()
    await hook.runner.flush_done()  # a batch written while the second update's handler is still running
    assert (await hook.job(done["update_id"])).state == "done"
    assert (await hook.job(held["update_id"])).state == "running"
    release.set()
    await hook.receiver.idle()
    assert (await hook.job(held["update_id"])).state == "done"


async def test_an_update_handled_but_not_yet_marked_when_the_process_dies_is_answered_again(hook: Hook) -> None:
    update = _update("/help")
    assert await hook.post(update) == 200
    await hook.receiver.idle(write_marks=False)  # handled and answered; the process dies before the write
    assert len(hook.api.replies(ANN["id"])) == 1
    job = await hook.job(update["update_id"])
    assert (job.state, job.attempts, job.owner) == ("running", 1, hook.runner.owner)
    # Another process, once the dead one's lease is over, takes it again: answered a second time, not lost.
    hook.clock.now = NOW + LEASE + timedelta(seconds=1)
    successor, _ = hook.another_process()
    assert await successor.run_due() == 1
    job = await hook.job(update["update_id"])
    assert (job.state, job.attempts, job.owner) == ("done", 2, successor.owner)
    assert len(hook.api.replies(ANN["id"])) == 2
    await hook.runner.flush_done()  # the dead process's batch, had it been written late, changes nothing
    assert (await hook.job(update["update_id"])).owner == successor.owner


async def test_an_update_waiting_behind_its_chat_keeps_its_lease_and_is_answered_once(hook: Hook) -> None:
    """A chat's next update waits in this process's memory behind a slow one for longer than a lease: the
    process's beat keeps its lease alive too, so no other process's sweep takes it (and answers it again)."""
    started, release = _hold_first(hook)
    assert await hook.post(_update("first")) == 200
    await started.wait()
    waiting = _update("/help")
    assert await hook.post(waiting) == 200
    job = await hook.job(waiting["update_id"])
    assert (job.state, job.owner) == ("running", hook.runner.owner)  # this process's, in memory behind "first"
    hook.clock.now = NOW + LEASE - timedelta(seconds=10)
    await hook.runner.leases.beat()  # the beat this living process makes every third of a lease
    hook.clock.now = NOW + LEASE + timedelta(seconds=30)  # past the lease the update got when it arrived
    successor, _ = hook.another_process()
    assert await successor.run_due() == 0  # nothing of a living process to take
    release.set()
    await hook.receiver.idle()
    assert (await hook.job(waiting["update_id"])).state == "done"
    assert sum("/today" in sent.text for sent in hook.api.replies(ANN["id"])) == 1  # /help, answered once


async def test_a_stop_gives_back_at_once_the_updates_whose_turn_had_not_come(
    hook: Hook, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = _hold_first(hook)
    monkeypatch.setattr("bot.telegram_webhook.STOP_WAIT_S", 0.05)  # "first" outlasts the stop's patience
    assert await hook.post(_update("first")) == 200
    await started.wait()
    waiting = _update("/help")
    assert await hook.post(waiting) == 200
    await hook.receiver.stop()
    job = await hook.job(waiting["update_id"])
    assert (job.state, job.owner, job.attempts) == ("queued", None, 0)  # for any process, now, not in 2 minutes
    assert job.id not in hook.runner.leases
    await hook.runner.stop()  # as `coach-watts run` stops: the receiver, then the runner ("first" given back)
    release.set()
    successor, _ = hook.another_process()
    handled: list[str] = []
    hook.app.add_handler(TypeHandler(Update, lambda u, c: _note(handled, u)), group=-101)
    assert await successor.run_due() == 2  # both, one after the other, by the next process, at once
    assert handled == ["first", "/help"]
    assert sum("/today" in sent.text for sent in hook.api.replies(ANN["id"])) == 1  # /help, answered once
    await successor.flush_done()
    assert (await hook.job(waiting["update_id"])).state == "done"
    await hook.receiver.start()


async def test_one_chat_is_answered_in_order_one_update_at_a_time_across_processes(hook: Hook) -> None:
    """Two processes receive one chat's updates alternately while the first is still being handled: each
    waits for the one before it, whichever process holds it, and the chats beside it are not held up."""
    release, bob_done = asyncio.Event(), asyncio.Event()
    handled: list[str] = []
    running: set[int] = set()
    overlaps: list[int] = []

    async def slow(update: Update, context: Context) -> None:
        chat = update.effective_chat.id if update.effective_chat else 0
        if chat in running:
            overlaps.append(chat)
        running.add(chat)
        try:
            if update.message is not None and update.message.text == "first":
                await release.wait()
            handled.append(f"{chat}:{update.message.text if update.message else ''}")
            if chat == BOB["id"]:
                bob_done.set()
        finally:
            running.discard(chat)

    hook.app.add_handler(TypeHandler(Update, slow), group=-100)
    other_runner, other = hook.another_process()
    web = Starlette(routes=[Mount("/webhooks", routes=[other.route()])])
    async with BackgroundServer(web) as server, httpx.AsyncClient(base_url=server.url) as other_http:
        await other.start()
        try:
            assert await hook.post(_update("first")) == 200  # running here, held by `release`
            for n, target in enumerate([other_http, hook.http, other_http]):
                response = await target.post(
                    "/webhooks/telegram", json=_update(f"next-{n}"), headers={SECRET_HEADER: SECRET}
                )
                assert response.status_code == 200
            assert await hook.post(_update("bob", user=BOB)) == 200  # another chat: not held up
            await bob_done.wait()
            assert handled == [f"{BOB['id']}:bob"]
            async with hook.sessions() as session:
                states = (
                    await session.scalars(
                        select(Job.state).where(Job.kind == KIND, Job.lock_key == f"chat:{ANN['id']}").order_by(Job.id)
                    )
                ).all()
            assert states == ["running", "queued", "queued", "queued"]
            release.set()
            await hook.receiver.idle()
            await other.idle()
        finally:
            await other.stop()
            await other_runner.stop()
    ann = [h.split(":", 1)[1] for h in handled if h.startswith(f"{ANN['id']}:")]
    assert ann == ["first", "next-0", "next-1", "next-2"]
    assert overlaps == []


async def test_an_update_arriving_while_the_process_stops_is_left_queued_for_another(hook: Hook) -> None:
    await hook.receiver.stop()
    update = _update("/help")
    assert await hook.post(update) == 200
    assert (await hook.job(update["update_id"])).state == "queued"
    assert hook.api.replies(ANN["id"]) == []
    successor, _ = hook.another_process()
    assert await successor.run_due() == 1
    assert "/today" in (await hook.api.next_reply(ANN["id"])).text
    await hook.receiver.start()


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


@pytest.mark.parametrize(
    ("text", "transactions"), [("hi", 0), ("what can you do?", 0), ("how should I train today?", 1)]
)
async def test_a_message_that_answers_no_question_opens_no_transaction_to_find_out(
    hook: Hook, text: str, transactions: int
) -> None:
    """The setup's question is open, and these are not answers: one statement (the athlete and their question)
    tells, with no BEGIN and COMMIT around it; only the coach's reading of today's form needs a transaction."""
    assert await hook.post(_update("/start")) == 200  # a new athlete: the setup's first question is open
    await hook.receiver.idle()
    asked = await hook.dialog_step()
    assert asked is not None
    statements: list[str] = []
    begun: set[int] = set()
    used: set[int] = set()  # the transactions (BEGIN … COMMIT) the handler ran statements in

    def on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            begun.add(id(conn))

    def on_end(conn: Connection) -> None:
        begun.discard(id(conn))

    def on_statement(conn: Connection, cursor: object, statement: str, *args: object) -> None:
        if '"Job"' in statement or "cw_job_arrive" in statement or "cw_telegram_turn" in statement:
            return  # storing the update, writing its end, the bot-wide pace of sends: counted elsewhere
        statements.append(statement)
        if id(conn) in begun:
            used.add(id(conn))
            begun.discard(id(conn))  # one count per transaction

    engine = hook.sessions.kw["bind"].sync_engine
    listeners = [("begin", on_begin), ("commit", on_end), ("rollback", on_end), ("before_cursor_execute", on_statement)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        assert await hook.post(_update(text)) == 200
        await hook.receiver.idle()
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)
    assert 'LEFT OUTER JOIN "DialogState"' in statements[0]  # the athlete and the open question, in one
    if transactions == 0:
        assert len(statements) == 1
    assert len(used) == transactions
    assert hook.api.replies(ANN["id"])[-1].text  # and it was answered, not taken as the setup's answer
    assert await hook.dialog_step() == asked


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
        await jobs.arrive(
            session,
            telegram_updates.new_job(update_id=update["update_id"], chat_key=ANN["id"], payload=update),
            now=NOW - timedelta(minutes=5),
            owner="a-process-that-died",
            lease=LEASE,
        )
    assert await hook.runner.run_due() == 1  # the sweep gives it back, the runner answers it
    assert "Coach Watts" in (await hook.api.next_reply(ANN["id"])).text
    assert await hook.runner.run_due() == 0
    assert await hook.post(update) == 200  # Telegram retrying it changes nothing
    await hook.receiver.idle()
    assert _welcomes(hook) == 1  # /start answers once: one welcome (and its first setup question)


async def test_an_update_that_always_fails_is_dead_after_its_last_attempt_and_counted(
    hook: Hook, caplog: pytest.LogCaptureFixture
) -> None:
    """An update whose processing raises every time (here one the Update parser cannot read) is tried
    `MAX_ATTEMPTS` times with backoff, then dead: never taken again, logged at WARNING and listed; the updates
    of other chats are answered meanwhile."""
    broken = {"update_id": 777, "message": {"message_id": 1, "date": int(NOW.timestamp()), "chat": "x"}}
    fine = _update("/start")
    async with hook.sessions.begin() as session:
        for update, chat in ((broken, 1), (fine, ANN["id"])):
            await jobs.arrive(
                session,
                telegram_updates.new_job(update_id=update["update_id"], chat_key=chat, payload=update),
                now=NOW - timedelta(minutes=5),
                owner=None,
                lease=LEASE,
            )
    answered = []
    for _ in range(MAX_ATTEMPTS + 2):
        answered.append(await hook.runner.run_due())
        hook.clock.now += timedelta(hours=1)  # past any backoff
    assert answered == [2] + [1] * (MAX_ATTEMPTS - 1) + [0] * 2  # /start answered at once beside the broken one
    assert "Coach Watts" in (await hook.api.next_reply(ANN["id"])).text
    job = await hook.job(777)
    assert (job.state, job.attempts) == ("dead", MAX_ATTEMPTS)
    dead = [r for r in caplog.records if r.levelname == "WARNING" and "telegram.update 777 is dead" in r.getMessage()]
    assert len(dead) == 1


async def test_an_update_whose_process_died_on_every_attempt_is_dead_after_the_last(hook: Hook) -> None:
    """Attempts are counted when an update is taken, so one that kills its process goes dead too."""
    update = _update("/start")
    async with hook.sessions.begin() as session:
        await jobs.arrive(
            session,
            telegram_updates.new_job(update_id=update["update_id"], chat_key=ANN["id"], payload=update),
            now=NOW - timedelta(hours=1),
            owner=None,
            lease=LEASE,
        )
    for n in range(MAX_ATTEMPTS):  # each take's process died: its lease ran out
        taken_at = NOW - timedelta(minutes=50) + n * (LEASE + timedelta(seconds=1))
        async with hook.sessions.begin() as session:
            await jobs.sweep(session, now=taken_at)
            assert await jobs.take(session, owner=f"doomed-{n}", now=taken_at, lease=LEASE, limit=1, kinds=[KIND])
    assert await hook.runner.run_due() == 0
    assert hook.api.replies(ANN["id"]) == []
    assert (await hook.job(update["update_id"])).state == "dead"


async def test_finished_updates_are_forgotten_after_two_days_and_on_deleteme(hook: Hook) -> None:
    mine, bobs = _update("/help"), _update("/help", user=BOB)
    for update in (mine, bobs):
        assert await hook.post(update) == 200
    await hook.receiver.idle()
    async with hook.sessions.begin() as session:
        assert await telegram_updates.forget_person(session, telegram_user_id=ANN["id"], chat_id=ANN["id"]) == 1
        assert await telegram_updates.purge(session, before=NOW) == 0
        assert await telegram_updates.purge(session, before=NOW + telegram_updates.KEEP) == 1
    assert await hook.stored() == 0
