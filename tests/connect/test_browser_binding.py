"""The OAuth state works only in the browser that started the flow (issue 12, defect 2; RFC 9700 §4.7).

The Mini App answers the verified owner with the authorize URL *and* a cookie (HttpOnly, SameSite=Lax,
limited to the callback's path) whose hash is stored with the state. Someone given the authorize URL —
forwarded, or read over the owner's shoulder — follows it in another browser: the callback refuses it,
stores nothing and asks the provider for no token.
"""

from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.http.miniapp import BROWSER_COOKIE
from db.models import Integration, OAuthState
from tests.connect.conftest import ANN, ConnectHarness
from tests.connect.test_mini_app import _count, _init_data, _mini_app_url


async def _authorize_url(h: ConnectHarness, browser: httpx.AsyncClient, provider: str) -> str:
    (link,) = await h.ask(ANN, f"/connect {provider}")
    answer = await browser.post(_mini_app_url(h, link), data={"init_data": _init_data(ANN)})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["url"])


def _token_requests(h: ConnectHarness, provider: str) -> int:
    return len(h.fakes[provider].token_requests())


async def test_the_authorize_url_followed_in_another_browser_connects_nothing(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as owners_browser:
        authorize = await _authorize_url(h, owners_browser, "whoop")
        cookie = next(c for c in owners_browser.cookies.jar if c.name == BROWSER_COOKIE)
    assert cookie.path == "/oauth/whoop/callback"
    assert cookie.has_nonstandard_attr("HttpOnly")
    async with h.sessions() as session:
        stored = (await session.scalars(select(OAuthState))).one()
    assert stored.browser_hash is not None and cookie.value not in (stored.browser_hash or "")

    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as other_browser:
        page = await other_browser.get(authorize)  # no cookie at all
    assert 400 <= page.status_code < 500 and "another browser" in page.text
    assert await _count(h, Integration) == 0 and _token_requests(h, "whoop") == 0


async def test_a_browser_with_another_flows_cookie_is_refused_too(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as owners_browser:
        authorize = await _authorize_url(h, owners_browser, "strava")
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as other_browser:
        # The other browser started a flow of its own (it holds a cookie, just not this flow's).
        other_browser.cookies.set(BROWSER_COOKIE, "a-cookie-of-another-flow", path="/oauth/strava/callback")
        page = await other_browser.get(authorize)
    assert 400 <= page.status_code < 500
    assert await _count(h, Integration) == 0 and _token_requests(h, "strava") == 0


async def test_the_browser_that_started_the_flow_connects(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    async with httpx.AsyncClient(follow_redirects=True, timeout=15) as owners_browser:
        authorize = await _authorize_url(h, owners_browser, "oura")
        page = await owners_browser.get(authorize)
        assert page.status_code == 200 and "Oura is connected" in page.text
        # The cookie has done its work and is cleared.
        assert all(c.name != BROWSER_COOKIE for c in owners_browser.cookies.jar)
    assert await _count(h, Integration) == 1
