"""The morning-brief scheduler: an APScheduler tick each minute, the claim in PostgreSQL, the sending.

``coach-watts run`` starts one `BriefScheduler` in the bot's event loop. Every process ticks; correctness
never depends on there being one: each tick

1. works out whose brief is due now in their own time zone (`coach.brief.plan_day`),
2. claims (user, local date) in "BriefDelivery" — ``waiting`` if last night's data is not in yet (a sync is
   requested and the row is re-checked on later ticks, up to ``BRIEF_FRESHNESS_WAIT``), else ``pending``;
   a brief further than ``BRIEF_CATCH_UP`` past its time (the service was down) is ``skipped`` and logged,
3. recovers rows left by a process that died (see `db.repositories.briefs` for the at-most-once rule),
4. wakes this process's sender, which takes pending rows in small batches (``FOR UPDATE SKIP LOCKED``,
   so processes share the work) and sends them through the bot's rate limiter.

The tick itself is short: sending happens in the background task, so a fan-out of thousands of briefs
at 07:00 never makes the next tick late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot import metrics
from bot.context import AppContext
from bot.handlers import brief as brief_handlers
from bot.ratelimit import retry_after
from bot.texts import brief as texts_brief
from coach import i18n
from coach.brief import Brief, compose, compose_many, missing_signals, plan_day
from db.models import User
from db.repositories import briefs, users

logger = logging.getLogger(__name__)

SyncRequest = Callable[[str], Awaitable[None]]

MAX_ATTEMPTS = 5
# A brief sent later than this after its due instant counts as late (metrics): a minute's tick plus sending.
LATE_AFTER = timedelta(minutes=1)
NETWORK_RETRY = timedelta(seconds=30)
COMPOSE_RETRY = timedelta(minutes=1)


async def no_sync(user_id: str) -> None:
    """The default sync hook: nothing to ask until a sync engine is plugged in."""


@dataclass(frozen=True, slots=True)
class TickReport:
    due: int
    created: int
    waiting: int
    promoted: int
    skipped: int
    recovered: int
    lost: int


# Builds the reply markups of a batch of briefs inside the sending transaction (the buttons' server-side
# state must be committed before the message that carries them exists).
Keyboards = Callable[..., Awaitable[dict[str, InlineKeyboardMarkup]]]


class BriefScheduler:
    """Due-time planning, the claim, and sending, for one bot process."""

    # A third of a second of sending per claim: reading a batch's rows blocks the event loop for a moment,
    # and a long block makes paced sends late; claims stay short, and two processes share a fan-out evenly.
    BATCH = 10
    # Briefs composed ahead of the rate limiter: two seconds of sending.
    WINDOW = 60

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        ctx: AppContext,
        *,
        request_sync: SyncRequest = no_sync,
        keyboards: Keyboards = brief_handlers.keyboards,
        owner: str | None = None,
        batch: int = BATCH,
        claim_lease: timedelta = timedelta(minutes=2),
        sending_lease: timedelta = timedelta(minutes=10),
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.request_sync = request_sync
        self.keyboards = keyboards
        # Which process holds a claim; unique per process and start, so a restarted process never
        # mistakes its predecessor's claims for its own.
        self.owner = owner or f"{os.getpid()}-{secrets.token_hex(4)}"
        self.batch = batch
        self.claim_lease = claim_lease
        self.sending_lease = sending_lease
        self._sender: asyncio.Task[int] | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self.sent = 0

    # ----------------------------------------------------------------- APScheduler

    def start(self) -> None:
        """Tick at second 0 of every minute, in this event loop; a late tick is run once, not piled up."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._tick_job,
            CronTrigger(second=0, timezone=UTC),
            id="brief-tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=50,
        )
        scheduler.start()
        self._scheduler = scheduler

    @property
    def aps(self) -> AsyncIOScheduler:
        """The running APScheduler, for other periodic jobs of this process (the sync reconciliation)."""
        assert self._scheduler is not None, "start() first"
        return self._scheduler

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._sender is not None and not self._sender.done():
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        self._sender = None

    async def _tick_job(self) -> None:
        try:
            await self.tick()
        except Exception:
            logger.exception("brief tick failed; the next tick retries")

    # ----------------------------------------------------------------- planning and claiming

    async def tick(self, *, send: bool = True) -> TickReport:
        """Plan and claim what is due now, then (``send``) wake this process's sender."""
        settings = self.ctx.settings
        catch_up = timedelta(minutes=settings.brief_catch_up_min)
        wait = timedelta(minutes=settings.brief_freshness_wait_min)
        now = self.ctx.clock()
        async with self.ctx.sessions.begin() as session:
            due = plan_day(await briefs.recipients(session), now, catch_up=catch_up)
            found = await briefs.existing(session, keys=due.keys())
            new_keys = [k for k in due if k not in found]
            waiting = {k: e for k, e in found.items() if e.status == briefs.WAITING}
            nights = await briefs.night_data(session, keys=[*new_keys, *waiting])
            rows = []
            for key in new_keys:
                recipient, when = due[key]
                if now - when.due_at > catch_up:
                    rows.append(
                        briefs.NewDelivery(
                            recipient.user_id,
                            when.local_date,
                            briefs.SKIPPED,
                            when.due_at,
                            error="past the catch-up deadline when first seen",
                        )
                    )
                    continue
                missing = missing_signals(nights[key])
                if missing and now < when.due_at + wait:
                    rows.append(
                        briefs.NewDelivery(
                            recipient.user_id,
                            when.local_date,
                            briefs.WAITING,
                            when.due_at,
                            wait_until=when.due_at + wait,
                            missing=missing,
                        )
                    )
                else:
                    rows.append(
                        briefs.NewDelivery(
                            recipient.user_id, when.local_date, briefs.PENDING, when.due_at, missing=missing
                        )
                    )
            created = await briefs.create(session, rows=rows)
            ready = [
                e.id
                for k, e in waiting.items()
                if not missing_signals(nights[k]) or (e.wait_until is not None and now >= e.wait_until)
            ]
            promoted = await briefs.make_pending(session, ids=ready)
            recovered, lost = await briefs.expire_leases(session, now=now)
        for row in created:
            if row.status == briefs.SKIPPED:
                logger.warning("brief for %s on %s skipped: past the catch-up deadline", row.user_id, row.local_date)
            elif row.status == briefs.WAITING:
                await self._request_sync(row.user_id)
        for delivery_id in lost:
            logger.warning("brief %s: the process sending it stopped; not re-sent (at most once)", delivery_id)
        if send:
            self.wake()
        return TickReport(
            due=len(due),
            created=len(created),
            waiting=sum(r.status == briefs.WAITING for r in created),
            promoted=promoted,
            skipped=sum(r.status == briefs.SKIPPED for r in created),
            recovered=recovered,
            lost=len(lost),
        )

    async def _request_sync(self, user_id: str) -> None:
        try:
            await self.request_sync(user_id)
        except Exception:
            logger.exception("sync request for a waiting brief failed; the brief still goes out after the wait")

    # ----------------------------------------------------------------- sending

    def wake(self) -> None:
        """Start the sender unless it is already running (it stops when nothing is left to send)."""
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self.drain(), name="brief-sender")

    async def idle(self) -> None:
        """Wait until this process's sender has nothing left (tests and benchmarks)."""
        while self._sender is not None and not self._sender.done():
            await asyncio.wait([self._sender])
        if self._sender is not None and not self._sender.cancelled() and self._sender.exception() is not None:
            raise self._sender.exception()  # type: ignore[misc]

    async def drain(self) -> int:
        """Send pending briefs until none is ready; returns how many this call sent.

        A pipeline: while up to two seconds of messages wait for the rate limiter, the next batch is
        claimed and composed (three queries for the whole batch), so Telegram's 30/s is never kept waiting
        on composing.
        """
        sent = 0
        inflight: set[asyncio.Task[bool]] = set()
        try:
            while True:
                claimed = 0
                if len(inflight) < self.WINDOW:
                    claimed, prepared = await self._claim_and_prepare()
                    inflight.update(asyncio.create_task(self._send(*p)) for p in prepared)
                if not claimed and not inflight:
                    return sent
                if not claimed or len(inflight) >= self.WINDOW:
                    done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    results = sum(t.result() for t in done)
                    sent += results
                    self.sent += results
        finally:
            for task in inflight:
                task.cancel()

    async def _claim_and_prepare(self) -> tuple[int, list[tuple[briefs.Claim, str, InlineKeyboardMarkup | None]]]:
        async with self.ctx.sessions.begin() as session:
            claims = await briefs.claim(
                session, owner=self.owner, now=self.ctx.clock(), lease=self.claim_lease, limit=self.batch
            )
        if not claims:
            return 0, []
        try:
            return len(claims), await self._prepare_batch(claims)
        except Exception:
            # One user's data must not hold back the others: compose them one by one.
            logger.warning("composing a batch of briefs failed; composing them one by one", exc_info=True)
        prepared = []
        for claim in claims:
            try:
                one = await self._prepare(claim)
            except _NotOurs:
                continue
            except Exception:
                logger.exception("composing the brief %s failed", claim.id)
                status = briefs.FAILED if claim.attempts >= MAX_ATTEMPTS else briefs.PENDING
                await self._finish(claim, status, error="compose failed", retry_in=COMPOSE_RETRY)
                continue
            if one is not None:
                prepared.append((claim, *one))
        return len(claims), prepared

    async def _prepare_batch(
        self, claims: list[briefs.Claim]
    ) -> list[tuple[briefs.Claim, str, InlineKeyboardMarkup | None]]:
        """Compose a batch and move its claims to ``sending`` in one transaction."""
        ctx = self.ctx
        async with ctx.sessions.begin() as session:
            found = await briefs.users_by_id(session, user_ids=[c.user_id for c in claims])
            ready: list[tuple[briefs.Claim, User]] = []
            for claim in claims:
                user = found.get(claim.user_id)
                if user is None or claim.chat_id is None or not user.active or not user.brief_enabled:
                    await self._skip(session, claim)
                else:
                    ready.append((claim, user))
            now = ctx.clock()
            # Each brief is composed for the local date it was claimed for (it may be over by now), and in its
            # athlete's language and units: one batch per language.
            composed: dict[str, Brief] = {}
            for (language, miles), group in _by_voice([u for _, u in ready]).items():
                with i18n.use(language, imperial=miles):
                    composed |= await compose_many(
                        session,
                        group,
                        now=now,
                        band_sd=ctx.settings.hrv_band_sd,
                        local_dates={c.user_id: c.local_date for c, _ in ready},
                    )
            markups = await self.keyboards(
                session, items=[(u, c.chat_id, composed[u.id]) for c, u in ready if c.chat_id is not None], now=now
            )
            ours = await briefs.start_sending_many(
                session,
                missing={c.id: composed[u.id].missing for c, u in ready},
                owner=self.owner,
                now=now,
                lease=self.sending_lease,
            )
        prepared = []
        for c, u in ready:
            if c.id in ours:
                with i18n.speaking_to(u):
                    prepared.append((c, texts_brief.morning_brief(composed[u.id]), markups.get(u.id)))
        return prepared

    async def _skip(self, session: AsyncSession, claim: briefs.Claim) -> None:
        metrics.BRIEFS.labels(briefs.SKIPPED).inc()
        await briefs.finish(
            session,
            delivery_id=claim.id,
            owner=self.owner,
            status=briefs.SKIPPED,
            now=self.ctx.clock(),
            error="user no longer reachable or brief switched off",
        )

    async def _send(self, claim: briefs.Claim, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Send one prepared brief and record the outcome. True when Telegram accepted it."""
        assert claim.chat_id is not None
        try:
            message = await self.app.bot.send_message(
                claim.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
        except Forbidden:
            # The user blocked the bot: Telegram will refuse every message, so stop trying.
            async with self.ctx.sessions.begin() as session:
                await briefs.deactivate_user(session, user_id=claim.user_id)
                await briefs.finish(
                    session,
                    delivery_id=claim.id,
                    owner=self.owner,
                    status=briefs.BLOCKED,
                    now=self.ctx.clock(),
                    error="403: the user blocked the bot",
                )
            logger.info("user %s blocked the bot: marked inactive", claim.user_id)
            metrics.BRIEFS.labels(briefs.BLOCKED).inc()
            return False
        except RetryAfter as err:
            # Telegram refused it before delivering: safe to send again once the wait is over.
            await self._finish(claim, briefs.PENDING, error="429 retry after", retry_in=retry_after(err))
            return False
        except TimedOut:
            # The request may have reached Telegram: re-sending could deliver twice, so don't.
            await self._finish(claim, briefs.UNKNOWN, error="timed out while sending; not re-sent (at most once)")
            return False
        except BadRequest as err:
            await self._finish(claim, briefs.FAILED, error=f"400 {err.message}"[:200])
            return False
        except NetworkError:
            # Connection-level failures surface before Telegram has the message (PTB raises TimedOut otherwise).
            status = briefs.FAILED if claim.attempts >= MAX_ATTEMPTS else briefs.PENDING
            await self._finish(claim, status, error="network error", retry_in=NETWORK_RETRY)
            return False
        except TelegramError as err:
            await self._finish(claim, briefs.FAILED, error=type(err).__name__)
            return False
        except Exception:
            # Something unexpected after the claim moved to "sending": it may have gone out, so not again.
            logger.exception("sending the brief %s failed", claim.id)
            await self._finish(claim, briefs.UNKNOWN, error="unexpected error while sending; not re-sent")
            return False
        await self._finish(claim, briefs.SENT, message_id=message.message_id)
        return True

    async def _prepare(self, claim: briefs.Claim) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """Compose the brief and move the claim to ``sending``, in one transaction; None if not ours to send."""
        ctx = self.ctx
        async with ctx.sessions.begin() as session:
            user = await users.get(session, user_id=claim.user_id)
            if user is None or claim.chat_id is None or not user.active or not user.brief_enabled:
                await self._skip(session, claim)
                return None
            now = ctx.clock()
            with i18n.speaking_to(user):
                brief = await compose(
                    session, user, now=now, band_sd=ctx.settings.hrv_band_sd, local_date=claim.local_date
                )
                text = texts_brief.morning_brief(brief)
            markup = (await self.keyboards(session, items=[(user, claim.chat_id, brief)], now=now))[user.id]
            if not await briefs.start_sending(
                session,
                delivery_id=claim.id,
                owner=self.owner,
                now=now,
                lease=self.sending_lease,
                missing=brief.missing,
            ):
                # Our claim ran out and another process took the row over: it is theirs now.
                raise _NotOurs
        return text, markup

    async def _finish(
        self,
        claim: briefs.Claim,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        retry_in: timedelta | None = None,
    ) -> None:
        now = self.ctx.clock()
        if status != briefs.PENDING:  # a pending brief is tried again: not an outcome yet
            metrics.BRIEFS.labels(status).inc()
        if status == briefs.SENT and claim.due_at is not None:
            delay_s = max(0.0, (now - claim.due_at).total_seconds())
            metrics.BRIEF_DELAY_SECONDS.observe(delay_s)
            if delay_s > LATE_AFTER.total_seconds():
                metrics.BRIEFS_LATE.inc()
        async with self.ctx.sessions.begin() as session:
            await briefs.finish(
                session,
                delivery_id=claim.id,
                owner=self.owner,
                status=status,
                now=now,
                message_id=message_id,
                error=error,
                not_before=now + retry_in if retry_in is not None and status == briefs.PENDING else None,
            )


class _NotOurs(Exception):
    pass


def _by_voice(athletes: list[User]) -> dict[tuple[str, bool], list[User]]:
    """The athletes by the language and the unit (miles?) their brief is written in."""
    groups: dict[tuple[str, bool], list[User]] = {}
    for athlete in athletes:
        voice = (i18n.choose(athlete.language, athlete.telegram_language), athlete.distance_unit == "mi")
        groups.setdefault(voice, []).append(athlete)
    return groups
