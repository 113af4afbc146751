"""The whole HTTP app as ``coach-watts run`` serves it: every route, the real uvicorn server, real PostgreSQL.

Behind it: the fake providers (their data servers count requests), the local Bot API for the Telegram
webhook, and an outer ASGI wrapper that counts the body bytes the app pulled from the server — the
measure of "reads at most what it can need" that does not depend on timing or on the allocator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from telegram.ext import Application

from bot.app import build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.context import AppContext
from bot.http.app import build_http_app
from bot.http.deps import HttpDeps
from bot.http.provider_webhooks import ProviderWebhooks, WebhookSecrets
from bot.jobs.runner import JobRunner
from bot.serve import install_provider_events
from bot.settings import Settings
from bot.telegram_webhook import TelegramWebhook
from db.models import Job
from db.repositories import telegram_updates
from integrations.sync.events import EventInbox
from tests.bot.conftest import TOKEN
from tests.sync.conftest import SyncHarness
from tests.sync.conftest import harness as sync_harness_of

TELEGRAM_SECRET = "telegram-hook-secret"
WHOOP_SECRET = "whoop-secret-value"  # the fake WHOOP app's client secret
OURA_SECRET = "oura-secret-value"
INTERVALS_SECRET = "intervals-hook-secret"
SUBSCRIPTION = 120475


@dataclass
class BodyCounter:
    """Outer ASGI wrapper: how many body bytes the app received from the server, per request path."""

    app: ASGIApp | None = None
    read: dict[str, int] = field(default_factory=dict)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]

        async def counted() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.read[path] = self.read.get(path, 0) + len(message.get("body", b""))
            return message

        await self.app(scope, counted, send)


@dataclass
class Site:
    url: str
    sync: SyncHarness
    inbox: EventInbox
    jobs: JobRunner  # never started: a test runs the due jobs (`run_due`) when it wants them run
    telegram: TelegramWebhook
    bot_api: LocalBotApi
    counter: BodyCounter
    sessions: async_sessionmaker[AsyncSession]

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=30)

    async def count(self, model: type) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    async def telegram_updates(self) -> int:
        """Telegram updates stored (as jobs of the queue)."""
        async with self.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(Job).where(Job.kind == telegram_updates.KIND))
            return int(count or 0)


async def _notify(chat_id: int, html: str) -> None:
    return None


@pytest.fixture
async def site(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Site]:
    async with serve(sessions) as s:
        yield s


def serve(  # type: ignore[no-untyped-def]
    sessions: async_sessionmaker[AsyncSession],
    *,
    body_timeout_s: float = 10.0,
    **server_options: float,
):
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def run() -> AsyncIterator[Site]:
        bot_api = LocalBotApi(TOKEN)
        now = lambda: datetime.now(UTC)  # noqa: E731
        ctx = AppContext(settings=Settings(_env_file=None), sessions=sessions, clock=now)  # type: ignore[call-arg]
        async with sync_harness_of(sessions) as sync, BackgroundServer(bot_api.asgi()) as api_server:
            app: Application = build_application(  # type: ignore[type-arg]
                ctx,
                token=TOKEN,
                base_url=f"{api_server.url}/bot",
                base_file_url=f"{api_server.url}/file/bot",
                polling=False,
            )
            engine = sync.engine()
            jobs = JobRunner(sessions, clock=now)
            inbox = EventInbox(engine, clock=now, wake=jobs.wake)
            install_provider_events(jobs, inbox)
            secrets = WebhookSecrets(
                whoop_client_secret=WHOOP_SECRET,
                oura_client_secret=OURA_SECRET,
                oura_verification_token="oura-verify",
                strava_verify_token="strava-verify",
                strava_subscription_id=SUBSCRIPTION,
                intervals_secret=INTERVALS_SECRET,
            )
            hooks = ProviderWebhooks(inbox, secrets, clock=now)
            async with app:
                await app.start()
                telegram = TelegramWebhook(app, jobs, secret=TELEGRAM_SECRET)
                deps = HttpDeps(sessions=sessions, connector=sync.connector, notify=_notify, bot_token=TOKEN, clock=now)
                counter = BodyCounter()
                counter.app = build_http_app(
                    deps, webhook_routes=[*hooks.routes(), telegram.route()], body_timeout_s=body_timeout_s
                )
                await telegram.start()
                try:
                    async with BackgroundServer(counter, **server_options) as server:  # type: ignore[arg-type]
                        yield Site(server.url, sync, inbox, jobs, telegram, bot_api, counter, sessions)
                finally:
                    await telegram.stop()
                    await engine.aclose()
                    await app.stop()

    return run()
