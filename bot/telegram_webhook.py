"""Webhook mode: Telegram POSTs updates to ``/webhooks/telegram``; each is stored before the 200.

Why store first: once Telegram has its 200 it never sends the update again, so an update held only in
memory dies with the process. Each update is stored as a job of the queue (`db.repositories.telegram_updates`:
kind ``telegram.update``, keyed by its update id, locked by its chat) and the 200 goes out only after that
row is committed. A redelivery of an update we already hold (Telegram retries when our answer was slow or
lost) finds its key and is acknowledged without being answered again.

One statement stores an update (`jobs.arrive`): **running** for this process when nothing of its chat waits and
nothing of it runs in another process — it is handled at once from memory, with no take, by the worker of its
chat (a chat always maps to the same one of a few workers, so this process's own updates of a chat follow each
other) — else **queued** behind them, for whichever process's job runner is free once they end. So one chat's
updates are handled one at a time and in order across every process, while chats go side by side. The job runner
(`bot.jobs.runner`) gives every update the queue's policy: a lease kept alive while the handler runs, retries
with backoff, the dead letter after `MAX_ATTEMPTS` (logged, counted, listed by ``coach-watts jobs``), and a dead
process's updates taken again by the sweep. Ends are written in batches (`Kind.batch_done`): a crash after the
reply went out but before that write answers the update again once its lease is over — the one window in which
an update can be answered twice; marking before processing would silently drop it instead.

Requests must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to ``TELEGRAM_WEBHOOK_SECRET`` (the
``secret_token`` given to ``setWebhook``); anything else is a 401 and nothing is stored.

A typed credential (``/connect intervals KEY``, or a pasted API key) is sealed with the token vault before
the update is stored, opened only to process it, and redacted from the job once processed
(`bot.typed_credentials`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hmac
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.ext import Application

from bot import metrics, typed_credentials
from bot.http.limits import read_body
from bot.jobs.runner import JobRunner, Kind, Taken, cancel_and_wait
from db import storable
from db.repositories import jobs, telegram_updates
from db.repositories.telegram_updates import KIND, MAX_ATTEMPTS
from integrations.vault import TokenVault

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
PATH = "/telegram"  # mounted under /webhooks by the HTTP app
# Updates of this process handled at once (chats side by side; a chat's own are one at a time). An update spends
# most of its time waiting (about ten database round trips and a Bot API call, each behind the event loop's other
# work), so at 8 the waits bounded the rate (96 updates/s with the CPU a third idle, bench/webhook.py); at 16
# the CPU does (111–112/s). Each holds at most one pooled connection while it runs (`DATABASE_POOL_SIZE`).
WORKERS = 16
LEASE = timedelta(minutes=2)  # kept alive by the runner while a handler runs; a dead process's come back after it
FIRST_RETRY = timedelta(seconds=10)
LAST_RETRY = timedelta(minutes=5)
STOP_WAIT_S = 10.0  # a graceful stop finishes what it holds for this long; the rest goes back to the queue
# Telegram's largest update (a message with a 4096-character text, entities, a reply and a keyboard) is
# well under 1 MiB; the secret header is checked before any of the body is read.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Received:
    job: Taken  # as stored, running for this process (its payload with a typed credential sealed)
    update: Update  # as received (what the handlers read)


def _chat_key(update: Update) -> int:
    """The chat an update belongs to, so one chat's updates stay in order; the update id otherwise."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else update.update_id


def _readable_update(body: bytes, bot: Bot) -> tuple[dict[str, Any], Update, int]:
    """The payload, the `Update` the workers will build from it and its chat key; `NotStorable` when any fails.

    Checked before storing, so a stored row can always be processed: what PostgreSQL refuses (NUL, lone
    surrogates, non-finite numbers, integers past 64 bits) and what python-telegram-bot cannot read (a
    ``chat`` that is not an object) are refused here with 400, not found out after the commit.
    """
    payload = storable.parse(body)
    if not isinstance(payload, dict):
        raise storable.NotStorable("an update is a JSON object")
    storable.int64(payload.get("update_id"), what="update_id", minimum=0)
    try:
        update = Update.de_json(payload, bot)
        chat_key = _chat_key(update)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, OSError) as err:
        # OverflowError/OSError: a ``date`` no calendar holds (datetime.fromtimestamp of 2**62).
        raise storable.NotStorable("the update does not have the shape of a Telegram Update") from err
    for chat in (update.effective_chat, update.effective_user):
        if chat is not None:
            storable.int64(chat.id, what="a chat or user id")
    return payload, update, chat_key


class TelegramWebhook:
    """Receives and stores webhook updates for one `Application`; handles them on the job queue of ``runner``."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        runner: JobRunner,
        *,
        secret: str,
        workers: int = WORKERS,
        vault: TokenVault | None = None,
    ) -> None:
        self._app = app
        self._runner = runner
        # Seals typed credentials in stored updates (`bot.typed_credentials`); without it they are redacted.
        self._vault = vault
        self._sessions = runner.sessions
        self._secret = secret.encode()
        self._clock = runner.clock
        # Updates stored running for this process, handled from memory (no take, no parse) by their chat's worker.
        self._queues: list[asyncio.Queue[_Received]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False  # from `stop` on, updates are stored queued: another process takes them
        runner.register(
            Kind(
                KIND,
                self._handle,
                max_attempts=MAX_ATTEMPTS,
                first_retry=FIRST_RETRY,
                last_retry=LAST_RETRY,
                lease=LEASE,
                batch_done=True,
            )
        )

    def route(self) -> Route:
        return Route(PATH, self._receive, methods=["POST"])

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._stopping = False
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"telegram-webhook-{i}") for i, q in enumerate(self._queues)
        ]

    async def idle(self, *, write_marks: bool = True) -> None:
        """Wait until every update stored so far has been handled and, unless ``write_marks`` is False (a test
        stopping short of the write, as a crash would), its end written (tests, the benchmark, a stop). Updates
        queued behind their chat are run here through the job runner."""
        while True:
            await self._joined()
            if not write_marks:
                return
            await self._runner.flush_done()
            if not await self._waiting():
                return
            if not await self._runner.run_due():
                await asyncio.sleep(0.01)  # the chat's running update is another process's: let it end

    async def _joined(self) -> None:
        await asyncio.gather(*(q.join() for q in self._queues))

    async def _waiting(self) -> int:
        """Updates queued and due (behind their chat's running one)."""
        async with self._sessions() as session:
            depths = await jobs.depths(session, now=self._clock())
        return sum(d.due for d in depths if d.kind == KIND)

    async def stop(self) -> None:
        """Store what still arrives queued, finish what is in hand (bounded), write the ends, then stop; what is
        left goes back to the queue when the job runner stops (or after its lease)."""
        self._stopping = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._joined(), timeout=STOP_WAIT_S)
        try:
            await self._runner.flush_done()
        except Exception:  # the updates run again once their lease is over
            logger.exception("could not record the handled webhook updates")
        await cancel_and_wait(*self._tasks)  # a handler cut short is the runner's to give back, when it stops
        self._tasks = []
        # Updates stored running for this process whose turn had not come: for any process now, not after a lease.
        unstarted: list[int] = []
        for queue in self._queues:
            while not queue.empty():
                unstarted.append(queue.get_nowait().job.id)
                queue.task_done()
        await self._runner.give_back(unstarted)

    # ----------------------------------------------------------------- HTTP

    async def _receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            logger.warning("webhook request refused: missing or wrong secret token")
            return Response(status_code=401)
        body = await read_body(request, max_bytes=MAX_BODY_BYTES)
        try:
            payload, update, chat_key = _readable_update(body, self._app.bot)
        except storable.NotStorable as err:
            return Response(f"Expected a Telegram Update object: {err}.", status_code=400)
        # A typed credential is sealed before the row is written: a dump of the queue holds no API key.
        sealed = typed_credentials.seal_update(payload, self._vault)
        job = telegram_updates.new_job(update_id=update.update_id, chat_key=chat_key, payload=sealed)
        owner = None if self._stopping or not self._tasks else self._runner.owner
        # One statement, committed as it completes (one round trip, not three), before the 200.
        async with self._runner.autocommit.connect() as conn:
            stored = await jobs.arrive(conn, job, now=self._clock(), owner=owner, lease=LEASE)
        if stored is not None and stored.state == jobs.RUNNING:
            taken = Taken(stored.id, job.kind, job.key, sealed, job.lock_key, 1, job.max_attempts)
            # Its lease is kept alive from now, not from when its turn comes: behind a slow update of its chat it
            # may wait longer than a lease, and another process's sweep must not take it meanwhile.
            self._runner.leases.hold(stored.id, LEASE)
            self._queues[chat_key % len(self._queues)].put_nowait(_Received(taken, update))
        elif stored is not None:
            self._runner.queued_behind()
        return Response(status_code=200)

    # ----------------------------------------------------------------- processing

    async def _work(self, queue: asyncio.Queue[_Received]) -> None:
        while True:
            received = await queue.get()
            try:
                handler = functools.partial(self._handle, update=received.update)
                await self._runner.run_held(received.job, handler)  # a failure is the runner's: retried, or dead
            except Exception:
                logger.exception("webhook update %s could not be run", received.job.key)
            finally:
                queue.task_done()

    async def _handle(self, job: Taken, update: Update | None = None) -> None:
        """Handle one update (``job.payload`` as stored; ``update`` when parsed already, on arrival)."""
        if update is None:
            update = Update.de_json(typed_credentials.open_update(job.payload, self._vault), self._app.bot)
        # Handler errors go to the application's error handler (an apology to the user) and do not raise.
        async with metrics.observe_update(update):
            await self._app.process_update(update)
        if typed_credentials.sealed_paths(job.payload):
            # Once handled, even the sealed copy goes, at once: the job keeps a note where the credential was.
            async with self._sessions.begin() as session:
                await jobs.set_payload(session, job_id=job.id, payload=typed_credentials.redact_update(job.payload))
