"""The last line: log the traceback, tell the user something short and true, never echo the error.

An exception's text can hold a URL with the bot token or a provider token, so it never reaches a chat.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.context import Context

logger = logging.getLogger(__name__)


async def on_error(update: object | None, context: Context) -> None:
    logger.error("update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(update.effective_chat.id, texts.apology())
        except TelegramError:
            logger.warning("could not send the apology", exc_info=True)


async def not_private(update: Update, context: Context) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(texts.private_only())
