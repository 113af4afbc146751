"""/races: the athlete's upcoming races, with buttons to change a race's priority or delete it.

Each button is a server-side action (`bot.buttons`) naming one race of the pressing user; the repository
looks the race up together with its owner, so a replayed or forged press can change nothing else. After a
change the list is shown again with fresh buttons, and the buttons of every older list expire.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import buttons
from bot.context import Context, app_context
from bot.handlers.common import asking_user
from bot.texts import races as texts_races
from coach import plans
from coach.daily import local_today
from db.models import CallbackAction, Race
from db.repositories import actions, races, users

PRIORITY = "race.priority"
DELETE = "race.delete"
BUTTON_TTL = timedelta(days=1)


async def _keyboard(
    session: AsyncSession, *, user_id: str, chat_id: int, listed: list[Race], now: datetime
) -> InlineKeyboardMarkup | None:
    await actions.revoke_many(session, user_ids=[user_id], kinds=[PRIORITY, DELETE])
    if not listed:
        return None
    specs = []
    for race in listed:
        specs += [actions.NewAction(user_id, chat_id, PRIORITY, {"race": race.id, "priority": p}) for p in "ABC"]
        specs.append(actions.NewAction(user_id, chat_id, DELETE, {"race": race.id}))
    ids = iter(await actions.issue_many(session, actions=specs, now=now, ttl=BUTTON_TTL))
    rows = []
    for number, race in enumerate(listed, 1):
        row = [buttons.button(texts_races.priority_button(race, p, number), next(ids)) for p in "ABC"]
        row.append(buttons.button(texts_races.delete_button(number), next(ids)))
        rows.append(row)
    return InlineKeyboardMarkup(rows)


async def _listing(
    session: AsyncSession, *, user_id: str, chat_id: int, today: date, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    listed = await races.upcoming(session, user_id=user_id, today=today)
    markup = await _keyboard(session, user_id=user_id, chat_id=chat_id, listed=listed, now=now)
    return texts_races.races_list(listed, today=today), markup


async def races_command(update: Update, context: Context) -> None:
    ctx = app_context(context)
    message = update.effective_message
    assert message is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        now = ctx.clock()
        text, markup = await _listing(
            session, user_id=user.id, chat_id=message.chat_id, today=local_today(user, now), now=now
        )
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _after_change(update: Update, context: Context, action: CallbackAction, *, delete: bool) -> None:
    ctx = app_context(context)
    query = update.callback_query
    assert query is not None
    race_id = str(action.payload["race"])
    async with ctx.sessions.begin() as session:
        user = await users.get(session, user_id=action.user_id)
        if user is None:
            return
        now = ctx.clock()
        if delete:
            changed = await races.remove(session, user_id=user.id, race_id=race_id)
            note = texts_races.race_deleted(changed) if changed else texts_races.race_gone()
        else:
            priority = str(action.payload["priority"])
            changed = await races.set_priority(session, user_id=user.id, race_id=race_id, priority=priority)
            note = texts_races.priority_changed(changed) if changed else texts_races.race_gone()
        if changed is not None:
            await plans.rebuild_if_active(session, user, now=now, band_sd=ctx.settings.hrv_band_sd)
        text, markup = await _listing(
            session, user_id=user.id, chat_id=action.chat_id, today=local_today(user, now), now=now
        )
    await query.edit_message_text(f"{note}\n\n{text}", parse_mode=ParseMode.HTML, reply_markup=markup)


@buttons.on(PRIORITY)
async def on_priority(update: Update, context: Context, action: CallbackAction) -> None:
    await _after_change(update, context, action, delete=False)


@buttons.on(DELETE)
async def on_delete(update: Update, context: Context, action: CallbackAction) -> None:
    await _after_change(update, context, action, delete=True)
