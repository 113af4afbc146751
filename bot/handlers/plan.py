"""/plan: the training plan to the next A race — built on first use, then shown (phases, this week, next).

``/plan sync`` and ``/plan stop`` (the Intervals.icu calendar) are answered by `bot.handlers.plan_sync`.
"""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.context import Context, app_context
from bot.handlers import plan_sync, workouts
from bot.handlers.common import asking_user, reply
from bot.texts import calendar as texts_calendar
from bot.texts import plan as texts_plan
from coach import plans


async def plan(update: Update, context: Context) -> None:
    words = [w.lower() for w in context.args or []]
    if words == ["sync"]:
        await plan_sync.send_preview(update, context)
        return
    if words == ["stop"]:
        await plan_sync.stop(update, context)
        return
    if words:
        await reply(update, texts_calendar.usage())
        return
    ctx = app_context(context)
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        view = await plans.show(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
        markup = await plan_sync.offer_button(session, user, chat_id=chat.id, context=context)
        assert view is not None  # show builds a plan when there is none
        # A download button for every day of this week still ahead that has a session (FIT; /workout for others).
        days = [s.day for s in view.weeks[0].sessions if s.day >= view.today] if view.weeks else []
        files = await workouts.day_buttons(session, user_id=user.id, chat_id=chat.id, days=days, now=ctx.clock())
    if files:
        rows = [files[i : i + 4] for i in range(0, len(files), 4)]
        markup = InlineKeyboardMarkup([*rows, *(markup.inline_keyboard if markup is not None else ())])
    await message.reply_text(
        texts_plan.plan_view(view), parse_mode=ParseMode.HTML, disable_web_page_preview=True, reply_markup=markup
    )
