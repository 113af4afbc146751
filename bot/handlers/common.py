"""Helpers shared by handlers: who is asking, and replying in the one format we use."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.constants import ParseMode

from bot.context import Context, app_context
from coach import i18n
from db.models import User
from db.repositories import users

# Where an update's context keeps the athlete once read (`remember_user`); PTB gives every handler of one
# update the same context object, and a new one to the next update.
_USER_KEY = "coach_user"


def remember_user(context: Context, user: User) -> None:
    """Keep the athlete read while handling this update for its later handlers (one read per update).

    Only for a user read and not changed: the later handler takes the object into its own session as it is.
    """
    setattr(context, _USER_KEY, user)


def remembered_user(context: Context) -> User | None:
    """The athlete an earlier handler of this update read (`remember_user`), taken once: None after."""
    user = getattr(context, _USER_KEY, None)
    if user is not None:
        delattr(context, _USER_KEY)
    return user if isinstance(user, User) else None


async def asking_user(session: AsyncSession, update: Update, *, known: User | None = None) -> User:
    """The user behind this update, linked on first contact.

    Identity comes only from the authenticated update's ``from`` and chat, never from message text.
    ``known``: the same user as an earlier handler of this update read it (`remembered_user`).
    """
    return (await link(session, update, known=known)).user


async def link(session: AsyncSession, update: Update, *, known: User | None = None) -> users.LinkResult:
    """`asking_user` with whether the account was made just now; the update is answered in their language."""
    tg_user = update.effective_user
    chat = update.effective_chat
    assert tg_user is not None and chat is not None  # handlers are registered for private messages only
    result = await users.link_telegram_user(
        session,
        telegram_user_id=tg_user.id,
        chat_id=chat.id,
        name=tg_user.first_name,
        language_code=language_code(tg_user.language_code),
        known=known,
    )
    # From here on this update is answered in the athlete's language and units.
    speak_to(result.user)
    return result


async def activate_language(update: object, context: Context) -> None:
    """Before any handler: answer in the athlete's chosen language, else their Telegram app's, else English.

    Typed text (not a command) and button taps read the athlete before anything is said (the dialog check,
    `bot.buttons`), and set the language there: for them the Telegram app's language is all that is needed
    here. Anything else (commands, locations, files) costs one indexed read, so a command that answers
    without linking the user still speaks the chosen language.
    """
    if not isinstance(update, Update) or update.effective_user is None:
        return
    tg_user = update.effective_user
    i18n.activate(i18n.choose(None, tg_user.language_code))
    message = update.message
    if update.callback_query is not None or (
        message is not None and message.text is not None and not message.text.startswith("/")
    ):
        return
    async with app_context(context).autocommit() as session:  # one read: no transaction around it
        user = await users.get_by_telegram_id(session, telegram_user_id=tg_user.id)
        if user is not None:
            i18n.activate(i18n.choose(user.language, tg_user.language_code), imperial=user.distance_unit == "mi")
    if user is not None:
        remember_user(context, user)  # /start and the like link this user next: no second read


def speak_to(user: User) -> None:
    """Answer the rest of this update in ``user``'s language and distance unit."""
    i18n.activate_for(user)


def language_code(code: str | None) -> str | None:
    """Telegram's IETF tag, kept short (it is stored): ``de``, ``pt-br``; anything odd is ignored."""
    if not code or len(code) > 16 or not all(c.isalnum() or c == "-" for c in code):
        return None
    return code.lower()


async def reply(update: Update, html: str) -> None:
    message = update.effective_message
    assert message is not None
    await message.reply_text(html, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
