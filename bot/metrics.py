"""The bot's own counters and timings for ``/metrics`` (Prometheus' default registry).

Counters live beside what they count in each package (`integrations.metrics`, `coach.llm.metrics`); the
queue gauges are read from the database when ``/metrics`` is scraped (`bot.http.observability`), so every
process reports the same shared queues.
"""

from __future__ import annotations

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
TELEGRAM_RATE_LIMITED = Counter("coach_watts_telegram_rate_limited", "429 answers (flood waits) from the Bot API")
