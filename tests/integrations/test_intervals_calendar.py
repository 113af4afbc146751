"""The Intervals.icu calendar writer against the local Intervals.icu server, over real HTTP.

Connections are stored as `/connect` stores them (API key or OAuth bearer token, sealed in PostgreSQL), calls go
through the app's rate limiter, and time is a clock the test moves, so retries and 429 waits take no real time.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx2
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.asgi_server import BackgroundServer
from db.models import User
from db.repositories import integrations
from integrations.connect import Connector
from integrations.errors import ProviderAuthError, ProviderRateLimited, ProviderRejected, ProviderUnavailable
from integrations.intervals import oauth
from integrations.intervals.calendar import CalendarEvent, CalendarWriter
from integrations.intervals.client import IntervalsClient
from integrations.limits import PROVIDER_WINDOWS, RateLimitedTransport, RateLimiter
from integrations.retry import RetryPolicy
from integrations.tokens import Tokens, seal
from integrations.vault import TokenVault, generate_key_spec
from tests.fakes.providers import FakeProviders, Grant
from tests.fakes.providers.intervals import Fault, IntervalsCalendar, serve_calendar

MONDAY = date(2026, 12, 7)
ATHLETE = "i4242"
OAUTH_SCOPE = "ACTIVITY:READ,WELLNESS:READ,SETTINGS:READ,CALENDAR:WRITE"


@dataclass
class FakeTime:
    """The clock of the rate limiter and the retries: sleeping moves it, nothing waits for real."""

    now: float = 1_800_000_000.0
    slept: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@dataclass
class Env:
    sessions: async_sessionmaker[AsyncSession]
    fakes: FakeProviders
    calendar: IntervalsCalendar
    connector: Connector
    vault: TokenVault
    http: httpx2.AsyncClient
    limiter: RateLimiter
    time: FakeTime
    auth_lost: list[tuple[str, str]]
    url: str

    async def user(self) -> str:
        async with self.sessions.begin() as session:
            user = User(email=f"{uuid.uuid4().hex[:10]}@example.invalid", name="Ann", timezone="Europe/Berlin")
            session.add(user)
            await session.flush()
            return user.id

    async def with_api_key(self, key: str = "key-of-ann", athlete: str = ATHLETE) -> str:
        user_id = await self.user()
        self.fakes["intervals"].add_api_key(key, user_id=athlete)
        await self.connector.connect_api_key(user_id=user_id, chat_id=None, key=key)
        return user_id

    async def with_oauth(self, scope: str = OAUTH_SCOPE, athlete: str = "i5151") -> tuple[str, Grant]:
        """A connection made through the OAuth flow with ``scope`` granted (the token stored sealed)."""
        user_id = await self.user()
        fake = self.fakes["intervals"]
        grant = Grant(user_id=athlete, first_name="Ann", scope=scope)
        fake.grants.append(grant)
        issued = fake._issue(grant)
        access, refresh = seal(
            self.vault, user_id=user_id, provider="intervals", tokens=Tokens(issued["access_token"], None, None)
        )
        async with self.sessions.begin() as session:
            await integrations.upsert(
                session,
                user_id=user_id,
                provider="intervals",
                access_token=access,
                refresh_token=refresh,
                expires_at=None,
                scope=scope,
                external_user_id=athlete,
                auth_method="oauth",
                connected_at=datetime.now(UTC),
            )
        return user_id, grant

    def writer(self, user_id: str) -> CalendarWriter:
        client = self.connector.client(user_id=user_id, provider="intervals", http=self.http)
        assert isinstance(client, IntervalsClient)
        policy = RetryPolicy(attempts=4, base_s=0.5, cap_s=2.0, max_wait_s=120.0, rate_limit_waits=3)
        return CalendarWriter(client, retry=policy, sleep=self.time.sleep)


@pytest.fixture
async def env(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Env]:
    fakes = FakeProviders()
    calendar = serve_calendar(fakes["intervals"])
    vault = TokenVault.from_spec(generate_key_spec("test"))
    time = FakeTime()
    lost: list[tuple[str, str]] = []

    async def on_auth_lost(user_id: str, provider: str) -> None:
        lost.append((user_id, provider))

    limiter = RateLimiter("intervals", PROVIDER_WINDOWS["intervals"], clock=time.clock, sleep=time.sleep)
    async with BackgroundServer(fakes.asgi()) as server:
        connector = Connector(
            sessions=sessions,
            vault=vault,
            apps=fakes.apps(server.url),
            public_base_url="https://coach.example",
            clock=lambda: datetime.now(UTC),
            on_auth_lost=on_auth_lost,
        )
        http = httpx2.AsyncClient(timeout=5.0, transport=RateLimitedTransport(httpx2.AsyncHTTPTransport(), limiter))
        try:
            yield Env(sessions, fakes, calendar, connector, vault, http, limiter, time, lost, server.url)
        finally:
            await http.aclose()
            await connector.aclose()


def session(n: int, day: date, *, name: str = "", minutes: int = 60, load: int = 55) -> CalendarEvent:
    return CalendarEvent(
        external_id=f"cw-{n}",
        day=day,
        sport="Ride",
        name=name or f"Endurance {minutes} min",
        description=f"Warmup\n- 10m ramp 50-70%\n\n- {minutes - 20}m 65-72%\n\nCooldown\n- 10m 50%\n",
        load=load,
        moving_time_s=minutes * 60,
    )


FORTNIGHT = [session(100 + i, MONDAY + timedelta(days=i), minutes=45 + 5 * i) for i in range(0, 14, 2)]
END = MONDAY + timedelta(days=13)


def ours(calendar: IntervalsCalendar, athlete: str = ATHLETE) -> dict[str, dict[str, object]]:
    return {str(e["external_id"]): e for e in calendar.of(athlete) if str(e.get("external_id", "")).startswith("cw-")}


def posts(calendar: IntervalsCalendar) -> list[list[dict[str, object]]]:
    return [body for method, path, body in calendar.writes if method == "POST" and path.endswith("/events/bulk")]


# ------------------------------------------------------------------------------------------------ writing


async def test_confirming_the_preview_writes_exactly_the_previewed_sessions(env: Env) -> None:
    user_id = await env.with_api_key()
    theirs = env.calendar.add_athlete_event(
        ATHLETE, category="WORKOUT", start_date_local=f"{MONDAY}T18:00:00", type="Run", name="Club run"
    )
    changes = await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)

    assert set(changes.created) == {e.external_id for e in FORTNIGHT}
    assert changes.updated == changes.deleted == ()
    stored = ours(env.calendar)
    assert set(stored) == {e.external_id for e in FORTNIGHT}
    for event in FORTNIGHT:
        got = stored[event.external_id]
        assert got["category"] == "WORKOUT"
        assert got["start_date_local"] == f"{event.day}T00:00:00"
        assert (got["type"], got["name"], got["description"]) == (event.sport, event.name, event.description)
        assert (got["icu_training_load"], got["moving_time"]) == (event.load, event.moving_time_s)
    assert posts(env.calendar) == [[e.payload() for e in FORTNIGHT]]  # one call, exactly these
    assert env.calendar.of(ATHLETE, app="web") == [theirs]


async def test_a_second_confirmation_writes_no_duplicate(env: Env) -> None:
    user_id = await env.with_api_key()
    writer = env.writer(user_id)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    again = await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert set(again.unchanged) == {e.external_id for e in FORTNIGHT}
    assert again.written == 0
    assert len(posts(env.calendar)) == 1
    # Upserting the same events directly (a retried job) updates them in place, by external id.
    await writer.write(FORTNIGHT)
    assert len(env.calendar.of(ATHLETE)) == len(FORTNIGHT)


async def test_changing_the_plan_changes_exactly_the_changed_events(env: Env) -> None:
    user_id = await env.with_api_key()
    writer = env.writer(user_id)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    before = ours(env.calendar)
    eased = session(102, FORTNIGHT[1].day, name="Recovery spin", minutes=40, load=25)
    moved = session(104, FORTNIGHT[2].day + timedelta(days=1), minutes=55)
    added = session(200, END, minutes=90, load=80)
    plan = [FORTNIGHT[0], eased, moved, *FORTNIGHT[3:6], added]  # cw-112 (the last) is dropped
    env.calendar.writes.clear()

    changes = await writer.reconcile(oldest=MONDAY, newest=END, events=plan)

    assert set(changes.updated) == {"cw-102", "cw-104"}
    assert changes.created == ("cw-200",)
    assert changes.deleted == ("cw-112",)
    assert set(changes.unchanged) == {"cw-100", "cw-106", "cw-108", "cw-110"}
    assert posts(env.calendar) == [[eased.payload(), moved.payload(), added.payload()]]
    after = ours(env.calendar)
    assert set(after) == {e.external_id for e in plan}
    assert after["cw-102"]["id"] == before["cw-102"]["id"]  # updated in place, not re-created
    assert after["cw-104"]["start_date_local"] == f"{moved.day}T00:00:00"
    for key in changes.unchanged:
        assert after[key] == before[key]  # not even their "updated" stamp moved


async def test_an_event_the_athlete_made_is_never_changed(env: Env) -> None:
    user_id = await env.with_api_key()
    theirs = [
        env.calendar.add_athlete_event(
            ATHLETE, category="WORKOUT", start_date_local=f"{e.day}T07:00:00", type="Ride", name="My own"
        )
        for e in FORTNIGHT[:3]
    ]
    tagged = env.calendar.add_athlete_event(
        ATHLETE, category="WORKOUT", start_date_local=f"{MONDAY}T08:00:00", type="Ride", external_id="trainerroad-9"
    )
    snapshot = [dict(e) for e in [*theirs, tagged]]
    writer = env.writer(user_id)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT[:2])
    removed = await writer.remove_all(oldest=MONDAY, newest=END)

    assert set(removed) == {"cw-100", "cw-102"}
    assert env.calendar.of(ATHLETE) == snapshot
    touched = {path.rsplit("/", 1)[-1] for method, path, _ in env.calendar.writes if method == "DELETE"}
    assert touched.isdisjoint({str(e["id"]) for e in snapshot})


async def test_each_athlete_writes_only_their_own_calendar(env: Env) -> None:
    ann = await env.with_api_key("key-ann", athlete="i1")
    bob = await env.with_api_key("key-bob", athlete="i2")
    await env.writer(ann).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    await env.writer(bob).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT[:1])
    await env.writer(bob).remove_all(oldest=MONDAY, newest=END)
    assert len(ours(env.calendar, "i1")) == len(FORTNIGHT)
    assert ours(env.calendar, "i2") == {}


async def test_a_long_name_is_shortened_rather_than_refused(env: Env) -> None:
    user_id = await env.with_api_key()
    long = session(300, MONDAY, name="Sweet spot " * 12)
    await env.writer(user_id).write([long])
    name = str(ours(env.calendar)["cw-300"]["name"])
    assert len(name) == 80 and name.endswith("…")


def test_only_our_ids_can_be_written() -> None:
    with pytest.raises(ValueError, match="cw-"):
        CalendarEvent("athlete-1", MONDAY, "Ride", "x", "- 10m 50%")


# ------------------------------------------------------------------------------------------------ the server's rules


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"category": None}, "category is required"),
        ({"start_date_local": None}, "start_date_local is required"),
        ({"start_date_local": "2026-12-07"}, "Invalid start_date_local"),
        ({"start_date_local": "2026-12-07T07:00:00Z"}, "Invalid start_date_local"),
        ({"name": "x" * 81}, "Name is too long"),
        ({"type": "Active Recovery"}, "Invalid type"),
    ],
)
async def test_malformed_events_are_refused_and_nothing_is_stored(
    env: Env, change: dict[str, object], error: str
) -> None:
    user_id = await env.with_api_key()
    client = env.writer(user_id).client
    good = session(1, MONDAY).payload()
    bad = {key: value for key, value in {**good, **change}.items() if value is not None}
    with pytest.raises(ProviderRejected) as caught:
        await client.upsert_events([session(2, MONDAY).payload(), bad])
    assert caught.value.status == 422
    assert env.calendar.of(ATHLETE) == []  # all or nothing: the good event of the same call is not stored
    # The server's reason, in its documented shape (our error messages carry only the status).
    async with httpx2.AsyncClient(auth=("API_KEY", "key-of-ann")) as http:
        answer = await http.post(f"{env.url}/intervals/api/v1/athlete/0/events/bulk?upsert=true", json=[bad])
    assert answer.status_code == 422
    body = answer.json()
    assert body["status"] == 422 and body["error"].startswith(error)


# ------------------------------------------------------------------------------------------------ trouble


async def test_429_and_5xx_are_retried_within_the_limits_and_nothing_is_lost(env: Env) -> None:
    user_id = await env.with_api_key()
    env.calendar.faults[:] = [
        Fault(429, retry_after_s=7),  # the listing is told to slow down
        Fault(503),  # the upsert fails before writing
        Fault(502, after_write=True),  # the upsert is written, the answer lost: the retry must not duplicate
    ]
    changes = await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert set(changes.created) == {e.external_id for e in FORTNIGHT}
    assert set(ours(env.calendar)) == {e.external_id for e in FORTNIGHT}
    assert len(env.calendar.of(ATHLETE)) == len(FORTNIGHT)
    assert env.calendar.faults == []
    assert 7 in env.time.slept  # the provider's Retry-After was honoured (by the limiter or the retry)


async def test_a_lost_delete_answer_is_not_an_error(env: Env) -> None:
    user_id = await env.with_api_key()
    writer = env.writer(user_id)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    env.calendar.faults[:] = [Fault(500, after_write=True)]  # the first delete happens, its answer is lost
    changes = await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT[2:])
    assert set(changes.deleted) == {"cw-100", "cw-102"}
    assert set(ours(env.calendar)) == {e.external_id for e in FORTNIGHT[2:]}


async def test_a_provider_down_beyond_the_retries_raises_and_a_later_run_writes_everything(env: Env) -> None:
    user_id = await env.with_api_key()
    writer = env.writer(user_id)
    env.calendar.faults[:] = [Fault(503)] * 4  # every attempt the policy allows
    with pytest.raises(ProviderUnavailable):
        await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert env.calendar.of(ATHLETE) == []
    changes = await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert len(changes.created) == len(FORTNIGHT)


async def test_a_rate_limit_longer_than_worth_waiting_is_raised(env: Env) -> None:
    user_id = await env.with_api_key()
    env.calendar.faults[:] = [Fault(429, retry_after_s=3600)]
    with pytest.raises(ProviderRateLimited):
        await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert env.calendar.of(ATHLETE) == []


# ------------------------------------------------------------------------------------------------ auth


async def test_oauth_bearer_with_calendar_write_can_write(env: Env) -> None:
    user_id, _ = await env.with_oauth()
    await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT[:2])
    assert set(ours(env.calendar, "i5151")) == {"cw-100", "cw-102"}
    assert env.calendar.events["i5151"][0].app == "oauth"


async def test_a_grant_without_calendar_write_is_refused_like_a_lost_connection(env: Env) -> None:
    user_id, _ = await env.with_oauth(scope="ACTIVITY:READ,WELLNESS:READ,SETTINGS:READ,CALENDAR:READ")
    with pytest.raises(ProviderAuthError):
        await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert env.calendar.of("i5151") == []


async def test_a_revoked_key_raises_the_auth_error_the_sync_uses(env: Env) -> None:
    user_id = await env.with_api_key()
    env.fakes["intervals"].api_keys.clear()  # the athlete deleted the key in Intervals.icu
    with pytest.raises(ProviderAuthError):
        await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert env.auth_lost == [(user_id, "intervals")]  # one reconnect message
    async with env.sessions() as s:
        row = await integrations.get(s, user_id=user_id, provider="intervals")
    assert row is not None and integrations.auth_lost(row)
    # Nothing further is sent with the dead key.
    sent = len(env.fakes["intervals"].requests)
    with pytest.raises(ProviderAuthError):
        await env.writer(user_id).reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert len(env.fakes["intervals"].requests) == sent
    assert env.calendar.of(ATHLETE) == []


async def test_a_revoked_oauth_grant_raises_the_auth_error(env: Env) -> None:
    user_id, grant = await env.with_oauth()
    grant.revoked = True
    with pytest.raises(ProviderAuthError):
        await env.writer(user_id).remove_all(oldest=MONDAY, newest=END)
    assert env.auth_lost == [(user_id, "intervals")]


def test_the_oauth_flow_asks_for_calendar_write() -> None:
    assert "CALENDAR:WRITE" in oauth.PROVIDER.scope.split(",")


async def test_disconnecting_stops_all_writes(env: Env) -> None:
    user_id = await env.with_api_key()
    writer = env.writer(user_id)
    await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT[:1])
    await env.connector.disconnect(user_id=user_id, provider="intervals")
    sent = len(env.fakes["intervals"].requests)
    with pytest.raises(ProviderAuthError):
        await writer.reconcile(oldest=MONDAY, newest=END, events=FORTNIGHT)
    assert len(env.fakes["intervals"].requests) == sent  # not one request without a connection
    assert set(ours(env.calendar)) == {"cw-100"}
