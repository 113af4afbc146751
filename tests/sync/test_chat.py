"""The first import after /connect and /sync in chat: one progress message, edited as pages arrive."""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.app import build_application, polling
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi, Sent
from bot.context import AppContext
from bot.http.app import build_http_app
from bot.serve import attach, attach_sync
from bot.settings import Settings
from integrations.connect import Connector
from integrations.retry import RetryPolicy
from integrations.vault import TokenVault, generate_key_spec
from tests.bot.conftest import TOKEN
from tests.connect.conftest import ANN, ConnectHarness, LateApp, url_button
from tests.fakes.providers import FakeProviders
from tests.fakes.providers.data import DataStore, serve_data, strava_activities, whoop_days


class ChatSyncHarness(ConnectHarness):
    stores: dict[str, DataStore]


@pytest.fixture
async def chat(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[ChatSyncHarness]:
    api = LocalBotApi(TOKEN)
    fakes = FakeProviders()
    stores = serve_data(fakes)
    vault_spec = generate_key_spec("test")
    vault = TokenVault.from_spec(vault_spec)
    late = LateApp()
    async with (
        BackgroundServer(api.asgi()) as telegram,
        BackgroundServer(fakes.asgi()) as providers,
        BackgroundServer(late) as http,
    ):
        settings = Settings(_env_file=None, PUBLIC_BASE_URL=http.url)  # type: ignore[call-arg]
        ctx = AppContext(settings=settings, sessions=sessions)
        connector = Connector(
            sessions=sessions, vault=vault, apps=fakes.apps(providers.url), public_base_url=http.url, clock=ctx.clock
        )
        app = build_application(
            ctx, token=TOKEN, base_url=f"{telegram.url}/bot", base_file_url=f"{telegram.url}/file/bot"
        )
        deps = attach(ctx, app, connector)
        syncs = attach_sync(ctx, app, connector)
        syncs.engine.retry = RetryPolicy(attempts=8, base_s=0.01, cap_s=0.05)
        late.app = build_http_app(deps)
        assert ctx.jobs is not None
        await ctx.jobs.start()  # as `coach-watts run` does: queued syncs start at once
        try:
            async with polling(app, poll_timeout_s=1):
                h = ChatSyncHarness(
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
                h.stores = stores
                yield h
                await syncs.idle()
        finally:
            await ctx.jobs.stop()
            await syncs.engine.aclose()
            await connector.aclose()


def plain(sent: Sent) -> str:
    return re.sub(r"<[^>]+>", "", sent.text)


def _progress(sent: list[Sent]) -> list[Sent]:
    return [s for s in sent if "WHOOP:" in plain(s) or "Strava:" in plain(s)]


async def test_connecting_whoop_imports_the_last_90_days_with_an_edited_progress_message(chat: ChatSyncHarness) -> None:
    h = chat
    h.fakes["whoop"].next_user.user_id = "48213"
    for kind, items in whoop_days(40, end=datetime.now(UTC) - timedelta(days=1), workouts_per_day=2).items():
        h.stores["whoop"].put(kind, *items)
    (link,) = await h.ask(ANN, "/connect whoop")
    page = await h.follow(url_button(link))
    assert page.status_code == 200
    assert h.ctx.syncs is not None
    await h.ctx.syncs.idle()
    sent = await h.api.drain(ANN["id"], quiet=0.5)

    assert any("WHOOP connected" in s.text for s in sent), [s.text for s in sent]
    progress = _progress(sent)
    assert progress, [s.text for s in sent]
    assert progress[0].method == "sendMessage"
    assert all(s.method == "editMessageText" for s in progress[1:])
    assert len({s.message["message_id"] for s in progress}) == 1  # one message, edited
    final = plain(progress[-1])
    assert final == "WHOOP: imported 80 workouts, 40 nights from the last 90 days ✓", final
    user_id = await h.user_id(ANN["id"])
    row = await h.integration(user_id, "whoop")
    assert row is not None and row.sync_status == "SUCCESS"


async def test_sync_command_brings_every_connection_up_to_date(chat: ChatSyncHarness) -> None:
    h = chat
    h.stores["strava"].put("activity", *strava_activities(30, end=datetime.now(UTC)))
    await h.connect(ANN, "strava")
    assert h.ctx.syncs is not None
    await h.ctx.syncs.idle()
    with contextlib.suppress(TimeoutError):  # the first import's progress message
        await h.api.drain(ANN["id"], quiet=0.3, wait_s=2)

    sent = await h.ask(ANN, "/sync")
    await h.ctx.syncs.idle()
    with contextlib.suppress(TimeoutError):  # the summary may already have been among the replies
        sent += await h.api.drain(ANN["id"], quiet=0.5, wait_s=2)

    final = plain(_progress(sent)[-1])
    assert final.startswith("Strava: up to date ✓"), final


async def test_sync_without_connections_says_how_to_connect(chat: ChatSyncHarness) -> None:
    (reply,) = await chat.ask(ANN, "/sync")
    assert "/connect" in reply.text


async def test_a_chat_sync_that_moves_the_curve_offers_the_estimated_ftp_once(chat: ChatSyncHarness) -> None:
    """Nine rides, each with one all-out effort of 3–20 min from CP 250 W / W′ 20 kJ, synced with their streams."""
    h = chat
    rides = strava_activities(9, end=datetime.now(UTC))
    for ride, effort_s in zip(rides, (180, 240, 300, 360, 480, 600, 720, 900, 1200), strict=True):
        watts = [100.0] * 600 + [20_000 / effort_s + 250] * effort_s + [100.0] * 600
        h.stores["strava"].streams[str(ride["id"])] = {"time": list(range(len(watts))), "watts": watts}
    h.stores["strava"].put("activity", *rides)
    await h.ask(ANN, "/settings ftp 220")

    await h.connect(ANN, "strava")
    assert h.ctx.syncs is not None
    await h.ctx.syncs.idle()
    sent = await h.api.drain(ANN["id"], quiet=0.5)

    offers = [s for s in sent if "Update FTP to 240 W" in [b["text"] for b in s.buttons]]
    assert len(offers) == 1, [s.text for s in sent]
    assert "you have 220 W set (+9 %)" in offers[0].text
    # The next sync finds the same estimate: nothing more is said about it.
    await h.ask(ANN, "/sync")
    await h.ctx.syncs.idle()
    with contextlib.suppress(TimeoutError):
        later = await h.api.drain(ANN["id"], quiet=0.5, wait_s=2)
        assert not any("Update FTP" in str(s.params.get("reply_markup")) for s in later)
