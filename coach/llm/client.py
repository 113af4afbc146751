"""The Gemini client: google-genai (async) behind retries, one deadline per answer, and a circuit breaker.

Why our own retries instead of the SDK's ``HttpRetryOptions``: the SDK backs off on its own schedule and
ignores the ``RetryInfo.retryDelay`` Gemini puts in a 429, and it knows nothing of the answer's deadline.
Here a retry waits what the server asked (or an exponential backoff), and only if the wait still fits
before the deadline; otherwise the caller falls back to the rules coach at once.

Rate limits are per project, so a 429 that asks for a long wait applies to every user: the circuit opens
for that long. After ``circuit_failures`` consecutive failed requests it opens for ``circuit_open_s``;
then one trial request decides whether it closes again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import httpx2
from google import genai
from google.genai import errors, types

from coach.llm import metrics

logger = logging.getLogger(__name__)

API_VERSION = "v1beta"
RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


class LlmError(Exception):
    """Gemini gave no usable answer; the caller answers from the rules coach."""


class LlmUnavailable(LlmError):
    """The circuit is open: Gemini failed repeatedly, so we do not even try."""


@dataclass(frozen=True, slots=True)
class LlmConfig:
    api_key: str
    model: str
    base_url: str | None = None
    timeout_s: float = 8.0
    deadline_s: float = 15.0
    attempts: int = 3
    circuit_failures: int = 5
    circuit_open_s: float = 60.0
    daily_tokens: int = 60_000


class Circuit:
    """Closed → open after N consecutive failures (or a long server-requested wait) → half-open trial."""

    def __init__(self, *, failures: int, open_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = failures
        self._open_s = open_s
        self._clock = clock
        self._consecutive = 0
        self._open_until: float | None = None
        self._trial_running = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None and self._clock() < self._open_until

    def allow(self) -> bool:
        if self._open_until is None:
            return True
        if self._clock() < self._open_until or self._trial_running:
            return False
        self._trial_running = True  # half-open: exactly one request finds out whether Gemini is back
        return True

    def abandon(self) -> None:
        """A request was cancelled before it ended: it proved nothing, so a half-open trial may run again."""
        self._trial_running = False

    def success(self) -> None:
        self._consecutive = 0
        self._open_until = None
        self._trial_running = False

    def failure(self, *, open_for_s: float | None = None) -> None:
        self._consecutive += 1
        self._trial_running = False
        now = self._clock()
        until: float | None = None
        if self._consecutive >= self._threshold:
            until = now + self._open_s
        if open_for_s is not None and open_for_s > 0:
            until = max(until or now, now + open_for_s)
        if until is not None:
            self._open_until = until
            logger.warning("Gemini circuit open for %.0f s after %d failures", until - now, self._consecutive)


def server_retry_delay(err: errors.APIError) -> float | None:
    """The wait Gemini asked for: ``RetryInfo.retryDelay`` in the error details, else a Retry-After header."""
    body: Any = err.details
    details = body.get("error", {}).get("details", []) if isinstance(body, dict) else []
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    headers = getattr(err.response, "headers", None)
    if headers is not None:
        value = headers.get("retry-after")
        if value is not None and value.strip().replace(".", "", 1).isdigit():
            return float(value)
    return None


class GeminiClient:
    """One shared client per process. `generate` either returns a response or raises `LlmError`."""

    def __init__(
        self,
        config: LlmConfig,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.model = config.model
        self.circuit = Circuit(failures=config.circuit_failures, open_s=config.circuit_open_s, clock=clock)
        self._sleep = sleep
        self._clock = clock
        # google-genai sends through aiohttp whenever aiohttp is installed (it is, for the bot's Bot API calls)
        # unless given a transport: an httpx2 one keeps Gemini on httpx2, whose failures `generate` handles.
        options = types.HttpOptions(
            api_version=API_VERSION,
            timeout=int(config.timeout_s * 1000),
            async_client_args={"transport": httpx2.AsyncHTTPTransport()},
        )
        if config.base_url:
            options.base_url = config.base_url
        self._client = genai.Client(api_key=config.api_key, http_options=options)

    def deadline(self) -> float:
        """The monotonic instant by which an answer started now must be done."""
        return self._clock() + self.config.deadline_s

    # google-genai 3.x sends through httpx2 (a fork of httpx under its own import name) unless it is given
    # an httpx client, so a transport failure can come from either library.
    async def generate(
        self, contents: Sequence[types.Content], config: types.GenerateContentConfig, *, deadline: float
    ) -> types.GenerateContentResponse:
        last: str = "no attempt"
        for attempt in range(self.config.attempts):
            remaining = deadline - self._clock()
            if remaining <= 0:
                break
            if not self.circuit.allow():
                metrics.REQUESTS.labels("circuit_open").inc()
                metrics.FAILURES.inc()
                raise LlmUnavailable("Gemini circuit is open")
            try:
                async with asyncio.timeout(min(self.config.timeout_s, remaining)):
                    response = await self._client.aio.models.generate_content(
                        model=self.model, contents=list(contents), config=config
                    )
            except errors.APIError as err:
                metrics.REQUESTS.labels(metrics.http_outcome(err.code)).inc()
                server_delay = server_retry_delay(err) if err.code == 429 else None
                last = f"HTTP {err.code} {err.status or ''}".strip()
                logger.warning("Gemini request failed: %s (attempt %d)", last, attempt + 1)
                self.circuit.failure(open_for_s=server_delay if server_delay and server_delay > remaining else None)
                if err.code not in RETRYABLE:
                    metrics.FAILURES.inc()
                    raise LlmError(last) from None
                delay = server_delay if server_delay is not None else self._backoff(attempt)
            except asyncio.CancelledError:
                self.circuit.abandon()
                raise
            except (TimeoutError, httpx.TransportError, httpx2.TransportError) as err:
                metrics.REQUESTS.labels("timeout" if isinstance(err, TimeoutError) else "transport").inc()
                last = type(err).__name__
                logger.warning("Gemini request failed: %s (attempt %d)", last, attempt + 1)
                self.circuit.failure()
                delay = self._backoff(attempt)
            else:
                metrics.REQUESTS.labels("ok").inc()
                self.circuit.success()
                return response
            if attempt + 1 >= self.config.attempts or self._clock() + delay >= deadline:
                break
            await self._sleep(delay)
        metrics.FAILURES.inc()
        raise LlmError(f"Gemini gave no answer ({last})")

    @staticmethod
    def _backoff(attempt: int) -> float:
        base = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2**attempt)
        return float(base + random.uniform(0, base / 4))  # noqa: S311 - jitter, not security

    async def check_model(self, *, timeout_s: float = 10.0) -> bool | None:
        """Whether the configured model is in Gemini's model list; ``None`` when the list is unreachable."""
        try:
            async with asyncio.timeout(timeout_s):
                pager = await self._client.aio.models.list(config={"page_size": 1000})
                names = {(m.name or "").removeprefix("models/") async for m in pager}
        except (errors.APIError, TimeoutError, httpx.HTTPError, httpx2.HTTPError) as err:
            logger.warning("could not list Gemini models (%s); using %s unchecked", type(err).__name__, self.model)
            return None
        return self.model in names

    async def aclose(self) -> None:
        await self._client.aio.aclose()
