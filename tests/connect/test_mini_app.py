"""A forwarded connect link connects nothing: the Mini App page checks who opened it (COAT/COSF)."""

from __future__ import annotations

import json
import time

import httpx
from sqlalchemy import func, select

from bot.console.botapi import LocalBotApi, Sent
from bot.http.initdata import sign
from db.models import Integration, OAuthState
from tests.bot.conftest import TOKEN
from tests.connect.conftest import ANN, PUBLIC_HTTPS, ConnectHarness

BOB = LocalBotApi.user(5002, "Bob")


def _mini_app_url(h: ConnectHarness, sent: Sent) -> str:
    (button,) = sent.buttons
    url = str(button["web_app"]["url"])
    assert url.startswith(f"{PUBLIC_HTTPS}/connect/")
    return url.replace(PUBLIC_HTTPS, h.http_url)


def _init_data(user: dict[str, object], *, token: str = TOKEN, age_s: int = 5) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user["id"], "first_name": user["first_name"]}, separators=(",", ":")),
        "auth_date": str(int(time.time()) - age_s),
    }
    return sign(fields, token)


async def _open(url: str, init_data: str) -> httpx.Response:
    async with httpx.AsyncClient() as browser:
        return await browser.post(url, data={"init_data": init_data})


async def _count(h: ConnectHarness, model: type) -> int:
    async with h.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_owner_goes_on_to_the_provider_and_connects(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    (link,) = await h.ask(ANN, "/connect whoop")
    url = _mini_app_url(h, link)
    async with httpx.AsyncClient() as browser:
        page = await browser.get(url)
    assert page.status_code == 200 and "telegram-web-app.js" in page.text
    assert "script-src https://telegram.org 'sha256-" in page.headers["content-security-policy"]
    assert await _count(h, OAuthState) == 0  # no state exists before Telegram says who is there

    async with httpx.AsyncClient(follow_redirects=True) as browser:  # the Mini App's web view
        answer = await browser.post(url, data={"init_data": _init_data(ANN)})
        assert answer.status_code == 200
        authorize = answer.json()["url"]
        assert authorize.startswith(h.fakes["whoop"].app_config(h.providers_url).oauth_base_url)
        done = await browser.get(authorize)
    assert done.status_code == 200 and "WHOOP is connected" in done.text
    assert await _count(h, Integration) == 1
    # The link was single-use.
    assert (await _open(url, _init_data(ANN))).status_code == 400


async def test_a_forwarded_link_connects_nothing_and_warns_the_owner(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    await h.ask(BOB, "/start")  # Bob is a user of the bot too
    (link,) = await h.ask(ANN, "/connect strava")
    url = _mini_app_url(h, link)

    answer = await _open(url, _init_data(BOB))
    assert answer.status_code == 403 and "made for someone else" in answer.json()["message"]
    assert "url" not in answer.json()
    assert await _count(h, OAuthState) == 0 and await _count(h, Integration) == 0
    assert h.fakes["strava"].requests == []
    (warning,) = await h.api.drain(ANN["id"], quiet=0.3)
    assert "Someone else opened your Strava connect link" in warning.text
    # The link is spent: it no longer works for its owner either.
    assert (await _open(url, _init_data(ANN))).status_code == 400


async def test_a_stranger_who_never_used_the_bot_is_refused_too(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    (link,) = await h.ask(ANN, "/connect oura")
    stranger = LocalBotApi.user(5099, "Eve")
    answer = await _open(_mini_app_url(h, link), _init_data(stranger))
    assert answer.status_code == 403
    assert await _count(h, OAuthState) == 0


async def test_forged_stale_or_missing_init_data_is_refused(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    (link,) = await h.ask(ANN, "/connect whoop")
    url = _mini_app_url(h, link)
    for bad in (
        _init_data(ANN, token="123456789:another-bots-token-abcdefghijklmno"),  # signed by another bot
        _init_data(ANN, age_s=3600),  # an hour old
        _init_data(ANN).replace("Ann", "Bob"),  # tampered after signing
        "",
    ):
        answer = await _open(url, bad)
        assert answer.status_code == 401
    assert await _count(h, OAuthState) == 0
    # None of those spent the link: the owner can still use it.
    assert (await _open(url, _init_data(ANN))).status_code == 200


async def test_a_made_up_link_is_refused(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    await h.ask(ANN, "/start")
    answer = await _open(f"{h.http_url}/connect/made-up-id", _init_data(ANN))
    assert answer.status_code == 400 and "expired" in answer.json()["message"]
