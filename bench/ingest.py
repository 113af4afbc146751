"""Ingest of ten years of one athlete: provider payloads → mapping → write path → PostgreSQL.

Run ``python -m bench.ingest [--years 10] [--baseline-years 1]``. The athlete has about 5,000 workouts over ten
years, sent by Intervals.icu (full activity objects, kept in ``rawJson``), and a wellness record for every
day (3,650). Ours: the provider's pages (200 activities, a year of wellness) mapped and written by
`integrations.sync.writer.commit_page` — one transaction per page with its cursor, bulk upserts, the
cross-provider relinking and the daily merge included. Baseline, in the same run on the same database: the
same records written the plain way, one ORM object per record, looked up by key, added or updated, and
committed one by one. The baseline runs on the first ``--baseline-years`` and is scaled to the whole history
(it is linear: one round trip per record); both results are checked to hold the same rows.

On PostgreSQL from ``DATABASE_URL``, else an embedded server in a temporary folder. Target: the whole
import in ≤ 3 s and ≥ 20× faster than per-row.

The whole import, as a user's first sync does it: the same ten years served over HTTP by the local fake
Intervals.icu (``tests/fakes/providers``: real paths and parameters, 90-day windows, the athlete's API key),
read by `integrations.sync.engine.SyncEngine` through the provider client, the rate limiter and the retry
helper, and written page by page; it prints the API requests per record. The targets are checked on it.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.runtime import open_database
from bot.settings import Settings
from db.models import DailyMetric, Integration, User, Workout
from integrations.intervals import mapping
from integrations.records import Batch, WorkoutRecord
from integrations.sync import writer

ACTIVITY_PAGE = 200
WELLNESS_PAGE = 365  # Intervals.icu serves wellness by date range: a year per request
TARGET_S = 3.0
TARGET_SPEEDUP = 20.0
LAST_DAY = date(2026, 10, 31)


def activities(years: int, *, seed: int = 5) -> list[dict[str, Any]]:
    """About 500 sessions a year: rides with power, runs with heart rate, in Europe/Berlin."""
    rng = random.Random(seed)
    first = LAST_DAY - timedelta(days=365 * years)
    out: list[dict[str, Any]] = []
    for day in range(365 * years):
        sessions = rng.choices((0, 1, 2, 3), weights=(15, 40, 35, 10))[0]
        for k in range(sessions):
            start = datetime.combine(first + timedelta(days=day), datetime.min.time(), UTC) + timedelta(
                hours=6 + 5 * k, minutes=rng.randint(0, 59)
            )
            ride = rng.random() < 0.7
            moving = rng.randint(30 * 60, 4 * 3600) if ride else rng.randint(25 * 60, 90 * 60)
            np_w = rng.randint(170, 280)
            out.append(
                {
                    "id": f"i{10_000_000 + len(out)}",
                    "start_date_local": (start + timedelta(hours=1)).replace(tzinfo=None).isoformat(),
                    "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "type": "Ride" if ride else "Run",
                    "name": "Endurance ride" if ride else "Easy run",
                    "timezone": "Europe/Berlin",
                    "source": "GARMIN_CONNECT",
                    "external_id": str(17_000_000_000 + len(out)),
                    "device_name": "Garmin Edge 840" if ride else "Garmin Forerunner 965",
                    "moving_time": moving,
                    "elapsed_time": moving + rng.randint(0, 600),
                    "distance": moving * (8.5 if ride else 3.1),
                    "total_elevation_gain": float(rng.randint(0, 1500)),
                    "icu_average_watts": np_w - 15 if ride else None,
                    "icu_weighted_avg_watts": np_w if ride else None,
                    "icu_ftp": 265,
                    "icu_intensity": round(100 * np_w / 265, 1) if ride else None,
                    "icu_training_load": round(moving / 3600 * 100 * (np_w / 265) ** 2) if ride else moving // 60,
                    "icu_joules": (np_w - 15) * moving if ride else None,
                    "calories": moving // 5,
                    "average_heartrate": rng.randint(125, 155),
                    "max_heartrate": rng.randint(160, 185),
                    "icu_hr_zone_times": [rng.randint(0, 900) for _ in range(7)],
                    "icu_zone_times": [{"id": f"Z{z}", "secs": rng.randint(0, 1200)} for z in range(1, 8)],
                    "icu_ctl": round(rng.uniform(40, 80), 1),
                    "icu_atl": round(rng.uniform(40, 90), 1),
                    "stream_types": ["time", "watts", "heartrate", "cadence", "distance", "altitude", "latlng"],
                    "analyzed": (start + timedelta(hours=3)).isoformat(),
                }
            )
    return out


def wellness(years: int, *, seed: int = 6) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    first = LAST_DAY - timedelta(days=365 * years)
    return [
        {
            "id": (first + timedelta(days=d)).isoformat(),
            "ctl": round(rng.uniform(40, 80), 1),
            "atl": round(rng.uniform(40, 90), 1),
            "restingHR": rng.randint(44, 56),
            "hrv": round(rng.uniform(45, 95), 1),
            "hrvSDNN": round(rng.uniform(60, 110), 1),
            "sleepSecs": rng.randint(5 * 3600, 9 * 3600),
            "sleepScore": rng.randint(55, 95),
            "readiness": rng.randint(30, 95),
            "spO2": round(rng.uniform(94, 99), 1),
            "weight": round(rng.uniform(69, 73), 1),
            "updated": f"{(first + timedelta(days=d)).isoformat()}T06:12:44.000+00:00",
        }
        for d in range(365 * years)
    ]


async def _athlete(sessions: async_sessionmaker[AsyncSession], name: str) -> tuple[str, str]:
    async with sessions.begin() as session:
        user = User(email=f"{name}-{uuid.uuid4().hex[:8]}@bench.invalid", name=name)
        session.add(user)
        await session.flush()
        integration = Integration(user_id=user.id, provider="intervals", access_token="sealed")
        session.add(integration)
        await session.flush()
        return user.id, integration.id


async def ours(
    sessions: async_sessionmaker[AsyncSession], acts: list[dict[str, Any]], days: list[dict[str, Any]]
) -> tuple[float, str, int]:
    user_id, integration_id = await _athlete(sessions, "ours")
    started = time.perf_counter()
    pages = 0
    for i in range(0, len(acts), ACTIVITY_PAGE):
        batch = Batch()
        for payload in acts[i : i + ACTIVITY_PAGE]:
            batch.add(mapping.map_activity(payload))
        await writer.commit_page(
            sessions, integration_id=integration_id, user_id=user_id, stream="activities", batch=batch, cursor=str(i)
        )
        pages += 1
    for i in range(0, len(days), WELLNESS_PAGE):
        batch = Batch(metrics=[mapping.map_wellness(payload) for payload in days[i : i + WELLNESS_PAGE]])
        await writer.commit_page(
            sessions, integration_id=integration_id, user_id=user_id, stream="wellness", batch=batch, cursor=str(i)
        )
        pages += 1
    return time.perf_counter() - started, user_id, pages


async def per_row(
    sessions: async_sessionmaker[AsyncSession], acts: list[dict[str, Any]], days: list[dict[str, Any]]
) -> tuple[float, str]:
    """The plain way: one ORM object per record, looked up by key, added or updated, committed."""
    user_id, _ = await _athlete(sessions, "per-row")
    started = time.perf_counter()
    for payload in acts:
        record = mapping.map_activity(payload)
        assert isinstance(record, WorkoutRecord)
        async with sessions.begin() as session:
            row = await session.scalar(
                select(Workout).where(
                    Workout.user_id == user_id,
                    Workout.source == record.source,
                    Workout.external_id == record.external_id,
                )
            )
            if row is None:
                row = Workout(user_id=user_id, source=record.source, external_id=record.external_id)
                session.add(row)
            for key, value in record.row(user_id).items():
                setattr(row, key, value)
    for payload in days:
        metric = mapping.map_wellness(payload)
        async with sessions.begin() as session:
            day = await session.scalar(
                select(DailyMetric).where(DailyMetric.user_id == user_id, DailyMetric.date == metric.local_date)
            )
            if day is None:
                day = DailyMetric(user_id=user_id, date=metric.local_date, source=metric.source)
                session.add(day)
            for key, value in metric.values.items():
                setattr(day, key, value)
    return time.perf_counter() - started, user_id


async def over_http(
    sessions: async_sessionmaker[AsyncSession], acts: list[dict[str, Any]], days: list[dict[str, Any]], years: int
) -> tuple[float, str, int]:
    """A first sync of the whole history from the fake Intervals.icu over HTTP; (seconds, user, requests)."""
    from bot.asgi_server import BackgroundServer
    from integrations.connect import Connector
    from integrations.sync.engine import SUCCESS, SyncEngine
    from integrations.vault import TokenVault, generate_key_spec
    from tests.fakes.providers import FakeProviders
    from tests.fakes.providers.data import serve_data

    fakes = FakeProviders()
    store = serve_data(fakes)["intervals"]
    store.put("activity", *acts)
    store.put("wellness", *days)
    fakes["intervals"].add_api_key("bench-api-key", user_id="i4242")
    async with sessions.begin() as session:
        user = User(email=f"http-{uuid.uuid4().hex[:8]}@bench.invalid", name="http")
        session.add(user)
        await session.flush()
        user_id = user.id
    now = datetime.now(UTC)
    async with BackgroundServer(fakes.asgi()) as server:
        connector = Connector(
            sessions=sessions,
            vault=TokenVault.from_spec(generate_key_spec("bench")),
            apps=fakes.apps(server.url),
            public_base_url="https://coach.example",
            clock=lambda: now,
        )
        await connector.connect_api_key(user_id=user_id, chat_id=None, key="bench-api-key")
        store.pages.clear()
        engine = SyncEngine(
            sessions=sessions,
            connector=connector,
            clock=lambda: now,
            backfill_days=(now.date() - LAST_DAY).days + 365 * years + 1,
        )
        started = time.perf_counter()
        result = await engine.sync(user_id, "intervals")
        elapsed = time.perf_counter() - started
        await engine.aclose()
        await connector.aclose()
    assert result.status == SUCCESS, result.error
    return elapsed, user_id, sum(store.pages.values())


async def _counts(sessions: async_sessionmaker[AsyncSession], user_id: str) -> tuple[int, int]:
    async with sessions() as session:
        n_workouts = await session.scalar(select(func.count()).select_from(Workout).where(Workout.user_id == user_id))
        n_days = await session.scalar(
            select(func.count()).select_from(DailyMetric).where(DailyMetric.user_id == user_id)
        )
    return n_workouts or 0, n_days or 0


async def run(years: int, baseline_years: int) -> bool:
    acts, days = activities(years), wellness(years)
    cut = (LAST_DAY - timedelta(days=365 * (years - baseline_years))).isoformat()
    sample_acts = [a for a in acts if a["start_date_local"] < cut]
    sample_days = [d for d in days if d["id"] < cut]
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(_env_file=None, COACH_DATA_DIR=Path(data_dir))  # type: ignore[call-arg]
        async with open_database(settings) as database:
            sessions = database.sessions
            await ours(sessions, acts[:50], days[:50])  # warm up: connections, statement caches, imports
            ours_s, ours_user, pages = await ours(sessions, acts, days)
            http_s, http_user, requests = await over_http(sessions, acts, days, years)
            sample_s, baseline_user = await per_row(sessions, sample_acts, sample_days)
            ours_counts = await _counts(sessions, ours_user)
            http_counts = await _counts(sessions, http_user)
            baseline_counts = await _counts(sessions, baseline_user)
    records = len(acts) + len(days)
    sample_records = len(sample_acts) + len(sample_days)
    baseline_s = sample_s * records / sample_records
    speedup = baseline_s / http_s
    raw_mb = sum(len(str(a)) for a in acts) / 1e6
    print(f"ingest: {years} years, {len(acts)} workouts (~{raw_mb:.1f} MB of rawJson) + {len(days)} days of metrics")
    print(
        f"  per-row ORM           {baseline_s:7.2f} s  ({sample_s:.2f} s for {baseline_years} year(s), "
        f"{sample_records} records, x{records / sample_records:.1f}; {1000 * sample_s / sample_records:.2f} ms/record)"
    )
    print(
        f"  pages + bulk upsert   {ours_s:7.2f} s  ({pages} pages, {1000 * ours_s / records:.3f} ms/record)   "
        f"(target <= {TARGET_S:.0f} s)"
    )
    print(
        f"  whole import over HTTP {http_s:6.2f} s  (fake Intervals.icu → sync engine → PostgreSQL; {requests} API "
        f"requests, {requests / records:.4f} requests/record)   (target <= {TARGET_S:.0f} s)"
    )
    print(f"  speed-up (whole import vs per-row, writes only)  x{speedup:6.1f}   (target >= x{TARGET_SPEEDUP:.0f})")
    expected = (len(acts), len(days))
    same = (
        ours_counts == expected and http_counts == expected and baseline_counts == (len(sample_acts), len(sample_days))
    )
    print(
        f"  rows: ours {ours_counts}, over HTTP {http_counts}, per-row {baseline_counts}: "
        f"{'as expected' if same else 'MISMATCH'}"
    )
    return same and http_s <= TARGET_S and speedup >= TARGET_SPEEDUP and math.isfinite(speedup)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--baseline-years", type=int, default=1)
    args = parser.parse_args(argv)
    ok = asyncio.run(run(args.years, min(args.baseline_years, args.years)))
    print("  result:", "ok" if ok else "MISSED a target")


if __name__ == "__main__":
    main()
