"""The bot's Bot API request (aiohttp) against real local HTTP servers: what PTB's `Bot` sees through it.

A sendMessage and a document upload go to the local Bot API server and come back as PTB objects (the
server holds the uploaded bytes); a server that never answers is a `TimedOut`, a closed port a
`NetworkError`, and Telegram's error envelopes (400, 429 with ``retry_after``) PTB's `BadRequest` and
`RetryAfter`, as with PTB's own httpx request.
"""

from __future__ import annotations

import asyncio
import io
import socket
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.asgi_server import BackgroundServer
from bot.console.botapi import BOT_USER, ApiError, LocalBotApi
from bot.ratelimit import retry_after
from bot.telegram_request import AiohttpRequest

TOKEN = "123456789:request-test-token"
CHAT = {"id": 4242, "is_bot": False, "first_name": "Ada"}


def _bot(base: str, request: AiohttpRequest | None = None) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request or AiohttpRequest(),
        get_updates_request=AiohttpRequest(connection_pool_size=1),
    )


@pytest.fixture
async def api() -> AsyncIterator[tuple[LocalBotApi, str]]:
    local = LocalBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


async def test_send_message_round_trip(api: tuple[LocalBotApi, str]) -> None:
    local, url = api
    async with _bot(url) as bot:
        assert bot.username == "coach_watts_bot"  # getMe on initialize
        message = await bot.send_message(chat_id=CHAT["id"], text="Zone 2 today — 90 min, 75 % FTP & easy")
    assert message.chat.id == CHAT["id"]
    assert message.text == "Zone 2 today — 90 min, 75 % FTP & easy"
    method, params = local.calls[-1]
    assert method == "sendMessage"
    assert params["text"] == "Zone 2 today — 90 min, 75 % FTP & easy"


async def test_document_upload_carries_the_file_bytes(api: tuple[LocalBotApi, str]) -> None:
    local, url = api
    content = bytes(range(256)) * 40  # binary, as a FIT file is
    async with _bot(url) as bot:
        message = await bot.send_document(
            chat_id=CHAT["id"], document=io.BytesIO(content), filename="sweet-spot.fit", caption="Your workout"
        )
        assert message.document is not None
        assert message.caption == "Your workout"
        stored = local.files[message.document.file_id]
        assert stored.content == content
        assert stored.file_name == "sweet-spot.fit"
        # And back: getFile, then the download over the same request.
        file = await bot.get_file(message.document.file_id)
        assert bytes(await file.download_as_bytearray()) == content


async def test_a_server_that_never_answers_is_timed_out() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # read nothing, answer nothing

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.3)
    try:
        async with request:
            began = time.monotonic()
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
            assert time.monotonic() - began < 3
            # A per-call read timeout wins over the default.
            with pytest.raises(TimedOut):
                await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe", read_timeout=0.1)
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
    assert accepted


async def test_a_refused_connection_is_a_network_error() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AiohttpRequest() as request:
        with pytest.raises(NetworkError) as raised:
            await request.post(f"http://127.0.0.1:{port}/bot{TOKEN}/getMe")
    assert not isinstance(raised.value, TimedOut)


# PTB warns, when it builds a RetryAfter, that its retry_after becomes a timedelta one day.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_telegram_errors_surface_as_ptb_errors(api: tuple[LocalBotApi, str]) -> None:
    local, url = api
    async with _bot(url) as bot:
        local.faults["sendMessage"] = lambda params: ApiError(400, "Bad Request: chat not found")
        with pytest.raises(BadRequest, match=r"(?i)chat not found"):
            await bot.send_message(chat_id=CHAT["id"], text="hello")
        local.faults["sendMessage"] = lambda params: ApiError(
            429, "Too Many Requests: retry after 7", {"retry_after": 7}
        )
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(chat_id=CHAT["id"], text="hello")
        assert retry_after(raised.value) == timedelta(seconds=7)
        del local.faults["sendMessage"]
        assert (await bot.send_message(chat_id=CHAT["id"], text="hello")).text == "hello"


async def test_not_initialized_or_shut_down_refuses_to_send(api: tuple[LocalBotApi, str]) -> None:
    _, url = api
    request = AiohttpRequest()
    with pytest.raises(RuntimeError):
        await request.do_request(f"{url}/bot{TOKEN}/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    await request.shutdown()  # twice is fine
    with pytest.raises(RuntimeError):
        await request.do_request(f"{url}/bot{TOKEN}/getMe", "POST")
    async with request:  # initialised again after a shutdown, as PTB's Application restarts do
        assert await request.post(f"{url}/bot{TOKEN}/getMe") == BOT_USER
