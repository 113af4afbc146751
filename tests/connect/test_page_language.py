"""The pages of connecting speak the athlete's language; a page for nobody known speaks the browser's.

The callback page: the language of the athlete the OAuth state was issued to (their choice, else their
Telegram app's), whatever the browser asks for. No state of ours, or no page of ours: the browser's
Accept-Language, else English. The Mini App page: its owner's; its answers: the opener's (Telegram's
``language_code`` in initData when they chose none). ``<html lang>`` names the language.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time

import httpx
from sqlalchemy import update

from bot.console.botapi import LocalBotApi, Sent
from bot.http.initdata import sign
from db.models import User
from tests.bot.conftest import TOKEN
from tests.connect.conftest import ANN, ConnectHarness, url_button
from tests.connect.test_mini_app import _mini_app_url

LENA = LocalBotApi.user(5101, "Lena", language_code="de")  # her Telegram app speaks German
FRENCH_BROWSER = {"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"}


async def _get(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(follow_redirects=True, timeout=15, headers=headers) as browser:
        return await browser.get(url)


async def _choose(h: ConnectHarness, telegram_id: int, language: str) -> None:
    """What /settings language stores."""
    user_id = await h.user_id(telegram_id)
    async with h.sessions.begin() as session:
        await session.execute(update(User).where(User.id == user_id).values(language=language))


def _lang(page: httpx.Response) -> str:
    match = re.search(r'<html lang="([a-z]+)">', page.text)
    assert match is not None, page.text
    return match.group(1)


async def test_a_german_athletes_callback_page_is_german(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (link,) = await h.ask(LENA, "/connect whoop")
    # Her browser prefers French: the page still speaks the language she speaks with the bot.
    page = await _get(url_button(link), FRENCH_BROWSER)
    assert page.status_code == 200, page.text
    assert _lang(page) == "de"
    assert "<h1>WHOOP ist verbunden</h1>" in page.text
    assert "Coach Watts kann jetzt deine WHOOP-Daten lesen." in page.text
    assert "is connected" not in page.text


async def test_the_athletes_choice_outranks_their_telegram_app(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    await h.ask(LENA, "/start")
    await _choose(h, LENA["id"], "es")
    h.fakes["strava"].deny = True
    (link,) = await h.ask(LENA, "/connect strava")
    page = await _get(url_button(link))
    assert page.status_code == 403
    assert _lang(page) == "es"
    assert "<b>/connect strava</b>" in page.text and "Strava no se ha conectado" in page.text


async def test_an_english_athlete_gets_the_english_page(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    (link,) = await h.ask(ANN, "/connect oura")
    page = await _get(url_button(link), FRENCH_BROWSER)
    assert page.status_code == 200
    assert _lang(page) == "en" and "<h1>Oura is connected</h1>" in page.text


async def test_a_french_browser_gets_the_french_expired_and_not_found_pages(connect_harness: ConnectHarness) -> None:
    h = connect_harness
    unknown_state = f"{h.http_url}/oauth/whoop/callback?state=made-up-{'x' * 40}&code=c"
    expired = await _get(unknown_state, FRENCH_BROWSER)
    assert expired.status_code == 400
    assert _lang(expired) == "fr" and "<h1>Ce lien a expiré</h1>" in expired.text

    for url in (f"{h.http_url}/nothing/here", f"{h.http_url}/oauth/garmin/callback?code=x&state=y"):
        missing = await _get(url, FRENCH_BROWSER)
        assert missing.status_code == 404
        assert _lang(missing) == "fr" and "<h1>Introuvable</h1>" in missing.text

    # No preference, or none we speak: English, as before.
    for headers in (None, {"Accept-Language": "pt-BR, ja;q=0.5"}):
        page = await _get(unknown_state, headers)
        assert _lang(page) == "en" and "<h1>This link has expired</h1>" in page.text


def _init_data(user: dict[str, object], language_code: str | None) -> str:
    who = {"id": user["id"], "first_name": user["first_name"]}
    if language_code is not None:
        who["language_code"] = language_code
    fields = {"user": json.dumps(who, separators=(",", ":")), "auth_date": str(int(time.time()) - 5)}
    return sign(fields, TOKEN)


def _script_is_allowed(page: httpx.Response) -> None:
    """The page's own inline script is the one its Content-Security-Policy allows by hash."""
    (script,) = re.findall(r"<script>(.*?)</script>", page.text, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page.headers["content-security-policy"]


async def _mini_app(h: ConnectHarness, owner: dict[str, object], provider: str) -> str:
    (link,) = await h.ask(owner, f"/connect {provider}")
    assert isinstance(link, Sent)
    return _mini_app_url(h, link)


async def test_the_mini_app_page_speaks_its_owners_language(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    url = await _mini_app(h, LENA, "whoop")
    page = await _get(url, FRENCH_BROWSER)
    assert page.status_code == 200
    assert _lang(page) == "de" and "Verbindung wird hergestellt…" in page.text
    assert "Sende /connect im Chat, um es noch einmal zu versuchen." in page.text  # the script's words too
    _script_is_allowed(page)

    english = await _get(await _mini_app(h, ANN, "oura"))
    assert _lang(english) == "en" and "Checking it's you…" in english.text
    _script_is_allowed(english)

    made_up = await _get(f"{h.http_url}/connect/made-up-id", FRENCH_BROWSER)
    assert _lang(made_up) == "fr"
    _script_is_allowed(made_up)


async def test_the_mini_app_answers_in_the_openers_language(miniapp_harness: ConnectHarness) -> None:
    h = miniapp_harness
    url = await _mini_app(h, LENA, "strava")
    stranger = LocalBotApi.user(5199, "Eve")
    async with httpx.AsyncClient() as browser:
        # Eve never wrote to the bot: her Telegram app's language (initData) it is.
        answer = await browser.post(url, data={"init_data": _init_data(stranger, "es")}, headers=FRENCH_BROWSER)
    assert answer.status_code == 403
    assert answer.json()["message"].startswith("Este enlace de Strava era para otra persona")
    (warning,) = await h.api.drain(LENA["id"], quiet=0.3)  # the owner is told, in her chat
    assert "Strava" in warning.text

    url = await _mini_app(h, LENA, "oura")
    async with httpx.AsyncClient() as browser:
        # Telegram could not vouch for the opener: the browser's language.
        forged = await browser.post(url, data={"init_data": "user=%7B%7D&hash=00"}, headers=FRENCH_BROWSER)
        assert forged.status_code == 401 and forged.json()["message"].startswith("Telegram n'a pas pu")
        # The owner herself: her language, German, although this browser asks for French.
        owner = await browser.post(url, data={"init_data": _init_data(LENA, None)}, headers=FRENCH_BROWSER)
        assert owner.status_code == 200
        again = await browser.post(url, data={"init_data": _init_data(LENA, None)}, headers=FRENCH_BROWSER)
    assert again.status_code == 400 and again.json()["message"].startswith("Dieser Link ist abgelaufen")
