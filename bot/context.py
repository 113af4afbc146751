"""What every handler needs, built once at start and stored in ``application.bot_data``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import CallbackContext, ExtBot

from bot.jobs.runner import JobRunner
from bot.settings import Settings
from bot.sync_chat import ChatSyncs
from coach.llm.service import CoachLlm
from coach.reports.content import Narrator
from db.engine import autocommit_sessionmaker
from integrations.connect import Connector

BOT_DATA_KEY = "coach"

# Revokes a user's provider tokens at the providers before /deleteme deletes the user; returns the names of
# the providers it could not reach (their tokens are deleted here all the same).
RevokeTokens = Callable[[str], Awaitable[list[str]]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class AppContext:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    # Injected so that tests (and the DST simulations) can run the bot at any instant.
    clock: Callable[[], datetime] = field(default=utc_now)
    # Provider connections (/connect, the OAuth callback, token refresh); None when not set up.
    connector: Connector | None = None
    # Provider syncs started from the chat (/sync, the first import after /connect); None when not set up.
    syncs: ChatSyncs | None = None
    # The Gemini coach; None without GEMINI_API_KEY (every answer then comes from the rules coach).
    llm: CoachLlm | None = None
    # Prose on top of the rules' reports (the Gemini coach); None: reports are the rules' alone.
    report_narrator: Narrator | None = None
    # Writes the plan to the athletes' Intervals.icu calendars (`bot.calendar_jobs.CalendarJobs`); None: not set up.
    calendar: CalendarWriting | None = None
    # Set by the provider connections when they exist; None means there is nothing to revoke remotely.
    revoke_tokens: RevokeTokens | None = None
    # This process's runner of the durable job queue (`bot.jobs.runner`); None where no job runs (some tests).
    jobs: JobRunner | None = None
    # Sessions whose every statement commits on its own (`db.engine.autocommit_engine`): for the reads and the
    # one-statement writes on the path of every message, which a transaction would cost two more round trips.
    autocommit: async_sessionmaker[AsyncSession] = field(init=False)

    def __post_init__(self) -> None:
        self.autocommit = autocommit_sessionmaker(self.sessions)


class CalendarWriting(Protocol):
    """What handlers need of the calendar job (kept abstract: `bot.calendar_jobs` imports the handlers' texts)."""

    async def run_user(self, user_id: str) -> Any: ...

    async def remove_written(self, user_id: str) -> int: ...


Context = CallbackContext[ExtBot[None], dict[object, object], dict[object, object], dict[object, object]]


def app_context(context: Context) -> AppContext:
    ctx = context.bot_data[BOT_DATA_KEY]
    assert isinstance(ctx, AppContext)
    return ctx
