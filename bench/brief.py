"""The morning-brief fan-out: many users due at the same minute, through Telegram's flood limits.

Run ``python -m bench.brief [--users 300]``; the full run is ``--users 5000`` (about six minutes: 10,000
messages at 30 a second take 5.6 minutes at best). Users are in Europe/Berlin with a brief at 07:00,
each with a fortnight of recovery data (last night included); half have a ride a day for four weeks, half for a
year (``--weeks 4 52``; a year is the look-back of the assessment), composed one half after the other in the
same run, and the ratio of the two rates is printed (target ≥ 0.8: cost independent of history), on PostgreSQL
(``DATABASE_URL``, else an embedded server in a temporary folder), analysed after loading as autovacuum
keeps a live database.

The local Bot API runs in a process of its own, as Telegram does: our composing and database work never
delays when it sees a request arrive, and its clock is the same monotonic clock. It enforces Telegram's
broadcast limit as a sliding window — a 31st message within one second is answered 429 ``retry_after`` 1 —
and refuses another 0.2 % of requests at random the same way; for that second it refuses every request, as
Telegram's flood wait does, and the achieved rate is counted over the seconds it allowed. It answers 403 for
2 % of users (they blocked the bot); those requests take their turn in our pace but deliver nothing, so the
rate counts only delivered messages and cannot pass 98 % of the limit. The real bot sends through its
scheduler and rate limiter.

Printed:
- send: accepted messages per second over the fan-out, as a share of the allowed 30/s (target ≥ 95 %),
  beside a plain loop of ``send_message`` calls through python-telegram-bot's default ``AIORateLimiter``;
  the most messages accepted in any one second; 429s answered; duplicates (must be 0); blocked users
  marked inactive and never retried;
- compose: the time to compose every user's brief (assessment + text + buttons) in the sender's batches,
  as briefs per second (target ≥ 500/s), beside composing 500 of them one after the other in one session.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import tempfile
import time
import uuid
from collections import Counter, deque
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot.app import MESSAGES_PER_SECOND, build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import ApiError, JsonDict, LocalBotApi
from bot.context import AppContext, utc_now
from bot.handlers.brief import keyboard, keyboards
from bot.runtime import open_database, settle_heap
from bot.scheduler import BriefScheduler
from bot.settings import Settings
from bot.texts import brief as texts_brief
from coach import day_loads
from coach.brief import compose, compose_many, due_instant
from db.models import BriefDelivery, DailyMetric, User, Workout
from db.repositories import briefs

TOKEN = "1000000000:bench-token-not-a-secret"
ZONE = "Europe/Berlin"
FIRST_CHAT = 20_000_000
# Our pace is 28.5/s (95 % of Telegram's 30, the margin keeps a late send out of the next second) and the
# blocked users' turns deliver nothing (2 %): 93 % is the ceiling, 91 % the target.
TARGET_SHARE = 0.91
TARGET_COMPOSE_PER_S = 500.0
# Composing a brief must cost the same whatever the history's length: a year against four weeks.
HISTORIES = (4, 52)
TARGET_HISTORY_RATIO = 0.8
BASELINE_MESSAGES = 300
BATCH = BriefScheduler.BATCH  # the sender's batch


class ServerProcess:
    """The local Bot API in a process of its own, as Telegram's servers are: the bot's work (composing, the
    database) shares no interpreter lock with the server, so a request is timed when it really arrives.

    ``report()`` stops the server and returns what it saw: its `FloodControl` and how many messages each chat
    received. Both processes read the same monotonic clock, so the two sides' times compare.
    """

    def __init__(self, *, blocked: set[int], refuse_share: float, seed: int, token: str = TOKEN) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve_bot_api, args=(child, blocked, refuse_share, seed, token), name="local-bot-api", daemon=True
        )
        self.url = ""

    def __enter__(self) -> ServerProcess:
        self._process.start()
        if not self._conn.poll(60):
            raise RuntimeError("the local Bot API process did not start")
        self.url = self._conn.recv()
        return self

    def report(self) -> tuple[FloodControl, Counter[int], int]:
        """Stop serving; (flood control, messages delivered per chat, sendMessage requests)."""
        self._conn.send("stop")
        flood, delivered, requests = self._conn.recv()
        return flood, delivered, requests

    def __exit__(self, *exc: object) -> None:
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


def _serve_bot_api(conn: Connection, blocked: set[int], refuse_share: float, seed: int, token: str) -> None:
    async def serve() -> None:
        flood = FloodControl(blocked=blocked, refuse_share=refuse_share, seed=seed)
        api = LocalBotApi(token)
        api.faults["sendMessage"] = flood
        async with BackgroundServer(api.asgi()) as server:
            conn.send(server.url)
            await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        delivered = Counter(
            {chat: len(api.replies(chat)) for chat in {int(p["chat_id"]) for m, p in api.calls if m == "sendMessage"}}
        )
        conn.send((flood, +delivered, sum(method == "sendMessage" for method, _ in api.calls)))

    asyncio.run(serve())


class FloodControl:
    """Telegram's limits as a fake Bot API enforces them: 30 per sliding second, random 429s, blocked users."""

    def __init__(self, *, blocked: set[int], refuse_share: float, seed: int) -> None:
        self.accepted: list[float] = []
        self.window: deque[float] = deque()
        self.refused = 0
        self.blocked = blocked
        self.blocked_attempts: Counter[int] = Counter()
        self.refuse_share = refuse_share
        self.rng = random.Random(seed)
        # A 429 tells the bot to send nothing for retry_after seconds; those seconds allow no messages.
        self.blackout_until = 0.0
        self.blackouts: list[tuple[float, float]] = []
        self.over_limit = 0  # refusals because the bot sent a 31st message within a second

    def __call__(self, params: JsonDict) -> ApiError | None:
        now = time.monotonic()
        chat = int(params["chat_id"])
        if chat in self.blocked:
            self.blocked_attempts[chat] += 1
            return ApiError(403, "Forbidden: bot was blocked by the user")
        while self.window and now - self.window[0] >= 1.0:
            self.window.popleft()
        if now < self.blackout_until:
            self.refused += 1
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        if len(self.window) >= MESSAGES_PER_SECOND or self.rng.random() < self.refuse_share:
            self.refused += 1
            self.over_limit += len(self.window) >= MESSAGES_PER_SECOND
            self.blackout_until = now + 1.0
            self.blackouts.append((now, now + 1.0))
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self.window.append(now)
        self.accepted.append(now)
        return None

    def rate(self) -> float:
        """Accepted messages per second of the time Telegram allowed sending (retry_after waits excluded)."""
        if len(self.accepted) < 2:
            return 0.0
        first, last = self.accepted[0], self.accepted[-1]
        waited = sum(max(0.0, min(end, last) - max(start, first)) for start, end in self.blackouts)
        return (len(self.accepted) - 1) / (last - first - waited)

    def per_second(self) -> list[int]:
        counts = Counter(int(t - self.accepted[0]) for t in self.accepted)
        return [counts.get(i, 0) for i in range(max(counts) + 1)] if counts else []

    def busiest_second(self) -> int:
        best, start = 0, 0
        for end, t in enumerate(self.accepted):
            while t - self.accepted[start] >= 1.0:
                start += 1
            best = max(best, end - start + 1)
        return best


async def _populate(
    sessions: async_sessionmaker[AsyncSession], users: int, day: date, *, weeks: int = 4, first_chat: int = FIRST_CHAT
) -> list[str]:
    """Users due at 07:00 Berlin with last night's data in, a fortnight of nights and a ride a day for ``weeks``.

    As on a live database, the stored per-day loads are up to date except for last night's sync: every ride but
    yesterday's is written and its days rebuilt first (the backfill, untimed), then yesterday's rides arrive,
    marking each athlete stale from that day, as a sync does.
    """
    rng = random.Random(11)
    tz = ZoneInfo(ZONE)
    ids = [str(uuid.uuid4()) for _ in range(users)]
    yesterday: list[dict[str, Any]] = []
    async with sessions.begin() as session:
        await session.execute(
            insert(User),
            [
                {
                    "id": uid,
                    "email": f"{uid}@telegram.invalid",
                    "name": f"Rider {i}",
                    "timezone": ZONE,
                    "brief_time": clock_time(7),
                    "telegram_chat_id": first_chat + i,
                }
                for i, uid in enumerate(ids)
            ],
        )
        for chunk in range(0, users, 500):
            part = ids[chunk : chunk + 500]
            nights: list[dict[str, Any]] = []
            rides: list[dict[str, Any]] = []
            last_rides: list[dict[str, Any]] = []
            for uid in part:
                for back in range(15):
                    nights.append(
                        {
                            "id": str(uuid.uuid4()),
                            "user_id": uid,
                            "date": day - timedelta(days=back),
                            "source": "bench",
                            "hrv": rng.uniform(45, 75),
                            "resting_hr": rng.randint(45, 58),
                            "hours_slept": rng.uniform(5.5, 8.5),
                        }
                    )
                for back in range(1, 7 * weeks + 1):
                    start = datetime.combine(day - timedelta(days=back), clock_time(17), tzinfo=tz)
                    (last_rides if back == 1 else rides).append(
                        {
                            "id": str(uuid.uuid4()),
                            "user_id": uid,
                            "external_id": f"{uid}-{back}",
                            "source": "bench",
                            "date": start,
                            "title": "Ride",
                            "duration_sec": 3600,
                            "tss": rng.uniform(30, 110),
                        }
                    )
            await session.execute(insert(DailyMetric), nights)
            await session.execute(insert(Workout), rides)
            yesterday.extend(last_rides)
    for chunk in range(0, users, 100):
        async with sessions.begin() as session:
            found = await briefs.users_by_id(session, user_ids=ids[chunk : chunk + 100])
            await day_loads.refresh(session, list(found.values()))
    async with sessions.begin() as session:
        await session.execute(insert(Workout), yesterday)
    async with sessions.begin() as session:  # committed: statistics written in a rolled-back transaction vanish
        # Planner statistics, as autovacuum keeps them on a live database: a table bulk-loaded a moment ago
        # has none, and its plans would measure the loading rather than the product.
        await session.execute(text("ANALYZE"))
    return ids


async def _compose_one(sessions: async_sessionmaker[AsyncSession], user_id: str, now: datetime) -> float:
    started = time.perf_counter()
    async with sessions.begin() as session:
        user = await session.get(User, user_id)
        assert user is not None and user.telegram_chat_id is not None
        brief = await compose(session, user, now=now)
        await keyboard(session, user=user, chat_id=user.telegram_chat_id, brief=brief, now=now)
        texts_brief.morning_brief(brief)
    return time.perf_counter() - started


async def _compose_batch(sessions: async_sessionmaker[AsyncSession], ids: list[str], now: datetime) -> float:
    started = time.perf_counter()
    async with sessions.begin() as session:
        found = await briefs.users_by_id(session, user_ids=ids)
        batch = list(found.values())
        composed = await compose_many(session, batch, now=now)
        items = [(u, u.telegram_chat_id or 0, composed[u.id]) for u in batch]
        await keyboards(session, items=items, now=now)
        for u in batch:
            texts_brief.morning_brief(composed[u.id])
    return time.perf_counter() - started


async def _compose_rates(
    sessions: async_sessionmaker[AsyncSession], groups: tuple[list[str], list[str]], now: datetime, sample: int
) -> list[tuple[float, float, float]]:
    """Per group, briefs per second (assessment, text and buttons): one user at a time for the first ``sample``
    users (the plain baseline; this pass also rebuilds the day last night's sync marked stale), then every user
    in the sender's batches, as the fan-out composes them; also the seconds that took. The groups take turns,
    user by user and batch by batch, so a machine busy with other work weighs on both alike. Every user then
    holds a brief's buttons, as yesterday's brief left them."""
    plain_s = [0.0, 0.0]
    for at in range(sample):
        for g, ids in enumerate(groups):
            plain_s[g] += await _compose_one(sessions, ids[at], now)
    batch_s = [0.0, 0.0]
    for at in range(0, max(len(ids) for ids in groups), BATCH):
        for g, ids in enumerate(groups):
            if ids[at : at + BATCH]:
                batch_s[g] += await _compose_batch(sessions, ids[at : at + BATCH], now)
    return [(sample / plain_s[g], len(groups[g]) / batch_s[g], batch_s[g]) for g in range(2)]


async def _plain_baseline(blocked: set[int], messages: int) -> tuple[float, int]:
    """A plain loop: every message at once through PTB's default AIORateLimiter, against the same limits."""
    with ServerProcess(blocked=set(), refuse_share=0.0, seed=5) as server:
        app = (
            ApplicationBuilder()
            .token(TOKEN)
            .base_url(f"{server.url}/bot")
            .rate_limiter(AIORateLimiter(max_retries=3))
            .updater(None)
            .build()
        )
        async with app:
            await asyncio.gather(
                *(app.bot.send_message(FIRST_CHAT + i, "Good morning") for i in range(messages)),
                return_exceptions=True,
            )
        flood, _, _ = server.report()
    span = flood.accepted[-1] - flood.accepted[0] if len(flood.accepted) > 1 else 1.0
    return (len(flood.accepted) - 1) / span, flood.refused


async def run(users: int, seed: int, *, weeks: tuple[int, int] = HISTORIES, trace: bool = False) -> bool:
    """``users`` athletes with each history of ``weeks`` (both in one database, composed one group after the
    other, so the ratio compares the same machine at the same moment); the fan-out sends to all of them."""
    group = users
    users = 2 * group
    rng = random.Random(seed)
    day = utc_now().date() - timedelta(days=1)
    due = due_instant(day, clock_time(7), ZoneInfo(ZONE))
    blocked = {FIRST_CHAT + i for i in rng.sample(range(users), max(1, users // 50))}
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, COACH_DATA_DIR=Path(data_dir))  # type: ignore[call-arg]
        async with open_database(settings) as database:
            setup_started = time.perf_counter()
            short_ids = await _populate(database.sessions, group, day, weeks=weeks[0])
            long_ids = await _populate(database.sessions, group, day, weeks=weeks[1], first_chat=FIRST_CHAT + group)
            setup_s = time.perf_counter() - setup_started
            settle_heap()  # the running bot composes with its start-up objects frozen (`coach-watts run`)
            sample = min(group, 500)
            short, long = await _compose_rates(database.sessions, (short_ids, long_ids), due, sample)

            # The fan-out: the clock starts at 07:00 local and runs at the speed of real time.
            real_start = utc_now()

            def clock() -> datetime:
                return due + (utc_now() - real_start)

            ctx = AppContext(settings=settings, sessions=database.sessions, clock=clock)
            with ServerProcess(blocked=blocked, refuse_share=0.002, seed=seed) as server:
                app = build_application(
                    ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot",
                    polling=False,
                )  # fmt: skip
                async with app:
                    scheduler = BriefScheduler(app, ctx)
                    settle_heap()  # as `coach-watts run` does once started
                    started = time.perf_counter()
                    while True:
                        await scheduler.tick()
                        await scheduler.idle()
                        async with database.sessions() as session:
                            open_rows = await session.scalar(
                                select(func.count())
                                .select_from(BriefDelivery)
                                .where(BriefDelivery.status.not_in(briefs.FINAL))
                            )
                        if not open_rows:
                            break
                        await asyncio.sleep(0.5)  # rows waiting out a RetryAfter
                    fan_out_s = time.perf_counter() - started
                    await scheduler.stop()
                flood, delivered, requests = server.report()
            async with database.sessions() as session:
                inactive = await session.scalar(select(func.count()).select_from(User).where(User.active.is_(False)))
                sent_rows = await session.scalar(
                    select(func.count()).select_from(BriefDelivery).where(BriefDelivery.status == briefs.SENT)
                )
    baseline_rate, baseline_refused = await _plain_baseline(blocked, min(users, BASELINE_MESSAGES))
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    missing = users - len(blocked) - len(delivered)
    retried_blocked = sum(n - 1 for n in flood.blocked_attempts.values() if n > 1)
    share = flood.rate() / MESSAGES_PER_SECOND
    print(
        f"brief fan-out: {users} users due at 07:00 {ZONE}, {len(blocked)} blocked, half with {7 * weeks[0]} days "
        f"of rides each, half with {7 * weeks[1]} (set-up {setup_s:.1f} s)"
    )
    print(
        f"  send   plain PTB loop (default limiter, {min(users, BASELINE_MESSAGES)} msgs): "
        f"{baseline_rate:5.1f} msg/s, {baseline_refused} answered 429"
    )
    print(
        f"         scheduler: {flood.rate():5.1f} msg/s = {share:.1%} of the allowed {MESSAGES_PER_SECOND}/s "
        f"(target ≥ {TARGET_SHARE:.0%}); busiest second {flood.busiest_second()} msgs; {flood.refused} answered 429 "
        f"({flood.over_limit} for a 31st message in a second, {len(flood.blackouts) - flood.over_limit} at random); "
        f"all sent in {fan_out_s:.1f} s"
    )
    print(
        f"         delivered {len(delivered)} (rows sent: {sent_rows}), missing {missing}, duplicates {duplicates}; "
        f"blocked marked inactive {inactive}/{len(blocked)}, blocked retried {retried_blocked}; "
        f"requests {requests}"
    )
    for label, (plain_compose, our_compose, compose_s) in ((7 * weeks[0], short), (7 * weeks[1], long)):
        print(
            f"  compose  {label} days of rides: one user at a time ({sample} users): {plain_compose:6.0f} briefs/s; "
            f"all {group} in the sender's batches of {BATCH}: {compose_s:.1f} s = {our_compose:6.0f} briefs/s "
            f"(target ≥ {TARGET_COMPOSE_PER_S:.0f})"
        )
    ratio = long[1] / short[1]  # the sender's path; one at a time includes last night's rebuild
    print(
        f"  compose  ratio {7 * weeks[1]} days / {7 * weeks[0]} days: {ratio:.2f} in batches, "
        f"{long[0] / short[0]:.2f} one at a time (target ≥ {TARGET_HISTORY_RATIO})"
    )
    if trace:
        t0 = flood.accepted[0]
        gaps = [
            (round(a - t0, 2), round(b - a, 2))
            for a, b in zip(flood.accepted, flood.accepted[1:], strict=False)
            if b - a > 0.2
        ]
        print("  gaps (at, length):", gaps, "blackouts at:", [round(a - t0, 2) for a, _ in flood.blackouts])
        print(
            "  accepted per second:",
            flood.per_second(),
            "blackouts:",
            len(flood.blackouts),
            "over limit:",
            flood.over_limit,
        )
    if users < 10_000:
        print("  (the full run: python -m bench.brief --users 5000, about six minutes)")
    return (
        share >= TARGET_SHARE
        and duplicates == 0
        and missing == 0
        and inactive == len(blocked)
        and retried_blocked == 0
        and min(short[1], long[1]) >= TARGET_COMPOSE_PER_S
        and ratio >= TARGET_HISTORY_RATIO
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.brief")
    parser.add_argument(
        "--users", type=int, default=300, help="users of each history due at the same minute (full run: 5000)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--weeks", type=int, nargs=2, default=HISTORIES, metavar=("SHORT", "LONG"), help="weeks of daily rides"
    )
    parser.add_argument("--trace", action="store_true", help="print messages per second and the gaps")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    ok = asyncio.run(run(args.users, args.seed, weeks=tuple(args.weeks), trace=args.trace))
    print("  result:", "ok" if ok else "MISSED a target")


if __name__ == "__main__":
    main()
