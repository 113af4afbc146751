"""Bot API calls over aiohttp: python-telegram-bot's `BaseRequest` on a keep-alive `aiohttp.ClientSession`.

Every reply the bot sends is one of these calls, so their cost is paid per update. PTB's own
`HTTPXRequest` spends most of a ``sendMessage`` in httpx and httpcore (the request built through several
layers, headers and body written to the socket separately); aiohttp's C parser and its single write per
small request take about half the CPU for the same call (see ``bench/webhook.py``), which is the
difference between keeping up with a burst of users and falling behind it.

Same behaviour as `HTTPXRequest` where the bot can see it: parameters go form-encoded (PTB's
`RequestData.json_parameters`), uploads (documents, photos) as multipart with the same field names,
PTB's timeouts per call, a timeout raised as `telegram.error.TimedOut` and any other transport failure as
`telegram.error.NetworkError`. aiohttp has no write timeout of its own: a call is bounded as a whole by
the sum of its timeouts (pool, connect, write, read), so a stalled upload still ends. No proxy: the bot
talks to the Bot API directly.
"""

from __future__ import annotations

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput, UploadFileDict
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession` (made by `initialize`, closed by `shutdown`).

    The defaults are `HTTPXRequest`'s: 5 s to connect, write and read, 1 s to wait for a free connection
    out of ``connection_pool_size``, 20 s to write a request that uploads a file.
    """

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        *,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=self._pool_size)
            self._session = aiohttp.ClientSession(
                connector=connector,
                headers={"User-Agent": self.USER_AGENT},
                # Our own per-call timeouts (`_timeout`); aiohttp's default would end a long poll at 5 min.
                timeout=aiohttp.ClientTimeout(total=None),
            )

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data is not None else None
        data: aiohttp.FormData | dict[str, str] | None = None
        if request_data is not None:
            data = request_data.json_parameters
            if files:
                data = _multipart(data, files)
        timeout = self._timeout(
            read_timeout,
            write_timeout,
            connect_timeout,
            pool_timeout,
            media=bool(files),
        )
        try:
            async with session.request(method, url, data=data, timeout=timeout) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's ServerTimeoutError and ConnectionTimeoutError are TimeoutErrors
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err

    def _timeout(
        self,
        read: ODVInput[float],
        write: ODVInput[float],
        connect: ODVInput[float],
        pool: ODVInput[float],
        *,
        media: bool,
    ) -> aiohttp.ClientTimeout:
        read_s = self._read_timeout if isinstance(read, DefaultValue) else read
        connect_s = self._connect_timeout if isinstance(connect, DefaultValue) else connect
        pool_s = self._pool_timeout if isinstance(pool, DefaultValue) else pool
        if isinstance(write, DefaultValue):
            write_s = self._media_write_timeout if media else self._write_timeout
        else:
            write_s = write
        parts = (pool_s, connect_s, write_s, read_s)
        total = None if any(p is None for p in parts) else sum(p for p in parts if p is not None)
        # ``connect`` covers waiting for a pooled connection and opening a new one; ``sock_read`` is the
        # longest silence while the answer comes in.
        wait = None if pool_s is None or connect_s is None else pool_s + connect_s
        return aiohttp.ClientTimeout(total=total, connect=wait, sock_connect=connect_s, sock_read=read_s)


def _multipart(fields: dict[str, str], files: UploadFileDict) -> aiohttp.FormData:
    """The parameters and the files of an upload as one multipart body, as `HTTPXRequest` sends them."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mime_type) in files.items():
        form.add_field(name, content, filename=filename, content_type=mime_type)
    return form
