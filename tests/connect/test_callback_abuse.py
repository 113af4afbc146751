"""Every way a callback can be wrong: a 4xx page, nothing stored, no token request, a security log line."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select, update

from db.models import Integration, OAuthState
from tests.connect.conftest import ANN, ConnectHarness, url_button


async def _callback_url(h: ConnectHarness, provider: str) -> str:
    """Start a connect in chat and let the fake provider approve it, but stop before our callback."""
    (link,) = await h.ask(ANN, f"/connect {provider}")
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        approved = await browser.get(url_button(link))
    assert approved.status_code == 302
    return approved.headers["location"]


async def _get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        return await browser.get(url)


async def _integrations(h: ConnectHarness) -> int:
    async with h.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Integration)) or 0)


def _token_requests(h: ConnectHarness) -> int:
    return sum(len(fake.token_requests()) for fake in h.fakes.by_name.values())


def _with(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return parts._replace(query=urlencode(query)).geturl()


@pytest.fixture
def security_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="bot.http.oauth")
    return caplog


async def _refused(h: ConnectHarness, response: httpx.Response, caplog: pytest.LogCaptureFixture, reason: str) -> None:
    assert response.status_code == 400
    assert "This link has expired" in response.text and "/connect" in response.text
    assert "location" not in response.headers
    assert await _integrations(h) == 0
    assert _token_requests(h) == 0
    assert any("security" in r.getMessage() and reason in r.getMessage() for r in caplog.records)


async def test_missing_state(connect_harness: ConnectHarness, security_log: pytest.LogCaptureFixture) -> None:
    url = await _callback_url(connect_harness, "whoop")
    await _refused(connect_harness, await _get(_with(url, state=None)), security_log, "missing")


async def test_unknown_state(connect_harness: ConnectHarness, security_log: pytest.LogCaptureFixture) -> None:
    url = await _callback_url(connect_harness, "whoop")
    await _refused(connect_harness, await _get(_with(url, state="made-up-" + "x" * 40)), security_log, "unknown")


async def test_expired_state(connect_harness: ConnectHarness, security_log: pytest.LogCaptureFixture) -> None:
    h = connect_harness
    url = await _callback_url(h, "oura")
    async with h.sessions.begin() as session:
        await session.execute(update(OAuthState).values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 1)))
    await _refused(h, await _get(url), security_log, "expired")


async def test_state_for_whoop_at_the_strava_callback(
    connect_harness: ConnectHarness, security_log: pytest.LogCaptureFixture
) -> None:
    h = connect_harness
    url = await _callback_url(h, "whoop")
    mixed = url.replace("/oauth/whoop/callback", "/oauth/strava/callback")
    await _refused(h, await _get(mixed), security_log, "wrong_provider")
    # The leaked state is used up: it does not work at the right callback afterwards either.
    await _refused(h, await _get(url), security_log, "unknown")


async def test_reused_state(connect_harness: ConnectHarness, security_log: pytest.LogCaptureFixture) -> None:
    h = connect_harness
    url = await _callback_url(h, "strava")
    first = await _get(url)
    assert first.status_code == 200
    await h.api.drain(ANN["id"], quiet=0.3)
    exchanges = h.fakes["strava"].code_exchanges
    replay = await _get(url)
    assert replay.status_code == 400 and "This link has expired" in replay.text
    assert h.fakes["strava"].code_exchanges == exchanges == 1
    assert await _integrations(h) == 1


async def test_access_denied(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    h.fakes["whoop"].deny = True
    url = await _callback_url(h, "whoop")
    assert "error=access_denied" in url
    response = await _get(url)
    assert response.status_code == 403 and "declined" in response.text
    assert await _integrations(h) == 0 and _token_requests(h) == 0
    (told,) = await h.api.drain(ANN["id"], quiet=0.3)
    assert "WHOOP was not connected" in told.text
    # The state was used up by the refusal too.
    h.fakes["whoop"].deny = False
    assert (await _get(url)).status_code == 400


async def test_redirect_parameters_are_ignored(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    url = await _callback_url(h, "oura")
    response = await _get(_with(url, redirect="https://evil.example/", next="https://evil.example/"))
    assert response.status_code == 200
    assert "location" not in response.headers and "evil.example" not in response.text


async def test_unknown_provider_callback(connect_harness: ConnectHarness) -> None:
    response = await _get(f"{connect_harness.http_url}/oauth/garmin/callback?code=x&state=y")
    assert response.status_code == 404
    assert _token_requests(connect_harness) == 0


async def test_health(connect_harness: ConnectHarness) -> None:
    response = await _get(f"{connect_harness.http_url}/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


async def test_states_are_stored_hashed(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    url = await _callback_url(h, "whoop")
    state = parse_qs(urlsplit(url).query)["state"][0]
    async with h.sessions() as session:
        stored = (await session.scalars(select(OAuthState))).one()
    assert state not in stored.state_hash and len(stored.state_hash) == 64
    lifetime = stored.expires_at - stored.created_at
    assert 590 <= lifetime.total_seconds() <= 610
