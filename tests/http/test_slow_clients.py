"""Slow or numerous clients cannot hold the server (issue 12, defect 3): heads and bodies have deadlines,
and connections are capped.

The deadlines are shortened for the test (the product's are in `bot.asgi_server` and `bot.http.limits`);
the tests wait for the server's *event* (the connection closed, the 408), never for a fixed time.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.http.conftest import Site, serve

SLOW_LIMIT = 4


@pytest.fixture
async def guarded(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Site]:
    async with serve(sessions, max_connections=SLOW_LIMIT, header_timeout_s=0.5, body_timeout_s=0.5) as site:
        yield site


async def _open(site: Site) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = site.url.removeprefix("http://").split(":")
    return await asyncio.open_connection(host, int(port))


async def _trickle_until_closed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, data: bytes) -> bytes:
    """Send ``data`` a byte at a time (as a slow-loris client does) until the server ends the connection."""

    async def trickle() -> None:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.05)  # the client's pace, not a check on the server's
        await asyncio.Event().wait()  # then hang

    sender = asyncio.create_task(trickle())
    try:
        return await asyncio.wait_for(reader.read(), timeout=60)  # everything until the server closes
    finally:
        sender.cancel()
        writer.close()


async def test_a_head_sent_a_byte_at_a_time_is_cut_off(guarded: Site) -> None:
    head = b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"a" * 10_000
    answer = await _trickle_until_closed(*await _open(guarded), head)
    assert answer == b""  # closed without an answer: the head never completed


async def test_a_body_sent_a_byte_at_a_time_is_answered_408(guarded: Site) -> None:
    reader, writer = await _open(guarded)
    writer.write(b"POST /webhooks/strava HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
    answer = await _trickle_until_closed(reader, writer, b"{" * 5000)
    assert answer.startswith(b"HTTP/1.1 408")


async def test_connections_beyond_the_cap_are_closed_at_once_and_served_again_after_the_slow_ones_go(
    guarded: Site,
) -> None:
    idle = [await _open(guarded) for _ in range(SLOW_LIMIT)]
    for _, writer in idle:
        writer.write(b"GET /healthz HTTP/1.1\r\n")  # an unfinished head each
        await writer.drain()
    reader, writer = await _open(guarded)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert await asyncio.wait_for(reader.read(), timeout=60) == b""  # over the cap: closed unanswered
    writer.close()
    # The idle ones are cut off at their head deadline; then the server serves again.
    for r, w in idle:
        assert await asyncio.wait_for(r.read(), timeout=60) == b""
        w.close()
    async with guarded.client() as client:
        assert (await client.get("/healthz")).status_code == 200
