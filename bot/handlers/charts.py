"""/fitness, /hrv, /curve and /planchart: a chart as a photo with its key numbers in the caption, or why not."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction, ParseMode

from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from bot.handlers.thresholds import offer_ftp
from bot.texts import reports as texts_reports
from coach import charts, curves, history, plan_chart
from coach.science import pmc


async def _send_photo(update: Update, png: bytes, caption: str) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_photo(photo=png, caption=caption, parse_mode=ParseMode.HTML)


async def _uploading(update: Update, context: Context) -> None:
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)


async def fitness(update: Update, context: Context) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        loads = await history.load_history(session, user, now=ctx.clock())
    series = history.fitness_series(loads)
    if series is None:
        await reply(update, texts_reports.no_fitness_data())
        return
    await _uploading(update, context)
    png = await asyncio.to_thread(charts.fitness_png, series)
    ramp = pmc.ramp_rate([d.ctl for d in loads.days])
    await _send_photo(update, png, texts_reports.fitness_caption(series, ramp))


async def hrv(update: Update, context: Context) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        recovery = await history.recovery_history(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
    if not any(v is not None for v in recovery.series.baseline_ms):
        await reply(update, texts_reports.no_hrv_data(recovery.mornings_with_hrv))
        return
    await _uploading(update, context)
    png = await asyncio.to_thread(charts.hrv_png, recovery.series)
    await _send_photo(update, png, texts_reports.hrv_caption(recovery.series))


async def curve(update: Update, context: Context) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        view = await curves.curve_view(session, user, now=ctx.clock())
    if not view.best:
        summary = history.CurveSummary(curve=view.floor, rides_with_power=view.sessions_without_curve, days=view.days)
        if not summary.curve.durations_s and summary.curve.peak_w is None:
            await reply(update, texts_reports.no_curve_data(summary.days))
            return
        await _uploading(update, context)
        png = await asyncio.to_thread(charts.power_curve_png, summary.curve)
        await _send_photo(update, png, texts_reports.curve_caption(summary))
        return
    await _uploading(update, context)
    png = await asyncio.to_thread(charts.power_curve_png, view.chart())
    await _send_photo(update, png, texts_reports.true_curve_caption(view))
    chat = update.effective_chat
    assert chat is not None
    await offer_ftp(context.bot, ctx.sessions, user_id=user.id, chat_id=chat.id, now=ctx.clock())


async def plan(update: Update, context: Context) -> None:
    """/planchart: the plan's projected fitness, fatigue and form to race day, with the actual lines over it."""
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        chart = await plan_chart.plan_chart(session, user, now=ctx.clock())
    if chart is None:
        await reply(update, texts_reports.no_plan_chart())
        return
    await _uploading(update, context)
    png = await asyncio.to_thread(charts.plan_png, chart.series)
    await _send_photo(update, png, texts_reports.plan_chart_caption(chart))
