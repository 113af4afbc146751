"""``GET /oauth/{provider}/callback``: finish a connection, tell the user in chat, show a short page.

Every refusal is a 4xx page that says what to do next, stores nothing and sends nothing to the provider;
refusals are logged as security events with the reason only (never the state, code or any token). The
page never redirects anywhere named by the request (no open redirect). A state bound to a browser
(`bot.http.miniapp`) needs that browser's cookie; every answer clears the cookie, it serves one flow.

The page and the chat message speak the language of the athlete the state was issued to (looked up before
the state is used up); without a state of ours, the browser's (`bot.http.languages`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from telegram.error import TelegramError

from bot.http import languages, pages
from bot.http.deps import HttpDeps, deps_of, page
from bot.http.miniapp import BROWSER_COOKIE
from bot.texts import connect as texts_connect
from coach import i18n
from db import storable
from db.models import OAuthState, User
from db.repositories import users
from integrations.connect import AccessDenied, ConnectFailed, NotAvailable
from integrations.oauth.state import Rejection, StateRejected, hash_state

logger = logging.getLogger(__name__)


async def _tell(request: Request, chat_id: int | None, say: Callable[[], str]) -> None:
    """Send the message ``say`` writes, in the language of the athlete whose chat it is (no update to ask)."""
    deps = deps_of(request)
    if chat_id is None:
        return
    async with deps.sessions() as session:
        # A private chat's id is its athlete's Telegram id.
        athlete = await users.get_by_telegram_id(session, telegram_user_id=chat_id)
    with i18n.speaking_to(athlete) if athlete is not None else contextlib.nullcontext():
        html = say()
    try:
        await deps.notify(chat_id, html)
    except TelegramError:
        logger.warning("could not send the connection message", exc_info=True)


# What the callback reads; anything else a provider adds is ignored. Codes, states and scopes are far
# shorter than this at every provider here.
CALLBACK_PARAMS = ("state", "code", "scope", "error")
MAX_PARAM_CHARS = 2048


def _params(request: Request) -> dict[str, str]:
    """The callback's parameters, each at most once and storable as text (the scope is stored)."""
    params: dict[str, str] = {}
    for name in CALLBACK_PARAMS:
        values = request.query_params.getlist(name)
        if len(values) > 1:
            raise storable.NotStorable(f"'{name}' was given more than once")
        if values:
            params[name] = storable.check_text(values[0], what=f"'{name}'", max_chars=MAX_PARAM_CHARS)
    return params


async def callback(request: Request) -> Response:
    response = await _callback(request)
    connector = deps_of(request).connector
    provider = request.path_params["provider"]
    if connector.is_known(provider):  # the cookie's path is the one the Mini App set: our redirect URI's
        path = urlsplit(connector.redirect_uri(provider)).path
        response.delete_cookie(BROWSER_COOKIE, path=path, httponly=True, samesite="lax")
    return response


async def _owner_language(deps: HttpDeps, state: str | None) -> str | None:
    """The language of the athlete ``state`` was issued to, if it is a state of ours (expired or not)."""
    if not state:
        return None
    async with deps.sessions() as session:
        row = (
            await session.execute(
                select(User.language, User.telegram_language)
                .join(OAuthState, OAuthState.user_id == User.id)
                .where(OAuthState.state_hash == hash_state(state))
            )
        ).first()
    return i18n.choose(row.language, row.telegram_language) if row is not None else None


async def _callback(request: Request) -> Response:
    deps = deps_of(request)
    provider = request.path_params["provider"]
    if not deps.connector.is_known(provider):
        with i18n.use(languages.of_browser(request)):
            return page(pages.not_found(), 404)
    try:
        params = _params(request)
    except storable.NotStorable as err:
        logger.warning("security: %s OAuth callback refused (%s)", provider, err)
        with i18n.use(languages.of_browser(request)):
            return page(pages.link_expired(bot_url=deps.bot_url), 400)
    language = await _owner_language(deps, params.get("state")) or languages.of_browser(request)
    with i18n.use(language):
        return await _finish(request, provider, params)


async def _finish(request: Request, provider: str, params: dict[str, str]) -> Response:
    deps = deps_of(request)
    connector = deps.connector
    label = connector.label(provider)
    try:
        connected = await connector.finish(
            provider=provider, params=params, browser=request.cookies.get(BROWSER_COOKIE)
        )
    except StateRejected as err:
        logger.warning("security: %s OAuth callback refused (state %s)", provider, err.reason.value)
        if err.reason is Rejection.OTHER_BROWSER:
            return page(pages.other_browser(label, bot_url=deps.bot_url), 403)
        return page(pages.link_expired(bot_url=deps.bot_url), 400)
    except NotAvailable:
        logger.warning("security: OAuth callback for %s, which is not configured", provider)
        return page(pages.not_found(), 404)
    except AccessDenied as err:
        logger.info("%s access declined by the user", provider)
        await _tell(request, err.chat_id, lambda: texts_connect.declined(label))
        return page(pages.denied(label, bot_url=deps.bot_url), 403)
    except ConnectFailed as err:
        logger.warning("connecting %s failed: %s", provider, err.cause)
        await _tell(request, err.chat_id, lambda: texts_connect.connect_failed(label))
        return page(pages.failed(label, bot_url=deps.bot_url), 502)
    await _tell(
        request,
        connected.chat_id,
        lambda: texts_connect.connected(connected.label, connected.profile.display_name, provider=connected.provider),
    )
    return page(pages.connected(label, bot_url=deps.bot_url), 200)
