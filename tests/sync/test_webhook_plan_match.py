"""A workout that arrives by provider webhook is matched to its planned session; its delete event unmatches it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx

from tests.fakes.providers.data import strava_activities
from tests.planning.support import add_plan, ride, statuses
from tests.sync.test_webhooks import SUBSCRIPTION, Hooks, hooks

__all__ = ["hooks"]


async def test_a_strava_webhook_ride_marks_its_session_done_and_its_delete_puts_it_back(hooks: Hooks) -> None:
    h = hooks.h
    ann = await h.athlete("strava", external_id="8142337")
    (activity,) = strava_activities(1, end=datetime.now(UTC))
    h.stores["strava"].put("activity", activity)
    day = date.fromisoformat(activity["start_date_local"][:10])
    await add_plan(h.sessions, ann, [(day, ride(minutes=30))])  # a short ride: any of the fake's rides is enough

    def event(aspect: str) -> bytes:
        return httpx.Request("POST", "http://x", json={
            "aspect_type": aspect, "event_time": 1_770_000_000, "object_id": activity["id"],
            "object_type": "activity", "owner_id": 8142337, "subscription_id": SUBSCRIPTION, "updates": {},
        }).content  # fmt: skip

    assert (await hooks.post("strava", event("create"))).status_code == 200
    await hooks.idle()
    status, workout_id = (await statuses(h.sessions, ann))[day]
    assert status == "done" and workout_id is not None

    h.stores["strava"].delete("activity", str(activity["id"]))
    assert (await hooks.post("strava", event("delete"))).status_code == 200
    await hooks.idle()
    assert (await statuses(h.sessions, ann))[day] == ("planned", None)
