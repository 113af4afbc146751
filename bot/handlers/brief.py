"""/brief: today's morning brief on demand, and ``/brief off|on|07:30``."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot import texts_brief
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from coach.brief import compose
from coach.profile import apply_setting
from db.errors import InvalidValue


async def brief(update: Update, context: Context) -> None:
    ctx = app_context(context)
    args = context.args or []
    message = update.effective_message
    assert message is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        if args:
            raw = " ".join(args)
            try:
                apply_setting(user, "brief", raw)
            except InvalidValue:
                text = texts_brief.brief_invalid(raw)
            else:
                await session.flush()
                text = texts_brief.brief_saved(user)
            await reply(update, text)
            return
        now = ctx.clock()
        today = await compose(session, user, now=now, band_sd=ctx.settings.hrv_band_sd)
        text = texts_brief.morning_brief(today) + "\n\n" + texts_brief.brief_status(user)
    await message.reply_text(text, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
