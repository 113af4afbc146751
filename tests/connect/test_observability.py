"""/healthz, /readyz and /metrics through the real HTTP server of a running bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from bot.asgi_server import BackgroundServer
from bot.console.botapi import LocalBotApi
from bot.http.app import build_http_app
from bot.http.deps import HttpDeps
from db.engine import create_engine, create_sessionmaker
from tests.connect.conftest import ConnectHarness

# One family for each thing an operator watches (README, "Observability").
FAMILIES = {
    "coach_watts_updates": "updates handled",
    "coach_watts_update_seconds": "update latency",
    "coach_watts_briefs": "briefs by outcome",
    "coach_watts_briefs_late": "late briefs",
    "coach_watts_sync_runs": "sync runs per provider",
    "coach_watts_sync_records": "records synced per provider",
    "coach_watts_provider_rate_limited": "provider 429s",
    "coach_watts_telegram_rate_limited": "Telegram 429s",
    "coach_watts_queue_waiting": "queue depth",
    "coach_watts_queue_oldest_age_seconds": "queue age",
    "coach_watts_queue_dead": "dead letters of the job queue",
    "coach_watts_jobs": "job attempts by outcome",
    "coach_watts_jobs_dead": "jobs that ended dead",
    "coach_watts_gemini_requests": "Gemini calls",
    "coach_watts_gemini_tokens": "Gemini tokens",
    "coach_watts_gemini_failures": "Gemini failures",
}


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


async def test_liveness_and_readiness(connect_harness: ConnectHarness) -> None:
    async with httpx.AsyncClient(base_url=connect_harness.http_url) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        ready = await http.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"status": "ready"}


async def test_a_database_behind_on_migrations_is_not_ready(
    connect_harness: ConnectHarness, make_database: Callable[[], Awaitable[str]]
) -> None:
    engine = create_engine(await make_database())  # empty: no migration applied
    deps = HttpDeps(sessions=create_sessionmaker(engine), connector=connect_harness.connector, notify=_no_notify)
    try:
        async with BackgroundServer(build_http_app(deps)) as server, httpx.AsyncClient(base_url=server.url) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json()["status"] == "migrations pending"
            assert (await http.get("/healthz")).status_code == 200  # alive all the same
    finally:
        await engine.dispose()


async def test_an_unreachable_database_is_not_ready(connect_harness: ConnectHarness) -> None:
    engine = create_engine("postgresql://nobody@127.0.0.1:1/nowhere")
    deps = HttpDeps(sessions=create_sessionmaker(engine), connector=connect_harness.connector, notify=_no_notify)
    try:
        async with BackgroundServer(build_http_app(deps)) as server, httpx.AsyncClient(base_url=server.url) as http:
            ready = await http.get("/readyz")
            assert ready.status_code == 503 and ready.json() == {"status": "database unavailable"}
            metrics = await http.get("/metrics")
            assert metrics.status_code == 200 and "coach_watts_queue_read_failed 1.0" in metrics.text
    finally:
        await engine.dispose()


async def test_metrics_name_every_family_and_read_the_queues(connect_harness: ConnectHarness) -> None:
    async with connect_harness.sessions.begin() as session:
        await session.execute(
            text(
                'INSERT INTO "Job" (kind, key, "lockKey", state, "runAt", "createdAt") '
                "VALUES ('telegram.update', '990001', 'chat:1', 'queued', now() - interval '90 seconds', "
                "now() - interval '90 seconds')"
            )
        )
        await session.execute(
            text(
                'INSERT INTO "Job" (kind, key, state, attempts, "finishedAt", "lastError") '
                "VALUES ('test.metrics', 'poison', 'dead', 5, now(), 'ValueError: unreadable')"
            )
        )
    try:
        async with httpx.AsyncClient(base_url=connect_harness.http_url) as http:
            response = await http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        names = {family.name for family in text_string_to_metric_families(response.text)}
        missing = {name: what for name, what in FAMILIES.items() if name not in names}
        assert missing == {}
        samples = _samples(response.text)
        assert samples[("coach_watts_queue_waiting", (("queue", "jobs.telegram.update"),))] == 1.0
        assert samples[("coach_watts_queue_oldest_age_seconds", (("queue", "jobs.telegram.update"),))] >= 90.0
        assert samples[("coach_watts_queue_waiting", (("queue", "provider_events"),))] == 0.0
        assert samples[("coach_watts_queue_dead", (("queue", "jobs.test.metrics"),))] == 1.0
    finally:
        async with connect_harness.sessions.begin() as session:
            await session.execute(text("DELETE FROM \"Job\" WHERE kind IN ('test.metrics', 'telegram.update')"))


async def _no_notify(chat_id: int, html: str) -> None:
    raise AssertionError("nothing is sent from these routes")


async def test_an_update_handled_is_counted_and_timed(connect_harness: ConnectHarness) -> None:
    key = ("coach_watts_updates_total", (("kind", "message"), ("outcome", "handled")))
    timed = ("coach_watts_update_seconds_count", (("kind", "message"),))
    async with httpx.AsyncClient(base_url=connect_harness.http_url) as http:
        before = _samples((await http.get("/metrics")).text)
        await connect_harness.ask(LocalBotApi.user(7171, "Ola"), "/help")
        after = _samples((await http.get("/metrics")).text)
    assert after[key] == before.get(key, 0.0) + 1
    assert after[timed] == before.get(timed, 0.0) + 1
