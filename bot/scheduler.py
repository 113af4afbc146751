"""The morning-brief scheduler: a tick each minute that plans, and a sender that takes ``brief.send`` jobs.

``coach-watts run`` starts one `BriefScheduler` in the bot's event loop. Every process ticks; correctness
never depends on there being one: each tick

1. works out whose brief is due now in their own time zone (`coach.brief.plan_day`),
2. records (user, local date) in "BriefDelivery" — ``waiting`` if last night's data is not in yet (a sync is
   requested and the row is re-checked on later ticks, up to ``BRIEF_FRESHNESS_WAIT``), else ``pending``
   with its ``brief.send`` job enqueued in the same transaction (`db.repositories.briefs.send_job`); a
   brief further than ``BRIEF_CATCH_UP`` past its time (the service was down) is ``skipped`` and logged,
3. gives back the ``brief.send`` jobs of processes that died (the job queue's sweep; the runner of every
   process sweeps too, every 30 s) and settles rows whose job died (see `db.repositories.briefs` for the
   at-most-once rule),
4. wakes this process's sender, which takes ``brief.send`` jobs in small batches (``FOR UPDATE SKIP LOCKED``,
   so processes share the work; one job per athlete at a time in all processes), composes each batch at once
   and sends it through the bot's rate limiter, pipelined.

The job queue holds the claim: the job's lease (extended while this process holds the job), its attempts, the
retry after a failure (a 429 at its Retry-After without counting an attempt, a network error with backoff, a
compose failure a minute later) and the dead state after the last attempt. The sender is not a handler of the
generic `bot.jobs.JobRunner` (which runs one job per task): it takes batches, so a fan-out of thousands is
composed a batch at a time and Telegram's 30/s is never kept waiting.

The tick stays an APScheduler cron job at second 0 in every process, not a periodic kind of the job runner:
the runner's schedules run once per slot across processes, while every process must tick to wake its own
sender at the start of the minute (that is how processes share a fan-out), and the runner polls once a second
with a few job slots that a long job may hold, which would start the 07:00 fan-out late. Planning is
idempotent, so a tick in every process costs only a few reads.

The tick itself is short: sending happens in the background task, so a fan-out of thousands of briefs
at 07:00 never makes the next tick late.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
from bot.jobs.runner import Leases, cancel_and_wait
from bot.ratelimit import retry_after
from bot.texts import brief as texts_brief
from coach import i18n
from coach.brief import Brief, compose, compose_many, missing_signals, plan_day
from db.models import User
from db.repositories import briefs, jobs, users

logger = logging.getLogger(__name__)

SyncRequest = Callable[[str], Awaitable[None]]

# A brief sent later than this after its due instant counts as late (metrics): a minute's tick plus sending.
LATE_AFTER = timedelta(minutes=1)
# After a network error: 30 s, doubled on each attempt, at most 5 minutes.
NETWORK_RETRY = timedelta(seconds=30)
NETWORK_RETRY_MAX = timedelta(minutes=5)
COMPOSE_RETRY = timedelta(minutes=1)
LOST = "the process sending it stopped; not re-sent (at most once)"


async def no_sync(user_id: str) -> None:
    """The default sync hook: nothing to ask until a sync engine is plugged in."""


@dataclass(frozen=True, slots=True)
class TickReport:
    due: int
    created: int
    waiting: int
    promoted: int
    skipped: int
    recovered: int  # brief jobs of processes that died, given back by this tick's sweep
    lost: int  # rows made final because their job died (unknown if it was sending, else failed)


@dataclass(frozen=True, slots=True)
class Claim:
    """A ``brief.send`` job this process holds, and its delivery (``pending`` when taken)."""

    job: jobs.Taken
    delivery: briefs.Delivery

    @property
    def id(self) -> str:
        return self.delivery.id

    @property
    def user_id(self) -> str:
        return self.delivery.user_id

    @property
    def chat_id(self) -> int | None:
        return self.delivery.chat_id


# Builds the reply markups of a batch of briefs inside the sending transaction (the buttons' server-side
# state must be committed before the message that carries them exists).
Keyboards = Callable[..., Awaitable[dict[str, InlineKeyboardMarkup]]]
Prepared = tuple[Claim, str, InlineKeyboardMarkup | None]


class BriefScheduler:
    """Due-time planning, and taking and sending the ``brief.send`` jobs, for one bot process."""

    # A third of a second of sending per take: reading a batch's rows blocks the event loop for a moment,
    # and a long block makes paced sends late; takes stay short, and two processes share a fan-out evenly.
    BATCH = 10
    # Briefs composed ahead of the rate limiter: two seconds of sending.
    WINDOW = 60
    # The lease of a taken job; this process extends it every third of it while it holds the job, so only a
    # dead (or frozen) process loses its jobs, after at most this long.
    LEASE = timedelta(minutes=2)

    def __init__(
        self,
        app: Application,  # type: ignore[type-arg]
        ctx: AppContext,
        *,
        request_sync: SyncRequest = no_sync,
        keyboards: Keyboards = brief_handlers.keyboards,
        owner: str | None = None,
        batch: int = BATCH,
        lease: timedelta = LEASE,
    ) -> None:
        self.app = app
        self.ctx = ctx
        self.request_sync = request_sync
        self.keyboards = keyboards
        # Which process holds a job; unique per process and start, so a restarted process never mistakes
        # its predecessor's jobs for its own.
        self.owner = owner or f"{os.getpid()}-{secrets.token_hex(4)}"
        self.batch = batch
        self.lease = lease
        self._held: dict[int, jobs.Taken] = {}
        self._leases = Leases(ctx.sessions, owner=self.owner, clock=ctx.clock)  # of the jobs in `_held`
        # Held jobs whose brief is final (sent, blocked): ended in bulk with the next take (`_end_done`).
        self._done: set[int] = set()
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

    async def stop(self) -> None:
        """Stop ticking and sending; the jobs this process still holds are given back at once (a brief
        interrupted while ``sending`` is then found so by the next taker, and not sent again)."""
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        await cancel_and_wait(self._sender)
        self._sender = None
        await self._leases.stop()
        if self._held:
            done, held = self._done, [i for i in self._held if i not in self._done]
            for job_id in self._held:
                self._leases.drop(job_id)
            self._held, self._done = {}, set()
            try:
                async with self.ctx.sessions.begin() as session:
                    now = self.ctx.clock()
                    await jobs.complete_many(session, job_ids=done, owner=self.owner, now=now)
                    await jobs.release(session, job_ids=held, owner=self.owner, now=now)
            except Exception:  # their leases give them back anyway, and a taker completes a final brief's job
                logger.warning("could not end or give back %d brief jobs at shutdown", len(held), exc_info=True)

    async def _tick_job(self) -> None:
        try:
            await self.tick()
        except Exception:
            logger.exception("brief tick failed; the next tick retries")

    # ----------------------------------------------------------------- planning

    async def tick(self, *, send: bool = True) -> TickReport:
        """Plan what is due now (enqueueing the send jobs), then (``send``) wake this process's sender."""
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
            created = await briefs.create(session, rows=rows, now=now)
            ready = [
                e.id
                for k, e in waiting.items()
                if not missing_signals(nights[k]) or (e.wait_until is not None and now >= e.wait_until)
            ]
            promoted = await briefs.make_pending(session, ids=ready, now=now)
            recovered, died = await jobs.sweep(session, now=now, kinds=[briefs.JOB_KIND])
            unknown, failed = await briefs.settle_dead(session)
        for row in created:
            if row.status == briefs.SKIPPED:
                logger.warning("brief for %s on %s skipped: past the catch-up deadline", row.user_id, row.local_date)
            elif row.status == briefs.WAITING:
                await self._request_sync(row.user_id)
        for gone in died:
            metrics.JOBS_DEAD.labels(gone.kind).inc()
            logger.warning("job %s %s is dead after %d attempt(s): %s", gone.kind, gone.key, gone.attempts, gone.error)
        for delivery_id in unknown:
            metrics.BRIEFS.labels(briefs.UNKNOWN).inc()
            logger.warning("brief %s: the process sending it stopped; not re-sent (at most once)", delivery_id)
        for delivery_id in failed:
            metrics.BRIEFS.labels(briefs.FAILED).inc()
            logger.warning("brief %s failed: the process running its last attempt stopped", delivery_id)
        if send:
            self.wake()
        return TickReport(
            due=len(due),
            created=len(created),
            waiting=sum(r.status == briefs.WAITING for r in created),
            promoted=promoted,
            skipped=sum(r.status == briefs.SKIPPED for r in created),
            recovered=recovered,
            lost=len(unknown) + len(failed),
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
        """Send the briefs whose jobs are due until none is left; returns how many this call sent.

        A pipeline: while up to two seconds of messages wait for the rate limiter, the next batch of jobs is
        taken and composed (a few queries for the whole batch), so Telegram's 30/s is never kept waiting on
        composing. The leases of the jobs held are extended meanwhile (`Leases`, the job runner's own helper).
        """
        sent = 0
        inflight: set[asyncio.Task[bool]] = set()
        try:
            while True:
                taken = 0
                if len(inflight) < self.WINDOW:
                    taken, prepared = await self._take_and_prepare()
                    inflight.update(asyncio.create_task(self._send(*p)) for p in prepared)
                if not taken and not inflight:
                    async with self.ctx.sessions.begin() as session:
                        await self._end_done(session)
                    return sent
                if not taken or len(inflight) >= self.WINDOW:
                    done, inflight = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                    results = sum(t.result() for t in done)
                    sent += results
                    self.sent += results
        finally:
            await cancel_and_wait(*inflight)

    def _forget(self, job_id: int) -> None:
        """The job is no longer this process's to hold (ended, given back, or moved by another)."""
        self._held.pop(job_id, None)
        self._leases.drop(job_id)

    async def _end_done(self, session: AsyncSession) -> None:
        """End the held jobs whose brief is final, in one statement: a brief's outcome is recorded on its row
        at once, its job's end can wait for the next take (a job left running by a crash meanwhile is taken
        again after its lease, finds the brief final and only completes)."""
        if not self._done:
            return
        done = set(self._done)
        await jobs.complete_many(session, job_ids=done, owner=self.owner, now=self.ctx.clock())
        self._done -= done
        for job_id in done:
            self._forget(job_id)

    async def _take_and_prepare(self) -> tuple[int, list[Prepared]]:
        """Take a batch of due ``brief.send`` jobs and compose what is to be sent; (jobs taken, prepared).

        In the take's transaction, a job whose row is already final just completes (a retry by an operator, an
        athlete deleted), and one whose row is ``sending`` — its process died or gave up while the request was
        in flight — makes the row ``unknown`` and is dead: never sent again."""
        now = self.ctx.clock()
        lost: list[str] = []
        claims: list[Claim] = []
        async with self.ctx.sessions.begin() as session:
            await self._end_done(session)
            taken = await jobs.take(
                session, owner=self.owner, now=now, lease=self.lease, limit=self.batch, kinds=[briefs.JOB_KIND]
            )
            found = await briefs.deliveries(session, ids=[t.key for t in taken])
            for job in taken:
                delivery = found.get(job.key)
                if delivery is not None and delivery.status == briefs.PENDING:
                    claims.append(Claim(job, delivery))
                elif delivery is not None and delivery.status == briefs.SENDING:
                    await briefs.finish(session, delivery_id=delivery.id, status=briefs.UNKNOWN, now=now, error=LOST)
                    await jobs.fail(session, job_id=job.id, owner=self.owner, now=now, error=LOST, retry_at=None)
                    lost.append(delivery.id)
                else:
                    await jobs.complete(session, job_id=job.id, owner=self.owner, now=now)
        for delivery_id in lost:
            metrics.BRIEFS.labels(briefs.UNKNOWN).inc()
            _job_outcome("dead")
            logger.warning("brief %s: the process sending it stopped; not re-sent (at most once)", delivery_id)
        if not claims:
            return len(taken), []
        self._held |= {c.job.id: c.job for c in claims}
        for claim in claims:
            self._leases.hold(claim.job.id, self.lease)
        try:
            return len(taken), await self._prepare_batch(claims)
        except Exception:
            # One user's data must not hold back the others: compose them one by one.
            logger.warning("composing a batch of briefs failed; composing them one by one", exc_info=True)
        prepared = []
        for claim in claims:
            try:
                one = await self._prepare(claim)
            except _NotOurs:
                self._forget(claim.job.id)  # another process moved the row first: its job, no longer ours
                continue
            except Exception as err:
                logger.exception("composing the brief %s failed", claim.id)
                await self._retry(claim, f"compose failed: {type(err).__name__}", retry_in=COMPOSE_RETRY)
                continue
            if one is not None:
                prepared.append((claim, *one))
        return len(taken), prepared

    async def _prepare_batch(self, claims: list[Claim]) -> list[Prepared]:
        """Compose a batch and move its rows to ``sending`` in one transaction."""
        ctx = self.ctx
        skipped: list[Claim] = []
        async with ctx.sessions.begin() as session:
            found = await briefs.users_by_id(session, user_ids=[c.user_id for c in claims])
            ready: list[tuple[Claim, User]] = []
            for claim in claims:
                user = found.get(claim.user_id)
                if user is None or claim.chat_id is None or not user.active or not user.brief_enabled:
                    await self._skip(session, claim)
                    skipped.append(claim)
                else:
                    ready.append((claim, user))
            now = ctx.clock()
            # Each brief is composed for the local date it was planned for (it may be over by now), and in its
            # athlete's language and units: one batch per language. (One job per athlete at a time: a batch
            # never holds two briefs of one athlete.)
            composed: dict[str, Brief] = {}
            for (language, miles), group in _by_voice([u for _, u in ready]).items():
                with i18n.use(language, imperial=miles):
                    composed |= await compose_many(
                        session,
                        group,
                        now=now,
                        band_sd=ctx.settings.hrv_band_sd,
                        local_dates={c.user_id: c.delivery.local_date for c, _ in ready},
                    )
            markups = await self.keyboards(
                session, items=[(u, c.chat_id, composed[u.id]) for c, u in ready if c.chat_id is not None], now=now
            )
            ours = await briefs.start_sending_many(session, missing={c.id: composed[u.id].missing for c, u in ready})
        for claim in skipped:
            self._forget(claim.job.id)
        prepared = []
        for c, u in ready:
            if c.id in ours:
                with i18n.speaking_to(u):
                    prepared.append((c, texts_brief.morning_brief(composed[u.id]), markups.get(u.id)))
            else:  # another process moved the row first (this process's lease had run out): not ours to send
                self._forget(c.job.id)
        return prepared

    async def _skip(self, session: AsyncSession, claim: Claim) -> None:
        metrics.BRIEFS.labels(briefs.SKIPPED).inc()
        now = self.ctx.clock()
        await briefs.finish(
            session,
            delivery_id=claim.id,
            status=briefs.SKIPPED,
            now=now,
            error="user no longer reachable or brief switched off",
        )
        await jobs.complete(session, job_id=claim.job.id, owner=self.owner, now=now)

    async def _prepare(self, claim: Claim) -> tuple[str, InlineKeyboardMarkup | None] | None:
        """Compose the brief and move its row to ``sending``, in one transaction; None if not to be sent."""
        ctx = self.ctx
        async with ctx.sessions.begin() as session:
            user = await users.get(session, user_id=claim.user_id)
            if user is None or claim.chat_id is None or not user.active or not user.brief_enabled:
                await self._skip(session, claim)
                skip = True
            else:
                skip = False
                now = ctx.clock()
                with i18n.speaking_to(user):
                    brief = await compose(
                        session, user, now=now, band_sd=ctx.settings.hrv_band_sd, local_date=claim.delivery.local_date
                    )
                    text = texts_brief.morning_brief(brief)
                markup = (await self.keyboards(session, items=[(user, claim.chat_id, brief)], now=now))[user.id]
                if not await briefs.start_sending_many(session, missing={claim.id: brief.missing}):
                    raise _NotOurs
        if skip:
            self._forget(claim.job.id)
            return None
        return text, markup

    async def _send(self, claim: Claim, text: str, markup: InlineKeyboardMarkup | None) -> bool:
        """Send one prepared brief and record the outcome. True when Telegram accepted it."""
        assert claim.chat_id is not None
        try:
            message = await self.app.bot.send_message(
                claim.chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup, disable_web_page_preview=True
            )
        except Forbidden:
            # The user blocked the bot: Telegram will refuse every message, so stop trying.
            await self._finish(claim, briefs.BLOCKED, error="403: the user blocked the bot", deactivate=True)
            logger.info("user %s blocked the bot: marked inactive", claim.user_id)
            return False
        except RetryAfter as err:
            # Telegram refused it before delivering: safe to send again once the wait is over (no attempt used).
            await self._retry(claim, "429 retry after", retry_in=retry_after(err), counted=False)
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
            wait = min(NETWORK_RETRY * 2 ** max(claim.job.attempts - 1, 0), NETWORK_RETRY_MAX)
            await self._retry(claim, "network error", retry_in=wait)
            return False
        except TelegramError as err:
            await self._finish(claim, briefs.FAILED, error=type(err).__name__)
            return False
        except Exception:
            # Something unexpected after the row moved to "sending": it may have gone out, so not again.
            logger.exception("sending the brief %s failed", claim.id)
            await self._finish(claim, briefs.UNKNOWN, error="unexpected error while sending; not re-sent")
            return False
        await self._finish(claim, briefs.SENT, message_id=message.message_id)
        return True

    async def _finish(
        self,
        claim: Claim,
        status: str,
        *,
        message_id: int | None = None,
        error: str | None = None,
        deactivate: bool = False,
    ) -> None:
        """Record a final outcome and end the job: dead, in the same transaction, when the brief failed or may
        not have reached the athlete (failed, unknown); done when it went out or cannot (sent, blocked) — ended
        in bulk with the next take, one statement for a batch (`_end_done`)."""
        now = self.ctx.clock()
        self._count(claim, status, now)
        dead = status in (briefs.FAILED, briefs.UNKNOWN)
        recorded = False
        try:
            async with self.ctx.sessions.begin() as session:
                if deactivate:
                    await briefs.deactivate_user(session, user_id=claim.user_id)
                await briefs.finish(
                    session, delivery_id=claim.id, status=status, now=now, message_id=message_id, error=error
                )
                if dead:
                    await jobs.fail(
                        session, job_id=claim.job.id, owner=self.owner, now=now, error=error or status, retry_at=None
                    )
            recorded = True
        finally:
            if recorded and not dead:
                self._done.add(claim.job.id)
            else:  # ended, or not recorded: left to its lease, then its next taker finds the brief sending
                self._forget(claim.job.id)
        _job_outcome("dead" if dead else "done")

    async def _retry(self, claim: Claim, error: str, *, retry_in: timedelta, counted: bool = True) -> None:
        """A failure before Telegram had the message: the row is ``pending`` again and its job queued for
        ``retry_in`` from now (``counted``: the attempt is used; after the last one the job is dead and the
        brief ``failed``)."""
        now = self.ctx.clock()
        retry_at = now + retry_in
        try:
            async with self.ctx.sessions.begin() as session:
                if counted:
                    state = await jobs.fail(
                        session, job_id=claim.job.id, owner=self.owner, now=now, error=error, retry_at=retry_at
                    )
                else:
                    given = await jobs.release(
                        session, job_ids=[claim.job.id], owner=self.owner, now=now, run_at=retry_at
                    )
                    state = jobs.QUEUED if given else None
                if state == jobs.QUEUED:
                    await briefs.finish(session, delivery_id=claim.id, status=briefs.PENDING, now=now, error=error)
                    _job_outcome("retry")
                elif state == jobs.DEAD:
                    await briefs.finish(
                        session,
                        delivery_id=claim.id,
                        status=briefs.FAILED,
                        now=now,
                        error=f"{error} (attempt {claim.job.attempts} of {claim.job.max_attempts})",
                    )
                    self._count(claim, briefs.FAILED, now)
                    _job_outcome("dead")
                # None: the job is no longer ours (its lease ran out); its next taker settles the row.
        finally:
            self._forget(claim.job.id)

    def _count(self, claim: Claim, status: str, now: datetime) -> None:
        metrics.BRIEFS.labels(status).inc()
        if status == briefs.SENT:
            delay_s = max(0.0, (now - claim.delivery.due_at).total_seconds())
            metrics.BRIEF_DELAY_SECONDS.observe(delay_s)
            if delay_s > LATE_AFTER.total_seconds():
                metrics.BRIEFS_LATE.inc()


def _job_outcome(outcome: str) -> None:
    """Count a ``brief.send`` attempt's end as the job runner counts its jobs' (done, retry, dead)."""
    metrics.JOBS_RUN.labels(briefs.JOB_KIND, outcome).inc()
    if outcome == "dead":
        metrics.JOBS_DEAD.labels(briefs.JOB_KIND).inc()


class _NotOurs(Exception):
    pass


def _by_voice(athletes: list[User]) -> dict[tuple[str, bool], list[User]]:
    """The athletes by the language and the unit (miles?) their brief is written in."""
    groups: dict[tuple[str, bool], list[User]] = {}
    for athlete in athletes:
        voice = (i18n.choose(athlete.language, athlete.telegram_language), athlete.distance_unit == "mi")
        groups.setdefault(voice, []).append(athlete)
    return groups
