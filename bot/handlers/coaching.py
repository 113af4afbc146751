"""/today, /demo and free-text questions."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatAction

from bot import texts
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from coach import demo
from coach.daily import assess_today
from coach.intent import Intent, classify


async def today(update: Update, context: Context) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
    await reply(update, texts.today(assessment))


async def load_demo(update: Update, context: Context) -> None:
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        result = await demo.load(session, user, now=ctx.clock())
    await reply(update, texts.demo_loaded(result))


async def free_text(update: Update, context: Context) -> None:
    message = update.effective_message
    assert message is not None and message.text is not None
    intent = classify(message.text)
    if intent is Intent.TODAY:
        await today(update, context)
    elif intent is Intent.GREETING:
        user = update.effective_user
        await reply(update, texts.greeting(user.first_name if user else None))
    elif intent is Intent.HELP:
        await reply(update, texts.help_text())
    else:
        await reply(update, texts.cannot_answer_yet())
