"""Syncs started from the chat side: the first import after /connect, /sync, and syncs the brief asks for.

Each run reports into one chat message that is edited as pages arrive ("WHOOP: importing your last 90
days… 120 workouts, 60 nights so far") and ends with a summary. Edits are paced (Telegram limits edits of
one message), and the last one always goes out.

A run is a job on the job queue (`KIND`, one per request, locked per athlete): queued where it is asked
for and taken at once by this process's runner, or by another process if this one stops — a sync that a
crash interrupted is run again (syncing is idempotent), with a new progress message. The engine keeps
each connection single-flight, also against the daily re-pull.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.jobs.runner import JobRunner, Kind
from bot.texts import sync as texts_sync
from coach import i18n
from db.repositories import jobs, users
from db.repositories.jobs import NewJob, Taken
from integrations.sync.engine import Progress, SyncEngine, SyncResult

logger = logging.getLogger(__name__)

EDIT_EVERY_S = 1.5
KIND = "sync.chat"


class ChatProgress:
    """One progress message in one chat, for one or several connections of a user."""

    def __init__(
        self, bot: Bot, chat_id: int, *, every_s: float = EDIT_EVERY_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._every_s = every_s
        self._clock = clock
        self._states: dict[str, Progress] = {}
        self._message_id: int | None = None
        self._shown = ""
        self._last = -1e9
        self._lock = asyncio.Lock()

    def expect(self, progress: Progress) -> None:
        self._states.setdefault(progress.provider, progress)

    async def update(self, progress: Progress) -> None:
        self._states[progress.provider] = replace(progress)
        await self._show(final=False)

    async def finish(self) -> None:
        await self._show(final=True)

    async def _show(self, *, final: bool) -> None:
        async with self._lock:
            text = texts_sync.progress(list(self._states.values()))
            if text == self._shown:
                return
            if not final and self._message_id is not None and self._clock() - self._last < self._every_s:
                return
            try:
                if self._message_id is None:
                    sent = await self._bot.send_message(self._chat_id, text, parse_mode=ParseMode.HTML)
                    self._message_id = sent.message_id
                else:
                    await self._bot.edit_message_text(
                        text, chat_id=self._chat_id, message_id=self._message_id, parse_mode=ParseMode.HTML
                    )
            except BadRequest as err:
                if "not modified" not in str(err).lower():
                    logger.warning("sync progress message not updated: %s", err)
            except TelegramError:
                logger.warning("sync progress message not sent", exc_info=True)
                return
            self._shown, self._last = text, self._clock()


class ChatSyncs:
    """Queues syncs on the job queue and reports them in the user's chat."""

    def __init__(
        self, engine: SyncEngine, bot: Bot, sessions: async_sessionmaker[AsyncSession], runner: JobRunner
    ) -> None:
        self.engine = engine
        self._bot = bot
        self._sessions = sessions
        self.runner = runner
        runner.register(
            Kind(
                KIND,
                self._job,
                max_attempts=3,
                first_retry=timedelta(minutes=1),
                lease=timedelta(minutes=10),
                concurrency=3,  # a backfill takes minutes: keep slots for reports and calendar writes
            )
        )

    async def _chat_of(self, user_id: str) -> int | None:
        async with self._sessions() as session:
            user = await users.get(session, user_id=user_id)
        return user.telegram_chat_id if user is not None else None

    async def start(self, user_id: str, chat_id: int | None, *, providers: Sequence[str] | None = None) -> None:
        """Queue a sync of the user's connections (``providers``: only those), reported in ``chat_id`` if given."""
        payload = {"user_id": user_id, "chat_id": chat_id, "providers": list(providers) if providers else None}
        job = NewJob(KIND, uuid.uuid4().hex, payload=payload, lock_key=jobs.user_lock(user_id), max_attempts=3)
        await self.runner.enqueue([job])

    async def _job(self, job: Taken) -> None:
        payload = job.payload
        await self._run(payload["user_id"], payload.get("chat_id"), payload.get("providers"))

    async def _run(self, user_id: str, chat_id: int | None, providers: Sequence[str] | None) -> list[SyncResult]:
        # Started by a provider's redirect as often as by an update: the progress speaks the athlete's language.
        async with self._sessions() as session:
            user = await users.get(session, user_id=user_id)
        with i18n.speaking_to(user) if user is not None else contextlib.nullcontext():
            return await self._sync(user_id, chat_id, providers)

    async def _sync(self, user_id: str, chat_id: int | None, providers: Sequence[str] | None) -> list[SyncResult]:
        reporter = ChatProgress(self._bot, chat_id) if chat_id is not None else None
        try:
            results = await self.engine.sync_user(
                user_id, providers=providers, progress=reporter.update if reporter else _quiet
            )
        finally:
            if reporter is not None:
                await reporter.finish()
        if chat_id is not None and any(r.workouts for r in results):
            # New workouts can move the curve: the FTP offer, when the data now supports one. Imported here:
            # the offer's button needs `bot.context`, which builds this module's `ChatSyncs`.
            from bot.handlers.thresholds import offer_ftp

            await offer_ftp(self._bot, self._sessions, user_id=user_id, chat_id=chat_id, now=self.engine.clock())
        return results

    async def after_connect(self, user_id: str, provider: str) -> None:
        """The connect hook: the first import starts at once, reported in the user's chat."""
        await self.start(user_id, await self._chat_of(user_id), providers=[provider])

    async def request_sync(self, user_id: str) -> None:
        """The morning brief's hook: last night's data is missing, so pull it now (quietly)."""
        await self.start(user_id, None)

    async def idle(self) -> None:
        """Run every queued job now, in this process, until none is due (tests, one-shot commands)."""
        await self.runner.run_due()

    async def stop(self) -> None:
        """Nothing of its own to stop: the runner gives running syncs back when it stops."""


async def _quiet(progress: Progress) -> None:
    return None
