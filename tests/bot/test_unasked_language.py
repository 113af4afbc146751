"""Messages no update asked for — a sync's progress started by a provider's redirect — speak the athlete's
language (the sync texts are translated: their German is checked here word for word)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.jobs.runner import JobRunner
from bot.sync_chat import ChatSyncs
from coach import i18n
from db.repositories import users
from integrations.sync.engine import NOT_CONNECTED, Progress, SyncResult


class _Bot:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> Any:
        self.sent.append((chat_id, text))
        return type("Message", (), {"message_id": len(self.sent)})()


class _Engine:
    """A sync that finds the connection gone (its message is short and translated)."""

    async def sync_user(self, user_id: str, *, providers: Any, progress: Any) -> list[SyncResult]:
        await progress(Progress("whoop", "WHOOP", days=2, backfill=False, done=True, status=NOT_CONNECTED))
        return []


async def _athlete(sessions: async_sessionmaker[AsyncSession], telegram_id: int, language: str | None) -> str:
    async with sessions.begin() as session:
        link = await users.link_telegram_user(
            session, telegram_user_id=telegram_id, chat_id=telegram_id, name="A", language_code=language
        )
        return link.user.id


async def test_a_sync_started_outside_an_update_reports_in_the_athletes_language(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    bot = _Bot()
    syncs = ChatSyncs(_Engine(), bot, sessions, JobRunner(sessions, clock=lambda: datetime.now(UTC)))  # type: ignore[arg-type]
    german, english = await _athlete(sessions, 301, "de"), await _athlete(sessions, 302, None)
    await syncs.after_connect(german, "whoop")  # the OAuth callback's hook: no update, no language set
    await syncs.after_connect(english, "whoop")
    await syncs.idle()
    assert dict(bot.sent) == {
        301: "<b>WHOOP</b>: nicht mehr verbunden.",
        302: "<b>WHOOP</b>: not connected any more.",
    }
    assert i18n.current() == i18n.DEFAULT
