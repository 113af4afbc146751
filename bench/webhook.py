"""Webhook mode under load: simulated users posting updates to ``/webhooks/telegram``.

Run ``python -m bench.webhook [--users 1000] [--messages 5]``. Each user sends ``--messages`` messages (the
first is /start); one in ten updates is delivered twice, as Telegram does when an acknowledgement is slow.
The real bot answers every update through a local Bot API server that runs in a process of its own (in
production Telegram's servers are elsewhere: serving the replies must not take the bot's CPU), on
PostgreSQL (``DATABASE_URL``, else an embedded server in a temporary folder).

Half the deliveries arrive as a steady stream (``--rate``, default 100 updates/s — 8.6 million a day, far
above this bot's needs) and give the acknowledgement latency (p50/p95/max); the other half go as fast as we
acknowledge them and give the throughput. Both are printed beside a plain endpoint that answers 200 without
storing anything, measured the same way in the same run; then the updates processed per second, and updates
lost (stored or answered fewer than once) and answered twice — both must be 0. Replies are counted per
update: each of the four conversations the users have is first run once alone, and every chat must get
exactly the messages its conversation got then (the Bot API process hands back every ``sendMessage`` it
served once the run is over). Targets: p95 under 200 ms at the steady rate, at least 100
updates processed per second.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from bot.app import build_application
from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.context import AppContext, utc_now
from bot.jobs.runner import JobRunner
from bot.runtime import load_lookups, open_database, settle_heap
from bot.settings import Settings
from bot.telegram_webhook import SECRET_HEADER, TelegramWebhook
from db.models import Job
from db.repositories import jobs
from db.repositories.telegram_updates import KIND

TOKEN = "1000000000:bench-token-not-a-secret"
SECRET = "bench-webhook-secret"
CONCURRENCY = 40  # requests in flight: Telegram's default max_connections for a webhook
DELIVERY_ATTEMPTS = 3  # a delivery whose connection failed is sent again, as Telegram does
TARGET_P95_S = 0.200
TARGET_PROCESSED_PER_S = 100.0
TEXTS = ["hi", "how should I train today?", "thanks", "what can you do?"]


FIRST_USER = 10_000_000
CALIBRATION_FIRST_USER = 9_000_000  # one user per residue mod len(TEXTS): each of the four conversations


def _updates(users: int, messages: int, *, first_user: int = FIRST_USER, first_update: int = 1) -> list[dict[str, Any]]:
    updates, update_id = [], first_update
    for user_id in range(first_user, first_user + users):
        person = {"id": user_id, "is_bot": False, "first_name": f"Rider{user_id % 1000}"}
        chat = {"id": user_id, "type": "private", "first_name": person["first_name"]}
        for n in range(messages):
            text = "/start" if n == 0 else TEXTS[(user_id + n) % len(TEXTS)]
            message: dict[str, Any] = {"message_id": n + 1, "date": int(time.time()), "chat": chat, "from": person}
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
            updates.append({"update_id": update_id, "message": message})
            update_id += 1
    return updates


def _schedule(updates: list[dict[str, Any]], *, seed: int = 7) -> list[dict[str, Any]]:
    """Users interleaved (each user's own messages stay in order), one in ten delivered twice."""
    rng = random.Random(seed)
    by_user: dict[int, list[dict[str, Any]]] = {}
    for update in updates:
        by_user.setdefault(update["message"]["chat"]["id"], []).append(update)
    queues = list(by_user.values())
    out: list[dict[str, Any]] = []
    while queues:
        queue = rng.choice(queues)
        update = queue.pop(0)
        out.append(update)
        if rng.random() < 0.1:
            out.append(update)
        if not queue:
            queues.remove(queue)
    return out


async def _post_from_another_process(
    base_url: str, deliveries: list[dict[str, Any]], rate: float | None
) -> tuple[list[float], float]:
    """Telegram is another machine: the load generator must not share our event loop or our CPU time slice."""
    loop = asyncio.get_running_loop()
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return await loop.run_in_executor(pool, _post_all_blocking, base_url, deliveries, rate)
    finally:
        await asyncio.to_thread(pool.shutdown)  # joining its process must not stall the bot's event loop


def _post_all_blocking(
    base_url: str, deliveries: list[dict[str, Any]], rate: float | None
) -> tuple[list[float], float]:
    os.environ["NO_PROXY"] = "127.0.0.1,localhost"
    return asyncio.run(_post_all(base_url, deliveries, rate))


async def _post_all(base_url: str, deliveries: list[dict[str, Any]], rate: float | None) -> tuple[list[float], float]:
    """Post every delivery over at most ``CONCURRENCY`` connections; latencies and the wall time.

    With ``rate`` (updates/s) each delivery is due at its slot in a steady stream and its latency counts from
    that moment, waiting for a free connection included (an open loop, as users type independently); without
    it, deliveries go out as fast as they are acknowledged (a closed loop: the endpoint's throughput).

    The client is aiohttp with the bodies encoded before the clock starts: Telegram's servers are another
    machine, and on a small one the load generator's own CPU is taken from the bot it measures (httpx spent
    3–7 ms of CPU per delivery here, as much as the bot spends handling the update).
    """
    latencies: list[float] = []
    redelivered = [0]
    semaphore = asyncio.Semaphore(CONCURRENCY)
    # Telegram sends one chat's updates one after another: the next only once the previous was acknowledged
    # (different chats' at once). A chat's deliveries here wait for each other the same way.
    chats: dict[int, asyncio.Lock] = {}
    bodies = [json.dumps(update).encode() for update in deliveries]
    headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as client:
        began = time.perf_counter()

        async def post(i: int, update: dict[str, Any]) -> None:
            due = began + i / rate if rate else None
            if due is not None:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
            chat = chats.setdefault(int(update["message"]["chat"]["id"]), asyncio.Lock())
            async with chat, semaphore:
                started = time.perf_counter() if due is None else due
                for attempt in range(1, DELIVERY_ATTEMPTS + 1):
                    try:
                        async with client.post("/webhooks/telegram", data=bodies[i], headers=headers) as response:
                            await response.read()
                        break
                    except aiohttp.ClientConnectionError:
                        # A keep-alive connection the server closed as it was reused (its idle timeout): Telegram
                        # delivers again when it gets no answer, and so does this sender; the latency counts it.
                        if attempt == DELIVERY_ATTEMPTS:
                            raise
                        redelivered[0] += 1
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        await asyncio.gather(*(post(i, u) for i, u in enumerate(deliveries)))
        if redelivered[0]:
            print(f"  ({redelivered[0]} deliveries sent again after a failed connection)", flush=True)
        return latencies, time.perf_counter() - began


def _serve_bot_api(conn: Connection) -> None:
    """The local Bot API in a process of its own: sends its URL, serves until told, then sends its ``sendMessage``
    calls (method and parameters) back."""

    async def serve() -> None:
        api = LocalBotApi(TOKEN)
        async with BackgroundServer(api.asgi()) as server:
            conn.send(server.url)
            await asyncio.to_thread(conn.recv)  # the run is over
        conn.send([(method, params) for method, params in api.calls if method == "sendMessage"])

    asyncio.run(serve())


@contextlib.asynccontextmanager
async def _bot_api_elsewhere(calls: list[tuple[str, dict[str, Any]]]) -> AsyncIterator[str]:
    """Run the local Bot API in another process; its URL; once the block ends, ``calls`` holds what it served."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve_bot_api, args=(theirs,), daemon=True)
    process.start()
    try:
        yield await asyncio.to_thread(ours.recv)
    finally:
        ours.send("stop")
        calls.extend(await asyncio.to_thread(ours.recv))
        await asyncio.to_thread(process.join)


def _summary(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   max {ordered[-1] * 1000:6.1f} ms"
    )


async def _plain_baseline(deliveries: list[dict[str, Any]], rate: float | None) -> tuple[list[float], float]:
    async def ok(request: Request) -> Response:
        await request.body()
        return Response(status_code=200)

    web = Starlette(routes=[Mount("/webhooks", routes=[Route("/telegram", ok, methods=["POST"])])])
    async with BackgroundServer(web) as server:
        return await _post_from_another_process(server.url, deliveries, rate)


async def run(users: int, messages: int, rate: float) -> bool:
    updates = _updates(users, messages)
    deliveries = _schedule(updates)
    # A conversation's texts depend only on the user id modulo len(TEXTS); each of those conversations is run
    # once first, alone and without duplicates, to learn how many messages the bot sends for it.
    calibration = _updates(len(TEXTS), messages, first_user=CALIBRATION_FIRST_USER, first_update=len(updates) + 1)
    half = len(deliveries) // 2
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, COACH_DATA_DIR=Path(data_dir))  # type: ignore[call-arg]
        async with open_database(settings) as database:
            calls: list[tuple[str, dict[str, Any]]] = []
            ctx = AppContext(settings=settings, sessions=database.sessions)
            async with _bot_api_elsewhere(calls) as bot_api_url:
                # The local Bot API has no flood limits; Telegram's 30/s would only stretch "all answered".
                app = build_application(
                    ctx, token=TOKEN, base_url=f"{bot_api_url}/bot", base_file_url=f"{bot_api_url}/file/bot",
                    polling=False, rate_limited=False,
                )  # fmt: skip
                async with app:
                    await app.start()
                    runner = JobRunner(database.sessions, clock=utc_now)
                    receiver = TelegramWebhook(app, runner, secret=SECRET)
                    web = Starlette(routes=[Mount("/webhooks", routes=[receiver.route()])])
                    async with BackgroundServer(web) as server:
                        # As `coach-watts run` starts: lookups loaded, start-up's objects out of the collector's view.
                        await load_lookups()
                        settle_heap()
                        await runner.start()
                        await receiver.start()
                        for update in calibration:
                            await _post_all(server.url, [update], None)
                            await receiver.idle()
                        # First half as a steady stream of users typing; second half as fast as we acknowledge.
                        started = time.perf_counter()
                        cpu_started = time.process_time()
                        ours, _ = await _post_from_another_process(server.url, deliveries[:half], rate)
                        ours_flood, flood_s = await _post_from_another_process(server.url, deliveries[half:], None)
                        await receiver.idle()
                        answered_s = time.perf_counter() - started
                        cpu_s = time.process_time() - cpu_started
                        await receiver.stop()
                        await runner.stop()
                    await app.stop()
            async with database.sessions() as session:
                stored = await session.scalar(
                    select(func.count()).select_from(Job).where(Job.kind == KIND, Job.state == jobs.DONE)
                )
    baseline, _ = await _plain_baseline(deliveries[:half], rate)
    _, baseline_flood_s = await _plain_baseline(deliveries[half:], None)
    # Replies are counted per update: each chat must get exactly the messages its conversation produced when it
    # ran alone (a /start answers with two, a question with one…); more means an update answered twice.
    replies = Counter(int(params["chat_id"]) for method, params in calls if method == "sendMessage")
    per_conversation = {
        chat % len(TEXTS): replies[chat] for chat in range(CALIBRATION_FIRST_USER, CALIBRATION_FIRST_USER + len(TEXTS))
    }
    chats = {int(u["message"]["chat"]["id"]) for u in updates}
    expected = {chat: per_conversation[chat % len(TEXTS)] for chat in chats}
    short = sum(max(0, expected[c] - replies.get(c, 0)) for c in chats)
    extra = sum(max(0, replies.get(c, 0) - expected[c]) for c in chats)
    lost = len(updates) + len(calibration) - (stored or 0)
    p95 = sorted(ours)[int(0.95 * (len(ours) - 1))]
    flood = len(deliveries) - half
    print(f"webhook: {users} users x {messages} messages = {len(updates)} updates, {len(deliveries)} deliveries")
    print(f"  acknowledgement latency, {half} deliveries at {rate:.0f}/s over up to {CONCURRENCY} connections:")
    print(f"    plain 200 endpoint  {_summary(baseline)}")
    print(f"    store-then-200      {_summary(ours)}   (target p95 < {TARGET_P95_S * 1000:.0f} ms)")
    print(f"  throughput, {flood} deliveries as fast as acknowledged:")
    print(f"    plain 200 endpoint  {flood / baseline_flood_s:6.0f} updates/s")
    print(f"    store-then-200      {flood / flood_s:6.0f} updates/s   ({_summary(ours_flood)})")
    print(
        f"  every update answered {answered_s:.1f} s after the first delivery: "
        f"{len(updates) / answered_s:.0f} updates/s processed (target >= {TARGET_PROCESSED_PER_S:.0f})"
    )
    print(f"  the bot process's CPU: {cpu_s * 1000 / len(updates):.1f} ms per update (all its threads)")
    print(f"  updates lost: {lost + short}   answered twice: {extra}")
    for chat in sorted(c for c in chats if replies.get(c, 0) != expected[c])[:5]:
        got = [
            str(params.get("text", ""))[:60]
            for method, params in calls
            if method == "sendMessage" and int(params["chat_id"]) == chat
        ]
        shown = f"{replies.get(chat, 0)} of {expected[chat]} replies"
        print(f"    chat {chat} (conversation {chat % len(TEXTS)}): {shown}: {got}")
    processed_ok = len(updates) / answered_s >= TARGET_PROCESSED_PER_S
    return lost + short == 0 and extra == 0 and p95 < TARGET_P95_S and processed_ok


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--rate", type=float, default=100.0, help="updates per second for the latency half")
    args = parser.parse_args(argv)
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    ok = asyncio.run(run(args.users, args.messages, args.rate))
    print("  result:", "ok" if ok else "MISSED a target")


if __name__ == "__main__":
    main()
