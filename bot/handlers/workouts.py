"""A planned session as a file for the athlete's device: ``/workout [YYYY-MM-DD|today|tomorrow]
[zwo|fit|erg|mrc]``, and the download buttons under `/today`'s and `/plan`'s sessions (the same path)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InputFile, Update
from telegram.constants import ChatAction, ParseMode

from bot import buttons
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from bot.texts import workouts as tw
from coach import i18n, session_files
from coach.workouts.render import FormatUnavailable
from db.models import CallbackAction

FILE_BUTTON = "workout.file"
# A download button works as long as the message is likely read: the plan may change the session later,
# and the press then sends the session as it is by then.
FILE_BUTTON_TTL = timedelta(days=8)
FORMATS = ("fit", "zwo", "erg", "mrc")


async def file_buttons(
    session: AsyncSession, *, user_id: str, chat_id: int, day: date, now: datetime
) -> list[InlineKeyboardButton]:
    """One button per file format for the session of ``day`` (reusable: an athlete may want two formats)."""
    return [
        await buttons.issue(
            session,
            f"📥 {fmt.upper()}",
            user_id=user_id,
            chat_id=chat_id,
            kind=FILE_BUTTON,
            now=now,
            ttl=FILE_BUTTON_TTL,
            payload={"day": day.isoformat(), "fmt": fmt},
            single_use=False,
        )
        for fmt in FORMATS
    ]


async def day_buttons(
    session: AsyncSession, *, user_id: str, chat_id: int, days: Sequence[date], now: datetime
) -> list[InlineKeyboardButton]:
    """One FIT button per day with a session (`/plan`'s week); other formats through `/workout DAY FORMAT`."""
    return [
        await buttons.issue(
            session,
            f"📥 {i18n.when(day, '%a %d')}",
            user_id=user_id,
            chat_id=chat_id,
            kind=FILE_BUTTON,
            now=now,
            ttl=FILE_BUTTON_TTL,
            payload={"day": day.isoformat(), "fmt": "fit"},
            single_use=False,
        )
        for day in days
    ]


@buttons.on(FILE_BUTTON)
async def file_pressed(update: Update, context: Context, action: CallbackAction) -> None:
    payload = action.payload or {}
    await _send(update, context, [str(payload.get("day", "")), str(payload.get("fmt", "fit"))])


async def workout(update: Update, context: Context) -> None:
    await _send(update, context, list(context.args or []))


async def _send(update: Update, context: Context, words: list[str]) -> None:
    ctx = app_context(context)
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    refusal: str | None = None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        try:
            sent = await session_files.session_file(session, user, words=words, now=ctx.clock())
        except session_files.BadRequest as err:
            refusal = tw.bad_request(err.word)
        except session_files.NoSession as err:
            refusal = tw.no_session(err.day)
        except FormatUnavailable as err:
            refusal = tw.unavailable(str(err))
    if refusal is not None:
        await reply(update, refusal)
        return
    await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
    await message.reply_document(
        InputFile(sent.file.data, filename=sent.file.name),
        filename=sent.file.name,
        caption=tw.caption(sent.title, sent.day, sent.duration_s, sent.fmt),
        parse_mode=ParseMode.HTML,
    )
