"""/workout [YYYY-MM-DD|today|tomorrow] [zwo|fit|erg|mrc]: a planned session as a file for the athlete's device."""

from __future__ import annotations

from telegram import InputFile, Update
from telegram.constants import ChatAction, ParseMode

from bot import texts_workouts as tw
from bot.context import Context, app_context
from bot.handlers.common import asking_user, reply
from coach import session_files
from coach.workouts.render import FormatUnavailable


async def workout(update: Update, context: Context) -> None:
    ctx = app_context(context)
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    refusal: str | None = None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        try:
            sent = await session_files.session_file(session, user, words=context.args or [], now=ctx.clock())
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
