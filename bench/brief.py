"""The morning-brief fan-out: many users due at the same minute, through Telegram's flood limits.

Run ``python -m bench.brief [--users 600]``; the full run is ``--users 10000`` (about six minutes: 10,000
messages at 30 a second take 5.6 minutes at best). Users are in Europe/Berlin with a brief at 07:00,
each with a fortnight of recovery data (last night included) and four weeks of workouts, on PostgreSQL
(``DATABASE_URL``, else an embedded server in a temporary folder).

The local Bot API enforces Telegram's broadcast limit as a sliding window — a 31st message within one
second is answered 429 ``retry_after`` 1 — and refuses another 0.2 % of requests at random the same way;
for that second it refuses every request, as Telegram's flood wait does, and the achieved rate is counted
over the seconds it allowed. It answers 403 for 2 % of users (they blocked the bot). The real bot sends
through its scheduler and rate limiter.

Printed:
- send: accepted messages per second over the fan-out, as a share of the allowed 30/s (target ≥ 95 %),
  beside a plain loop of ``send_message`` calls through python-telegram-bot's default ``AIORateLimiter``;
  the most messages accepted in any one second; 429s answered; duplicates (must be 0); blocked users
  marked inactive and never retried;
- compose: briefs composed per second (assessment + text + buttons, as the sender does, target ≥ 500/s)
  beside composing them one after the other in one session.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.ext import AIORateLimiter, ApplicationBuilder

from bot import texts_brief
from bot.app import MESSAGES_PER_SECOND, build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import ApiError, JsonDict, LocalBotApi
from bot.context import AppContext, utc_now
from bot.handlers.brief import keyboard, keyboards
from bot.runtime import open_database
from bot.scheduler import BriefScheduler
from bot.settings import Settings
from coach.brief import compose, compose_many, due_instant
from db.models import BriefDelivery, DailyMetric, User, Workout
from db.repositories import briefs

TOKEN = "1000000000:bench-token-not-a-secret"
ZONE = "Europe/Berlin"
FIRST_CHAT = 20_000_000
TARGET_SHARE = 0.95
TARGET_COMPOSE_PER_S = 500.0
BASELINE_MESSAGES = 300
BATCH = BriefScheduler.BATCH  # the sender's batch


class ServerThread:
    """The local Bot API in its own thread and event loop, like Telegram's servers: the bot's own work
    (composing, the database) must not delay when the server sees a request arrive."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api
        self.url = ""
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with BackgroundServer(self.api.asgi()) as server:
            self.url = server.url
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self._ready.wait(30)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)


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


async def _populate(sessions: async_sessionmaker[AsyncSession], users: int, day: date) -> list[str]:
    """Users due at 07:00 Berlin with last night's data in, a fortnight of nights and four weeks of rides."""
    rng = random.Random(11)
    tz = ZoneInfo(ZONE)
    ids = [str(uuid.uuid4()) for _ in range(users)]
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
                    "telegram_chat_id": FIRST_CHAT + i,
                }
                for i, uid in enumerate(ids)
            ],
        )
        for chunk in range(0, users, 500):
            part = ids[chunk : chunk + 500]
            nights: list[dict[str, Any]] = []
            rides: list[dict[str, Any]] = []
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
                for back in range(1, 29):
                    start = datetime.combine(day - timedelta(days=back), clock_time(17), tzinfo=tz)
                    rides.append(
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
    return ids


async def _compose_rates(
    sessions: async_sessionmaker[AsyncSession], ids: list[str], now: datetime, sample: int
) -> tuple[float, float]:
    """Briefs per second (assessment, text and buttons): one user at a time, and in the sender's batches."""
    chosen = ids[:sample]
    started = time.perf_counter()
    async with sessions.begin() as session:
        for user_id in chosen:
            user = await session.get(User, user_id)
            assert user is not None and user.telegram_chat_id is not None
            brief = await compose(session, user, now=now)
            await keyboard(session, user=user, chat_id=user.telegram_chat_id, brief=brief, now=now)
            texts_brief.morning_brief(brief)
    plain = len(chosen) / (time.perf_counter() - started)

    started = time.perf_counter()
    for at in range(0, len(chosen), BATCH):
        async with sessions.begin() as session:
            found = await briefs.users_by_id(session, user_ids=chosen[at : at + BATCH])
            batch = list(found.values())
            composed = await compose_many(session, batch, now=now)
            items = [(u, u.telegram_chat_id or 0, composed[u.id]) for u in batch]
            await keyboards(session, items=items, now=now)
            for u in batch:
                texts_brief.morning_brief(composed[u.id])
    ours = len(chosen) / (time.perf_counter() - started)
    return plain, ours


async def _plain_baseline(blocked: set[int], messages: int) -> tuple[float, int]:
    """A plain loop: every message at once through PTB's default AIORateLimiter, against the same limits."""
    flood = FloodControl(blocked=set(), refuse_share=0.0, seed=5)
    api = LocalBotApi(TOKEN)
    api.faults["sendMessage"] = flood
    async with BackgroundServer(api.asgi()) as server:
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
    span = flood.accepted[-1] - flood.accepted[0] if len(flood.accepted) > 1 else 1.0
    return (len(flood.accepted) - 1) / span, flood.refused


async def run(users: int, seed: int, *, trace: bool = False) -> bool:
    rng = random.Random(seed)
    day = utc_now().date() - timedelta(days=1)
    due = due_instant(day, clock_time(7), ZoneInfo(ZONE))
    blocked = {FIRST_CHAT + i for i in rng.sample(range(users), max(1, users // 50))}
    flood = FloodControl(blocked=blocked, refuse_share=0.002, seed=seed)
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, COACH_DATA_DIR=Path(data_dir))  # type: ignore[call-arg]
        async with open_database(settings) as database:
            setup_started = time.perf_counter()
            ids = await _populate(database.sessions, users, day)
            setup_s = time.perf_counter() - setup_started
            plain_compose, our_compose = await _compose_rates(database.sessions, ids, due, min(users, 500))

            # The fan-out: the clock starts at 07:00 local and runs at the speed of real time.
            real_start = utc_now()

            def clock() -> datetime:
                return due + (utc_now() - real_start)

            api = LocalBotApi(TOKEN)
            api.faults["sendMessage"] = flood
            ctx = AppContext(settings=settings, sessions=database.sessions, clock=clock)
            with ServerThread(api) as server:
                app = build_application(
                    ctx, token=TOKEN, base_url=f"{server.url}/bot", base_file_url=f"{server.url}/file/bot",
                    polling=False,
                )  # fmt: skip
                async with app:
                    scheduler = BriefScheduler(app, ctx)
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
            async with database.sessions() as session:
                inactive = await session.scalar(select(func.count()).select_from(User).where(User.active.is_(False)))
                sent_rows = await session.scalar(
                    select(func.count()).select_from(BriefDelivery).where(BriefDelivery.status == briefs.SENT)
                )
    baseline_rate, baseline_refused = await _plain_baseline(blocked, min(users, BASELINE_MESSAGES))
    per_chat = Counter(params["chat_id"] for method, params in api.calls if method == "sendMessage")
    delivered = Counter(s.chat_id for chat in range(FIRST_CHAT, FIRST_CHAT + users) for s in api.replies(chat))
    duplicates = sum(n - 1 for n in delivered.values() if n > 1)
    missing = users - len(blocked) - len(delivered)
    retried_blocked = sum(n - 1 for n in flood.blocked_attempts.values() if n > 1)
    share = flood.rate() / MESSAGES_PER_SECOND
    print(f"brief fan-out: {users} users due at 07:00 {ZONE}, {len(blocked)} blocked (set-up {setup_s:.1f} s)")
    print(
        f"  send   plain PTB loop (default limiter, {min(users, BASELINE_MESSAGES)} msgs): "
        f"{baseline_rate:5.1f} msg/s, {baseline_refused} answered 429"
    )
    print(
        f"         scheduler: {flood.rate():5.1f} msg/s = {share:.1%} of the allowed {MESSAGES_PER_SECOND}/s "
        f"(target ≥ {TARGET_SHARE:.0%}); busiest second {flood.busiest_second()} msgs; {flood.refused} answered 429; "
        f"all sent in {fan_out_s:.1f} s"
    )
    print(
        f"         delivered {len(delivered)} (rows sent: {sent_rows}), missing {missing}, duplicates {duplicates}; "
        f"blocked marked inactive {inactive}/{len(blocked)}, blocked retried {retried_blocked}; "
        f"requests {sum(per_chat.values())}"
    )
    print(
        f"  compose  one user at a time: {plain_compose:6.0f} briefs/s; in the sender's batches of {BATCH}: "
        f"{our_compose:6.0f} briefs/s (target ≥ {TARGET_COMPOSE_PER_S:.0f})"
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
        print("  (the full run: python -m bench.brief --users 10000, about six minutes)")
    return (
        share >= TARGET_SHARE
        and duplicates == 0
        and missing == 0
        and inactive == len(blocked)
        and retried_blocked == 0
        and our_compose >= TARGET_COMPOSE_PER_S
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.brief")
    parser.add_argument("--users", type=int, default=600, help="users due at the same minute (full run: 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--trace", action="store_true", help="print messages per second and the gaps")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    ok = asyncio.run(run(args.users, args.seed, trace=args.trace))
    print("  result:", "ok" if ok else "MISSED a target")


if __name__ == "__main__":
    main()
