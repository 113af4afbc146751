"""The FTP offer: one message with the evidence and a one-tap update, and the tap itself.

`offer_ftp` is called after the athlete's data changes (a FIT file in the chat, a sync started from the chat)
and after /curve; `coach.ftp_offer` decides whether there is anything to say, and says it once per estimate.
The tap sets the FTP through the same path as ``/settings ftp`` (`coach.profile.apply_setting`, its validation
included); plan targets are fractions of FTP rendered when shown, so every future session follows.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import buttons, texts
from bot.context import Context, app_context
from bot.handlers.common import reply
from bot.texts import thresholds as texts_thresholds
from coach import ftp_offer
from coach.profile import apply_setting
from db.errors import InvalidValue
from db.models import CallbackAction, User

logger = logging.getLogger(__name__)

UPDATE_FTP = "ftp.update"
OFFER_TTL = timedelta(days=14)


async def offer_ftp(
    bot: Bot, sessions: async_sessionmaker[AsyncSession], *, user_id: str, chat_id: int, now: datetime
) -> bool:
    """Send the FTP offer when the data supports one not made before; returns whether it was sent.

    The notice is recorded before sending: a send that fails loses this offer rather than risk saying it twice.
    """
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        if user is None:
            return False
        offer = await ftp_offer.find_offer(session, user, now=now)
        if offer is None or not await ftp_offer.claim(session, user, offer, now=now):
            return False
        button = await buttons.issue(
            session,
            texts_thresholds.ftp_offer_button(offer.ftp_w),
            user_id=user_id,
            chat_id=chat_id,
            kind=UPDATE_FTP,
            now=now,
            ttl=OFFER_TTL,
            payload={"ftp_w": offer.ftp_w},
        )
    await bot.send_message(
        chat_id,
        texts_thresholds.ftp_offer(offer),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[button]]),
    )
    logger.info("FTP estimate offered")
    return True


@buttons.on(UPDATE_FTP)
async def update_ftp(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    watts = action.payload.get("ftp_w")
    async with ctx.sessions.begin() as session:
        user = await session.get(User, action.user_id)
        if user is None or not isinstance(watts, int):
            await reply(update, texts.button_expired())
            return
        try:
            async with session.begin_nested():
                apply_setting(user, "ftp", str(watts))
                await session.flush()
        except InvalidValue as err:
            text = texts.invalid_setting(err)
        else:
            text = texts_thresholds.ftp_updated(watts)
    await reply(update, text)
