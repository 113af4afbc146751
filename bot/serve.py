"""Wiring provider connections into a running bot: the connector, the HTTP server, the notifications.

Shared by ``coach-watts run`` and ``coach-watts chat`` (and the end-to-end tests), so they run the same
code: the HTTP server is a task in the bot's event loop (`bot.asgi_server.BackgroundServer`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import SecretStr
from telegram import Bot
from telegram.constants import ParseMode
from telegram.ext import Application

from bot.calendar_jobs import CalendarJobs
from bot.context import AppContext
from bot.handlers.connect import ReconnectNotifier
from bot.http.app import build_http_app
from bot.http.deps import HttpDeps, Notify
from bot.http.provider_webhooks import ProviderWebhooks, WebhookSecrets
from bot.jobs.runner import JobRunner, Kind
from bot.report_jobs import ReportJobs
from bot.settings import PROVIDERS, Settings
from bot.sync_chat import ChatSyncs
from integrations.connect import Connector
from integrations.sync import events
from integrations.sync.engine import SyncEngine
from integrations.sync.events import EventInbox
from integrations.vault import TokenVault


def job_runner(ctx: AppContext) -> JobRunner:
    """This process's job runner (``ctx.jobs``), made on first use; every part declares its kinds on it."""
    if ctx.jobs is None:
        ctx.jobs = JobRunner(ctx.sessions, clock=ctx.clock)
    return ctx.jobs


def build_connector(settings: Settings, ctx: AppContext, vault: TokenVault) -> Connector:
    return Connector(
        sessions=ctx.sessions,
        vault=vault,
        apps={name: settings.provider_app(name) for name in PROVIDERS},
        public_base_url=settings.public_base_url,
        clock=ctx.clock,
    )


def attach_sync(ctx: AppContext, app: Application, connector: Connector) -> ChatSyncs:  # type: ignore[type-arg]
    """The sync engine behind /sync, the first import after /connect and the brief's "fetch last night"."""
    engine = SyncEngine(
        sessions=ctx.sessions, connector=connector, clock=ctx.clock, backfill_days=ctx.settings.sync_backfill_days
    )
    syncs = ChatSyncs(engine, app.bot, ctx.sessions, job_runner(ctx))
    ctx.syncs = syncs
    connector.set_after_connect(syncs.after_connect)
    return syncs


def attach_calendar(ctx: AppContext, app: Application, syncs: ChatSyncs) -> CalendarJobs:  # type: ignore[type-arg]
    """The Intervals.icu calendar job behind /plan sync, its kinds declared on this process's job runner."""
    jobs = CalendarJobs(syncs.engine, ctx.sessions, notify=notifier(app.bot), clock=ctx.clock)
    jobs.install(job_runner(ctx))
    ctx.calendar = jobs
    return jobs


def attach_reports(ctx: AppContext, app: Application) -> ReportJobs:  # type: ignore[type-arg]
    """/week, /race and /report's background work: the ``report.build`` kind on this process's job runner
    (``ctx.jobs``, which must exist; start it to run reports)."""
    if ctx.jobs is None:
        raise ValueError("reports run on the job runner: create ctx.jobs first")
    reports = ReportJobs(ctx, app.bot)
    reports.install(ctx.jobs)
    return reports


def provider_webhooks(
    settings: Settings, syncs: ChatSyncs, clock: Callable[[], datetime], runner: JobRunner
) -> ProviderWebhooks:
    """``/webhooks/{whoop,strava,oura,intervals}``; their events are processed as jobs of ``runner``."""

    def secret(value: SecretStr | None) -> str | None:
        return value.get_secret_value() if value is not None else None

    secrets = WebhookSecrets(
        whoop_client_secret=secret(settings.whoop_client_secret),
        oura_client_secret=secret(settings.oura_client_secret),
        oura_verification_token=secret(settings.oura_webhook_verification_token),
        strava_verify_token=secret(settings.strava_webhook_verify_token),
        strava_subscription_id=settings.strava_subscription_id,
        intervals_secret=secret(settings.intervals_webhook_secret),
    )
    inbox = EventInbox(syncs.engine, clock=clock, wake=runner.wake)
    install_provider_events(runner, inbox)
    return ProviderWebhooks(inbox, secrets, clock=clock)


def install_provider_events(runner: JobRunner, inbox: EventInbox) -> None:
    """Declare the "provider.event" jobs (one per stored webhook event) on the runner, with their policy."""
    runner.register(
        Kind(
            events.KIND,
            inbox.handle,
            max_attempts=events.MAX_ATTEMPTS,
            first_retry=events.FIRST_RETRY,
            last_retry=events.LAST_RETRY,
            lease=events.LEASE,
            concurrency=3,
        )
    )


def notifier(bot: Bot) -> Notify:
    async def notify(chat_id: int, html: str) -> None:
        await bot.send_message(chat_id, html, parse_mode=ParseMode.HTML, disable_web_page_preview=True)

    return notify


def attach(ctx: AppContext, app: Application, connector: Connector) -> HttpDeps:  # type: ignore[type-arg]
    """Make the bot tell users about broken connections; return what the HTTP routes need."""
    ctx.connector = connector
    connector.set_auth_lost_handler(ReconnectNotifier(app.bot, ctx.sessions, ctx))
    return HttpDeps(
        sessions=ctx.sessions, connector=connector, notify=notifier(app.bot), bot_token=app.bot.token, clock=ctx.clock
    )


__all__ = [
    "attach",
    "attach_calendar",
    "attach_reports",
    "attach_sync",
    "build_connector",
    "build_http_app",
    "install_provider_events",
    "notifier",
    "provider_webhooks",
]
