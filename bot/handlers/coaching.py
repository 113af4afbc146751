"""/today, /demo and free-text questions."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode

from bot import texts
from bot.context import AppContext, Context, app_context
from bot.handlers import workouts as workouts_handlers
from bot.handlers.common import asking_user, remembered_user, reply
from bot.texts import llm as texts_llm
from bot.texts import plan as texts_plan
from bot.texts import plan_week as texts_plan_week
from coach import demo, plan_adapt, plan_ahead, plans
from coach.daily import Assessment, assess_today, local_today
from coach.intent import Intent, classify, days_asked, very
from coach.llm import answer as llm_answer
from coach.llm import daily
from coach.plan_ahead import Ahead
from coach.plans import PlanView, TodayPlan
from db.models import Race, User
from db.repositories import checkins, notices, races

NEEDS_KEY = "needs_gemini_key"
GEMINI_DOWN = "gemini_down"


async def _notice(ctx: AppContext, user_id: str) -> str | None:
    """Say once that free-text coaching by the model is off (or, once a day, that Gemini is down)."""
    kind, every = (NEEDS_KEY, None) if ctx.llm is None else (GEMINI_DOWN, timedelta(days=1))
    async with ctx.autocommit() as session:  # one statement, atomic on its own
        show = await notices.claim(session, user_id=user_id, kind=kind, now=ctx.clock(), every=every)
    if not show:
        return None
    return texts_llm.needs_key_notice() if ctx.llm is None else texts_llm.gemini_down_notice()


def _rules_answer(
    intent: Intent,
    assessment: Assessment,
    plan: TodayPlan | None,
    ahead: PlanView | None,
    days: Ahead | None,
    race: Race | None = None,
) -> str:
    if intent is Intent.PLAN and days is not None:
        return texts_plan_week.days_ahead(days)  # the days asked about, with each morning's projected form
    if intent is Intent.PLAN:
        return texts_plan.plan_view(ahead) if ahead is not None else texts_plan.no_plan_yet()
    if intent is Intent.RACE:
        if race is None:
            return texts_llm.no_race()
        week = ahead.weeks[0] if ahead is not None and ahead.weeks else None
        return texts_llm.next_race(
            race,
            today=assessment.today,
            phase=week.phase if week is not None else None,
            recovery=week.recovery if week is not None else False,
        )
    if intent is Intent.REST:
        action = assessment.suggestion.action if assessment.suggestion is not None else None
        return f"{texts_llm.rest_verdict(action)}\n\n{texts_plan.today(assessment, plan)}"
    if intent in (Intent.TODAY, Intent.ILLNESS, Intent.SORE_LEGS, Intent.SLEPT_BADLY):
        return texts_plan.today(assessment, plan)
    return texts_llm.cannot_answer()


async def _note(session: AsyncSession, user: User, intent: Intent, question: str, now: datetime) -> str | None:
    """What the athlete told about themselves, recorded in today's check-in as the brief's buttons do."""
    day = local_today(user, now)
    if intent is Intent.ILLNESS:
        await checkins.record(session, user_id=user.id, day=day, illness=True)
        adapted = await plan_adapt.illness(session, user, day=day)  # intensity leaves the next days of the plan
        return texts_llm.illness_noted(adapted.changed)
    if intent is Intent.SORE_LEGS:
        stored = await checkins.get(session, user_id=user.id, day=day)
        earlier = stored.soreness if stored is not None and stored.soreness is not None else 0
        soreness = max(2 if very(question) else 1, earlier)  # a later message never makes it milder
        await checkins.record(session, user_id=user.id, day=day, soreness=soreness)
        return texts_llm.sore_legs_noted(soreness >= 2)
    if intent is Intent.SLEPT_BADLY:  # the check-in has no place for sleep: the devices' nights count
        return texts_llm.slept_badly_noted()
    return None


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
    markup = None
    chat, message = update.effective_chat, update.effective_message
    assert chat is not None and message is not None
    if plan is not None and plan.planned is not None:
        async with ctx.sessions.begin() as session:
            row = await workouts_handlers.file_buttons(
                session, user_id=user_id, chat_id=chat.id, day=plan.day, now=ctx.clock()
            )
        markup = InlineKeyboardMarkup([row])
    await message.reply_text(html, parse_mode=ParseMode.HTML, disable_web_page_preview=True, reply_markup=markup)


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
    """Greetings and help from the rules; what the athlete reports about themselves goes into today's check-in;
    everything else to Gemini when there is a key, else the rules."""
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
        user = await asking_user(session, update, known=remembered_user(context))  # the dialog check read it
        note = await _note(session, user, intent, message.text, ctx.clock())
        assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
        plan, ahead = await plans.today_and_view(session, user, assessment=assessment, now=ctx.clock())
        days = None
        # Tomorrow gets its own answer (its steps, tomorrow morning's form); the weeks get the plan's view.
        asked = days_asked(message.text)  # in English words, whatever the language of the question
        if intent is Intent.PLAN and plan_ahead.horizon(asked) is plan_ahead.Horizon.TOMORROW:
            days = await plan_ahead.ahead(session, user, question=asked, assessment=assessment, now=ctx.clock())
        race = None
        if intent is Intent.RACE:
            upcoming = await races.upcoming(session, user_id=user.id, today=assessment.today, limit=1)
            race = upcoming[0] if upcoming else None
        user_id = user.id
    if note is not None:
        await reply(update, note)
    if ctx.llm is None:
        answer = _rules_answer(intent, assessment, plan, ahead, days, race)
        await reply(update, await _with_notice(ctx, user_id, answer))
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
        if intent is Intent.PLAN and days is not None:
            await reply(update, texts_plan_week.days_ahead(days))
    elif result.outcome is llm_answer.Outcome.ANSWERED:  # overridden: the veto stands, in the rules' words
        await reply(update, texts_plan.today(assessment, plan))
    elif result.outcome is llm_answer.Outcome.BUDGET_SPENT:
        rules = f"\n\n{texts_plan.today(assessment, plan)}" if intent is Intent.TODAY else ""
        await reply(update, texts_llm.budget_spent() + rules)
    else:
        await reply(
            update, await _with_notice(ctx, user_id, _rules_answer(intent, assessment, plan, ahead, days, race))
        )
