"""The sync engine: each connection's backfill, then incremental pulls by cursor, page by page.

One run syncs one (user, provider) connection:

1. **Single flight.** A session-level advisory lock on (user, provider), held on its own connection for the
   whole run, so two syncs of the same connection never run at once, from any process; a second one
   returns ``BUSY`` at once (the running one is doing its work). Other connections are not held up.
2. **Status.** ``SYNCING``, then ``SUCCESS`` (``lastSyncAt``) or ``FAILED`` with a sentence. A grant the
   provider refused stays FAILED until the user reconnects (`db.repositories.integrations.auth_lost`);
   any other failure is retried by the next sync. A process killed mid-run cannot write its end, so
   ``SYNCING`` is believed only while the run's lock is held (`sync_state.runs_alive`); otherwise the
   connection reads as ``INTERRUPTED`` (`Connector.connections`), and the next run resumes it.
3. **Streams** (`integrations.sync.streams`), each by its own cursor. No cursor: backfill
   ``backfill_days``. A cursor that records a finished run: from its end minus ``OVERLAP`` (scores settle,
   late uploads) to now. A cursor that records an unfinished run (a crash, a database restart): that run
   is resumed at its next page, with the same window, so a page is never fetched more than twice.
4. **Pages.** Each page is fetched through the provider client (rate-limited per provider app by
   `integrations.limits.RateLimitedTransport`) with `integrations.retry.call_with_retries` (5xx,
   timeouts and unreadable or truncated bodies are retried with full-jitter backoff), mapped whole, and
   committed with the stream's next cursor in one transaction (`integrations.sync.writer.commit_page`).
   If the database goes away, the same page is committed again once it is back (never re-fetched).
5. **Retired endpoints.** A 404 on a collection means the provider retired or moved it: the run is
   FAILED with a message saying the integration needs an update, never "0 records, success".
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TypeVar

import asyncpg
import httpx2
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from coach.i18n import N_, t
from db.models import Integration, User
from db.repositories import curves as curve_rows
from db.repositories import integrations, sync_state
from integrations import metrics
from integrations.client import TIMEOUT_S, JsonObject, ProviderClient
from integrations.connect import Connector
from integrations.errors import ProviderAuthError, ProviderError, ProviderNotFound, ProviderRateLimited
from integrations.limits import PROVIDER_WINDOWS, RateLimitedTransport, RateLimiter
from integrations.retry import RetryPolicy, call_with_retries
from integrations.sync.curves import CURVE_DAYS, CurveBudget
from integrations.sync.streams import STREAMS, Page, RunContext, Stream, Window
from integrations.sync.writer import (
    PROVIDER_NAMES,
    PageResult,
    SyncOutcome,
    commit_page,
    finish_sync,
    retired_endpoint_message,
    start_sync,
)

logger = logging.getLogger(__name__)

# Providers whose synced workouts get a mean-maximal curve from their streams (`integrations.sync.curves`).
CURVE_PROVIDERS = frozenset({"strava", "intervals"})

T = TypeVar("T")

OVERLAP = timedelta(days=2)
BUSY = "BUSY"
NOT_CONNECTED = "NOT_CONNECTED"
SUCCESS = sync_state.SUCCESS
FAILED = sync_state.FAILED
DB_RETRY_FOR = timedelta(minutes=5)


@dataclass(slots=True)
class Progress:
    """Where one connection's run is: what the progress message in chat shows."""

    provider: str
    label: str
    days: int  # how far back this run reads
    backfill: bool
    workouts: int = 0
    nights: int = 0
    pages: int = 0
    done: bool = False
    status: str | None = None
    error: str | None = None


ProgressHook = Callable[[Progress], Awaitable[None]]


async def _no_progress(progress: Progress) -> None:
    return None


@dataclass(frozen=True, slots=True)
class SyncResult:
    user_id: str
    provider: str
    status: str  # SUCCESS, FAILED, BUSY, NOT_CONNECTED
    workouts: int = 0
    nights: int = 0
    error: str | None = None
    rejected: int = 0  # records set aside (unreadable, or refused by the database rules)


def _database_gone(err: BaseException) -> bool:
    """The database connection broke or the server is (re)starting: worth waiting for, not a bug."""
    if isinstance(err, DBAPIError):
        if err.connection_invalidated or isinstance(err, OperationalError | InterfaceError):
            return True
        # SQLAlchemy's asyncpg adapter wraps "the database system is starting up" (57P03, a connection
        # refused while the server replays its WAL after a restart) as a plain DBAPIError: look at the cause.
        cause = err.orig.__cause__ if err.orig is not None else None
        return cause is not None and _database_gone(cause)
    return isinstance(
        err,
        OSError
        | asyncpg.PostgresConnectionError
        | asyncpg.InterfaceError
        | asyncpg.exceptions.OperatorInterventionError,
    )


class DatabaseGone(Exception):
    """The database stayed away longer than the engine waits."""


@dataclass(slots=True)
class _Cursor:
    """A stream's stored cursor: a finished run's ``end``, or an unfinished run's window and next token."""

    end: datetime | None = None
    start: datetime | None = None
    token: str | None = None
    running: bool = False

    @classmethod
    def parse(cls, value: str | None) -> _Cursor:
        if not value:
            return cls()
        try:
            raw = json.loads(value)
            return cls(
                end=datetime.fromisoformat(raw["end"]) if raw.get("end") else None,
                start=datetime.fromisoformat(raw["start"]) if raw.get("start") else None,
                token=raw.get("token"),
                running=bool(raw.get("running")),
            )
        except (ValueError, TypeError, KeyError):
            logger.warning("an unreadable sync cursor was ignored")
            return cls()

    def dump(self) -> str:
        body: dict[str, object] = {"end": self.end.isoformat() if self.end else None}
        if self.running:
            body |= {"running": True, "start": self.start.isoformat() if self.start else None, "token": self.token}
        return json.dumps(body, sort_keys=True)


@dataclass
class SyncEngine:
    sessions: async_sessionmaker[AsyncSession]
    connector: Connector
    clock: Callable[[], datetime]
    backfill_days: int = 90
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_s: float = TIMEOUT_S
    db_retry_for: timedelta = DB_RETRY_FOR
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    limiters: dict[str, RateLimiter] = field(default_factory=dict)
    _http: dict[str, httpx2.AsyncClient] = field(default_factory=dict)

    # ------------------------------------------------------------------------------------- plumbing

    def http(self, provider: str) -> httpx2.AsyncClient:
        """One HTTP client per provider app, behind that app's rate limiter (shared by every user)."""
        client = self._http.get(provider)
        if client is None:
            limiter = self.limiters.get(provider)
            if limiter is None:
                limiter = self.limiters[provider] = RateLimiter(provider, PROVIDER_WINDOWS.get(provider, ()))
            transport = RateLimitedTransport(httpx2.AsyncHTTPTransport(), limiter)
            client = self._http[provider] = httpx2.AsyncClient(
                timeout=self.timeout_s, follow_redirects=False, transport=transport
            )
        return client

    def client(self, user_id: str, provider: str) -> ProviderClient:
        return self.connector.client(user_id=user_id, provider=provider, http=self.http(provider))

    async def aclose(self) -> None:
        for client in self._http.values():
            await client.aclose()
        self._http.clear()

    @property
    def _engine(self) -> AsyncEngine:
        bind = self.sessions.kw["bind"]
        assert isinstance(bind, AsyncEngine)
        return bind

    async def _db(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run ``work`` (one transaction), waiting out a database restart for up to ``db_retry_for``."""
        waited = 0.0
        delay = 0.2
        while True:
            try:
                return await work()
            except Exception as err:
                if not _database_gone(err):
                    raise
                if waited >= self.db_retry_for.total_seconds():
                    raise DatabaseGone("the database did not come back") from err
                logger.warning("database unavailable (%s); retrying in %.1f s", type(err).__name__, delay)
                await self.sleep(delay)
                waited += delay
                delay = min(delay * 2, 5.0)

    @asynccontextmanager
    async def single_flight(self, user_id: str, provider: str) -> AsyncIterator[bool]:
        """True while this process holds the (user, provider) sync lock; False when another run holds it."""
        key = sync_state.run_lock_key(user_id, provider)

        async def connect() -> tuple[object, bool]:
            conn = await self._engine.connect()
            try:
                got = await conn.scalar(text("SELECT pg_try_advisory_lock(hashtextextended(:k, 0))"), {"k": key})
                await conn.commit()
            except BaseException:
                await conn.close()
                raise
            return conn, bool(got)

        conn, got = await self._db(connect)
        try:
            yield got
        finally:
            try:
                if got:
                    await conn.execute(text("SELECT pg_advisory_unlock(hashtextextended(:k, 0))"), {"k": key})  # type: ignore[attr-defined]
                    await conn.commit()  # type: ignore[attr-defined]
            except Exception as err:  # a broken connection has released the lock with the session
                if not _database_gone(err):
                    raise
            finally:
                try:
                    await conn.close()  # type: ignore[attr-defined]
                except Exception as err:
                    if not _database_gone(err):
                        raise

    # ------------------------------------------------------------------------------------- runs

    async def sync_user(
        self,
        user_id: str,
        *,
        providers: Sequence[str] | None = None,
        days: int | None = None,
        progress: ProgressHook = _no_progress,
    ) -> list[SyncResult]:
        """Sync every connection of one user at once (each provider on its own, none waits for another)."""
        async with self.sessions() as session:
            rows = await integrations.list_for_user(session, user_id=user_id)
        names = [r.provider for r in rows if r.provider in STREAMS and (providers is None or r.provider in providers)]
        return list(await asyncio.gather(*(self.sync(user_id, p, days=days, progress=progress) for p in names)))

    async def sync(
        self, user_id: str, provider: str, *, days: int | None = None, progress: ProgressHook = _no_progress
    ) -> SyncResult:
        """Backfill or bring up to date one connection; ``days`` re-reads that many days (reconciliation)."""
        async with self.single_flight(user_id, provider) as mine:
            if not mine:
                logger.info("sync of %s for %s already running elsewhere", provider, user_id)
                return SyncResult(user_id, provider, BUSY)
            return await self._run(user_id, provider, days=days, progress=progress)

    async def _run(self, user_id: str, provider: str, *, days: int | None, progress: ProgressHook) -> SyncResult:
        async def load() -> tuple[Integration | None, int | None, dict[str, str | None]]:
            async with self.sessions.begin() as session:
                row = await integrations.get(session, user_id=user_id, provider=provider)
                if row is None or integrations.auth_lost(row):
                    return row, None, {}
                ftp = await session.scalar(select(User.ftp).where(User.id == user_id))
                if provider in CURVE_PROVIDERS:
                    since = self.clock() - timedelta(days=CURVE_DAYS)
                    stored_curves.update(
                        await curve_rows.stored_for_source(session, user_id=user_id, source=provider, since=since)
                    )
                cursors = {
                    s.name: await sync_state.cursor(session, integration_id=row.id, stream=s.name)
                    for s in STREAMS[provider]
                }
                await start_sync(session, integration_id=row.id)
                return row, ftp, cursors

        stored_curves: dict[str, JsonObject] = {}
        row, ftp, cursors = await self._db(load)
        if row is None:
            return SyncResult(user_id, provider, NOT_CONNECTED)
        if integrations.auth_lost(row):
            return SyncResult(user_id, provider, FAILED, error=row.error_message)
        now = self.clock()
        parsed = {name: _Cursor.parse(value) for name, value in cursors.items()}
        backfill = days is None and any(c.end is None and not c.running for c in parsed.values())
        span = days if days is not None else self.backfill_days
        state = Progress(provider, PROVIDER_NAMES.get(provider, provider), span, backfill)
        ctx = RunContext(client=self.client(user_id, provider), ftp_w=float(ftp) if ftp else None)
        if provider in CURVE_PROVIDERS:
            ctx.curves = CurveBudget(now=now, stored=stored_curves)
        outcome = SyncOutcome()
        # Each error twice: in English for the database and the logs, in the athlete's language for the chat.
        shown: list[str] = []

        def failed(message: str, **values: str) -> None:
            outcome.errors.append(message.format(provider=state.label, **values))
            shown.append(t(message, provider=state.label, **values))

        nights: set[date] = set()
        workouts: set[str] = set()
        for stream in STREAMS[provider]:
            try:
                await self._stream(
                    row, stream, ctx, parsed[stream.name], now=now, days=days, outcome=outcome,
                    state=state, nights=nights, workouts=workouts, progress=progress,
                )  # fmt: skip
            except ProviderNotFound:
                outcome.errors.append(retired_endpoint_message(provider, stream.endpoint))
                shown.append(retired_endpoint_message(provider, stream.endpoint, translated=True))
                break
            except ProviderAuthError as err:
                outcome.errors.append(str(err))
                shown.append(str(err))
                break
            except ProviderRateLimited as err:
                failed(N_("{provider} asked us to slow down; the import continues at the next sync."))
                logger.warning("%s rate limit for %s: %s", provider, user_id, err)
                break
            except ProviderError as err:
                failed(N_("{provider} could not be read ({error}); I'll try again later."), error=str(err))
                break
            except Exception:  # a bug or the database gone for good: never leave the connection SYNCING
                logger.exception("sync of %s for %s stopped", provider, user_id)
                failed(N_("The {provider} sync stopped unexpectedly; I'll try again later."))
                break

        async def finish() -> str:
            async with self.sessions.begin() as session:
                current = await session.get(Integration, row.id, populate_existing=True)
                if current is None:
                    return NOT_CONNECTED  # disconnected while syncing; the rows already imported stay
                if integrations.auth_lost(current):
                    return FAILED  # the refresh already recorded why and told the user
                return await finish_sync(session, integration_id=row.id, outcome=outcome, now=self.clock())

        status = await self._db(finish)
        error = " ".join(outcome.errors) or None
        state.done, state.status, state.error = True, status, " ".join(shown) or None
        await progress(replace(state))
        if error:
            logger.warning("sync of %s for %s failed: %s", provider, user_id, error)
        metrics.SYNC_RUNS.labels(provider, status).inc()
        metrics.SYNC_RECORDS.labels(provider, "workouts").inc(len(workouts))
        metrics.SYNC_RECORDS.labels(provider, "days").inc(len(nights))
        return SyncResult(user_id, provider, status, len(workouts), len(nights), error, outcome.rejected)

    async def _stream(
        self,
        row: Integration,
        stream: Stream,
        ctx: RunContext,
        cursor: _Cursor,
        *,
        now: datetime,
        days: int | None,
        outcome: SyncOutcome,
        state: Progress,
        nights: set[date],
        workouts: set[str],
        progress: ProgressHook,
    ) -> None:
        if days is not None:
            # Reconciliation re-reads a fixed recent window and leaves the cursor where it is.
            window, token, keep = Window(now - timedelta(days=days), now), None, cursor
        elif cursor.running and cursor.start is not None and cursor.end is not None:
            window, token, keep = Window(cursor.start, cursor.end), cursor.token, None
        else:
            start = cursor.end - OVERLAP if cursor.end is not None else now - timedelta(days=self.backfill_days)
            window, token, keep = Window(start, now), None, None
        page = await self._fetch(stream, ctx, window, token)
        while True:
            nxt = page.next_token
            # The next page is read while this one is written (reads are safe to repeat; the cursor moves
            # only with a committed page).
            ahead = asyncio.create_task(self._fetch(stream, ctx, window, nxt)) if nxt is not None else None
            if keep is not None:
                stored = keep.dump() if (keep.end or keep.running) else None
            elif nxt is not None:
                stored = _Cursor(end=window.end, start=window.start, token=nxt, running=True).dump()
            else:
                stored = _Cursor(end=window.end).dump()

            async def commit(page: Page = page, stored: str | None = stored) -> PageResult:
                result = await commit_page(
                    self.sessions,
                    integration_id=row.id,
                    user_id=row.user_id,
                    stream=stream.name,
                    batch=page.batch,
                    cursor=stored,
                )
                outcome.add(stream.name, result)
                return result

            try:
                result = await self._db(commit)
                workouts.update(w.external_id for w in page.batch.workouts)
                workouts.difference_update(result.refused_workouts)
                nights.update(m.local_date for m in page.batch.metrics)
                state.workouts, state.nights, state.pages = len(workouts), len(nights), state.pages + 1
                await progress(replace(state))
            except BaseException:
                if ahead is not None:
                    ahead.cancel()
                    with contextlib.suppress(BaseException):
                        await ahead
                raise
            if ahead is None:
                return
            page = await ahead

    async def _fetch(self, stream: Stream, ctx: RunContext, window: Window, token: str | None) -> Page:
        """One page with retries; a database hiccup while the token is read is waited out too."""

        async def attempt() -> Page:
            return await call_with_retries(
                lambda: stream.fetch(ctx, window, token), policy=self.retry, sleep=self.sleep
            )

        return await self._db(attempt)

    # ------------------------------------------------------------------------------------- many users

    async def connections(self, providers: Iterable[str] | None = None) -> list[tuple[str, str]]:
        """(user, provider) of every connection that can be synced."""
        wanted = set(providers) if providers is not None else set(STREAMS)
        async with self.sessions() as session:
            rows = (
                await session.execute(
                    select(Integration.user_id, Integration.provider)
                    .where(Integration.auth_lost_at.is_(None))
                    .order_by(Integration.user_id, Integration.provider)
                )
            ).all()
        return [(u, p) for u, p in rows if p in wanted]

    async def sync_many(
        self, pairs: Sequence[tuple[str, str]], *, days: int | None = None, concurrency: int = 4
    ) -> list[SyncResult]:
        """Sync many connections, a few at a time (each provider app's limiter still paces its requests)."""
        gate = asyncio.Semaphore(concurrency)

        async def one(user_id: str, provider: str) -> SyncResult:
            async with gate:
                try:
                    return await self.sync(user_id, provider, days=days)
                except Exception as err:  # one broken connection must not stop the others
                    logger.exception("sync of %s for %s crashed", provider, user_id)
                    return SyncResult(user_id, provider, FAILED, error=type(err).__name__)

        return list(await asyncio.gather(*(one(u, p) for u, p in pairs)))
