"""Build the python-telegram-bot `Application` with our handlers, for any Bot API server."""

from __future__ import annotations

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder

from bot import texts
from bot.context import BOT_DATA_KEY, AppContext
from bot.handlers import register


async def _register_commands(app: Application) -> None:  # type: ignore[type-arg]
    await app.bot.set_my_commands([BotCommand(name, desc) for name, desc in texts.COMMANDS])


def build_application(
    ctx: AppContext, *, token: str, base_url: str, base_file_url: str, polling: bool = True
) -> Application:  # type: ignore[type-arg]
    """The bot, talking to the Bot API at ``base_url`` (PTB appends the token).

    Telegram allows about 30 messages a second overall; the rate limiter keeps us under it and retries
    once after a ``RetryAfter``.
    """
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=1))
        .post_init(_register_commands)
    )
    if not polling:
        builder = builder.updater(None)
    app = builder.build()
    app.bot_data[BOT_DATA_KEY] = ctx
    register(app)
    return app
