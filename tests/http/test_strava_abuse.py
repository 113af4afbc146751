"""The unsigned Strava webhook cannot be used to probe us or to burn the app's quota (issue 12, defect 6).

Through the real server, with the fake Strava counting the fetches made with the athlete's token.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from db.models import ProviderEvent
from integrations.sync.admission import events_per_window
from tests.http.conftest import SUBSCRIPTION, Site

ATHLETE = 8142337


def _event(**changes: Any) -> bytes:
    event = {
        "aspect_type": "update", "event_time": 1_770_000_000, "object_id": 123, "object_type": "activity",
        "owner_id": ATHLETE, "subscription_id": SUBSCRIPTION, "updates": {"title": "Morning Ride"},
    } | changes  # fmt: skip
    return json.dumps(event).encode()


def _activity_fetches(site: Site) -> int:
    return sum("/activities/" in r.path for r in site.sync.fakes["strava"].requests)


async def _post(client: httpx.AsyncClient, body: bytes) -> tuple[int, bytes, str | None]:
    response = await client.post("/webhooks/strava", content=body, headers={"Content-Type": "application/json"})
    return response.status_code, response.content, response.headers.get("content-type")


async def test_every_refused_event_is_answered_like_an_accepted_one(site: Site) -> None:
    await site.sync.athlete("strava", external_id=str(ATHLETE))
    async with site.client() as client:
        accepted = await _post(client, _event())
        refused = [
            await _post(client, _event(subscription_id=SUBSCRIPTION + 1)),  # another subscription
            await _post(client, _event(subscription_id=1)),
            await _post(client, _event(owner_id=424242)),  # an athlete we do not know
            await _post(client, _event(object_type=["x"])),  # not an event
            await _post(client, b"[]"),
        ]
    assert all(answer == accepted for answer in refused), (accepted, refused)


async def test_fifty_forged_events_for_one_activity_make_one_row_and_one_fetch(site: Site) -> None:
    # The site's job runner takes nothing until the test runs it: stored events wait, as during a busy minute.
    await site.sync.athlete("strava", external_id=str(ATHLETE))
    async with site.client() as client:
        for n in range(50):
            status, _, _ = await _post(client, _event(event_time=1_770_000_000 + n))
            assert status == 200
    assert await site.count(ProviderEvent) == 1
    await site.jobs.run_due()
    assert _activity_fetches(site) == 1


async def test_the_fetches_one_athletes_events_cause_are_bounded(site: Site) -> None:
    await site.sync.athlete("strava", external_id=str(ATHLETE))
    async with site.client() as client:
        for n in range(50):  # each for another activity, or the same one again once processed
            assert (await _post(client, _event(object_id=1000 + n % 30, event_time=n)))[0] == 200
            await site.jobs.run_due()
    assert await site.count(ProviderEvent) <= events_per_window("strava")
    assert _activity_fetches(site) <= events_per_window("strava")
