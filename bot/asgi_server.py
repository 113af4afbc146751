"""Run an ASGI app under uvicorn as a task of the current event loop, with bounded connections.

The product runs one loop with the bot, the HTTP server and the scheduler in it, so uvicorn must neither
own the loop nor install its own signal handlers (the process's shutdown is ours to manage).

The server is reachable from the internet (webhooks, OAuth callbacks), so what one client can hold is
bounded here, below the app (body sizes and body time are the app's, `bot.http.limits`):

- at most `MAX_CONNECTIONS` open connections; one more is closed at once;
- at most `MAX_CONCURRENT_REQUESTS` requests in progress (uvicorn's ``limit_concurrency``: 503 beyond);
- a request's head (request line and headers) must be complete within `HEADER_TIMEOUT_S` of the
  connection opening or of the previous response; a slow-loris client sending a byte every few seconds is
  disconnected then. uvicorn has no such timeout (its keep-alive timer is cancelled by any byte received),
  hence `_GuardedH11Protocol`;
- a request head is at most `MAX_HEAD_BYTES` (h11's ``max_incomplete_event_size``: 400 beyond);
- an idle keep-alive connection is closed after `KEEP_ALIVE_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Generator
from types import TracebackType

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

# Telegram opens up to 100 webhook connections, python-telegram-bot's pool to a (local) Bot API up to 256.
# uvicorn's limit_concurrency counts open connections too (503 once as many are open), so it is set as
# high as the cap: the cap closes surplus connections, limit_concurrency bounds lingering request tasks.
# Worst case held in memory: 512 unauthenticated bodies of at most 64 KiB, 32 MiB.
MAX_CONNECTIONS = 512
MAX_CONCURRENT_REQUESTS = 512
HEADER_TIMEOUT_S = 10.0
MAX_HEAD_BYTES = 16 * 1024
KEEP_ALIVE_S = 5


class _GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection cap and a deadline for each request head."""

    max_connections = MAX_CONNECTIONS
    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._head_deadline: asyncio.TimerHandle | None = None
        if len(self.connections) > self.max_connections:
            transport.close()
            return
        self._arm_head_deadline()

    def _arm_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
        self._head_deadline = self.loop.call_later(self.header_timeout_s, self._head_too_slow)

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        waiting_for_head = self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)
        if waiting_for_head and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head_deadline()  # the next request's head on this keep-alive connection

    def connection_lost(self, exc: Exception | None) -> None:
        deadline = getattr(self, "_head_deadline", None)
        if deadline is not None:
            deadline.cancel()
        super().connection_lost(exc)


class _EmbeddedUvicorn(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class BackgroundServer:
    """``async with BackgroundServer(app, host, port) as server:`` serves until the block ends.

    ``port=0`` binds a free port; `url` tells which. ``max_connections`` and ``header_timeout_s`` are
    there for tests that exercise the bounds without waiting or opening hundreds of sockets.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        max_connections: int = MAX_CONNECTIONS,
        max_concurrent_requests: int = MAX_CONCURRENT_REQUESTS,
        header_timeout_s: float = HEADER_TIMEOUT_S,
    ) -> None:
        self._app = app
        self._host = host
        self._port = port
        self._max_concurrent_requests = max_concurrent_requests
        self._protocol = type(
            "GuardedH11Protocol",
            (_GuardedH11Protocol,),
            {"max_connections": max_connections, "header_timeout_s": header_timeout_s},
        )
        self._server: _EmbeddedUvicorn | None = None
        self._task: asyncio.Task[None] | None = None
        self.port = port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    async def start(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self._host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self._host, self._port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app,
            log_level="warning",
            lifespan="off",
            access_log=False,
            http=self._protocol,
            ws="none",
            limit_concurrency=self._max_concurrent_requests,
            timeout_keep_alive=KEEP_ALIVE_S,
            h11_max_incomplete_event_size=MAX_HEAD_BYTES,
            # No handlers of uvicorn's own: its lines reach the root handler and its secret redaction (an
            # error line may quote a request URL with an OAuth code in it).
            log_config=None,
        )
        self._server = _EmbeddedUvicorn(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises the startup error
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None

    async def __aenter__(self) -> BackgroundServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
