"""/week, /race and /report: validate, queue the report as a job, and say so at once.

``/race`` also stores the race as a goal (`coach.races`) before its taper report starts; a race that cannot
be stored (the same name on the same day) gets one sentence and no report.
"""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot import report_jobs
from bot.context import Context, app_context
from bot.handlers import plan_week
from bot.handlers.common import asking_user, reply
from bot.texts import races as texts_races
from bot.texts import reports as texts_reports
from coach import plans, races
from coach.daily import local_today
from coach.reports import ReportType
from coach.reports.requests import RaceRequestError, parse_question, parse_race


async def _submit(update: Update, context: Context, type: ReportType, params: dict[str, Any]) -> bool:
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
    started = await report_jobs.submit(ctx, context.bot, user, chat_id=chat.id, type=type, params=params)
    if started is None:
        await reply(update, texts_reports.report_busy())
        return False
    return True


async def week(update: Update, context: Context) -> None:
    if await _submit(update, context, ReportType.WEEKLY_ANALYSIS, {}):
        await plan_week.send_week_ahead(update, context)  # the weekly message comes with the report


async def race(update: Update, context: Context) -> None:
    ctx = app_context(context)
    args = context.args or []
    if not args:
        await reply(update, texts_reports.race_usage())
        return
    saved = None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        today = local_today(user, ctx.clock())
        try:
            request = parse_race(args, today=today)
            race = await races.add(session, user, request)
        except RaceRequestError as err:
            text = texts_reports.race_error(err)
        except races.RaceExists as err:
            text = texts_races.race_exists(err)
        else:
            await plans.rebuild_if_active(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
            text, saved = texts_races.race_saved(race), request
    await reply(update, text)
    if saved is not None:
        await _submit(update, context, ReportType.RACE_PREP, {"race": saved.to_json()})


async def report(update: Update, context: Context) -> None:
    question = parse_question(context.args or [])
    if question is None:
        await reply(update, texts_reports.report_usage())
        return
    await _submit(update, context, ReportType.CUSTOM, {"question": question})
