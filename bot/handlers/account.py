"""/start, /help and /settings."""

from __future__ import annotations

import logging

from telegram import Update

from bot import texts
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from coach.profile import apply_setting
from db.errors import InvalidValue
from db.repositories import users

logger = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """Link this Telegram user to an account, once; a deep-link payload (``/start <payload>``) is accepted."""
    ctx = app_context(context)
    tg_user, chat = update.effective_user, update.effective_chat
    assert tg_user is not None and chat is not None
    if context.args:
        logger.debug("start payload received (%d chars)", len(context.args[0]))
    async with ctx.sessions.begin() as session:
        result = await users.link_telegram_user(
            session, telegram_user_id=tg_user.id, chat_id=chat.id, name=tg_user.first_name
        )
    await reply(update, texts.welcome(tg_user.first_name, created=result.created))


async def help_command(update: Update, context: Context) -> None:
    await reply(update, texts.help_text())


async def settings(update: Update, context: Context) -> None:
    """``/settings`` shows; ``/settings <name> <value>`` changes one setting, or changes nothing."""
    ctx = app_context(context)
    args = context.args or []
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        if not args:
            await reply(update, texts.settings(user))
            return
        if len(args) < 2:
            await reply(update, texts.settings_usage())
            return
        try:
            spec = apply_setting(user, args[0], " ".join(args[1:]))
        except KeyError:
            await reply(update, texts.unknown_setting(args[0]))
            return
        except InvalidValue as err:
            await reply(update, texts.invalid_setting(err))
            return
        await session.flush()
        text = texts.setting_saved(spec.label, user)
    await reply(update, text)


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    command = (message.text or "").split()[0] if message is not None else ""
    await reply(update, texts.unknown_command(command))
