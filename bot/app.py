"""Build the python-telegram-bot `Application` with our handlers, for any Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import BotCommand
from telegram.ext import Application, ApplicationBuilder

from bot import texts
from bot.context import BOT_DATA_KEY, AppContext
from bot.handlers import register
from bot.ratelimit import PacedRateLimiter, SharedPace
from bot.telegram_request import AiohttpRequest
from bot.update_order import ChatOrderedProcessor
from coach import i18n
from coach.i18n import t

# Channel posts only to answer a command there with the hint to talk privately.
ALLOWED_UPDATES = ["message", "callback_query", "channel_post"]
# Telegram's broadcast limit for one bot (Bots FAQ): about 30 messages a second across all chats.
MESSAGES_PER_SECOND = 30
# We pace under it: a 31st message in any one second is refused with a 429 that stops every send for its
# retry_after. The turns (bot/ratelimit.py) may start a quarter interval early and be used up to a quarter
# interval late, so any second holds at most 30 of them at 28.5/s; the rest of the margin absorbs what
# happens between a turn and Telegram (the request's way out of a busy process, the network).
PACED_PER_SECOND = 28.5


def command_menu(language: str) -> list[BotCommand]:
    """The command menu with its descriptions in ``language``."""
    with i18n.use(language):
        return [BotCommand(name, t(desc)) for name, desc in texts.COMMANDS]


async def register_commands(app: Application) -> None:  # type: ignore[type-arg]
    """The menu in each language we speak, shown by Telegram to apps set to it; English for every other app."""
    await app.bot.set_my_commands(command_menu(i18n.DEFAULT))
    for language in i18n.LANGUAGES:
        await app.bot.set_my_commands(command_menu(language), language_code=language)


@asynccontextmanager
async def polling(app: Application, *, poll_timeout_s: int = 10) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """Initialise, register the command menu, and poll for updates until the block ends.

    ``post_init`` only runs under ``run_polling``, which would own the event loop; we share the loop
    with the HTTP server and the scheduler, so start-up steps are explicit here.
    """
    async with app:
        await app.start()
        await register_commands(app)
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout_s, allowed_updates=ALLOWED_UPDATES)
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


@asynccontextmanager
async def webhook(app: Application, *, url: str, secret: str) -> AsyncIterator[None]:  # type: ignore[type-arg]
    """Initialise, register the command menu and point Telegram at ``url``; updates then arrive over HTTP.

    The webhook stays set when we stop: Telegram keeps queueing updates for the next start.
    """
    async with app:
        await app.start()
        await register_commands(app)
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        try:
            yield
        finally:
            await app.stop()


def build_application(
    ctx: AppContext,
    *,
    token: str,
    base_url: str,
    base_file_url: str,
    polling: bool = True,
    rate_limited: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The bot, talking to the Bot API at ``base_url`` (PTB appends the token).

    Telegram allows about 30 messages a second overall and one a second per chat; the rate limiter keeps
    every process on this database under both together and retries once after a ``RetryAfter``
    (`bot.ratelimit`: an even pace shared in PostgreSQL, and a flood wait that holds every request).
    ``rate_limited=False`` is for benchmarks against a local Bot API server, which has no flood limits.
    """
    builder = ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url)
    # Bot API calls over aiohttp (bot.telegram_request): half the CPU of PTB's httpx request per reply.
    # PTB's pool sizes: 256 connections for the bot's calls, one for the long poll.
    builder = builder.request(AiohttpRequest(connection_pool_size=256))
    builder = builder.get_updates_request(AiohttpRequest(connection_pool_size=1))
    # Polling hands updates to PTB's processor: chats side by side, each chat in order (webhook mode
    # orders them itself, see bot.telegram_webhook, and calls process_update directly).
    builder = builder.concurrent_updates(ChatOrderedProcessor())
    if rate_limited:
        # One pace for every process on this database (Telegram's limits are per bot, not per process).
        engine = ctx.sessions.kw["bind"]
        pace = SharedPace(engine, PACED_PER_SECOND, chat_burst=ctx.settings.telegram_chat_burst)
        limiter = PacedRateLimiter(PACED_PER_SECOND, max_retries=1, pace=pace)
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data[BOT_DATA_KEY] = ctx
    register(app)
    return app
