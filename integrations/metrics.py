"""Sync and provider counters for ``/metrics`` (Prometheus' default registry)."""

from __future__ import annotations

from prometheus_client import Counter

SYNC_RUNS = Counter("coach_watts_sync_runs", "Finished sync runs, by provider and final status", ["provider", "status"])
SYNC_RECORDS = Counter(
    "coach_watts_sync_records", "Records written by sync runs, by provider and kind", ["provider", "kind"]
)
PROVIDER_RATE_LIMITED = Counter(
    "coach_watts_provider_rate_limited", "429 answers from a provider (each waited out or given up)", ["provider"]
)
