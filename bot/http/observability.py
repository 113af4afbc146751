"""What an operator or an orchestrator asks of a running process.

- ``GET /healthz`` — liveness: the process answers HTTP. It does not touch the database, so a database
  outage makes every process unready, not dead (an orchestrator restarting all of them would not help).
- ``GET /readyz`` — readiness: the database answers and its schema is at this build's migration head, so
  this process may be given traffic. 503 with the reason otherwise.
- ``GET /metrics`` — Prometheus' text format: the counters of `bot.metrics`, `integrations.metrics` and
  `coach.llm.metrics`, and the depth and age of every durable queue, read from the database at scrape time.
"""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Gauge, generate_latest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.http.deps import deps_of
from db.repositories import queues
from migrations import runner

logger = logging.getLogger(__name__)

READY_TIMEOUT_S = 5.0

QUEUE_WAITING = Gauge("coach_watts_queue_waiting", "Unfinished rows of a durable work queue", ["queue"])
QUEUE_OLDEST_AGE = Gauge(
    "coach_watts_queue_oldest_age_seconds", "Age of the oldest unfinished row of a durable work queue", ["queue"]
)
QUEUE_DEAD = Gauge(
    "coach_watts_queue_dead", "Jobs given up on after their last attempt and kept (dead letters)", ["queue"]
)
QUEUE_READ_FAILURES = Gauge("coach_watts_queue_read_failed", "1 when the last scrape could not read the queues")


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    deps = deps_of(request)
    try:
        async with asyncio.timeout(READY_TIMEOUT_S):
            async with deps.sessions() as session:
                await session.execute(text("SELECT 1"))
                engine = session.bind
            pending = await runner.pending_revisions(engine)  # type: ignore[arg-type]
    except Exception as err:  # noqa: BLE001 - any failure here is the answer "not ready"
        logger.warning("not ready: database unavailable (%s)", type(err).__name__)
        return JSONResponse({"status": "database unavailable"}, status_code=503)
    if pending:
        return JSONResponse({"status": "migrations pending", "pending": pending}, status_code=503)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    deps = deps_of(request)
    try:
        async with asyncio.timeout(READY_TIMEOUT_S), deps.sessions() as session:
            depths = await queues.depths(session, now=deps.clock())
    except Exception as err:  # noqa: BLE001 - the counters are still worth serving
        logger.warning("queue depths unavailable for /metrics (%s)", type(err).__name__)
        QUEUE_READ_FAILURES.set(1)
    else:
        QUEUE_READ_FAILURES.set(0)
        for depth in depths:
            QUEUE_WAITING.labels(depth.name).set(depth.waiting)
            QUEUE_OLDEST_AGE.labels(depth.name).set(depth.oldest_age_s)
            QUEUE_DEAD.labels(depth.name).set(depth.dead)
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
