"""/today, /demo and free-text questions."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update
from telegram.constants import ChatAction

from bot import texts, texts_llm, texts_plan
from bot.context import AppContext, Context, app_context
from bot.handlers.common import asking_user, reply
from coach import demo, plans
from coach.daily import Assessment, assess_today
from coach.intent import Intent, classify
from coach.llm import answer as llm_answer
from coach.llm import daily
from coach.plans import TodayPlan
from db.repositories import notices

NEEDS_KEY = "needs_gemini_key"
GEMINI_DOWN = "gemini_down"


async def _notice(ctx: AppContext, user_id: str) -> str | None:
    """Say once that free-form answers need a key (or, once a day, that Gemini is down)."""
    kind, every = (NEEDS_KEY, None) if ctx.llm is None else (GEMINI_DOWN, timedelta(days=1))
    async with ctx.sessions.begin() as session:
        show = await notices.claim(session, user_id=user_id, kind=kind, now=ctx.clock(), every=every)
    if not show:
        return None
    return texts_llm.needs_key_notice() if ctx.llm is None else texts_llm.gemini_down_notice()


def _rules_answer(intent: Intent, assessment: Assessment, plan: TodayPlan | None) -> str:
    return texts_plan.today(assessment, plan) if intent is Intent.TODAY else texts.cannot_answer_yet()


async def _with_notice(ctx: AppContext, user_id: str, html: str) -> str:
    notice = await _notice(ctx, user_id)
    return f"{html}\n\n{notice}" if notice else html


async def today(update: Update, context: Context) -> None:
    """Today's suggestion: Gemini's structured one when it passes the checks, else the rules'; stored."""
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
        user_id = user.id
    if ctx.llm is not None:
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    suggestion = await daily.suggest_today(
        ctx.sessions, ctx.llm, user_id=user_id, assessment=assessment, now=ctx.clock()
    )
    chosen = daily.with_suggestion(assessment, suggestion)
    # Today's session follows the chosen action: Gemini may pick among the rules' options, never make one.
    async with ctx.sessions() as session:
        plan = await plans.today(session, user, assessment=chosen)
    html = texts_plan.today(chosen, plan)
    if ctx.llm is None or (suggestion is not None and not suggestion.from_model):
        html = await _with_notice(ctx, user_id, html)
    await reply(update, html)


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
    """Greetings and help from the rules; everything else to Gemini when there is a key, else the rules."""
    message = update.effective_message
    assert message is not None and message.text is not None
    intent = classify(message.text)
    if intent is Intent.GREETING:
        tg_user = update.effective_user
        await reply(update, texts.greeting(tg_user.first_name if tg_user else None))
        return
    if intent is Intent.HELP:
        await reply(update, texts.help_text())
        return
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
        plan = await plans.today(session, user, assessment=assessment)
        user_id = user.id
    if ctx.llm is None:
        await reply(update, await _with_notice(ctx, user_id, _rules_answer(intent, assessment, plan)))
        return
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_chat_action(chat.id, ChatAction.TYPING)
    result = await llm_answer.answer(
        ctx.llm, user_id=user_id, question=message.text, assessment=assessment, now=ctx.clock()
    )
    if result.outcome is llm_answer.Outcome.ANSWERED and result.text and not result.overridden:
        for html in texts_llm.answer(result.text, result.vetoes):
            await reply(update, html)
        if intent is Intent.TODAY and plan is not None:
            # The session and its targets in the rules' own words: the model explains, it does not prescribe.
            await reply(update, texts_plan.session_section(plan))
    elif result.outcome is llm_answer.Outcome.ANSWERED:  # overridden: the veto stands, in the rules' words
        await reply(update, texts_plan.today(assessment, plan))
    elif result.outcome is llm_answer.Outcome.BUDGET_SPENT:
        rules = f"\n\n{texts_plan.today(assessment, plan)}" if intent is Intent.TODAY else ""
        await reply(update, texts_llm.budget_spent() + rules)
    else:
        await reply(update, await _with_notice(ctx, user_id, _rules_answer(intent, assessment, plan)))
