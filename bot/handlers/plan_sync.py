"""/plan sync and /plan stop: the next fortnight to the Intervals.icu calendar after a preview, and stopping it.

The preview lists exactly what the calendar job will write (`coach.calendar_events.planned_events`); its one
button turns the sync on and runs the athlete's job at once. From then on the job keeps the calendar in step.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import buttons
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import calendar as texts_calendar
from coach import calendar_events
from coach.daily import local_today
from coach.i18n import t
from db.models import CallbackAction, User
from db.repositories import actions, calendar_sync, integrations, users
from integrations.errors import ProviderAuthError, ProviderError

logger = logging.getLogger(__name__)

PROVIDER = "intervals"
OFFER = "calendar.offer"
CONFIRM = "calendar.confirm"
REMOVE = "calendar.remove"
BUTTON_TTL = timedelta(days=2)


async def _connected(session: AsyncSession, user: User) -> str | None:
    """None when Intervals.icu can be written to, else the sentence that says why not."""
    row = await integrations.get(session, user_id=user.id, provider=PROVIDER)
    if row is None:
        return texts_calendar.not_connected()
    if integrations.auth_lost(row):
        return texts_calendar.needs_reconnect()
    return None


async def offer_button(
    session: AsyncSession, user: User, *, chat_id: int, context: Context
) -> InlineKeyboardMarkup | None:
    """The "Send the next 14 days to Intervals.icu" button under /plan, for an athlete with it connected."""
    if await _connected(session, user) is not None:
        return None
    ctx = app_context(context)
    button = await buttons.issue(
        session, texts_calendar.offer(), user_id=user.id, chat_id=chat_id, kind=OFFER, now=ctx.clock(), ttl=BUTTON_TTL
    )
    return InlineKeyboardMarkup([[button]])


async def send_preview(update: Update, context: Context, user_id: str | None = None) -> None:
    """The preview of the fortnight, with the one button that writes it."""
    ctx = app_context(context)
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    markup = None
    async with ctx.sessions.begin() as session:
        user = await users.get(session, user_id=user_id) if user_id else await asking_user(session, update)
        assert user is not None
        refusal = await _connected(session, user)
        if refusal is None:
            today = local_today(user, ctx.clock())
            first, last = calendar_events.window(today)
            events = await calendar_events.planned_events(session, user, today=today)
            text = texts_calendar.preview(events, first=first, last=last)
            if events:
                button = await buttons.issue(
                    session,
                    t(texts_calendar.CONFIRM),
                    user_id=user.id,
                    chat_id=chat.id,
                    kind=CONFIRM,
                    now=ctx.clock(),
                    ttl=BUTTON_TTL,
                )
                markup = InlineKeyboardMarkup([[button]])
    if refusal is not None:
        await reply(update, refusal)
        return
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def stop(update: Update, context: Context) -> None:
    """/plan stop: no more writes; a button offers to remove what was written."""
    ctx = app_context(context)
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        was_on = await calendar_sync.turn_off(session, user_id=user.id, now=ctx.clock())
        markup = None
        if was_on:
            row = [
                await buttons.issue(
                    session,
                    t(label),
                    user_id=user.id,
                    chat_id=chat.id,
                    kind=REMOVE,
                    now=ctx.clock(),
                    ttl=BUTTON_TTL,
                    payload={"remove": remove},
                )
                for label, remove in ((texts_calendar.REMOVE, True), (texts_calendar.KEEP, False))
            ]
            markup = InlineKeyboardMarkup([row])
    await message.reply_text(texts_calendar.stopped(was_on), parse_mode=ParseMode.HTML, reply_markup=markup)


@buttons.on(OFFER)
async def on_offer(update: Update, context: Context, action: CallbackAction) -> None:
    await send_preview(update, context, user_id=action.user_id)


@buttons.on(CONFIRM)
async def on_confirm(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=CONFIRM)
        await calendar_sync.turn_on(session, user_id=action.user_id, now=ctx.clock())
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    written: int | None = None
    if ctx.calendar is not None:
        outcome = await ctx.calendar.run_user(action.user_id)
        if outcome is not None and outcome.changes is None:
            await reply(update, texts_calendar.write_failed())
            return
        if outcome is not None:
            written = len(outcome.changes.created) + len(outcome.changes.updated) + len(outcome.changes.unchanged)
    await reply(update, texts_calendar.confirmed(written))


@buttons.on(REMOVE)
async def on_remove(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=REMOVE)
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    if not action.payload.get("remove") or ctx.calendar is None:
        await reply(update, texts_calendar.kept())
        return
    try:
        count = await ctx.calendar.remove_written(action.user_id)
    except ProviderAuthError:
        await reply(update, texts_calendar.needs_reconnect())
        return
    except ProviderError:
        logger.warning("removing the calendar events of user %s failed", action.user_id, exc_info=True)
        await reply(update, texts_calendar.remove_failed())
        return
    await reply(update, texts_calendar.removed(count))
