"""Webhook mode: Telegram POSTs updates to ``/webhooks/telegram``; each is stored before the 200.

Why store first: once Telegram has its 200 it never sends the update again, so an update held only in
memory dies with the process. Here the 200 goes out only after the row is committed; a crash later leaves
the row unprocessed, and the stranded-update sweep (every minute, in every process) finishes it. A
redelivery of an update we already hold (Telegram retries when our answer was slow or lost) hits the
primary key and is acknowledged without being answered again.

Requests must carry ``X-Telegram-Bot-Api-Secret-Token`` equal to ``TELEGRAM_WEBHOOK_SECRET`` (the
``secret_token`` given to ``setWebhook``); anything else is a 401 and nothing is stored. Updates of one chat
are processed in order by one worker (chats are spread over a few workers), so a conversation never
overtakes itself.

Handled updates are marked processed together, one statement every `MARK_EVERY_S` for all the updates
handled meanwhile, not one transaction each. An update joins the batch only once its handler has returned;
a crash before the batch is written leaves it taken but unmarked, and the sweep answers it again once its
lease is over, the same window as a crash between the reply and the mark (handlers are idempotent as far
as the database goes; the reply may go out twice). `idle` and `stop` write what is pending.

A typed credential (``/connect intervals KEY``, or a pasted API key) is sealed with the token vault before
the update is stored, opened only to process it, and redacted from the row once processed
(`bot.typed_credentials`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.ext import Application

from bot import metrics, typed_credentials
from bot.http.limits import read_body
from db import storable
from db.repositories import telegram_updates
from integrations.vault import TokenVault

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
PATH = "/telegram"  # mounted under /webhooks by the HTTP app
WORKERS = 8
LEASE = timedelta(minutes=2)
SWEEP_EVERY_S = 60.0
SWEEP_BATCH = 100
# How long handled updates wait to be marked processed together (far below the lease: a pending mark is
# never mistaken for a stranded update).
MARK_EVERY_S = 0.05
MARK_RETRY_S = 1.0  # after a failed write (the database restarting)
# Telegram stops redelivering after 24 hours; keep a margin, then forget processed updates.
KEEP_PROCESSED = timedelta(days=2)
# Telegram's largest update (a message with a 4096-character text, entities, a reply and a keyboard) is
# well under 1 MiB; the secret header is checked before any of the body is read.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class _Received:
    update_id: int
    payload: dict[str, Any]  # as stored (a typed credential sealed)
    update: Update  # as received (what the handlers read)


def _chat_key(update: Update) -> int:
    """The chat an update belongs to, so one chat's updates stay in order; the update id otherwise."""
    chat = update.effective_chat
    if chat is not None:
        return chat.id
    user = update.effective_user
    return user.id if user is not None else update.update_id


def _readable_update(body: bytes, bot: Bot) -> tuple[dict[str, Any], Update]:
    """The payload and the `Update` the workers will build from it; `NotStorable` when either fails.

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
        _chat_key(update)
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError, OSError) as err:
        # OverflowError/OSError: a ``date`` no calendar holds (datetime.fromtimestamp of 2**62).
        raise storable.NotStorable("the update does not have the shape of a Telegram Update") from err
    for chat in (update.effective_chat, update.effective_user):
        if chat is not None:
            storable.int64(chat.id, what="a chat or user id")
    return payload, update


class TelegramWebhook:
    """Receives, stores and processes webhook updates for one `Application`."""

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        sessions: async_sessionmaker[AsyncSession],
        *,
        secret: str,
        clock: Callable[[], datetime],
        workers: int = WORKERS,
        lease: timedelta = LEASE,
        sweep_every_s: float | None = SWEEP_EVERY_S,
        vault: TokenVault | None = None,
        mark_every_s: float = MARK_EVERY_S,
    ) -> None:
        self._app = app
        # Seals typed credentials in stored updates (`bot.typed_credentials`); without it they are redacted.
        self._vault = vault
        self._sessions = sessions
        # The inbox's single statements (storing an update, a batch of marks) run each on its own, committed
        # as they complete: one round trip instead of three (BEGIN, the statement, COMMIT), as durable.
        engine = sessions.kw["bind"]
        assert isinstance(engine, AsyncEngine)
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._secret = secret.encode()
        self._clock = clock
        self._lease = lease
        self._sweep_every_s = sweep_every_s  # None: only explicit `sweep()` calls (tests that drive it)
        # A received update goes to its chat's worker as it was stored (taken for its first attempt) and as
        # parsed, so the worker neither claims nor parses it again.
        self._queues: list[asyncio.Queue[_Received]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []
        # Handled updates not yet marked processed; written together by `_write_marks_forever`.
        self._mark_every_s = mark_every_s
        self._marks: list[int] = []
        self._marks_due = asyncio.Event()
        self._marks_lock = asyncio.Lock()  # one write at a time: a returned `write_marks` has written its own

    def route(self) -> Route:
        return Route(PATH, self._receive, methods=["POST"])

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"telegram-webhook-{i}") for i, q in enumerate(self._queues)
        ]
        self._tasks.append(asyncio.create_task(self._write_marks_forever(), name="telegram-webhook-marks"))
        if self._sweep_every_s is not None:
            self._tasks.append(
                asyncio.create_task(self._sweep_forever(self._sweep_every_s), name="telegram-webhook-sweep")
            )

    async def idle(self, *, write_marks: bool = True) -> None:
        """Wait until every queued update has been processed and, unless ``write_marks`` is False (a test
        stopping short of the write, as a crash would), marked so (tests and a graceful stop)."""
        await asyncio.gather(*(q.join() for q in self._queues))
        if write_marks:
            await self.write_marks()

    async def stop(self) -> None:
        """Finish what is queued (bounded), then stop; anything left is finished by the next sweep."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(write_marks=False), timeout=10)
        try:
            await self.write_marks()
        except Exception:  # the unmarked updates are answered again by a sweep once their lease is over
            logger.exception("could not mark %d handled webhook updates processed", len(self._marks))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    # ----------------------------------------------------------------- HTTP

    async def _receive(self, request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            logger.warning("webhook request refused: missing or wrong secret token")
            return Response(status_code=401)
        body = await read_body(request, max_bytes=MAX_BODY_BYTES)
        try:
            payload, update = _readable_update(body, self._app.bot)
        except storable.NotStorable as err:
            return Response(f"Expected a Telegram Update object: {err}.", status_code=400)
        update_id = update.update_id
        # A typed credential is sealed before the row is written: a dump of the inbox holds no API key.
        sealed = typed_credentials.seal_update(payload, self._vault)
        async with self._autocommit.connect() as conn:  # committed when it returns, before the 200
            new = await telegram_updates.store(conn, update_id=update_id, payload=sealed, now=self._clock(), taken=True)
        if new:
            self._queues[_chat_key(update) % len(self._queues)].put_nowait(_Received(update_id, sealed, update))
        return Response(status_code=200)

    # ----------------------------------------------------------------- processing

    async def _work(self, queue: asyncio.Queue[_Received]) -> None:
        while True:
            received = await queue.get()
            try:
                await self._handle(received.update_id, received.payload, received.update)
            except Exception:  # one bad update must not stop the worker; the sweep retries it
                logger.exception("webhook update %s failed; it stays stored for the next sweep", received.update_id)
            finally:
                queue.task_done()

    async def process(self, update_id: int) -> bool:
        """Take and handle one stored update; False when it was done already or is someone else's."""
        async with self._sessions.begin() as session:
            payload = await telegram_updates.claim(session, update_id=update_id, now=self._clock(), lease=self._lease)
        if payload is None:
            return False
        await self._handle(update_id, payload, None)
        return True

    async def _handle(self, update_id: int, payload: dict[str, Any], update: Update | None) -> None:
        """Handle an update this process has taken (``payload`` as stored; ``update`` when already parsed)."""
        try:
            if update is None:
                update = Update.de_json(typed_credentials.open_update(payload, self._vault), self._app.bot)
            # Handler errors go to the application's error handler (an apology to the user) and do not raise.
            async with metrics.observe_update(update):
                await self._app.process_update(update)
        except Exception:
            # Given back for the next sweep, or parked after its last attempt; the worker logs the traceback.
            async with self._sessions.begin() as session:
                parked = await telegram_updates.failed(session, update_id=update_id, now=self._clock())
            if parked:
                logger.warning("webhook update %s parked after its last attempt failed", update_id)
            raise
        if typed_credentials.sealed_paths(payload):
            # Once handled, even the sealed copy goes, at once: the row keeps a note where the credential was.
            kept = typed_credentials.redact_update(payload)
            async with self._sessions.begin() as session:
                await telegram_updates.mark_processed(session, update_id=update_id, now=self._clock(), payload=kept)
            return
        self._marks.append(update_id)
        self._marks_due.set()

    async def write_marks(self) -> None:
        """Mark the updates handled so far processed, in one statement; on failure they stay pending."""
        async with self._marks_lock:
            ids, self._marks = self._marks, []
            self._marks_due.clear()
            if not ids:
                return
            try:
                async with self._autocommit.connect() as conn:
                    await telegram_updates.mark_many_processed(conn, update_ids=ids, now=self._clock())
            except BaseException:
                self._marks[:0] = ids
                self._marks_due.set()
                raise

    async def _write_marks_forever(self) -> None:
        while True:
            await self._marks_due.wait()
            await asyncio.sleep(self._mark_every_s)  # the updates handled meanwhile go in the same statement
            try:
                await self.write_marks()
            except Exception:  # the database restarting: tried again next round, the marks kept
                logger.exception("could not mark %d handled webhook updates processed", len(self._marks))
                await asyncio.sleep(MARK_RETRY_S)

    async def sweep(self) -> int:
        """Process stranded updates (a crashed process's, or ones stored while no worker ran); returns how many."""
        async with self._sessions.begin() as session:
            for update_id in await telegram_updates.park_exhausted(session, now=self._clock(), lease=self._lease):
                logger.warning("webhook update %s parked: its last attempt never finished", update_id)
            ids = await telegram_updates.stranded(session, now=self._clock(), lease=self._lease, limit=SWEEP_BATCH)
            await telegram_updates.purge_processed(session, before=self._clock() - KEEP_PROCESSED)
        done = 0
        for update_id in ids:
            try:
                done += await self.process(update_id)
            except Exception:  # one failing update must not hold up the ones behind it
                logger.exception("webhook update %s failed; it is retried until its attempts run out", update_id)
        return done

    async def _sweep_forever(self, every_s: float) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # a failed sweep (database restarting) is retried next round
                logger.exception("stranded-update sweep failed")
            await asyncio.sleep(every_s)
