"""/brief: today's morning brief on demand, and ``/brief off|on|07:30``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot import buttons, texts
from bot.context import AppContext, Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import brief as texts_brief
from bot.texts import plan as texts_plan
from coach import i18n, plan_adapt, plans
from coach.brief import Brief, compose
from coach.daily import assess_today
from coach.i18n import t
from coach.planning.model import SessionStatus
from coach.profile import apply_setting
from coach.readiness import Action
from db.errors import InvalidValue
from db.models import CallbackAction, User
from db.repositories import actions, checkins, users


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
        markup = await keyboard(session, user=user, chat_id=message.chat_id, brief=today, now=now)
        text = texts_brief.morning_brief(today) + "\n\n" + texts_brief.brief_status(user)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True)


# --------------------------------------------------------------------------- buttons under the brief
#
# Every button is an opaque server-side action (bot.buttons): pressing one from another chat, on an old
# brief, or with a made-up id is answered "This button has expired." Sibling buttons of a step are revoked
# once one is pressed, so each question is answered once.

CHOICE = "brief.choice"
CHECK_IN = "brief.checkin"
FEEL = "brief.feel"
SORENESS = "brief.soreness"
ILLNESS = "brief.illness"
BUTTON_TTL = timedelta(hours=18)
CHOICES = list(texts_brief.CHOICE_BUTTONS)


def choices_for(brief: Brief) -> list[str]:
    """The answers that fit the advice: none without data (there is nothing to "do"), only rest on a rest day,
    no "easier" when the advice is already the easiest training (active recovery)."""
    suggestion = brief.assessment.suggestion
    if suggestion is None:
        return []
    if suggestion.action is Action.REST:
        return ["rest"]
    if suggestion.action is Action.ACTIVE_RECOVERY:
        return ["do_it", "rest"]
    return CHOICES


async def keyboards(
    session: AsyncSession, *, items: Sequence[tuple[User, int, Brief]], now: datetime
) -> dict[str, InlineKeyboardMarkup]:
    """Each brief's buttons — do it / easier / rest, and the check-in — by user id, in two statements.

    The buttons of a user's older brief are revoked, so pressing them answers "expired".
    """
    await actions.revoke_many(session, user_ids=[user.id for user, _, _ in items], kinds=[CHOICE, CHECK_IN])
    specs = []
    for user, chat_id, brief in items:
        day = brief.local_date.isoformat()
        specs += [actions.NewAction(user.id, chat_id, CHOICE, {"date": day, "choice": c}) for c in choices_for(brief)]
        specs.append(actions.NewAction(user.id, chat_id, CHECK_IN, {"date": day}))
    ids = iter(await actions.issue_many(session, actions=specs, now=now, ttl=BUTTON_TTL))
    out = {}
    for user, _, brief in items:
        with i18n.speaking_to(user):  # the scheduler sends a batch of athletes' briefs
            choices = [buttons.button(t(texts_brief.CHOICE_BUTTONS[c]), next(ids)) for c in choices_for(brief)]
            rows = [choices] if choices else []
            check_in = buttons.button(t(texts_brief.CHECK_IN_BUTTON), next(ids))
            out[user.id] = InlineKeyboardMarkup([*rows, [check_in]])
    return out


async def keyboard(
    session: AsyncSession, *, user: User, chat_id: int, brief: Brief, now: datetime
) -> InlineKeyboardMarkup:
    """One brief's buttons (see `keyboards`)."""
    return (await keyboards(session, items=[(user, chat_id, brief)], now=now))[user.id]


async def _step_keyboard(
    session: AsyncSession, action: CallbackAction, kind: str, options: dict[object, str], now: datetime
) -> InlineKeyboardMarkup:
    row = [
        await buttons.issue(
            session,
            label,
            user_id=action.user_id,
            chat_id=action.chat_id,
            kind=kind,
            now=now,
            ttl=BUTTON_TTL,
            payload={"date": action.payload["date"], "value": value},
        )
        for value, label in options.items()
    ]
    return InlineKeyboardMarkup([row])


def _day(action: CallbackAction) -> date:
    return date.fromisoformat(str(action.payload["date"]))


async def _headline_today(session: AsyncSession, user_id: str, day: date, ctx: AppContext) -> str | None:
    """Today's suggestion headline after the check-in, if the check-in is for today."""
    user = await users.get(session, user_id=user_id)
    if user is None:
        return None
    assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
    if assessment.today != day or assessment.suggestion is None:
        return None
    return t(texts.ACTION_HEADLINES[assessment.suggestion.action])


@buttons.on(CHOICE)
async def on_choice(update: Update, context: Context, action: CallbackAction) -> None:
    """Do it / easier / rest: recorded as the check-in's choice, and applied to the day's planned session."""
    ctx = app_context(context)
    choice = str(action.payload["choice"])
    day = _day(action)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=CHOICE)
        await checkins.record(session, user_id=action.user_id, day=day, choice=choice)
        headline = None
        changed = None
        user = await users.get(session, user_id=action.user_id)
        if user is not None:
            await plan_adapt.serialize(session, user)  # before today's session changes (see plan_adapt)
            assessment = await assess_today(session, user, now=ctx.clock(), band_sd=ctx.settings.hrv_band_sd)
            suggestion = assessment.suggestion
            if choice == "easier":
                headline = texts_brief.easier_headline(suggestion.action if suggestion else None)
            changed = await plans.choose(session, user, day=day, choice=choice, assessment=assessment)
            if choice == "rest" and changed.changed:
                # A rested session is not piled onto tomorrow: the rest of the week is rebalanced.
                await plan_adapt.rebalance(
                    session, user, now=ctx.clock(), missed={day: SessionStatus.SKIPPED}, assessment=assessment
                )
    fallback = texts_brief.choice_noted(choice, headline)
    await reply(update, texts_plan.choice_noted(changed, fallback) if changed is not None else fallback)


@buttons.on(CHECK_IN)
async def on_check_in(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=FEEL)
        markup = await _step_keyboard(session, action, FEEL, {n: str(n) for n in range(1, 6)}, ctx.clock())
    await _ask(update, texts_brief.ask_feel(), markup)


@buttons.on(FEEL)
async def on_feel(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    feel = int(action.payload["value"])
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=FEEL)
        await checkins.record(session, user_id=action.user_id, day=_day(action), feel=feel)
        markup = await _step_keyboard(
            session,
            action,
            SORENESS,
            {k: texts_brief.first_upper(t(v)) for k, v in texts_brief.SORENESS_LABELS.items()},
            ctx.clock(),
        )
    await _edit(update, texts_brief.ask_soreness(feel), markup)


@buttons.on(SORENESS)
async def on_soreness(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=SORENESS)
        await checkins.record(session, user_id=action.user_id, day=_day(action), soreness=int(action.payload["value"]))
        options: dict[object, str] = {str(k).lower(): t(v) for k, v in texts_brief.ILLNESS_BUTTONS.items()}
        markup = await _step_keyboard(session, action, ILLNESS, options, ctx.clock())
    await _edit(update, texts_brief.ask_illness(), markup)


@buttons.on(ILLNESS)
async def on_illness(update: Update, context: Context, action: CallbackAction) -> None:
    ctx = app_context(context)
    ill = action.payload["value"] == "true"
    day = _day(action)
    async with ctx.sessions.begin() as session:
        await actions.revoke(session, user_id=action.user_id, kind=ILLNESS)
        stored = await checkins.record(session, user_id=action.user_id, day=day, illness=ill)
        user = await users.get(session, user_id=action.user_id) if ill else None
        if user is not None:
            await plan_adapt.illness(session, user, day=day)  # intensity leaves the next days of the plan
        headline = await _headline_today(session, action.user_id, day, ctx)
    await _edit(update, texts_brief.check_in_done(stored.feel, stored.soreness, ill, headline), None)


async def _ask(update: Update, html: str, markup: InlineKeyboardMarkup) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _edit(update: Update, html: str, markup: InlineKeyboardMarkup | None) -> None:
    """Walk the check-in in one message: each answer replaces the question."""
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(html, parse_mode=ParseMode.HTML, reply_markup=markup)
