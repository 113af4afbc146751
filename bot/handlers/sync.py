"""/sync: bring every connection of the asking user up to date, with one progress message."""

from __future__ import annotations

from telegram import Update

from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import connect as texts_connect
from bot.texts import sync as texts_sync
from db.repositories import integrations


async def sync(update: Update, context: Context) -> None:
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    if ctx.syncs is None:
        await reply(update, texts_sync.not_set_up())
        return
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        rows = await integrations.list_for_user(session, user_id=user.id)
    if not rows:
        providers = ctx.connector.providers() if ctx.connector is not None else []
        await reply(update, texts_connect.nothing_connected([p.label for p in providers if p.available or p.api_key]))
        return
    # The run reports in its own message, edited as pages arrive; the handler returns at once.
    await ctx.syncs.start(user.id, chat.id)
