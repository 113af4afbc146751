"""Flow details without the chat: PKCE when a provider supports it, refresh answers without a new token."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.responses import JSONResponse, Response

from bot.asgi_server import BackgroundServer
from bot.context import utc_now
from bot.texts import connect as texts_connect
from db.models import OAuthState
from db.repositories import integrations, users
from integrations import connect as connect_module
from integrations.connect import Connector, NotAvailable
from integrations.errors import ProviderAuthError, ProviderRateLimited, ProviderUnavailable
from integrations.oauth.refresh import UserCredentials
from integrations.strava.client import seconds_to_next_window
from integrations.tokens import open_tokens
from integrations.vault import TokenVault, generate_key_spec
from integrations.whoop.client import WhoopClient
from tests.fakes.providers import FakeProviders


@pytest.fixture
async def bare(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Connector, FakeProviders, str]]:
    # Pretend Oura documented PKCE, to exercise the S256 path end to end against the fake.
    monkeypatch.setitem(connect_module.OAUTH, "oura", dataclasses.replace(connect_module.OAUTH["oura"], pkce=True))
    fakes = FakeProviders()
    async with BackgroundServer(fakes.asgi()) as server:
        connector = Connector(
            sessions=sessions,
            vault=TokenVault.from_spec(generate_key_spec("t")),
            apps=fakes.apps(server.url),
            public_base_url="http://127.0.0.1:9",
            clock=utc_now,
        )
        async with sessions.begin() as session:
            user = (await users.link_telegram_user(session, telegram_user_id=77, chat_id=77, name="Bo")).user
        yield connector, fakes, user.id
        await connector.aclose()


async def _approve(connector: Connector, user_id: str, provider: str) -> dict[str, str]:
    url = await connector.start(user_id=user_id, chat_id=77, provider=provider)
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(url)
    return {k: v[0] for k, v in parse_qs(urlsplit(approved.headers["location"]).query).items()}


async def test_pkce_s256_when_the_provider_supports_it(
    bare: tuple[Connector, FakeProviders, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    connector, fakes, user_id = bare
    url = await connector.start(user_id=user_id, chat_id=77, provider="oura")
    query = parse_qs(urlsplit(url).query)
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    async with sessions() as session:
        stored = (await session.scalars(select(OAuthState))).one()
    assert stored.code_verifier is not None and stored.code_verifier.startswith("cw1:t:")  # sealed
    async with httpx.AsyncClient() as browser:
        approved = await browser.get(url)
    params = {k: v[0] for k, v in parse_qs(urlsplit(approved.headers["location"]).query).items()}
    connected = await connector.finish(provider="oura", params=params)
    assert connected.profile.external_id.startswith("oura-")
    token_request = fakes["oura"].token_requests()[0]
    assert len(token_request.form["code_verifier"]) >= 43


async def test_no_pkce_parameters_where_not_supported(bare: tuple[Connector, FakeProviders, str]) -> None:
    connector, _, user_id = bare
    url = await connector.start(user_id=user_id, chat_id=77, provider="whoop")
    assert "code_challenge" not in url


async def test_a_refresh_answer_without_a_refresh_token_keeps_the_old_one(
    bare: tuple[Connector, FakeProviders, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    connector, fakes, user_id = bare
    await connector.finish(provider="whoop", params=await _approve(connector, user_id, "whoop"))
    async with sessions() as session:
        before = await integrations.get(session, user_id=user_id, provider="whoop")
    assert before is not None
    old_refresh = open_tokens(connector.tokens._vault, before).refresh_token
    fakes["whoop"].keep_refresh_token = True
    fakes["whoop"].expire_access_tokens()
    await connector.client(user_id=user_id, provider="whoop").profile()  # 401 → refresh → retry
    async with sessions() as session:
        after = await integrations.get(session, user_id=user_id, provider="whoop")
    assert after is not None
    tokens = open_tokens(connector.tokens._vault, after)
    assert tokens.refresh_token == old_refresh and fakes["whoop"].refreshes == 1


async def test_a_provider_without_credentials_is_unavailable_not_broken(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    fakes = FakeProviders()
    apps = fakes.apps("http://127.0.0.1:9")
    apps["strava"] = dataclasses.replace(apps["strava"], client_id=None, client_secret=None)
    connector = Connector(
        sessions=sessions,
        vault=TokenVault.from_spec(generate_key_spec("t")),
        apps=apps,
        public_base_url="http://127.0.0.1:9",
        clock=utc_now,
    )
    available = {p.name: p.available for p in connector.providers()}
    assert available == {"whoop": True, "strava": False, "intervals": True, "oura": True}
    with pytest.raises(NotAvailable):
        await connector.start(user_id="nobody", chat_id=None, provider="strava")
    text = texts_connect.connect_menu(connector.providers(), [])
    assert "<b>Strava</b> — unavailable" in text and "no app registered" in text
    await connector.aclose()


async def test_vendor_errors_become_the_error_tree(bare: tuple[Connector, FakeProviders, str]) -> None:
    connector, fakes, user_id = bare
    await connector.finish(provider="oura", params=await _approve(connector, user_id, "oura"))
    answer: dict[str, Any] = {}

    async def trouble(provider: Any, request: Any, grant: Any) -> Response:
        return JSONResponse({"detail": "no"}, status_code=answer["status"], headers=answer["headers"])

    fakes["oura"].add_api_route("/v2/usercollection/daily_sleep", trouble)
    client = connector.client(user_id=user_id, provider="oura")

    async def call(status: int, headers: dict[str, str] | None = None) -> None:
        answer.update(status=status, headers=headers or {})
        await client._request("GET", "{api}/v2/usercollection/daily_sleep")

    with pytest.raises(ProviderRateLimited) as limited:
        await call(429, {"Retry-After": "42"})
    assert limited.value.retry_after == 42.0 and limited.value.provider == "oura"
    with pytest.raises(ProviderUnavailable):
        await call(503)
    with pytest.raises(ProviderAuthError):
        await call(403)  # Oura: the membership lapsed


async def test_an_unreachable_provider_is_unavailable(bare: tuple[Connector, FakeProviders, str]) -> None:
    connector, _, user_id = bare
    await connector.finish(provider="whoop", params=await _approve(connector, user_id, "whoop"))
    dead = dataclasses.replace(connector._apps["whoop"], api_base_url="http://127.0.0.1:9")
    client = WhoopClient(connector._http, dead, UserCredentials(connector.tokens, user_id, "whoop"))
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        await client.profile()


def test_strava_rate_limits_wait_for_the_next_quarter_hour() -> None:
    from datetime import UTC, datetime

    assert seconds_to_next_window(datetime(2026, 1, 1, 7, 14, 30, tzinfo=UTC)) == 30
    assert seconds_to_next_window(datetime(2026, 1, 1, 7, 15, 0, tzinfo=UTC)) == 900


def test_the_menu_says_when_only_an_api_key_works() -> None:
    infos = [
        connect_module.ProviderInfo("whoop", "WHOOP", available=False, reads="", api_key=False),
        connect_module.ProviderInfo("intervals", "Intervals.icu", available=False, reads="", api_key=True),
    ]
    text = texts_connect.connect_menu(infos, [])
    assert "<b>WHOOP</b> — unavailable" in text
    assert "<b>Intervals.icu</b> — not connected (with a personal API key)" in text
