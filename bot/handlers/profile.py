"""The guided setup after /start and editing one setting from /settings: questions, answers, buttons.

The open question lives in PostgreSQL ("DialogState"), not in python-telegram-bot's memory, so a restart or
a second bot process carries on where the athlete was. Every answer — typed, tapped or a shared location —
goes through `coach.profile` and the model's validators; the value and the move to the next question are
one transaction, so an invalid or interrupted answer stores nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop

from bot import buttons
from bot.context import Context, app_context
from bot.handlers.common import link, remember_user, speak_to
from bot.texts import profile as tp
from bot.texts import show
from coach import places, plans
from coach.i18n import t
from coach.intent import Intent, classify
from coach.profile import (
    ONBOARDING_STEPS,
    PLAN_SETTINGS,
    SETTINGS,
    PlaceNotFound,
    apply_setting,
    clear_setting,
    next_step,
)
from db.errors import InvalidValue
from db.models import CallbackAction, DialogState, User
from db.repositories import actions, dialogs, users

logger = logging.getLogger(__name__)

ONBOARDING = "onboarding"
SETTINGS_FLOW = "settings"
# A setup put aside with "Finish later": nothing typed is read as an answer, /start carries on from it.
PAUSED = "paused"
# An abandoned question lapses, so a message typed long after is read as a message, not as an answer.
DIALOG_TTL = {ONBOARDING: timedelta(days=2), SETTINGS_FLOW: timedelta(hours=1), PAUSED: timedelta(days=30)}
ASKING = (ONBOARDING, SETTINGS_FLOW)
MENU_TTL = timedelta(days=1)

ANSWER = "profile.answer"  # a tapped answer to the open question: set / skip / clear / stop
EDIT = "profile.edit"  # a /settings menu button: ask for one setting

SKIP_WORDS = {"skip", "/skip", "later", "pass", "-", "idk", "don't know", "dont know", "not sure", "no idea"}
SKIP_WORDS |= {"überspringen", "weiß nicht", "saltar", "no sé", "passer", "je ne sais pas"}
CANCEL_WORDS = {"cancel", "/cancel", "stop", "abbrechen", "cancelar", "annuler"}
NUMERIC_STEPS = {"ftp", "maxhr", "restinghr", "lthr", "weight", "dob", "brief", "pace", "hours", "days", "ramp"}
# Most answers are a word or two; a week of training days is a day and a length for up to seven days.
MAX_ANSWER_WORDS = {"days": 14}
_DIGIT = re.compile(r"\d")


ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


@dataclass
class Outbox:
    """Messages decided inside a transaction and sent after it commits."""

    messages: list[tuple[str, ReplyMarkup | None]] = field(default_factory=list)
    # (chat id, message id, new text or None): the answered question loses its buttons.
    close: list[tuple[int, int, str | None]] = field(default_factory=list)
    # The next question, sent last; its message id is recorded in the dialog.
    question: tuple[str, ReplyMarkup | None] | None = None

    def say(self, text: str, markup: ReplyMarkup | None = None) -> None:
        self.messages.append((text, markup))


def setup_unfinished(user: User) -> bool:
    """The setup's first two answers were never given (an account made by /demo or `make chat`'s demo):
    worth offering /setup. A hint only: an athlete who skipped both is offered it too, which costs nothing."""
    return user.timezone == "UTC" and user.sport_focus is None


def profile_is_empty(user: User) -> bool:
    """Nothing set yet: the athlete never went through setup (or skipped all of it)."""
    return user.timezone == "UTC" and all(
        getattr(user, SETTINGS[name].attribute) is None
        for name in ONBOARDING_STEPS
        if name not in ("timezone", "brief")
    )


# --------------------------------------------------------------------------- asking


@dataclass
class Turn:
    """One handled update: the user, the chat, the clock, and what to send once the transaction commits."""

    session: AsyncSession
    user: User
    chat_id: int
    now: datetime
    out: Outbox = field(default_factory=Outbox)

    async def answer_button(self, flow: str, step: str, op: str, value: str | None, text: str) -> InlineKeyboardButton:
        return await buttons.issue(
            self.session,
            text,
            user_id=self.user.id,
            chat_id=self.chat_id,
            kind=ANSWER,
            now=self.now,
            ttl=DIALOG_TTL[flow],
            payload={"flow": flow, "step": step, "op": op, "value": value},
        )


async def _ask(turn: Turn, flow: str, step: str) -> None:
    """Open ``step`` as the question of ``flow`` and put it in the outbox with its buttons."""
    user = turn.user
    await actions.revoke(turn.session, user_id=user.id, kind=ANSWER)
    await dialogs.ask(
        turn.session, user_id=user.id, chat_id=turn.chat_id, flow=flow, step=step, now=turn.now, ttl=DIALOG_TTL[flow]
    )
    spec = SETTINGS[step]
    onboarding = flow == ONBOARDING
    removable = not onboarding and spec.clearable and getattr(user, spec.attribute) is not None
    text = tp.question(
        step, onboarding=onboarding, current=None if onboarding else show(user, step), removable=removable
    )
    markup: ReplyMarkup
    if step == "timezone":
        # Only a reply keyboard can ask Telegram for the location; the way out is a plain text button.
        rows: list[list[KeyboardButton]] = [
            [KeyboardButton(t(tp.SHARE_LOCATION), request_location=True)],
            [KeyboardButton(t(tp.SKIP if onboarding else tp.CANCEL))],
        ]
        markup = ReplyKeyboardMarkup(
            rows, resize_keyboard=True, one_time_keyboard=True, input_field_placeholder=t(tp.CITY_OR_TIME_ZONE)
        )
    else:
        choices = [await turn.answer_button(flow, step, "set", value, t(label)) for value, label in spec.choices]
        keyboard = [choices[i : i + 3] for i in range(0, len(choices), 3)]
        if onboarding:
            keyboard.append(
                [
                    await turn.answer_button(flow, step, "skip", None, t(tp.SKIP)),
                    await turn.answer_button(flow, step, "stop", None, t(tp.FINISH_LATER)),
                ]
            )
        else:
            last = [await turn.answer_button(flow, step, "skip", None, t(tp.CANCEL))]
            if removable:
                last.insert(0, await turn.answer_button(flow, step, "clear", None, t(tp.REMOVE)))
            keyboard.append(last)
        markup = InlineKeyboardMarkup(keyboard)
    turn.out.question = (text, markup)


async def _suggest_places(turn: Turn, flow: str, err: PlaceNotFound) -> None:
    rows = [
        [await turn.answer_button(flow, "timezone", "set", p.zone, tp.suggestion_label(p))] for p in err.suggestions
    ]
    turn.out.say(tp.place_not_found(err), InlineKeyboardMarkup(rows) if rows else None)


async def _settings_menu(turn: Turn) -> InlineKeyboardMarkup:
    keys = []
    for name in SETTINGS:
        keys.append(
            await buttons.issue(
                turn.session,
                t(tp.BUTTON_LABELS[name]),
                user_id=turn.user.id,
                chat_id=turn.chat_id,
                kind=EDIT,
                now=turn.now,
                ttl=MENU_TTL,
                payload={"step": name},
                single_use=False,
            )
        )
    return InlineKeyboardMarkup([keys[i : i + 2] for i in range(0, len(keys), 2)])


async def _close_dialog(turn: Turn) -> None:
    await dialogs.finish(turn.session, user_id=turn.user.id)
    await actions.revoke(turn.session, user_id=turn.user.id, kind=ANSWER)


async def _after_answer(turn: Turn, flow: str, step: str) -> None:
    """The answer to ``step`` is stored (or skipped): ask the next question, or close the flow."""
    if flow == ONBOARDING and (following := next_step(step)) is not None:
        await _ask(turn, flow, following)
        return
    await _close_dialog(turn)
    if flow == ONBOARDING:
        turn.out.say(tp.setup_done(turn.user))
    else:
        turn.out.say(tp.settings_menu(turn.user), await _settings_menu(turn))


async def _pause(turn: Turn, step: str) -> None:
    await actions.revoke(turn.session, user_id=turn.user.id, kind=ANSWER)
    await dialogs.ask(
        turn.session,
        user_id=turn.user.id,
        chat_id=turn.chat_id,
        flow=PAUSED,
        step=step,
        now=turn.now,
        ttl=DIALOG_TTL[PAUSED],
    )
    turn.out.say(tp.setup_paused(), ReplyKeyboardRemove())


# --------------------------------------------------------------------------- answering


def _set(user: User, step: str, raw: str) -> str:
    """Apply ``raw`` to ``step``; returns the confirmation line. Raises `InvalidValue`."""
    spec = apply_setting(user, step, raw)
    speak_to(user)  # a new language (or unit) is spoken from the confirmation on
    if step == "timezone":
        found = places.lookup(raw).found
        assert found is not None  # apply_setting resolved it
        return tp.timezone_found(found)
    return tp.saved(spec.label, show(user, step))


async def _try_set(turn: Turn, step: str, op: str, raw: str) -> str:
    """Store one answer, or nothing: the change is rolled back to a savepoint if anything rejects it."""
    if step == "timezone":
        # The gazetteer loads once per process (seconds), and a miss searches 186,000 names for near ones:
        # both in a worker thread, so the event loop keeps answering other chats; the parser below reuses the
        # remembered answer.
        await asyncio.to_thread(places.lookup, raw)
    async with turn.session.begin_nested():
        if op == "clear":
            clear_setting(turn.user, step)
            speak_to(turn.user)
            line = tp.saved(SETTINGS[step].label, show(turn.user, step) if step == "language" else t("not set"))
        else:
            line = _set(turn.user, step, raw)
        await turn.session.flush()
    if step in PLAN_SETTINGS and await plans.rebuild_if_active(turn.session, turn.user, now=turn.now):
        line = f"{line}\n{tp.plan_rebuilt()}"
    return line


def _skips(lowered: str) -> bool:
    """A typed skip, or the time-zone question's Skip button (a reply keyboard sends its caption as text)."""
    return lowered in SKIP_WORDS or lowered == t(tp.SKIP).lower()


def _cancels(lowered: str) -> bool:
    return lowered in CANCEL_WORDS or lowered == t(tp.CANCEL).lower()


def _answers(state: DialogState | None, text: str) -> bool:
    """Is ``text`` the answer to the open question ``state`` (none open: no)?"""
    return state is not None and state.flow in ASKING and _plausible_answer(state.step, text)


def _plausible_answer(step: str, text: str) -> bool:
    """Could this text be meant as the answer? Questions and chatter go on to the coach instead."""
    lowered = text.strip().lower()
    if _skips(lowered) or _cancels(lowered):
        return True
    too_long = len(text.split()) > MAX_ANSWER_WORDS.get(step, 5)
    if text.rstrip().endswith("?") or too_long or classify(text) is not Intent.UNKNOWN:
        return False
    return not (step in NUMERIC_STEPS and step != "brief" and not _DIGIT.search(text))


async def _send(context: Context, chat_id: int, out: Outbox, user_id: str | None) -> None:
    for chat, message_id, text in out.close:
        try:
            if text is None:
                await context.bot.edit_message_reply_markup(chat, message_id, reply_markup=None)
            else:
                await context.bot.edit_message_text(text, chat, message_id, parse_mode=ParseMode.HTML)
        except BadRequest:
            logger.debug("could not close the answered question", exc_info=True)
    for text, markup in out.messages:
        await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
        )
    if out.question is not None:
        text, markup = out.question
        sent = await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        if user_id is not None:
            async with app_context(context).autocommit() as session:  # one statement
                await dialogs.set_message(session, user_id=user_id, message_id=sent.message_id)


async def on_text(update: Update, context: Context) -> None:
    """A typed message while a question is open is its answer (unless it is plainly something else)."""
    message, tg_user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and message.text is not None and tg_user is not None and chat is not None
    ctx = app_context(context)
    text = message.text.strip()
    lowered = text.lower()
    now = ctx.clock()
    # Most messages answer no question: one statement tells (the athlete and their open question, no
    # transaction), and only an answer takes the question's row, in the transaction that records it.
    async with ctx.autocommit() as session:
        found = await dialogs.asker(session, telegram_user_id=tg_user.id, now=now)
    if found is None:
        return
    user, asked = found
    speak_to(user)  # what follows (an answer here, or the coach's reply) is in the athlete's language
    if not _answers(asked, text):
        remember_user(context, user)  # read, not changed: the coach's reply takes it from here
        return
    async with ctx.sessions.begin() as session:
        session.add(user)  # as read a moment ago (no lock was taken on it then either)
        state = await dialogs.current(session, user_id=user.id, now=now, lock=True)
        if state is None or not _answers(state, text):
            remember_user(context, user)  # the question was answered or closed in between
            return
        turn = Turn(session, user, chat.id, now)
        flow, step = state.flow, state.step
        onboarding = flow == ONBOARDING
        unkeyboard = ReplyKeyboardRemove() if step == "timezone" else None
        if state.message_id is not None and step != "timezone":  # a reply keyboard goes with ReplyKeyboardRemove
            turn.out.close.append((chat.id, state.message_id, None))
        if onboarding and _cancels(lowered):
            await _pause(turn, step)
        elif _skips(lowered) or _cancels(lowered):
            turn.out.say(tp.skipped(SETTINGS[step].label) if onboarding else tp.unchanged(), unkeyboard)
            await _after_answer(turn, flow, step)
        else:
            try:
                line = await _try_set(turn, step, "set", text)
            except PlaceNotFound as err:
                turn.out.close.clear()
                await _suggest_places(turn, flow, err)
            except InvalidValue as err:
                turn.out.close.clear()
                turn.out.say(tp.invalid_answer(err, onboarding=onboarding))
            else:
                turn.out.say(line, unkeyboard)
                await _after_answer(turn, flow, step)
    await _send(context, chat.id, turn.out, user.id)
    raise ApplicationHandlerStop


async def on_location(update: Update, context: Context) -> None:
    """A shared location sets the time zone — the answer to the time-zone question, or on its own."""
    message, tg_user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and message.location is not None and tg_user is not None and chat is not None
    ctx = app_context(context)
    await asyncio.to_thread(places.warm_up)
    try:
        zone = places.zone_at(message.location.latitude, message.location.longitude)
    except ValueError:
        await message.reply_text(tp.place_not_found(PlaceNotFound(t("that location"), ())), parse_mode=ParseMode.HTML)
        return
    async with ctx.sessions.begin() as session:
        now = ctx.clock()
        linked = await link(session, update)
        turn = Turn(session, linked.user, chat.id, now)
        state = await dialogs.current(session, user_id=turn.user.id, now=now, lock=True)
        turn.user.timezone = zone
        await session.flush()
        turn.out.say(tp.timezone_from_location(zone), ReplyKeyboardRemove())
        if state is not None and state.flow in ASKING and state.step == "timezone":
            await _after_answer(turn, state.flow, "timezone")
    await _send(context, chat.id, turn.out, turn.user.id)


@buttons.on(ANSWER)
async def on_answer(update: Update, context: Context, action: CallbackAction) -> None:
    """A tapped answer: a choice, a suggested time zone, skip, remove, or finish later."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    ctx = app_context(context)
    payload = action.payload
    flow, step, op, value = payload["flow"], payload["step"], payload["op"], payload.get("value")
    pressed = query.message.message_id if query.message is not None else None
    async with ctx.sessions.begin() as session:
        now = ctx.clock()
        user = await users.get(session, user_id=action.user_id)
        state = await dialogs.current(session, user_id=action.user_id, now=now, lock=True)
        if user is None:
            return
        turn = Turn(session, user, chat.id, now)
        if state is None or (state.flow, state.step) != (flow, step):
            # The question was answered another way meanwhile: take the buttons away, change nothing.
            if pressed is not None:
                turn.out.close.append((chat.id, pressed, None))
        else:
            onboarding = flow == ONBOARDING
            asked = tp.question(step, onboarding=onboarding, current=None if onboarding else show(user, step))
            if op == "stop":
                if pressed is not None:
                    turn.out.close.append((chat.id, pressed, None))
                await _pause(turn, step)
            elif op == "skip":
                line = tp.skipped(SETTINGS[step].label) if onboarding else tp.unchanged()
                if pressed is not None:
                    turn.out.close.append((chat.id, pressed, f"{asked}\n\n{line}"))
                await _after_answer(turn, flow, step)
            else:
                try:
                    line = await _try_set(turn, step, op, str(value))
                except InvalidValue as err:
                    turn.out.say(tp.invalid_answer(err, onboarding=onboarding))
                else:
                    if pressed is not None and step == "timezone":
                        turn.out.close.append((chat.id, pressed, None))
                        turn.out.say(line, ReplyKeyboardRemove())
                    elif pressed is not None:
                        turn.out.close.append((chat.id, pressed, f"{asked}\n\n{line}"))
                    await _after_answer(turn, flow, step)
    await _send(context, chat.id, turn.out, user.id)


@buttons.on(EDIT)
async def on_edit(update: Update, context: Context, action: CallbackAction) -> None:
    """A /settings menu button: ask for that one setting."""
    chat = update.effective_chat
    assert chat is not None
    ctx = app_context(context)
    step = action.payload.get("step")
    async with ctx.sessions.begin() as session:
        user = await users.get(session, user_id=action.user_id)
        if user is None or step not in SETTINGS:
            return
        turn = Turn(session, user, chat.id, ctx.clock())
        await _ask(turn, SETTINGS_FLOW, step)
    await _send(context, chat.id, turn.out, action.user_id)


# --------------------------------------------------------------------------- entry points (account.py)


async def open_setup(
    session: AsyncSession, user: User, chat_id: int, now: datetime, *, say: str, state: DialogState | None
) -> Outbox:
    """Greet and open the setup at its first question, or where it was left (``state``: the open question,
    as the caller read it in this transaction with `dialogs.current`)."""
    turn = Turn(session, user, chat_id, now)
    turn.out.say(say)
    resume = state is not None and state.flow in (ONBOARDING, PAUSED)
    await _ask(turn, ONBOARDING, state.step if state is not None and resume else ONBOARDING_STEPS[0])
    return turn.out


async def settings_view(session: AsyncSession, user: User, chat_id: int, now: datetime) -> Outbox:
    turn = Turn(session, user, chat_id, now)
    turn.out.say(tp.settings_menu(user), await _settings_menu(turn))
    return turn.out


async def send_outbox(context: Context, chat_id: int, out: Outbox, user_id: str) -> None:
    await _send(context, chat_id, out, user_id)


async def ask_place_again(session: AsyncSession, user: User, chat_id: int, now: datetime, err: PlaceNotFound) -> Outbox:
    """``/settings timezone <miss>``: open the time-zone question with the nearest places as buttons."""
    turn = Turn(session, user, chat_id, now)
    await actions.revoke(session, user_id=user.id, kind=ANSWER)
    await dialogs.ask(
        session,
        user_id=user.id,
        chat_id=chat_id,
        flow=SETTINGS_FLOW,
        step="timezone",
        now=now,
        ttl=DIALOG_TTL[SETTINGS_FLOW],
    )
    await _suggest_places(turn, SETTINGS_FLOW, err)
    return turn.out
