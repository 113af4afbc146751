"""/start, /help and /settings."""

from __future__ import annotations

import asyncio
import logging

from telegram import Update

from bot import texts
from bot.context import Context, app_context
from bot.handlers import profile
from bot.handlers.common import asking_user, link, remembered_user, reply, speak_to
from bot.texts import profile as tp
from coach import places, plans
from coach.profile import PLAN_SETTINGS, PlaceNotFound, apply_setting
from db.errors import InvalidValue
from db.repositories import dialogs

logger = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """Link this Telegram user to an account, once, and set them up; a deep-link payload is accepted.

    A new athlete (or one who never set anything) goes into the guided setup; one who left it half-way
    carries on at the question they left; everyone else is welcomed back.
    """
    ctx = app_context(context)
    tg_user, chat = update.effective_user, update.effective_chat
    assert tg_user is not None and chat is not None
    if context.args:
        logger.debug("start payload received (%d chars)", len(context.args[0]))
    out = None
    async with ctx.sessions.begin() as session:
        now = ctx.clock()
        result = await link(session, update, known=remembered_user(context))  # as the language step read it
        user = result.user
        # An account made just now has no question open.
        state = None if result.created else await dialogs.current(session, user_id=user.id, now=now)
        if state is not None and state.flow in (profile.ONBOARDING, profile.PAUSED):
            greeting = tp.welcome_back_resume(tg_user.first_name)
            out = await profile.open_setup(session, user, chat.id, now, say=greeting, state=state)
        elif result.created or profile.profile_is_empty(user):
            out = await profile.open_setup(session, user, chat.id, now, say=tp.welcome(tg_user.first_name), state=state)
    if out is None:
        await reply(
            update, texts.welcome(tg_user.first_name, created=False, offer_setup=profile.setup_unfinished(user))
        )
        return
    await profile.send_outbox(context, chat.id, out, user.id)


async def setup(update: Update, context: Context) -> None:
    """``/setup``: the guided setup from its first question, any time (or where a paused one stopped)."""
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        now = ctx.clock()
        state = await dialogs.current(session, user_id=user.id, now=now)
        out = await profile.open_setup(session, user, chat.id, now, say=tp.setup_again(), state=state)
    await profile.send_outbox(context, chat.id, out, user.id)


async def help_command(update: Update, context: Context) -> None:
    await reply(update, texts.help_text())


async def settings(update: Update, context: Context) -> None:
    """``/settings`` shows them with a button each; ``/settings <name> <value>`` changes one, or nothing."""
    ctx = app_context(context)
    chat = update.effective_chat
    assert chat is not None
    args = context.args or []
    if len(args) > 1 and args[0].lower() == "timezone":
        await asyncio.to_thread(places.lookup, " ".join(args[1:]))  # off the event loop; the parser reuses it
    out = None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        now = ctx.clock()
        if not args:
            out = await profile.settings_view(session, user, chat.id, now)
        elif len(args) < 2:
            text = texts.settings_usage()
        else:
            try:
                async with session.begin_nested():
                    spec = apply_setting(user, args[0], " ".join(args[1:]))
                    await session.flush()
            except KeyError:
                text = texts.unknown_setting(args[0])
            except PlaceNotFound as err:
                # Offer the nearest places as buttons; typing another city answers too.
                out = await profile.ask_place_again(session, user, chat.id, now, err)
            except InvalidValue as err:
                text = texts.invalid_setting(err)
            else:
                speak_to(user)  # a new language (or unit) is spoken from the confirmation on
                text = texts.setting_saved(spec.label, user)
                if spec.name == "timezone":
                    # Say which place the typed text matched, so a wrong match is seen at once.
                    matched = places.lookup(" ".join(args[1:])).found
                    if matched is not None:
                        text = f"{tp.timezone_found(matched)}\n\n{texts.settings(user)}"
                if spec.name in PLAN_SETTINGS and await plans.rebuild_if_active(
                    session, user, now=now, band_sd=ctx.settings.hrv_band_sd
                ):
                    text = f"{tp.plan_rebuilt()}\n\n{text}"
    if out is not None:
        await profile.send_outbox(context, chat.id, out, user.id)
        return
    await reply(update, text)


async def unknown_command(update: Update, context: Context) -> None:
    message = update.effective_message
    command = (message.text or "").split()[0] if message is not None else ""
    await reply(update, texts.unknown_command(command))
