"""Which handler answers which update."""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import buttons
from bot.handlers import account, brief, charts, coaching, connect, errors, files, reports, sync


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(~private & (filters.COMMAND | filters.TEXT), errors.not_private))
    app.add_handler(CommandHandler("start", account.start, filters=private))
    app.add_handler(CommandHandler("help", account.help_command, filters=private))
    app.add_handler(CommandHandler("settings", account.settings, filters=private))
    app.add_handler(CommandHandler("today", coaching.today, filters=private))
    app.add_handler(CommandHandler("demo", coaching.load_demo, filters=private))
    app.add_handler(CommandHandler("brief", brief.brief, filters=private))
    app.add_handler(CommandHandler("connect", connect.connect, filters=private))
    app.add_handler(CommandHandler("disconnect", connect.disconnect, filters=private))
    app.add_handler(CommandHandler("status", connect.status, filters=private))
    app.add_handler(CommandHandler("sync", sync.sync, filters=private))
    app.add_handler(CallbackQueryHandler(buttons.dispatch))
    app.add_handler(MessageHandler(private & filters.Document.ALL, files.document))
    app.add_handler(CommandHandler("fitness", charts.fitness, filters=private))
    app.add_handler(CommandHandler("hrv", charts.hrv, filters=private))
    app.add_handler(CommandHandler("curve", charts.curve, filters=private))
    app.add_handler(CommandHandler("week", reports.week, filters=private))
    app.add_handler(CommandHandler("race", reports.race, filters=private))
    app.add_handler(CommandHandler("report", reports.report, filters=private))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, coaching.free_text))
    app.add_handler(MessageHandler(private & filters.COMMAND, account.unknown_command))
    app.add_error_handler(errors.on_error)
