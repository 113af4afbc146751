"""Inline buttons whose meaning lives on the server.

``callback_data`` is ``"a:<id>"``, the id of a "CallbackAction" row that fixes who may press the button,
in which chat, what it does (``kind`` + JSON payload) and until when. Telegram lets any client send any
``callback_data`` it likes, so nothing in the payload is trusted: a press from another chat, on an old
message or with a made-up id is answered "This button has expired." and does nothing else.

Handlers register per kind::

    @buttons.on("brief.feedback")
    async def feedback(update: Update, context: Context, action: CallbackAction) -> None: ...

The press is claimed (and, for single-use buttons, spent) in its own committed transaction before the
handler runs, so a double tap or a redelivered update acts once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, Update

from bot import texts
from bot.context import Context, app_context
from coach import i18n
from db.models import CallbackAction
from db.repositories import actions, users

logger = logging.getLogger(__name__)

PREFIX = "a:"

ButtonHandler = Callable[[Update, Context, CallbackAction], Awaitable[None]]

# Filled by the ``@on`` decorators when the handler modules are imported (bot.handlers.registry).
_HANDLERS: dict[str, ButtonHandler] = {}


def on(kind: str) -> Callable[[ButtonHandler], ButtonHandler]:
    """Register the handler of one kind of button."""

    def register(handler: ButtonHandler) -> ButtonHandler:
        if _HANDLERS.get(kind, handler) is not handler:
            raise ValueError(f"a handler for button kind {kind!r} is already registered")
        _HANDLERS[kind] = handler
        return handler

    return register


def button(text: str, action_id: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=PREFIX + action_id)


async def issue(
    session: AsyncSession,
    text: str,
    *,
    user_id: str,
    chat_id: int,
    kind: str,
    now: datetime,
    ttl: timedelta,
    payload: dict[str, Any] | None = None,
    single_use: bool = True,
) -> InlineKeyboardButton:
    """A button whose press does ``kind`` with ``payload``, for ``user_id`` in ``chat_id`` only, until ``ttl``."""
    action_id = await actions.issue(
        session,
        user_id=user_id,
        chat_id=chat_id,
        kind=kind,
        now=now,
        ttl=ttl,
        payload=payload,
        single_use=single_use,
    )
    return button(text, action_id)


def action_id_of(callback_data: str | None) -> str | None:
    """The id in a button's data, or None for anything that is not one of our buttons."""
    if not callback_data or not callback_data.startswith(PREFIX):
        return None
    action_id = callback_data[len(PREFIX) :]
    return action_id if 0 < len(action_id) <= 64 else None


async def dispatch(update: Update, context: Context) -> None:
    """The one CallbackQueryHandler: check the press on the server, then hand it to its kind's handler."""
    query = update.callback_query
    assert query is not None
    action = await _claim(update, context)
    handler = _HANDLERS.get(action.kind) if action is not None else None
    if action is None or handler is None:
        if action is not None:
            logger.warning("no handler for button kind %s", action.kind)
        await query.answer(texts.button_expired())
        return
    await query.answer()
    await handler(update, context, action)


async def _claim(update: Update, context: Context) -> CallbackAction | None:
    query = update.callback_query
    chat = update.effective_chat
    assert query is not None
    action_id = action_id_of(query.data)
    if action_id is None or chat is None:
        return None
    ctx = app_context(context)
    async with ctx.sessions.begin() as session:
        user = await users.get_by_telegram_id(session, telegram_user_id=query.from_user.id)
        if user is None:
            return None
        i18n.activate_for(user)  # the button's handler answers in the athlete's language
        return await actions.claim(session, action_id=action_id, user_id=user.id, chat_id=chat.id, now=ctx.clock())
