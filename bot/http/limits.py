"""How much of a request body the app reads, and for how long: never more than the endpoint can need.

Two layers, so a route that forgets to bound its read is still bounded:

- `read_body` is what a route calls: it refuses a declared ``Content-Length`` over the route's limit before
  reading a byte, and counts while reading, so a chunked body (no ``Content-Length``) is refused with 413
  as soon as it passes the limit. Memory use is at most the limit plus one chunk.
- `BodyLimits` is an ASGI middleware around the whole app: it answers 413 to a declared length over the
  limit of the path (longest matching prefix in its table) before the route runs, and wraps ``receive`` so
  that reading past that limit, or taking longer than `BODY_READ_TIMEOUT_S` for the whole body, ends the
  request with 413 or 408 (raised as Starlette `HTTPException`, which the app turns into that answer).

Why not only Starlette's own `RequestBodyLimitMiddleware` (``Route(max_body_size=…)``, Starlette 1.x): it
bounds the size, but not the time a body may take, and its early 413 leaves the connection open for the
rest of the body; here both answers carry ``Connection: close``. Its size check would be a fine
replacement for the size half of `BodyLimits` if the deadline moves elsewhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The whole body must arrive within this time of the first read: a client sending a byte every few
# seconds (slow-loris on the body) holds a connection and a task for at most this long.
BODY_READ_TIMEOUT_S = 10.0
# The rest of an unread body is never read: the connection is closed after the answer.
_CLOSE = {"Connection": "close"}
# Longer digit strings in Content-Length are refused outright (a 19-digit number is already ~ 9 EB).
_MAX_LENGTH_DIGITS = 18


def declared_length(value: str | None) -> int | None:
    """``Content-Length`` as an int; None when absent. `HTTPException` 400 when not plain ASCII digits."""
    if value is None:
        return None
    text = value.strip()
    # str.isdigit() accepts "²" and other Unicode digits; only ASCII 0-9 make a length.
    if not text or len(text) > _MAX_LENGTH_DIGITS or not text.isascii() or not text.isdigit():
        raise HTTPException(400, "Content-Length must be a decimal number of bytes.", headers=_CLOSE)
    return int(text)


def too_large(max_bytes: int) -> HTTPException:
    return HTTPException(
        413, f"The request body is larger than this endpoint accepts ({max_bytes} bytes).", headers=_CLOSE
    )


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    """The body, at most ``max_bytes`` of it; 413 as soon as it is known to be longer (before or while reading)."""
    length = declared_length(request.headers.get("content-length"))
    if length is not None and length > max_bytes:
        raise too_large(max_bytes)
    chunks: list[bytes] = []
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise too_large(max_bytes)
            chunks.append(chunk)
    except ClientDisconnect as err:
        raise HTTPException(400, "The client went away before the body was complete.", headers=_CLOSE) from err
    return b"".join(chunks)


class _Reader:
    """``receive`` for one request, counting body bytes against a limit and a deadline."""

    def __init__(self, receive: Receive, *, max_bytes: int, timeout_s: float) -> None:
        self._receive = receive
        self._max_bytes = max_bytes
        self._timeout_s = timeout_s
        self._deadline: float | None = None
        self._received = 0
        self._complete = False

    async def __call__(self) -> Message:
        if self._complete:  # the body is in; later receives wait for a disconnect, which is not ours to time
            return await self._receive()
        now = time.monotonic()
        if self._deadline is None:
            self._deadline = now + self._timeout_s
        remaining = self._deadline - now
        if remaining <= 0:
            raise HTTPException(408, "The request body took too long to arrive.", headers=_CLOSE)
        try:
            async with asyncio.timeout(remaining):
                message = await self._receive()
        except TimeoutError as err:
            raise HTTPException(408, "The request body took too long to arrive.", headers=_CLOSE) from err
        if message["type"] == "http.request":
            self._received += len(message.get("body", b""))
            if self._received > self._max_bytes:
                raise too_large(self._max_bytes)
            self._complete = not message.get("more_body", False)
        return message


class BodyLimits:
    """ASGI middleware: per path prefix, the largest body the app will read, and how long it may take."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: Sequence[tuple[str, int]],
        default_bytes: int,
        timeout_s: float = BODY_READ_TIMEOUT_S,
    ) -> None:
        self.app = app
        # Longest prefix first, so "/webhooks/telegram" wins over "/webhooks/".
        self._limits = sorted(limits, key=lambda item: len(item[0]), reverse=True)
        self._default = default_bytes
        self._timeout_s = timeout_s

    def limit_for(self, path: str) -> int:
        for prefix, max_bytes in self._limits:
            if path.startswith(prefix):
                return max_bytes
        return self._default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.limit_for(scope["path"])
        headers = dict(scope["headers"])
        try:
            length = declared_length(
                headers[b"content-length"].decode("latin-1") if b"content-length" in headers else None
            )
        except HTTPException as err:
            await _plain(send, err.status_code, err.detail)
            return
        if length is not None and length > max_bytes:
            await _plain(send, 413, too_large(max_bytes).detail)
            return
        await self.app(scope, _Reader(receive, max_bytes=max_bytes, timeout_s=self._timeout_s), send)


async def _plain(send: Send, status: int, text: str) -> None:
    """Answer before the app runs; the unread body makes the server close the connection afterwards."""
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
