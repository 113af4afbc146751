"""The bot's own counters and timings for ``/metrics`` (Prometheus' default registry).

Counters live beside what they count in each package (`integrations.metrics`, `coach.llm.metrics`); the
queue gauges are read from the database when ``/metrics`` is scraped (`bot.http.observability`), so every
process reports the same shared queues.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import Counter, Histogram

UPDATES = Counter("coach_watts_updates", "Telegram updates handled, by kind and outcome", ["kind", "outcome"])
UPDATE_SECONDS = Histogram(
    "coach_watts_update_seconds",
    "Time from taking an update to finishing its handler",
    ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
BRIEFS = Counter(
    "coach_watts_briefs", "Morning briefs by outcome: sent, blocked, failed, unknown, skipped", ["outcome"]
)
BRIEFS_LATE = Counter("coach_watts_briefs_late", "Briefs sent more than a minute after their due time")
BRIEF_DELAY_SECONDS = Histogram(
    "coach_watts_brief_delay_seconds",
    "Time from a brief's due instant to its sending",
    buckets=(1, 5, 15, 30, 60, 120, 300, 900, 1800, 3600, 7200),
)
JOBS_RUN = Counter(
    "coach_watts_jobs", "Background job attempts by kind and outcome: done, retry, dead", ["kind", "outcome"]
)
JOBS_DEAD = Counter("coach_watts_jobs_dead", "Background jobs that ended dead (dead letters), by kind", ["kind"])
TELEGRAM_RATE_LIMITED = Counter("coach_watts_telegram_rate_limited", "429 answers (flood waits) from the Bot API")


def update_kind(update: object) -> str:
    """message, edited_message, callback_query, … — the first field of the Update that is set."""
    for kind in ("message", "edited_message", "callback_query", "channel_post", "my_chat_member", "inline_query"):
        if getattr(update, kind, None) is not None:
            return kind
    return "other"


@asynccontextmanager
async def observe_update(update: object) -> AsyncIterator[None]:
    """Count one update and time its handling (polling's processor and webhook mode's workers both use it)."""
    kind = update_kind(update)
    started = time.perf_counter()
    try:
        yield
    except BaseException:
        UPDATES.labels(kind, "failed").inc()
        raise
    else:
        UPDATES.labels(kind, "handled").inc()
    finally:
        UPDATE_SECONDS.labels(kind).observe(time.perf_counter() - started)
