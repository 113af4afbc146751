"""No token in any log line (at DEBUG) or chat message, across every connection path.

Canaries: every token the fake providers issue starts with ``fake-at-`` / ``fake-rt-`` and is recorded;
the API key and the client secrets are known. Records are captured raw, before any redaction filter:
the point is that they are never logged, not that a filter catches them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, update

from bot.logs import configure
from db.models import Integration
from integrations.errors import ProviderAuthError
from tests.connect.conftest import ANN, ConnectHarness, url_button


class Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[Everything]:
    """Production logging at DEBUG, plus a handler that keeps every formatted line (tracebacks included)."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    saved_levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    configure("DEBUG")
    capture = Everything()
    root.addHandler(capture)
    yield capture
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in saved_levels.items():
        logging.getLogger(name).setLevel(level)


async def test_no_token_in_logs_or_chat(connect_harness: ConnectHarness, all_logs: Everything) -> None:
    h = connect_harness
    api_key = "CANARYKEY" + "42" * 12
    h.fakes["intervals"].add_api_key(api_key)

    for provider in ("whoop", "strava", "intervals", "oura"):
        await h.connect(ANN, provider)
    await h.ask(ANN, f"/connect intervals {api_key}")
    user_id = await h.user_id(ANN["id"])

    # Refresh storms, a dead grant, a 401 retry.
    async with h.sessions.begin() as session:
        await session.execute(update(Integration).values(expires_at=func.now() - func.make_interval(0, 0, 0, 0, 1)))
    for fake in h.fakes.by_name.values():
        fake.expire_access_tokens()
    await asyncio.gather(*(h.connector.client(user_id=user_id, provider="whoop").profile() for _ in range(20)))
    h.fakes["oura"].grants[-1].revoked = True
    with pytest.raises(ProviderAuthError):
        await h.connector.client(user_id=user_id, provider="oura").profile()
    await h.api.drain(ANN["id"], quiet=0.3)

    # Abuse of the callback, and a decline.
    (link,) = await h.ask(ANN, "/connect strava")
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        approved = await browser.get(url_button(link))
        callback = approved.headers["location"]
        await browser.get(callback.replace("/strava/", "/whoop/"))
        await browser.get(callback)
    h.fakes["whoop"].deny = True
    (link,) = await h.ask(ANN, "/connect whoop")
    await h.follow(url_button(link))
    await h.api.drain(ANN["id"], quiet=0.3)

    for provider in ("whoop", "strava", "intervals"):
        await h.ask(ANN, f"/disconnect {provider}")
    await h.ask(ANN, "/status")

    canaries = [t for fake in h.fakes.by_name.values() for t in fake.issued]
    canaries += [api_key] + [fake.client_secret for fake in h.fakes.by_name.values()]
    assert len(canaries) > 10
    chat = [s.text for s in h.api.replies(ANN["id"])] + [str(s.params) for s in h.api.replies(ANN["id"])]
    assert all_logs.lines, "the scenario logged nothing at all?"
    leaks = [(c, line) for c in canaries for line in all_logs.lines + chat if c in line]
    assert leaks == []
    assert not [line for line in all_logs.lines if "fake-at-" in line or "fake-rt-" in line]
