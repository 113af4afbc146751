"""Synced workouts get their mean-maximal curve from the provider's streams, within a per-run budget."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from sqlalchemy import select

from coach.science.curve import CURVE_DURATIONS_S
from db.models import Workout
from integrations.fit.parse import parse_activities
from integrations.fit.summary import workout_curves
from integrations.sync.curves import STREAMS_PER_RUN, curves_from_streams
from integrations.sync.engine import SUCCESS
from tests.fakes.providers.data import strava_activities
from tests.sync.conftest import SyncHarness

NOW = datetime.now(UTC)
STRAVA_KEYS = "keys=time%2Cwatts%2Cheartrate%2Cvelocity_smooth&key_by_type=true"


def ride_streams(seed: int) -> tuple[dict[str, list[Any]], list[float], list[float]]:
    """A 50-minute ride sampled at 1 Hz with a 10-minute café stop, plus its timer seconds' power and HR.

    Returns the provider's streams and, longhand, the power and heart rate of the seconds the timer ran.
    """
    rng = random.Random(seed)
    time_s = [*range(0, 1800), *range(2400, 3600)]  # the stop: no samples from 1800 to 2399
    watts = [float(rng.randint(120, 420)) for _ in time_s]
    for i in range(300, 600):  # a 5-minute effort
        watts[i] = float(rng.randint(340, 380))
    heartrate = [float(120 + (i % 600) // 10) for i in range(len(time_s))]
    return {"time": time_s, "watts": watts, "heartrate": heartrate}, watts, heartrate


def brute_force_best(values: list[float], duration_s: int) -> float | None:
    if duration_s > len(values):
        return None
    return max(sum(values[i : i + duration_s]) / duration_s for i in range(len(values) - duration_s + 1))


async def _rows(h: SyncHarness, user_id: str) -> dict[str, Workout]:
    async with h.sessions() as session:
        rows = (await session.scalars(select(Workout).where(Workout.user_id == user_id))).all()
    return {r.external_id: r for r in rows}


async def test_a_strava_rides_curve_equals_the_longhand_mean_maximal_of_its_streams(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    store = h.stores["strava"]
    (ride,) = strava_activities(1, end=NOW - timedelta(days=2))
    no_meter = strava_activities(1, end=NOW - timedelta(days=3), seed=5)[0] | {"id": 77, "device_watts": False}
    store.put("activity", ride, no_meter)
    streams, watts, heartrate = ride_streams(seed=3)
    store.streams[str(ride["id"])] = streams

    result = await h.engine().sync(user_id, "strava")

    assert result.status == SUCCESS
    rows = await _rows(h, user_id)
    curves = rows[str(ride["id"])].raw_json["curves"]
    durations = [d for d in CURVE_DURATIONS_S if d <= len(watts)]
    assert curves["durations_s"] == durations
    for d, got_w, got_bpm in zip(durations, curves["power_w"], curves["heart_rate_bpm"], strict=True):
        assert got_w == pytest.approx(brute_force_best(watts, d), abs=0.5), d
        assert got_bpm == pytest.approx(brute_force_best(heartrate, d), abs=0.5), d
    assert curves["speed_m_s"] is None  # a ride: no pace curve
    # No power meter (Strava estimates watts): no streams asked for, no curve.
    assert "curves" not in rows["77"].raw_json
    assert not any("activities/77/streams" in path for path, _ in store.pages)


async def test_streams_are_fetched_once_per_activity_and_at_most_a_budget_per_run(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("strava")
    store = h.stores["strava"]
    rides = strava_activities(STREAMS_PER_RUN + 5, end=NOW - timedelta(hours=1))
    store.put("activity", *rides)
    for ride in rides:
        store.streams[str(ride["id"])] = ride_streams(seed=ride["id"] % 97)[0]
    engine = h.engine()

    def stream_requests() -> int:
        return sum(n for (path, _), n in store.pages.items() if path.endswith("/streams"))

    await engine.sync(user_id, "strava", days=7)
    assert stream_requests() == STREAMS_PER_RUN
    await engine.sync(user_id, "strava", days=7)
    assert stream_requests() == STREAMS_PER_RUN + 5
    await engine.sync(user_id, "strava", days=7)  # every ride has its curve: nothing asked, nothing erased
    assert stream_requests() == STREAMS_PER_RUN + 5
    rows = await _rows(h, user_id)
    assert all(r.raw_json["curves"]["power_w"] for r in rows.values())
    assert all(n == 1 for (path, query), n in store.pages.items() if path.endswith("/streams"))
    assert all(query == STRAVA_KEYS for (path, query) in store.pages if path.endswith("/streams"))
    await engine.aclose()


async def test_an_intervals_activity_gets_its_curve_from_its_streams(sync_harness: SyncHarness) -> None:
    h = sync_harness
    user_id = await h.athlete("intervals", external_id="i4242")
    store = h.stores["intervals"]
    start = (NOW - timedelta(days=1)).replace(microsecond=0)
    store.put(
        "activity",
        {
            "id": "i555",
            "name": "Tempo",
            "type": "Ride",
            "start_date_local": start.strftime("%Y-%m-%dT%H:%M:%S"),
            "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "moving_time": 3000,
            "icu_average_watts": 250,
        },
    )
    streams, watts, _hr = ride_streams(seed=11)
    store.streams["i555"] = streams

    result = await h.engine().sync(user_id, "intervals", days=3)

    assert result.status == SUCCESS
    curves = (await _rows(h, user_id))["i555"].raw_json["curves"]
    five_min = curves["durations_s"].index(300)
    assert curves["power_w"][five_min] == pytest.approx(brute_force_best(watts, 300), abs=0.5)


async def test_the_fake_refuses_a_streams_request_without_its_documented_parameters(sync_harness: SyncHarness) -> None:
    h = sync_harness
    grant = await h.connect(await h.athlete(), "strava")
    token = next(iter(grant.access_tokens))
    url = f"{h.providers_url}/strava/api/v3/activities/1/streams"
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
        assert (await client.get(url, params={"keys": "watts"})).status_code == 400
        assert (await client.get(url, params={"keys": "watts", "key_by_type": "true"})).status_code == 404


@pytest.mark.parametrize("name", ["2019-02-17-062644-ELEMNT-297E-195-0.fit", "fr110-run-2013-02-06-12-11-14.fit"])
def test_a_synced_workouts_curve_equals_the_fit_imports_for_the_same_seconds(name: str) -> None:
    """The provider's streams of a recorded activity (its timer seconds, one sample each) give the FIT curve."""
    data = (Path(__file__).resolve().parents[1] / "fixtures" / "fit" / name).read_bytes()
    (activity,) = parse_activities(data)
    seconds = list(range(activity.power_w.size))

    def samples(values: Any) -> list[float | None]:
        return [None if v != v else float(v) for v in values]  # NaN: no reading (Strava sends null)

    streams = {
        "time": seconds,
        "watts": samples(activity.power_w),
        "heartrate": samples(activity.heart_rate_bpm),
        "velocity_smooth": samples(activity.speed_m_s),
    }
    from_fit = workout_curves(activity)
    synced = curves_from_streams(streams, paced=activity.sport == "running")
    assert synced is not None
    assert synced["durations_s"] == list(from_fit.durations_s)
    for key in ("power_w", "heart_rate_bpm", "speed_m_s"):
        expected = getattr(from_fit, key)
        if expected is None:
            assert synced[key] is None, key
        else:
            assert synced[key] == pytest.approx(list(expected), abs=0.01), key
