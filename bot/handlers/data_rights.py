"""/export, /deleteme and /privacy: the athlete's rights over their data."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction, ParseMode

from bot import buttons
from bot.context import AppContext, Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import profile as tp
from coach.i18n import t
from db.export import export_user
from db.models import CallbackAction
from db.repositories import actions, telegram_updates, users

logger = logging.getLogger(__name__)

DELETE = "account.delete"
KEEP = "account.keep"
CONFIRM_TTL = timedelta(minutes=10)
# Telegram refuses bot uploads over 50 MB.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


async def export(update: Update, context: Context) -> None:
    ctx = app_context(context)
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    now = ctx.clock()
    # REPEATABLE READ: every table is read from one snapshot, so the export is consistent.
    async with ctx.sessions() as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        user = await asking_user(session, update)
        result = await export_user(session, user_id=user.id, generated_at=now)
        await session.commit()
    if len(result.content) > MAX_UPLOAD_BYTES:
        await reply(update, tp.export_too_big(len(result.content) / 1024 / 1024))
        return
    filename = f"coach-watts-export-{now.date().isoformat()}.zip"
    await message.reply_document(
        InputFile(result.content, filename=filename),
        caption=tp.export_caption(result.tables, result.rows),
        filename=filename,
    )


async def deleteme(update: Update, context: Context) -> None:
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        row = [
            await buttons.issue(
                session, t(label), user_id=user.id, chat_id=chat.id, kind=kind, now=ctx.clock(), ttl=CONFIRM_TTL
            )
            for label, kind in ((tp.DELETE_BUTTON, DELETE), (tp.KEEP_BUTTON, KEEP))
        ]
    keyboard = InlineKeyboardMarkup([row])
    message = update.effective_message
    assert message is not None
    await message.reply_text(tp.delete_confirm(), parse_mode=ParseMode.HTML, reply_markup=keyboard)


async def _close(update: Update) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(reply_markup=None)


async def _revoke_everywhere(ctx: AppContext, user_id: str) -> list[str]:
    """Revoke every provider connection of the user; the names of those that could not be revoked.

    An explicit ``revoke_tokens`` hook wins; otherwise the provider connector disconnects each provider
    (revoking where the provider offers it, deleting the tokens in any case).
    """
    if ctx.revoke_tokens is not None:
        return await ctx.revoke_tokens(user_id)
    if ctx.connector is None:
        return []
    unrevoked = []
    for connection in await ctx.connector.connections(user_id=user_id):
        result = await ctx.connector.disconnect(user_id=user_id, provider=connection.provider)
        if result.was_connected and not result.revoked:
            unrevoked.append(result.label)
    return unrevoked


@buttons.on(DELETE)
async def confirm_delete(update: Update, context: Context, action: CallbackAction) -> None:
    """Revoke at the providers first (while the tokens still exist), then delete; the cascade does the rest."""
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    await _close(update)
    unrevoked: list[str] = []
    if ctx.revoke_tokens is not None:
        try:
            unrevoked = await ctx.revoke_tokens(action.user_id)
        except Exception:
            logger.warning("revoking provider tokens failed; deleting anyway", exc_info=True)
            unrevoked = [t("your connected services")]
    person = update.effective_user
    async with ctx.sessions.begin() as session:
        await users.delete(session, user_id=action.user_id)
        if person is not None:
            # Webhook mode keeps each update for redelivery checks; theirs go with the account.
            await telegram_updates.forget_person(session, telegram_user_id=person.id, chat_id=chat.id)
    logger.info("user deleted on request")
    await context.bot.send_message(chat.id, tp.deleted(unrevoked), parse_mode=ParseMode.HTML)


@buttons.on(KEEP)
async def keep_account(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    await _close(update)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=DELETE)
    await context.bot.send_message(chat.id, tp.delete_kept())


async def privacy(update: Update, context: Context) -> None:
    await reply(update, tp.privacy())
