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

A typed credential (``/connect intervals KEY``, or a pasted API key) is sealed with the token vault before
the update is stored, opened only to process it, and redacted from the row once processed
(`bot.typed_credentials`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot import typed_credentials
from db.repositories import telegram_updates
from integrations.vault import TokenVault

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
PATH = "/telegram"  # mounted under /webhooks by the HTTP app
WORKERS = 8
LEASE = timedelta(minutes=2)
SWEEP_EVERY_S = 60.0
SWEEP_BATCH = 100
# Telegram stops redelivering after 24 hours; keep a margin, then forget processed updates.
KEEP_PROCESSED = timedelta(days=2)
MAX_BODY_BYTES = 1024 * 1024


def _chat_key(payload: dict[str, Any]) -> int:
    """The chat an update belongs to, so one chat's updates stay in order; the update id otherwise."""
    for kind in ("message", "edited_message", "callback_query", "my_chat_member"):
        part = payload.get(kind)
        if isinstance(part, dict):
            chat = part.get("chat") or (part.get("message") or {}).get("chat") or part.get("from") or {}
            if isinstance(chat.get("id"), int):
                return int(chat["id"])
    return int(payload["update_id"])


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
    ) -> None:
        self._app = app
        # Seals typed credentials in stored updates (`bot.typed_credentials`); without it they are redacted.
        self._vault = vault
        self._sessions = sessions
        self._secret = secret.encode()
        self._clock = clock
        self._lease = lease
        self._sweep_every_s = sweep_every_s  # None: only explicit `sweep()` calls (tests that drive it)
        self._queues: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in range(workers)]
        self._tasks: list[asyncio.Task[None]] = []

    def route(self) -> Route:
        return Route(PATH, self._receive, methods=["POST"])

    # ----------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._work(q), name=f"telegram-webhook-{i}") for i, q in enumerate(self._queues)
        ]
        if self._sweep_every_s is not None:
            self._tasks.append(
                asyncio.create_task(self._sweep_forever(self._sweep_every_s), name="telegram-webhook-sweep")
            )

    async def idle(self) -> None:
        """Wait until every queued update has been processed (tests and a graceful stop)."""
        await asyncio.gather(*(q.join() for q in self._queues))

    async def stop(self) -> None:
        """Finish what is queued (bounded), then stop; anything left is finished by the next sweep."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), timeout=10)
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
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return Response(status_code=413)
        try:
            payload = json.loads(body)
            update_id = int(payload["update_id"])
        except (ValueError, TypeError, KeyError):
            return Response("expected a Telegram Update object", status_code=400)
        # A typed credential is sealed before the row is written: a dump of the inbox holds no API key.
        storable = typed_credentials.seal_update(payload, self._vault)
        async with self._sessions.begin() as session:
            new = await telegram_updates.store(session, update_id=update_id, payload=storable, now=self._clock())
        if new:
            self._queues[_chat_key(payload) % len(self._queues)].put_nowait(update_id)
        return Response(status_code=200)

    # ----------------------------------------------------------------- processing

    async def _work(self, queue: asyncio.Queue[int]) -> None:
        while True:
            update_id = await queue.get()
            try:
                await self.process(update_id)
            except Exception:  # one bad update must not stop the worker; the sweep retries it
                logger.exception("webhook update %s failed; it stays stored for the next sweep", update_id)
            finally:
                queue.task_done()

    async def process(self, update_id: int) -> bool:
        """Take and handle one stored update; False when it was done already or is someone else's."""
        async with self._sessions.begin() as session:
            payload = await telegram_updates.claim(session, update_id=update_id, now=self._clock(), lease=self._lease)
        if payload is None:
            return False
        try:
            update = Update.de_json(typed_credentials.open_update(payload, self._vault), self._app.bot)
            # Handler errors go to the application's error handler (an apology to the user) and do not raise.
            await self._app.process_update(update)
        except Exception:
            # Given back for the next sweep, or parked after its last attempt; the worker logs the traceback.
            async with self._sessions.begin() as session:
                parked = await telegram_updates.failed(session, update_id=update_id, now=self._clock())
            if parked:
                logger.warning("webhook update %s parked after its last attempt failed", update_id)
            raise
        # Once handled, even the sealed copy goes: the row keeps a note where the credential was.
        kept = typed_credentials.redact_update(payload) if typed_credentials.sealed_paths(payload) else None
        async with self._sessions.begin() as session:
            await telegram_updates.mark_processed(session, update_id=update_id, now=self._clock(), payload=kept)
        return True

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
