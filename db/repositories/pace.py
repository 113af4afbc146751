"""The shared Telegram send pace's rows (`db.models.TelegramPace`): only their clean-up lives here; turns are
handed out by the SQL function ``cw_telegram_turn`` (`bot.ratelimit.SharedPace`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import TelegramPace

BOT_ROW = "*"


async def purge_idle(session: AsyncSession, *, before: datetime) -> int:
    """Delete the per-chat rows whose pace no longer holds anything back (their chat ids are personal data)."""
    result = await session.execute(delete(TelegramPace).where(TelegramPace.key != BOT_ROW, TelegramPace.tat < before))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
