"""``GET /oauth/{provider}/callback``: finish a connection, tell the user in chat, show a short page.

Every refusal is a 4xx page that says what to do next, stores nothing and sends nothing to the provider;
refusals are logged as security events with the reason only (never the state, code or any token). The
page never redirects anywhere named by the request (no open redirect).
"""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import Response
from telegram.error import TelegramError

from bot import texts_connect
from bot.http import pages
from bot.http.deps import deps_of, page
from integrations.connect import AccessDenied, ConnectFailed, NotAvailable
from integrations.oauth.state import StateRejected

logger = logging.getLogger(__name__)


async def _tell(request: Request, chat_id: int | None, html: str) -> None:
    deps = deps_of(request)
    if chat_id is None:
        return
    try:
        await deps.notify(chat_id, html)
    except TelegramError:
        logger.warning("could not send the connection message", exc_info=True)


async def callback(request: Request) -> Response:
    deps = deps_of(request)
    connector = deps.connector
    provider = request.path_params["provider"]
    if not connector.is_known(provider):
        return page(pages.not_found(), 404)
    label = connector.label(provider)
    params = {k: v for k, v in request.query_params.items()}
    try:
        connected = await connector.finish(provider=provider, params=params)
    except StateRejected as err:
        logger.warning("security: %s OAuth callback refused (state %s)", provider, err.reason.value)
        return page(pages.link_expired(bot_url=deps.bot_url), 400)
    except NotAvailable:
        logger.warning("security: OAuth callback for %s, which is not configured", provider)
        return page(pages.not_found(), 404)
    except AccessDenied as err:
        logger.info("%s access declined by the user", provider)
        await _tell(request, err.chat_id, texts_connect.declined(label))
        return page(pages.denied(label, bot_url=deps.bot_url), 403)
    except ConnectFailed as err:
        logger.warning("connecting %s failed: %s", provider, err.cause)
        await _tell(request, err.chat_id, texts_connect.connect_failed(label))
        return page(pages.failed(label, bot_url=deps.bot_url), 502)
    await _tell(
        request,
        connected.chat_id,
        texts_connect.connected(connected.label, connected.profile.display_name, provider=connected.provider),
    )
    return page(pages.connected(label, bot_url=deps.bot_url), 200)
