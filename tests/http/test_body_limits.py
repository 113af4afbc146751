"""Every endpoint reads at most what it can need, checks while reading, and refuses early (issue 12, defect 3).

Bodies are sent over raw sockets so a test controls exactly what the server gets: chunked bodies without a
Content-Length, bodies that never end, heads sent a byte at a time. "Read" is measured by the bytes the app
pulled from the server (`BodyCounter`) and by the process's resident memory, never by time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import psutil
import pytest

from bot.telegram_webhook import SECRET_HEADER
from db.models import OAuthState, ProviderEvent
from tests.http.conftest import TELEGRAM_SECRET, Site

MB = 1024 * 1024
CHUNK = b"x" * (64 * 1024)


def _now_ms() -> str:
    return str(int(time.time() * 1000))


def _now_s() -> str:
    return str(int(time.time()))


async def _chunked_post(
    url: str, path: str, *, total_bytes: int, headers: dict[str, str] | None = None
) -> tuple[int, int]:
    """POST ``total_bytes`` as a chunked body (no Content-Length); (status, bytes we managed to send).

    Writing stops as soon as the server answers; a server that answers before reading everything makes
    the sender's writes block on full socket buffers, which is when the answer is read.
    """
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\n"
    for name, value in ({"Content-Type": "application/json"} | (headers or {})).items():
        head += f"{name}: {value}\r\n"
    writer.write((head + "\r\n").encode())
    sent = 0

    async def send() -> None:
        nonlocal sent
        frame = f"{len(CHUNK):x}\r\n".encode() + CHUNK + b"\r\n"
        while sent < total_bytes:
            writer.write(frame)
            await writer.drain()
            sent += len(CHUNK)
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    sender = asyncio.create_task(send())
    try:
        status_line = await reader.readline()
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await sender
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    assert status_line, "the server closed the connection without an answer"
    return int(status_line.split()[1]), sent


@pytest.mark.parametrize(
    ("path", "headers", "limit"),
    [
        # Signature headers present and fresh, so the body is read (and must be bounded while read).
        # Made when the test runs, not when it is collected: a long suite would make them stale (401).
        ("/webhooks/whoop", lambda: {"X-WHOOP-Signature": "x", "X-WHOOP-Signature-Timestamp": _now_ms()}, 64 * 1024),
        ("/webhooks/oura", lambda: {"x-oura-signature": "AB", "x-oura-timestamp": _now_s()}, 64 * 1024),
        ("/webhooks/strava", dict, 64 * 1024),
        ("/webhooks/intervals", dict, 512 * 1024),
        ("/webhooks/telegram", lambda: {SECRET_HEADER: TELEGRAM_SECRET}, MB),
        ("/connect/some-link", lambda: {"Content-Type": "application/x-www-form-urlencoded"}, 8 * 1024),
    ],
)
async def test_a_300_mb_chunked_body_is_refused_after_at_most_the_limit(
    site: Site, path: str, headers: Callable[[], dict[str, str]], limit: int
) -> None:
    process = psutil.Process()
    rss_before = process.memory_info().rss
    status, sent = await _chunked_post(site.url, path, total_bytes=300 * MB, headers=headers())
    assert status == 413
    assert site.counter.read.get(path, 0) <= limit + len(CHUNK) + 64 * 1024
    assert sent < 300 * MB  # the sender was stopped by the answer, not by running out of body
    assert process.memory_info().rss - rss_before < 32 * MB
    assert await site.count(ProviderEvent) == 0 and await site.telegram_updates() == 0


async def test_the_telegram_webhook_refuses_a_wrong_secret_before_reading_the_body(site: Site) -> None:
    status, _ = await _chunked_post(
        site.url, "/webhooks/telegram", total_bytes=300 * MB, headers={SECRET_HEADER: "wrong"}
    )
    assert status == 401
    assert site.counter.read.get("/webhooks/telegram", 0) == 0


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/webhooks/whoop", {}),
        ("/webhooks/whoop", {"X-WHOOP-Signature": "x", "X-WHOOP-Signature-Timestamp": "1000"}),  # stale
        ("/webhooks/oura", {"x-oura-timestamp": "1000", "x-oura-signature": "AB"}),
        ("/webhooks/oura", {"x-oura-timestamp": "9999999999"}),  # no signature
    ],
)
async def test_signed_webhooks_refuse_missing_or_stale_signature_headers_before_reading(
    site: Site, path: str, headers: dict[str, str]
) -> None:
    status, _ = await _chunked_post(site.url, path, total_bytes=300 * MB, headers=headers)
    assert status == 401
    assert site.counter.read.get(path, 0) == 0


async def test_a_declared_length_over_the_limit_is_refused_before_reading(site: Site) -> None:
    async with site.client() as client:
        for path in ("/webhooks/whoop", "/webhooks/telegram", "/connect/x", "/healthz", "/oauth/whoop/callback"):
            headers = {"Content-Length": str(300 * MB), SECRET_HEADER: TELEGRAM_SECRET}
            request = client.build_request("POST", path, headers=headers)
            response = await _head_only(site.url, request.method, path, headers)
            assert response == 413, path
            assert site.counter.read.get(path, 0) == 0, path


async def _head_only(url: str, method: str, path: str, headers: dict[str, str]) -> int:
    """Send a request head promising a body that never comes; the status of the answer."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    writer.write((head + "\r\n").encode())
    await writer.drain()
    status_line = await reader.readline()
    writer.close()
    return int(status_line.split()[1])


async def test_a_multipart_file_to_the_connect_page_is_refused_before_anything_is_spooled(site: Site) -> None:
    boundary = "cwboundary"
    # Chunked, so no Content-Length tells the server the size in advance: the type alone must be refused.
    status, _ = await _chunked_post(
        site.url,
        "/connect/some-link",
        total_bytes=300 * MB,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert status == 415
    assert site.counter.read.get("/connect/some-link", 0) == 0
    assert await site.count(OAuthState) == 0
