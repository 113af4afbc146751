"""Start-up shared by every command: find or start PostgreSQL, connect, migrate."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Environment, Settings
from coach import places
from coach.llm.client import GeminiClient, LlmConfig
from coach.llm.service import CoachLlm
from db import embedded
from db.engine import create_engine, create_sessionmaker
from db.errors import DatabaseUnavailable
from integrations.vault import TokenVault, load_or_create_dev_keys
from migrations import runner

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Database:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    url: str
    embedded: bool


def _describe(url: str) -> str:
    parsed = make_url(url)
    where = parsed.host or parsed.query.get("host") or "local socket"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{where}{port}/{parsed.database or ''}"


async def _check_connection(engine: AsyncEngine, url: str) -> None:
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT_S):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    except (OSError, TimeoutError, OperationalError, InterfaceError, DBAPIError) as err:
        reason = type(err.orig if isinstance(err, DBAPIError) else err).__name__
        raise DatabaseUnavailable(
            f"Cannot reach the PostgreSQL server at {_describe(url)} ({reason}); "
            "check DATABASE_URL, or unset it to use the embedded server."
        ) from err


@asynccontextmanager
async def open_database(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Database]:
    """Connect to ``DATABASE_URL``, or to the embedded server in the data folder; apply migrations."""
    if settings.database_url is not None:
        url, is_embedded = settings.database_url.get_secret_value(), False
    else:
        server = await asyncio.to_thread(embedded.start, settings.data_dir)
        url, is_embedded = server.url(), True
    try:
        engine = create_engine(url, pool_size=settings.database_pool_size)
    except ValueError as err:
        raise DatabaseUnavailable(str(err)) from err
    try:
        await _check_connection(engine, url)
        if migrate:
            await runner.upgrade(engine)
        yield Database(engine=engine, sessions=create_sessionmaker(engine), url=url, embedded=is_embedded)
    finally:
        await engine.dispose()


def open_vault(settings: Settings) -> TokenVault:
    """The token vault: ``TOKEN_ENCRYPTION_KEYS``, or in development a key kept in the data folder.

    `Settings` already refuses to start outside development without keys.
    """
    if settings.token_encryption_keys is not None:
        return TokenVault.from_spec(settings.token_encryption_keys.get_secret_value())
    assert settings.environment is Environment.DEVELOPMENT
    return TokenVault.from_spec(load_or_create_dev_keys(settings.data_dir))


def llm_config(settings: Settings) -> LlmConfig | None:
    """The Gemini settings, or ``None`` without a key (the coach then answers from its rules)."""
    if settings.gemini_api_key is None:
        return None
    return LlmConfig(
        api_key=settings.gemini_api_key.get_secret_value(),
        model=settings.gemini_model,
        base_url=settings.gemini_base_url,
        timeout_s=settings.gemini_timeout_s,
        deadline_s=settings.gemini_answer_deadline_s,
        attempts=settings.gemini_attempts,
        circuit_failures=settings.gemini_circuit_failures,
        circuit_open_s=settings.gemini_circuit_open_s,
        daily_tokens=settings.gemini_daily_tokens,
    )


@asynccontextmanager
async def open_llm(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[CoachLlm | None]:
    """The Gemini coach for the bot's lifetime; its model is checked against Gemini's list when online."""
    config = llm_config(settings)
    if config is None:
        logger.info("GEMINI_API_KEY is not set: free-form answers come from the rules coach")
        yield None
        return
    client = GeminiClient(config)
    try:
        if await client.check_model() is False:
            logger.warning(
                "GEMINI_MODEL %s is not in Gemini's model list; set a current model (answers fall back to the rules)",
                config.model,
            )
        yield CoachLlm(client=client, sessions=sessions, daily_tokens=config.daily_tokens, band_sd=settings.hrv_band_sd)
    finally:
        await client.aclose()


async def load_lookups() -> None:
    """Load the place gazetteer and the time-zone finder before the first update (in a worker thread).

    Loaded on first use instead, they cost 1.5–2 s of pure-Python CPU that holds the interpreter: the first new
    athlete who typed a place held every chat's answer (and the webhook's acknowledgements) that long. They stay
    loaded for the life of the process either way (about 130 MB); loading them at start only moves the moment.
    """
    started = time.perf_counter()
    await asyncio.to_thread(places.warm_up)
    logger.info("place and time-zone lookups loaded in %.1f s", time.perf_counter() - started)


def settle_heap() -> None:
    """Move everything start-up created out of the garbage collector's view (`gc.freeze`).

    The modules, ORM mappings and client objects of a running bot are a quarter of a million objects that
    live as long as the process. Left in view, every full collection walks them: 100–250 ms during which
    the event loop runs nothing, so paced brief sends fall behind and the morning fan-out loses a few percent
    of Telegram's rate (measured by bench/brief.py). Frozen, a full collection walks only what was made since.
    Call once, when start-up is done.
    """
    gc.collect()
    gc.freeze()
