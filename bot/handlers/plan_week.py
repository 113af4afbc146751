"""The weekly message's buttons: accept next week, or make it the rules' easier (recovery) week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import buttons
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import plan_week as texts_plan_week
from coach import plan_week
from coach.daily import local_today
from coach.i18n import t
from db.models import CallbackAction, User
from db.repositories import actions, users

WEEK = "plan.week"
# The message is sent Sunday evening; the choice makes sense until that week is under way.
BUTTON_TTL = timedelta(days=3)


async def keyboard(
    session: AsyncSession, user: User, *, chat_id: int, start: date, now: datetime
) -> InlineKeyboardMarkup:
    """Accept / easier for the week from Monday ``start`` (server-side buttons, this user and chat only)."""
    row = [
        await buttons.issue(
            session,
            t(label),
            user_id=user.id,
            chat_id=chat_id,
            kind=WEEK,
            now=now,
            ttl=BUTTON_TTL,
            payload={"week": start.isoformat(), "choice": choice},
        )
        for choice, label in (("accept", texts_plan_week.ACCEPT), ("easier", texts_plan_week.EASIER))
    ]
    return InlineKeyboardMarkup([row])


@buttons.on(WEEK)
async def on_week(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    start = date.fromisoformat(str(action.payload["week"]))
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=WEEK)
        user = await users.get(session, user_id=action.user_id)
        if user is None:
            return
        if action.payload["choice"] == "easier":
            today = local_today(user, ctx.clock())
            result = await plan_week.easier_week(session, user, start=start, today=today)
            week = await plan_week.week_view(session, user, start=start)
            if week is None or not result.changed:
                text = texts_plan_week.nothing_to_change()
            else:
                text = texts_plan_week.made_easier(week)
        else:
            text = texts_plan_week.accepted(await plan_week.week_view(session, user, start=start))
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.edit_message_reply_markup(None)
    await reply(update, text)


async def send_week_ahead(update: Update, context: Context) -> bool:
    """Next week's sessions with accept / easier buttons, when the athlete has a plan; whether it was sent."""
    ctx = app_context(context)
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        now = ctx.clock()
        start = plan_week.next_monday(local_today(user, now))
        week = await plan_week.week_view(session, user, start=start)
        if week is None:
            return False
        markup = await keyboard(session, user, chat_id=chat.id, start=start, now=now)
    await message.reply_text(texts_plan_week.weekly_message(week), parse_mode=ParseMode.HTML, reply_markup=markup)
    return True


async def next_week(update: Update, context: Context) -> None:
    """/nextweek: the weekly message on demand."""
    if not await send_week_ahead(update, context):
        await reply(update, texts_plan_week.no_plan())
