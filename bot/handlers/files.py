"""Documents sent in chat: a ``.fit`` activity is imported and answered with its numbers and impact."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import BadRequest

from bot.context import Context, app_context
from bot.fit_import import import_fit
from bot.handlers.common import asking_user, reply
from bot.handlers.thresholds import offer_ftp
from bot.texts import fit as texts_fit
from integrations.fit import MAX_FIT_BYTES, FitImportError, FitTooLarge

logger = logging.getLogger(__name__)


async def document(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.document is not None
    doc = message.document
    if not (doc.file_name or "").lower().endswith(".fit"):
        await reply(update, texts_fit.not_a_fit_file(doc.file_name))
        return
    if doc.file_size is not None and doc.file_size > MAX_FIT_BYTES:
        await reply(update, texts_fit.fit_refused(FitTooLarge(doc.file_size, MAX_FIT_BYTES).said()))
        return
    await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    try:
        telegram_file = await doc.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
    except BadRequest as err:
        # The cloud Bot API serves files up to 20 MB; a self-hosted Bot API server has no such limit.
        if "too big" in err.message.lower():
            await reply(update, texts_fit.fit_too_big_for_telegram())
            return
        raise
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
    try:
        results = await import_fit(ctx.sessions, data, user=user)
    except FitImportError as err:
        logger.info("FIT file refused: %s", type(err).__name__)
        await reply(update, texts_fit.fit_refused(err.said()))
        return
    tz = ZoneInfo(user.timezone)
    await reply(update, texts_fit.fit_file_imported(results, tz=tz))
    # A new ride can move the curve: the FTP offer, when the data now supports one (`coach.ftp_offer`).
    await offer_ftp(context.bot, ctx.sessions, user_id=user.id, chat_id=message.chat_id, now=ctx.clock())
