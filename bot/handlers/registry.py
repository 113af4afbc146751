"""Which handler answers which update."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot import buttons
from bot.handlers import (
    account,
    brief,
    charts,
    coaching,
    common,
    connect,
    data_rights,
    errors,
    files,
    plan,
    plan_week,
    profile,
    races,
    reports,
    sync,
    workouts,
)
from bot.handlers import thresholds as _thresholds  # noqa: F401  (registers the FTP offer's button)

# Runs before every other group: a typed answer to an open setup or settings question is consumed there
# (ApplicationHandlerStop); anything else falls through to the ordinary handlers.
DIALOG_GROUP = -10
# Before even the dialogs: a message carrying an API key is deleted and connected, and goes no further.
CREDENTIAL_GROUP = -20
# Before everything: the language the update is answered in.
LANGUAGE_GROUP = -30


def register(app: Application) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    elsewhere = (filters.ChatType.GROUPS & (filters.COMMAND | filters.TEXT)) | (
        filters.ChatType.CHANNEL & filters.COMMAND
    )
    app.add_handler(TypeHandler(Update, common.activate_language), group=LANGUAGE_GROUP)
    app.add_handler(
        MessageHandler(private & (filters.TEXT | filters.CAPTION) & ~filters.COMMAND, connect.typed_key),
        group=CREDENTIAL_GROUP,
    )
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, profile.on_text), group=DIALOG_GROUP)
    app.add_handler(MessageHandler(elsewhere, errors.not_private))
    app.add_handler(CommandHandler("start", account.start, filters=private))
    app.add_handler(CommandHandler("setup", account.setup, filters=private))
    app.add_handler(CommandHandler("help", account.help_command, filters=private))
    app.add_handler(CommandHandler("settings", account.settings, filters=private))
    app.add_handler(CommandHandler("today", coaching.today, filters=private))
    app.add_handler(CommandHandler("demo", coaching.load_demo, filters=private))
    app.add_handler(CommandHandler("brief", brief.brief, filters=private))
    app.add_handler(CommandHandler("connect", connect.connect, filters=private))
    app.add_handler(CommandHandler("disconnect", connect.disconnect, filters=private))
    app.add_handler(CommandHandler("status", connect.status, filters=private))
    app.add_handler(CommandHandler("sync", sync.sync, filters=private))
    app.add_handler(CommandHandler("export", data_rights.export, filters=private))
    app.add_handler(CommandHandler("deleteme", data_rights.deleteme, filters=private))
    app.add_handler(CommandHandler("privacy", data_rights.privacy, filters=private))
    app.add_handler(CallbackQueryHandler(buttons.dispatch))
    app.add_handler(MessageHandler(private & filters.Document.ALL, files.document))
    app.add_handler(CommandHandler("fitness", charts.fitness, filters=private))
    app.add_handler(CommandHandler("hrv", charts.hrv, filters=private))
    app.add_handler(CommandHandler("curve", charts.curve, filters=private))
    app.add_handler(CommandHandler("planchart", charts.plan, filters=private))
    app.add_handler(CommandHandler("week", reports.week, filters=private))
    app.add_handler(CommandHandler("nextweek", plan_week.next_week, filters=private))
    app.add_handler(CommandHandler("race", reports.race, filters=private))
    app.add_handler(CommandHandler("races", races.races_command, filters=private))
    app.add_handler(CommandHandler("plan", plan.plan, filters=private))
    app.add_handler(CommandHandler("workout", workouts.workout, filters=private))
    app.add_handler(CommandHandler("report", reports.report, filters=private))
    app.add_handler(MessageHandler(private & filters.LOCATION, profile.on_location))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, coaching.free_text))
    app.add_handler(MessageHandler(private & filters.COMMAND, account.unknown_command))
    app.add_error_handler(errors.on_error)
