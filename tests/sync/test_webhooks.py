"""Provider webhooks: verified and stored before the 200 with a job each, processed by re-fetching on the job queue,
converging whatever the order.

The fixture's job runner stands for the bot process's and is never started: a test runs the due jobs when it
wants them run (`Hooks.idle`), and moves the clock on to reach a retry or a lease's end.
"""

from __future__ import annotations

import io
import json
import random
import uuid
import zipfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import delete, func, select, update
from starlette.applications import Starlette
from starlette.routing import Mount

from bot.asgi_server import BackgroundServer
from bot.http.provider_webhooks import ProviderWebhooks, WebhookSecrets
from bot.jobs.housekeeping import purge_expired
from bot.jobs.runner import JobRunner
from bot.serve import install_provider_events
from db.export import export_user
from db.models import Job, ProviderEvent, User, Workout
from db.repositories import jobs, provider_events
from db.repositories.jobs import DEAD, DONE
from integrations.sync.events import KIND, LAST_RETRY, LEASE, MAX_ATTEMPTS, EventInbox
from integrations.sync.webhooks import Event
from tests.fakes.providers.data import oura_delivery, strava_activities, whoop_days, whoop_delivery
from tests.sync.conftest import SyncHarness

WHOOP_SECRET = "whoop-secret-value"  # the fake WHOOP app's client secret
OURA_SECRET = "oura-secret-value"
SUBSCRIPTION = 120475


class Clock:
    """The real time, which a test may move on (signatures are checked against it, backoffs waited out by it)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, by: timedelta) -> None:
        self.offset += by


@dataclass
class Hooks:
    h: SyncHarness
    inbox: EventInbox
    jobs: JobRunner
    clock: Clock
    url: str
    wakes: list[int]

    async def idle(self) -> int:
        """Run the jobs due now, and those they leave due, until none is; how many ran."""
        return await self.jobs.run_due()

    async def post(self, provider: str, body: bytes, headers: dict[str, str] | None = None) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.post(f"{self.url}/webhooks/{provider}", content=body, headers=headers or {})

    async def get(self, provider: str, params: dict[str, str]) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as client:
            return await client.get(f"{self.url}/webhooks/{provider}", params=params)

    async def stored(self) -> int:
        async with self.h.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(ProviderEvent)) or 0)

    async def workouts(self, user_id: str) -> dict[str, int]:
        async with self.h.sessions() as session:
            rows = (
                await session.execute(
                    select(Workout.external_id, Workout.duration_sec).where(Workout.user_id == user_id)
                )
            ).all()
        return {external_id: duration for external_id, duration in rows}


@pytest.fixture
async def hooks(sync_harness: SyncHarness) -> AsyncIterator[Hooks]:
    engine = sync_harness.engine()
    clock = Clock()
    runner = JobRunner(sync_harness.sessions, clock=clock)
    wakes: list[int] = []

    def wake() -> None:
        wakes.append(1)
        runner.wake()

    inbox = EventInbox(engine, clock=clock, wake=wake)
    install_provider_events(runner, inbox)
    secrets = WebhookSecrets(
        whoop_client_secret=WHOOP_SECRET,
        oura_client_secret=OURA_SECRET,
        oura_verification_token="oura-verify",
        strava_verify_token="strava-verify",
        strava_subscription_id=SUBSCRIPTION,
        intervals_secret="intervals-hook-secret",
    )
    web = ProviderWebhooks(inbox, secrets, clock=clock)
    app = Starlette(routes=[Mount("/webhooks", routes=web.routes())])
    async with BackgroundServer(app) as server:
        yield Hooks(sync_harness, inbox, runner, clock, server.url, wakes)
    await engine.aclose()


def _data_requests(h: SyncHarness, provider: str) -> int:
    return sum(h.stores[provider].pages.values())


async def test_shuffled_duplicate_whoop_deliveries_converge_to_the_providers_final_state(hooks: Hooks) -> None:
    h = hooks.h
    ann = await h.athlete("whoop", external_id="48213")
    store = h.stores["whoop"]
    data = whoop_days(12, end=datetime.now(UTC) - timedelta(days=1), workouts_per_day=2)
    store.put("workout", *data["workout"])
    events = [
        {"user_id": 48213, "id": w["id"], "type": "workout.updated", "trace_id": str(uuid.uuid4())}
        for w in data["workout"]
    ]
    # Four workouts are deleted at WHOOP: their "deleted" events exist, and their "updated" ones may come later.
    for w in data["workout"][:4]:
        store.delete("workout", w["id"])
        events.append({"user_id": 48213, "id": w["id"], "type": "workout.deleted", "trace_id": str(uuid.uuid4())})
    # One workout was shortened at WHOOP after its first event: the provider's last state is what counts.
    edited = data["workout"][5]
    start = datetime.fromisoformat(edited["start"].replace("Z", "+00:00"))
    store.put("workout", edited | {"end": (start + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")})
    rng = random.Random(3)
    deliveries = [e for e in events for _ in range(rng.randint(1, 5))]
    rng.shuffle(deliveries)

    for payload in deliveries:
        headers, body = whoop_delivery(WHOOP_SECRET, payload)
        response = await hooks.post("whoop", body, headers)
        assert response.status_code == 200
    await hooks.idle()

    # Each event at most once, however often it came (an event for an object already waiting joins it).
    assert len({e["id"] for e in events}) <= await hooks.stored() <= len(events)
    expected = {w["id"]: w for w in store.collections["workout"]}
    stored = await hooks.workouts(ann)
    assert set(stored) == set(expected)
    for external_id, w in expected.items():
        begin, end = (datetime.fromisoformat(w[k].replace("Z", "+00:00")) for k in ("start", "end"))
        assert stored[external_id] == round((end - begin).total_seconds())
    assert stored[edited["id"]] == 1800


async def test_a_bad_or_stale_whoop_signature_is_401_with_nothing_stored_or_fetched(hooks: Hooks) -> None:
    h = hooks.h
    await h.athlete("whoop", external_id="48213")
    payload = {
        "user_id": 48213,
        "id": "00000000-0000-4000-8000-000000000001",
        "type": "workout.updated",
        "trace_id": "t",
    }
    headers, body = whoop_delivery(WHOOP_SECRET, payload)
    altered = body.replace(b"updated", b"updatee")
    stale_headers, stale_body = whoop_delivery(WHOOP_SECRET, payload, at=datetime.now(UTC) - timedelta(minutes=6))
    wrong_key_headers, _ = whoop_delivery("not-the-secret", payload)

    for h_, b_ in ((headers, altered), (stale_headers, stale_body), (wrong_key_headers, body), ({}, body)):
        assert (await hooks.post("whoop", b_, h_)).status_code == 401
    await hooks.idle()

    assert await hooks.stored() == 0
    assert _data_requests(h, "whoop") == 0


async def test_strava_handshake_subscription_and_owner_checks_then_refetch_with_the_owners_token(hooks: Hooks) -> None:
    h = hooks.h
    ann = await h.athlete("strava", external_id="8142337")
    ann_grant = h.fakes["strava"].grants[-1]
    bob = await h.athlete("strava", external_id="999")
    (ride,) = strava_activities(1, end=datetime.now(UTC))
    h.stores["strava"].put("activity", ride)

    ok = await hooks.get(
        "strava", {"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": "strava-verify"}
    )
    assert ok.status_code == 200 and ok.json() == {"hub.challenge": "abc"}
    bad = await hooks.get("strava", {"hub.mode": "subscribe", "hub.challenge": "abc", "hub.verify_token": "nope"})
    assert bad.status_code == 401

    def event(owner: int, subscription: int = SUBSCRIPTION) -> bytes:
        return httpx.Request("POST", "http://x", json={
            "aspect_type": "create", "event_time": 1_770_000_000, "object_id": ride["id"], "object_type": "activity",
            "owner_id": owner, "subscription_id": subscription, "updates": {},
        }).content  # fmt: skip

    assert (await hooks.post("strava", event(8142337, subscription=1))).status_code == 200  # the same as any
    assert (await hooks.post("strava", event(424242))).status_code == 200  # unknown athlete: a no-op
    await hooks.idle()
    assert await hooks.stored() == 0 and _data_requests(h, "strava") == 0

    assert (await hooks.post("strava", event(8142337))).status_code == 200
    assert (await hooks.post("strava", event(8142337))).status_code == 200  # Strava's retry: same event
    assert len(hooks.wakes) == 1  # the runner was told of the one new event's job
    await hooks.idle()

    assert await hooks.stored() == 1
    assert set(await hooks.workouts(ann)) == {str(ride["id"])} and await hooks.workouts(bob) == {}
    fetches = [r for r in h.fakes["strava"].requests if r.path.endswith(f"/activities/{ride['id']}")]
    assert len(fetches) == 1 and fetches[0].authorization == "Bearer " + next(iter(ann_grant.access_tokens))
    # Deleted at Strava: the delete event removes it here too.
    h.stores["strava"].delete("activity", str(ride["id"]))
    body = event(8142337).replace(b'"create"', b'"delete"')
    assert (await hooks.post("strava", body)).status_code == 200
    await hooks.idle()
    assert await hooks.workouts(ann) == {}


async def test_oura_handshake_and_signed_event(hooks: Hooks) -> None:
    h = hooks.h
    ann = await h.athlete("oura", external_id="oura-48213")
    workout = {
        "id": "w-1", "activity": "cycling", "calories": 620.0, "day": "2026-03-14", "distance": 30100.0,
        "end_datetime": "2026-03-14T08:05:00+01:00", "intensity": "moderate", "label": None, "source": "confirmed",
        "start_datetime": "2026-03-14T07:00:00+01:00",
    }  # fmt: skip
    h.stores["oura"].put("workout", workout)
    ok = await hooks.get("oura", {"verification_token": "oura-verify", "challenge": "xyz"})
    assert ok.status_code == 200 and ok.json() == {"challenge": "xyz"}
    assert (await hooks.get("oura", {"verification_token": "wrong", "challenge": "xyz"})).status_code == 401

    payload = {"event_type": "create", "data_type": "workout", "object_id": "w-1",
               "event_time": "2026-03-14T08:06:00+00:00", "user_id": "oura-48213"}  # fmt: skip
    headers, body = oura_delivery(OURA_SECRET, payload)
    signature = headers["x-oura-signature"].lower()
    altered = signature[:-1] + ("1" if signature.endswith("0") else "0")  # always a different signature
    bad_headers = dict(headers, **{"x-oura-signature": altered})
    assert (await hooks.post("oura", body, bad_headers)).status_code == 401
    assert (await hooks.post("oura", body, headers)).status_code == 200
    await hooks.idle()
    assert set(await hooks.workouts(ann)) == {"w-1"}


async def test_intervals_secret_in_the_body(hooks: Hooks) -> None:
    h = hooks.h
    ann = await h.athlete("intervals", external_id="i4242")
    activity = {
        "id": "i555", "start_date_local": "2026-03-14T07:30:00", "start_date": "2026-03-14T06:30:00Z",
        "type": "Ride", "name": "Tempo", "moving_time": 3600, "elapsed_time": 3700, "source": "GARMIN_CONNECT",
        "icu_training_load": 80, "icu_intensity": 85.0,
    }  # fmt: skip
    h.stores["intervals"].put("activity", activity)

    def delivery(secret: str) -> bytes:
        return httpx.Request("POST", "http://x", json={"secret": secret, "events": [
            {"athlete_id": "i4242", "type": "ACTIVITY_ANALYZED", "timestamp": "2026-03-14T08:00:00Z",
             "activity": {"id": "i555"}}]}).content  # fmt: skip

    assert (await hooks.post("intervals", delivery("guess"))).status_code == 401
    assert (await hooks.post("intervals", delivery("intervals-hook-secret"))).status_code == 200
    await hooks.idle()
    assert set(await hooks.workouts(ann)) == {"i555"}


async def test_a_strava_deauthorization_is_checked_with_strava_before_the_connection_is_marked_lost(
    hooks: Hooks,
) -> None:
    h = hooks.h
    ann = await h.athlete("strava", external_id="8142337")

    def deauth(n: int) -> bytes:
        return httpx.Request("POST", "http://x", json={
            "aspect_type": "update", "event_time": 1_770_000_000 + n, "object_id": 8142337,
            "object_type": "athlete", "owner_id": 8142337, "subscription_id": SUBSCRIPTION,
            "updates": {"authorized": "false"},
        }).content  # fmt: skip

    # A forged deauthorization: Strava still accepts the token, so nothing changes.
    assert (await hooks.post("strava", deauth(1))).status_code == 200
    await hooks.idle()
    assert not (await h.integration(ann, "strava")).auth_lost_at
    # The athlete really removed us at Strava.
    for grant in h.fakes["strava"].grants:
        grant.revoked = True
    assert (await hooks.post("strava", deauth(2))).status_code == 200
    await hooks.idle()
    row = await h.integration(ann, "strava")
    assert row.auth_lost_at is not None and row.sync_status == "FAILED"


async def test_an_event_that_always_raises_is_dead_after_its_last_attempt_not_retried_forever(
    hooks: Hooks, caplog: pytest.LogCaptureFixture
) -> None:
    h = hooks.h
    await h.athlete("intervals", external_id="i4243")
    # The HTTP edge now refuses a wellness id that is not a date (400), so the poison row is stored the way
    # a row from before that check, or from a provider change we did not foresee, would be: past the edge.
    poison = Event(
        provider="intervals", key="poison-1", owner="i4243", kind="WELLNESS_UPDATED", object_id="not-a-date",
        action="updated", raw={"id": "not-a-date", "comments": "felt sick, took meds"},
    )  # fmt: skip
    assert await hooks.inbox.receive([poison]) == 1
    for _ in range(MAX_ATTEMPTS + 2):  # each attempt raises; the next one is due after its backoff
        await hooks.idle()
        hooks.clock.advance(LAST_RETRY)
    assert await hooks.idle() == 0  # nothing is taken again
    async with h.sessions() as session:
        row = (await session.scalars(select(ProviderEvent))).one()
        job = await jobs.get(session, kind=KIND, key=row.id)
    assert job is not None and job.state == DEAD and job.attempts == MAX_ATTEMPTS and job.last_error
    assert row.processed_at is None  # given up on, not handled
    assert await hooks.inbox.dead() == 1
    assert sum("is dead" in r.getMessage() for r in caplog.records if r.levelname == "WARNING") == 1
    # Its payload is the athlete's data: the housekeeping forgets it a week after it arrived.
    assert await purge_expired(h.sessions, now=hooks.clock() + provider_events.KEEP_PROCESSED) == (0, 0, 1)


async def test_an_event_whose_process_died_is_taken_again_after_the_lease_one_per_connection_at_a_time(
    hooks: Hooks,
) -> None:
    h = hooks.h
    ann = await h.athlete("intervals", external_id="i4245")
    bob = await h.athlete("intervals", external_id="i4246")
    for n in (1, 2, 3):
        h.stores["intervals"].put("activity", {
            "id": f"i55{n}", "start_date_local": f"2026-03-1{n}T07:30:00", "start_date": f"2026-03-1{n}T06:30:00Z",
            "type": "Ride", "name": "Tempo", "moving_time": 3600, "elapsed_time": 3700, "source": "GARMIN_CONNECT",
        })  # fmt: skip

    def delivery(athlete: str, activity: str) -> bytes:
        return httpx.Request("POST", "http://x", json={"secret": "intervals-hook-secret", "events": [
            {"athlete_id": athlete, "type": "ACTIVITY_ANALYZED", "timestamp": "2026-03-14T08:00:00Z",
             "activity": {"id": activity}}]}).content  # fmt: skip

    assert (await hooks.post("intervals", delivery("i4245", "i551"))).status_code == 200
    # Another process takes ann's event and dies without a word.
    async with h.sessions.begin() as session:
        (taken,) = await jobs.take(session, owner="a-process-that-died", now=hooks.clock(), lease=LEASE, limit=1,
                                   kinds=[KIND])  # fmt: skip
    assert (await hooks.post("intervals", delivery("i4245", "i552"))).status_code == 200
    assert (await hooks.post("intervals", delivery("i4246", "i553"))).status_code == 200

    # While its lease lasts, no other event of ann's connection runs; bob's does.
    assert await hooks.idle() == 1
    assert await hooks.workouts(ann) == {} and set(await hooks.workouts(bob)) == {"i553"}
    hooks.clock.advance(LEASE + timedelta(seconds=1))
    assert await hooks.idle() == 2
    assert set(await hooks.workouts(ann)) == {"i551", "i552"}
    async with h.sessions() as session:
        again = await session.get(Job, taken.id)
        assert again is not None and again.state == DONE and again.attempts == 2
        unprocessed = await session.scalar(
            select(func.count()).select_from(ProviderEvent).where(ProviderEvent.processed_at.is_(None))
        )
    assert unprocessed == 0


async def test_events_belong_to_their_athlete_and_an_unknown_athletes_are_not_kept(hooks: Hooks) -> None:
    """Stored events are the athlete's (deleted with them) and processed ones are purged; an event for an
    athlete no connection knows is answered 200 and not stored."""
    h = hooks.h
    ann = await h.athlete("intervals", external_id="i4244")
    h.stores["intervals"].put("wellness", {"id": "2026-03-14", "restingHR": 48, "comments": "felt sick, took meds"})

    def delivery(athlete: str, day: str) -> bytes:
        return httpx.Request("POST", "http://x", json={"secret": "intervals-hook-secret", "events": [
            {"athlete_id": athlete, "type": "WELLNESS_UPDATED", "timestamp": f"{day}T08:00:00Z",
             "records": [{"id": day, "comments": "felt sick, took meds"}]}]}).content  # fmt: skip

    assert (await hooks.post("intervals", delivery("i9999", "2026-03-14"))).status_code == 200
    assert await hooks.stored() == 0
    assert (await hooks.post("intervals", delivery("i4244", "2026-03-14"))).status_code == 200
    await hooks.idle()
    async with h.sessions() as session:
        row = (await session.scalars(select(ProviderEvent))).one()
        assert row.user_id == ann and row.processed_at is not None
        exported = await export_user(session, user_id=ann, generated_at=datetime.now(UTC))
    events = json.loads(zipfile.ZipFile(io.BytesIO(exported.content)).read("ProviderEvent.json"))
    assert [e["id"] for e in events] == [row.id]  # /export holds the athlete's events
    # A week later the processed event is forgotten; one received since stays until it is processed.
    assert (await hooks.post("intervals", delivery("i4244", "2026-03-15"))).status_code == 200
    await hooks.idle()
    async with h.sessions.begin() as session:
        later = row.processed_at + provider_events.KEEP_PROCESSED + timedelta(seconds=1)
        await session.execute(update(ProviderEvent).where(ProviderEvent.id != row.id).values(processed_at=later))
    assert await purge_expired(h.sessions, now=later) == (0, 0, 1)  # the hourly housekeeping
    assert await hooks.stored() == 1
    # Deleting the athlete deletes their events with them.
    async with h.sessions.begin() as session:
        await session.execute(delete(User).where(User.id == ann))
    assert await hooks.stored() == 0


async def test_a_strava_create_event_brings_the_curve_and_an_update_keeps_it(hooks: Hooks) -> None:
    from tests.sync.test_curves import ride_streams

    h = hooks.h
    ann = await h.athlete("strava", external_id="8142337")
    (ride,) = strava_activities(1, end=datetime.now(UTC))
    h.stores["strava"].put("activity", ride)
    h.stores["strava"].streams[str(ride["id"])] = ride_streams(seed=4)[0]

    def event(action: str, n: int) -> bytes:
        return httpx.Request("POST", "http://x", json={
            "aspect_type": action, "event_time": 1_770_000_000 + n, "object_id": ride["id"],
            "object_type": "activity", "owner_id": 8142337, "subscription_id": SUBSCRIPTION, "updates": {},
        }).content  # fmt: skip

    async def curves() -> object:
        async with h.sessions() as session:
            raw = await session.scalar(select(Workout.raw_json).where(Workout.user_id == ann))
        assert isinstance(raw, dict)
        return raw.get("curves")

    assert (await hooks.post("strava", event("create", 1))).status_code == 200
    await hooks.idle()
    first = await curves()
    assert isinstance(first, dict) and first["power_w"]
    # Renamed at Strava: the update rewrites the summary, keeps the curve and asks for no streams again.
    h.stores["strava"].put("activity", ride | {"name": "Renamed"})
    assert (await hooks.post("strava", event("update", 2))).status_code == 200
    await hooks.idle()
    assert await curves() == first
    assert sum(n for (path, _), n in h.stores["strava"].pages.items() if path.endswith("/streams")) == 1
