"""/connect, /disconnect, /status, the "connect" buttons, and telling a user their connection broke."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot import buttons, typed_credentials
from bot.context import AppContext, Context, app_context
from bot.handlers.common import asking_user, reply
from bot.http import miniapp
from bot.texts import connect as texts_connect
from coach import i18n
from db.models import CallbackAction
from db.repositories import actions, users
from integrations.connect import ConnectFailed, Connector, NotAvailable, provider_named
from integrations.errors import ProviderAuthError

logger = logging.getLogger(__name__)

MENU_TTL = timedelta(hours=1)
RECONNECT_TTL = timedelta(days=30)

Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def _connector(ctx: AppContext) -> Connector:
    if ctx.connector is None:
        raise NotSetUp
    return ctx.connector


class NotSetUp(Exception):
    """This bot runs without provider connections (e.g. a test harness that does not need them)."""


def _guarded(handler: Handler) -> Handler:
    async def run(update: Update, context: Context) -> None:
        try:
            await handler(update, context)
        except NotSetUp:
            await reply(update, texts_connect.not_set_up())

    run.__name__ = handler.__name__
    run.__doc__ = handler.__doc__
    return run


@_guarded
async def connect(update: Update, context: Context) -> None:
    """``/connect`` (menu), ``/connect <provider>`` (authorize link), ``/connect intervals <API key>``."""
    args = context.args or []
    provider = provider_named(args[0]) if args else None
    if len(args) >= 2 and provider == "intervals":
        await _connect_api_key(update, context, args[1])
        return
    if args:
        await _send_link(update, context, provider or args[0])
        return
    ctx = app_context(context)
    connector = _connector(ctx)
    chat = update.effective_chat
    assert chat is not None
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        connections = await connector.connections(user_id=user.id)
        by_name = {c.provider: c for c in connections}
        infos = connector.providers()
        choices = []
        for info in infos:
            if not info.available and not info.api_key:
                continue
            action_id = await actions.issue(
                session,
                user_id=user.id,
                chat_id=chat.id,
                kind=texts_connect.KIND_START,
                payload={"provider": info.name},
                now=ctx.clock(),
                ttl=MENU_TTL,
                single_use=False,
            )
            choices.append((texts_connect.menu_button_text(info, by_name.get(info.name)), action_id))
    message = update.effective_message
    assert message is not None
    await message.reply_text(
        texts_connect.connect_menu(infos, connections),
        parse_mode=ParseMode.HTML,
        reply_markup=texts_connect.menu_keyboard(choices),
        disable_web_page_preview=True,
    )


async def _send_link(update: Update, context: Context, provider: str) -> None:
    ctx = app_context(context)
    connector = _connector(ctx)
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    infos = {i.name: i for i in connector.providers()}
    info = infos.get(provider)
    if info is None:
        await reply(update, texts_connect.unknown_provider(provider, list(infos.values())))
        return
    if not info.available:
        await reply(update, texts_connect.api_key_only(info) if info.api_key else texts_connect.unavailable(info.label))
        return
    public = ctx.settings.public_base_url.rstrip("/")
    if public.startswith("https://"):
        # A Mini App checks who opens the link before anyone is sent to the provider (bot.http.miniapp).
        async with ctx.sessions.begin() as session:
            user = await asking_user(session, update)
            link_id = await actions.issue(
                session,
                user_id=user.id,
                chat_id=chat.id,
                kind=miniapp.KIND_LINK,
                payload={"provider": provider},
                now=ctx.clock(),
                ttl=miniapp.LINK_TTL,
                single_use=True,
            )
        markup = texts_connect.mini_app_keyboard(info.label, f"{public}/connect/{link_id}")
    else:
        # Development over plain http: Telegram opens Mini Apps only over https, so the button goes
        # straight to the provider (the state still binds the flow to this user; see the README).
        async with ctx.sessions.begin() as session:
            user = await asking_user(session, update)
        url = await connector.start(user_id=user.id, chat_id=chat.id, provider=provider)
        markup = texts_connect.link_keyboard(info.label, url)
    await message.reply_text(
        texts_connect.connect_link(info),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
        disable_web_page_preview=True,
    )


async def _connect_api_key(update: Update, context: Context, key: str, *, pasted: bool = False) -> None:
    """The key is read, the message deleted at once, and the key never repeated anywhere.

    ``pasted``: the key came without ``/connect`` (`typed_key`); the first reply says why it was deleted.
    """
    ctx = app_context(context)
    chat = update.effective_chat
    message = update.effective_message
    assert chat is not None and message is not None
    try:
        await message.delete()
        notice = texts_connect.api_key_checking(pasted=pasted)
    except TelegramError:
        notice = texts_connect.api_key_not_deleted()
    connector = _connector(ctx)  # after the delete: a key must leave the chat even where connecting is off
    await context.bot.send_message(chat.id, notice, parse_mode=ParseMode.HTML)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
    try:
        connected = await connector.connect_api_key(user_id=user.id, chat_id=chat.id, key=key.strip())
    except NotAvailable:
        await context.bot.send_message(chat.id, texts_connect.api_key_unavailable(), parse_mode=ParseMode.HTML)
        return
    except ConnectFailed as err:
        # Only a 401/403 means the key is wrong; an outage or a rate limit says nothing about the key.
        refused = isinstance(err.cause, ProviderAuthError)
        text = texts_connect.api_key_refused() if refused else texts_connect.api_key_unchecked()
        await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)
        return
    await context.bot.send_message(
        chat.id,
        texts_connect.connected(connected.label, connected.profile.display_name, provider=connected.provider),
        parse_mode=ParseMode.HTML,
    )


async def typed_key(update: Update, context: Context) -> None:
    """A message carrying an Intervals.icu API key without ``/connect`` (pasted, or typed while the bot
    waited for something else): deleted and connected like ``/connect intervals KEY``, and consumed, so no
    dialog, coach conversation or language model ever sees it (`bot.typed_credentials`)."""
    message = update.effective_message
    if message is None:
        return
    key = typed_credentials.pasted_key(message.text or message.caption or "")
    if key is None:
        return
    try:
        await _connect_api_key(update, context, key, pasted=True)
    except NotSetUp:
        await reply(update, texts_connect.not_set_up())
    raise ApplicationHandlerStop


@buttons.on(texts_connect.KIND_START)
async def connect_button(update: Update, context: Context, action: CallbackAction) -> None:
    provider = str(action.payload.get("provider", ""))
    await _guarded(lambda u, c: _send_link(u, c, provider))(update, context)


@_guarded
async def disconnect(update: Update, context: Context) -> None:
    ctx = app_context(context)
    connector = _connector(ctx)
    args = context.args or []
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
    if not args:
        await reply(update, texts_connect.disconnect_usage(await connector.connections(user_id=user.id)))
        return
    provider = provider_named(args[0])
    if provider is None:
        await reply(update, texts_connect.unknown_provider(args[0], connector.providers()))
        return
    result = await connector.disconnect(user_id=user.id, provider=provider)
    await reply(update, texts_connect.disconnected(result))


@_guarded
async def status(update: Update, context: Context) -> None:
    ctx = app_context(context)
    connector = _connector(ctx)
    async with ctx.sessions.begin() as session:
        user = await asking_user(session, update)
        tz = user.timezone
    connectable = [p.label for p in connector.providers() if p.available or p.api_key]
    await reply(update, texts_connect.status(await connector.connections(user_id=user.id), tz, connectable))


class ReconnectNotifier:
    """Tells a user, once, that a connection broke, with a button that starts a fresh connect."""

    def __init__(self, bot: Bot, sessions: async_sessionmaker[AsyncSession], ctx: AppContext) -> None:
        self._bot = bot
        self._sessions = sessions
        self._ctx = ctx

    async def __call__(self, user_id: str, provider: str) -> None:
        label = self._ctx.connector.label(provider) if self._ctx.connector is not None else provider
        async with self._sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            if user is None or user.telegram_chat_id is None:
                return
            chat_id = user.telegram_chat_id
            action_id = await actions.issue(
                session,
                user_id=user_id,
                chat_id=chat_id,
                kind=texts_connect.KIND_START,
                payload={"provider": provider},
                now=self._ctx.clock(),
                ttl=RECONNECT_TTL,
                single_use=False,
            )
        with i18n.speaking_to(user):  # a sync found it, not an update: in the athlete's language
            text, markup = texts_connect.reconnect_needed(label), texts_connect.reconnect_keyboard(label, action_id)
        try:
            await self._bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except TelegramError:
            logger.warning("could not tell user %s that %s needs reconnecting", user_id, provider, exc_info=True)
