"""What the HTTP routes need, built once by whoever starts the server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from integrations.connect import Connector

# Send an HTML message to a Telegram chat (the bot's ``send_message`` in production).
Notify = Callable[[int, str], Awaitable[None]]

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


@dataclass(slots=True)
class HttpDeps:
    sessions: async_sessionmaker[AsyncSession]
    connector: Connector
    notify: Notify
    # https://t.me/<bot username>, for the "back to the chat" button; set once the bot knows its name.
    bot_url: str | None = None
    # The bot's token, to check Mini App ``initData`` signatures; None disables the connect page.
    bot_token: str | None = field(default=None, repr=False)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


def deps_of(request: Request) -> HttpDeps:
    deps = request.app.state.deps
    assert isinstance(deps, HttpDeps)
    return deps


def page(html: str, status: int) -> Response:
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
