"""Helpers shared by handlers: who is asking, and replying in the one format we use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ParseMode

from db.models import User
from db.repositories import users


async def asking_user(session: AsyncSession, update: Update) -> User:
    """The user behind this update, linked on first contact.

    Identity comes only from the authenticated update's ``from`` and chat, never from message text.
    """
    tg_user = update.effective_user
    chat = update.effective_chat
    assert tg_user is not None and chat is not None  # handlers are registered for private messages only
    result = await users.link_telegram_user(
        session, telegram_user_id=tg_user.id, chat_id=chat.id, name=tg_user.first_name
    )
    return result.user


async def reply(update: Update, html: str) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(html, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
