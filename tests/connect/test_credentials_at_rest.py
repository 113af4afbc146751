"""No typed credential persists outside the vault: a `pg_dump` after every way of connecting holds none.

The ways: OAuth through the browser; an Intervals.icu API key sent with ``/connect intervals KEY``; the bare
key pasted as a message — each in polling mode and in webhook mode (where every update is stored before it
is processed). The dump may hold sealed values (``cw1:`` envelopes) and nothing else of a credential.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.asgi_server import BackgroundServer
from bot.context import utc_now
from bot.jobs.runner import JobRunner
from bot.telegram_webhook import LEASE, SECRET_HEADER, TelegramWebhook
from db.models import Job
from db.repositories import jobs
from db.repositories.telegram_updates import KIND
from tests.connect.conftest import ANN, ConnectHarness
from tests.integrations.test_tokens_at_rest import _dump

SECRET = "webhook-secret-for-tests"
_update_ids = itertools.count(900_000)


def _key() -> str:
    """An Intervals.icu-shaped personal API key (letters and digits), marked for the leak checks."""
    return "CANARYKEY" + secrets.token_hex(12)


@dataclass
class Webhook:
    h: ConnectHarness
    receiver: TelegramWebhook
    http: httpx.AsyncClient

    async def send_text(self, user: dict[str, Any], text: str) -> None:
        """The person types ``text``; Telegram delivers it to our webhook (not to getUpdates)."""
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            extra["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        message = self.h.api._incoming(user, None, extra)  # the chat keeps it, so the bot can delete it
        update = {"update_id": next(_update_ids), "message": message}
        response = await self.http.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
        assert response.status_code == 200
        await self.receiver.idle()
        await self.h.api.drain(user["id"], quiet=0.3, wait_s=15)


@pytest.fixture
async def webhook(connect_harness: ConnectHarness) -> AsyncIterator[Webhook]:
    h = connect_harness
    receiver = TelegramWebhook(h.app, JobRunner(h.sessions, clock=h.ctx.clock), secret=SECRET, vault=h.vault)
    web = Starlette(routes=[Mount("/webhooks", routes=[receiver.route()])])
    async with BackgroundServer(web) as server, httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await receiver.start()
        try:
            yield Webhook(h, receiver, http)
        finally:
            await receiver.stop()


def _assert_no_credential(dump: str, canaries: list[str]) -> None:
    assert '"Integration"' in dump and "cw1:" in dump
    assert [c for c in canaries if c in dump] == []
    assert "CANARYKEY" not in dump and "fake-at-" not in dump and "fake-rt-" not in dump


async def test_polling_mode_keeps_no_typed_or_issued_credential(
    connect_harness: ConnectHarness, database_url: str
) -> None:
    h = connect_harness
    for provider in ("whoop", "strava", "oura", "intervals"):
        await h.connect(ANN, provider)  # OAuth
    by_command, pasted = _key(), _key()
    h.fakes["intervals"].add_api_key(by_command, user_id="i701")
    h.fakes["intervals"].add_api_key(pasted, user_id="i702")
    await h.ask(ANN, f"/connect intervals {by_command}")
    replies = await h.ask(ANN, pasted)  # pasted on its own: recognised, deleted, connected
    assert any("Intervals.icu connected" in r.text for r in replies), [r.text for r in replies]
    assert all(pasted not in r.text for r in replies)
    row = await h.integration(await h.user_id(ANN["id"]), "intervals")
    assert row is not None and row.auth_method == "api_key" and row.external_user_id == "i702"
    await h.ask(ANN, f"Here is my key {_key()} for you")  # a refused key inside a sentence
    canaries = [t for fake in h.fakes.by_name.values() for t in fake.issued] + [by_command, pasted]
    _assert_no_credential(_dump(database_url), canaries)


async def test_webhook_mode_stores_no_typed_credential(webhook: Webhook, database_url: str) -> None:
    h = webhook.h
    await h.connect(ANN, "strava")  # OAuth
    by_command, pasted = _key(), _key()
    h.fakes["intervals"].add_api_key(by_command, user_id="i711")
    h.fakes["intervals"].add_api_key(pasted, user_id="i712")
    await webhook.send_text(ANN, f"/connect intervals {by_command}")
    row = await h.integration(await h.user_id(ANN["id"]), "intervals")
    assert row is not None and row.external_user_id == "i711"
    await webhook.send_text(ANN, pasted)
    row = await h.integration(await h.user_id(ANN["id"]), "intervals")
    assert row is not None and row.external_user_id == "i712"
    async with h.sessions() as session:
        stored = (await session.scalars(select(Job).where(Job.kind == KIND))).all()
    assert len(stored) == 2 and all(u.state == jobs.DONE for u in stored)
    canaries = [t for fake in h.fakes.by_name.values() for t in fake.issued] + [by_command, pasted]
    _assert_no_credential(_dump(database_url), canaries)


async def test_a_stored_update_holds_the_key_sealed_until_it_is_processed(webhook: Webhook) -> None:
    """Stored, unprocessed (the process died after the 200): the key is sealed; the sweep still connects it."""
    h = webhook.h
    key = _key()
    h.fakes["intervals"].add_api_key(key, user_id="i721")
    await webhook.receiver.stop()  # no worker: the update stays stored, as after a crash
    message = h.api._incoming(ANN, None, {"text": key})
    update = {"update_id": next(_update_ids), "message": message}
    response = await webhook.http.post("/webhooks/telegram", json=update, headers={SECRET_HEADER: SECRET})
    assert response.status_code == 200
    async with h.sessions() as session:
        row = await jobs.get(session, kind=KIND, key=str(update["update_id"]))
        assert row is not None and row.state == jobs.QUEUED
        assert key not in str(row.payload) and "cw1:" in str(row.payload)
    # Another process's job runner takes it (here later, as after a crash: the same path).
    another = JobRunner(h.sessions, clock=lambda: utc_now() + LEASE + timedelta(seconds=1))
    TelegramWebhook(h.app, another, secret=SECRET, vault=h.vault)
    assert await another.run_due() == 1
    await h.api.drain(ANN["id"], quiet=0.3, wait_s=15)
    async with h.sessions() as session:
        row = await jobs.get(session, kind=KIND, key=str(update["update_id"]))
        assert row is not None and row.state == jobs.DONE
        assert key not in str(row.payload) and "cw1:" not in str(row.payload)  # once handled, redacted
    connected = await h.integration(await h.user_id(ANN["id"]), "intervals")
    assert connected is not None and connected.external_user_id == "i721"


async def test_a_key_typed_while_a_setup_question_waits_is_taken_as_a_key(
    connect_harness: ConnectHarness, database_url: str
) -> None:
    h = connect_harness
    await h.ask(ANN, "/start")  # the guided setup asks its first question (the time zone)
    key = _key()
    h.fakes["intervals"].add_api_key(key, user_id="i731")
    replies = await h.ask(ANN, key)
    assert any("Intervals.icu connected" in r.text for r in replies), [r.text for r in replies]
    assert all(key not in r.text for r in replies)
    _assert_no_credential(_dump(database_url), [key])
