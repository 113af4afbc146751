"""Syncs started from the chat side: the first import after /connect, /sync, and syncs the brief asks for.

Each run reports into one chat message that is edited as pages arrive ("WHOOP: importing your last 90
days… 120 workouts, 60 nights so far") and ends with a summary. Edits are paced (Telegram limits edits of
one message), and the last one always goes out. Runs are background tasks of the bot's event loop; the
engine keeps them single-flight per connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from bot.texts import sync as texts_sync
from coach import i18n
from db.repositories import users
from integrations.sync.engine import Progress, SyncEngine, SyncResult

logger = logging.getLogger(__name__)

EDIT_EVERY_S = 1.5


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
    """Starts syncs in the background and reports them in the user's chat."""

    def __init__(self, engine: SyncEngine, bot: Bot, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.engine = engine
        self._bot = bot
        self._sessions = sessions
        self._tasks: set[asyncio.Task[list[SyncResult]]] = set()

    async def _chat_of(self, user_id: str) -> int | None:
        async with self._sessions() as session:
            user = await users.get(session, user_id=user_id)
        return user.telegram_chat_id if user is not None else None

    def start(
        self, user_id: str, chat_id: int | None, *, providers: Sequence[str] | None = None
    ) -> asyncio.Task[list[SyncResult]]:
        task = asyncio.create_task(self._run(user_id, chat_id, providers), name=f"sync-{user_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

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
        except Exception:
            logger.exception("sync for %s crashed", user_id)
            return []
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
        self.start(user_id, await self._chat_of(user_id), providers=[provider])

    async def request_sync(self, user_id: str) -> None:
        """The morning brief's hook: last night's data is missing, so pull it now (quietly)."""
        self.start(user_id, None)

    async def idle(self) -> None:
        """Wait for every running sync (tests, and a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)


async def _quiet(progress: Progress) -> None:
    return None
