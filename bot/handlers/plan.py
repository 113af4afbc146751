"""/plan: the training plan to the next A race — built on first use, then shown (phases, this week, next)."""

from __future__ import annotations

from telegram import Update

from bot import texts_plan
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from coach import plans


async def plan(update: Update, context: Context) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        view = await plans.show(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
    assert view is not None  # show builds a plan when there is none
    await reply(update, texts_plan.plan_view(view))
