"""The calendar sync end to end: a stored plan, the durable job, and the local Intervals.icu server over real HTTP.

The plan is built by the plan service, changed the way the product changes it (a session eased, skipped,
rebuilt; an FTP change), and the job is driven directly (`run_due`, `run_user`): no sleeping, and the
retries' waits move a fake clock. The server rejects malformed events (422), so every write is checked.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import calendar_jobs
from bot.calendar_jobs import CalendarJobs
from bot.jobs.runner import JobRunner
from bot.texts import calendar as texts_calendar
from coach import calendar_events, plans
from coach.plans import workout_of
from db.models import CalendarSync, Job
from db.repositories import calendar_sync, jobs, races, users
from db.repositories import plans as plan_rows
from db.repositories.calendar_sync import KIND, MAX_ATTEMPTS
from integrations.retry import RetryPolicy
from integrations.sync.engine import SyncEngine
from tests.fakes.providers.intervals import Fault
from tests.integrations.test_intervals_calendar import ATHLETE, Env, env, ours

__all__ = ["env"]  # the fixture, shared with the writer's tests

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2026, 12, 7)
NOW = datetime.combine(MONDAY, time(6, 30), tzinfo=BERLIN).astimezone(UTC)
CHAT = 7_000_001


class Harness:
    def __init__(self, env: Env) -> None:
        self.env = env
        self.now = NOW
        self.told: list[tuple[int, str]] = []
        policy = RetryPolicy(attempts=4, base_s=0.5, cap_s=2.0, max_wait_s=120.0, rate_limit_waits=3)
        self.engine = SyncEngine(
            sessions=env.sessions,
            connector=env.connector,
            clock=lambda: self.now,
            retry=policy,
            sleep=env.time.sleep,
            limiters={"intervals": env.limiter},
        )

        async def notify(chat_id: int, html: str) -> None:
            self.told.append((chat_id, html))

        self.jobs = CalendarJobs(self.engine, env.sessions, notify=notify, clock=lambda: self.now)
        self.runner = JobRunner(env.sessions, clock=lambda: self.now)
        self.jobs.install(self.runner)

    changed: bool

    async def athlete(self, *, oauth_scope: str | None = None) -> str:
        if oauth_scope is None:
            user_id = await self.env.with_api_key()
        else:
            user_id, _ = await self.env.with_oauth(scope=oauth_scope, athlete=ATHLETE)
        async with self.env.sessions.begin() as session:
            user = await users.get(session, user_id=user_id)
            assert user is not None
            user.ftp, user.weekly_hours, user.telegram_chat_id = 250, 8.0, CHAT
            user.day_minutes = [60, 90, 60, 90, 0, 240, 180]
            await races.add(
                session, user_id=user_id, name="Fondo", day=MONDAY + timedelta(weeks=10), priority="A", sport="ride"
            )
            await plans.build(session, user, now=self.now)
        return user_id

    async def preview(self, user_id: str) -> list[calendar_events.PlannedEvent]:
        async with self.env.sessions() as session:
            user = await users.get(session, user_id=user_id)
            assert user is not None
            return await calendar_events.planned_events(session, user, today=MONDAY)

    async def confirm(self, user_id: str) -> calendar_jobs.Outcome:
        async with self.env.sessions.begin() as session:
            await calendar_sync.turn_on(session, user_id=user_id, now=self.now)
        outcome = await self.jobs.run_user(user_id)
        assert outcome is not None
        return outcome

    async def job(self, user_id: str) -> Job:
        """The athlete's write job on the job queue."""
        async with self.env.sessions() as session:
            row = await jobs.get(session, kind=KIND, key=user_id)
        assert row is not None
        return row


@pytest.fixture
def harness(env: Env) -> Harness:
    return Harness(env)


async def _sessions_ahead(h: Harness, user_id: str) -> list[str]:
    async with h.env.sessions() as session:
        rows = await plan_rows.sessions_between(session, user_id=user_id, start=MONDAY, end=MONDAY + timedelta(13))
    return [r.id for r in rows if r.status == "planned"]


async def test_confirming_the_preview_writes_exactly_the_previewed_sessions(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    theirs = h.env.calendar.add_athlete_event(
        ATHLETE, category="WORKOUT", start_date_local=f"{MONDAY}T18:00:00", type="Run", name="Club run"
    )
    preview = await h.preview(user_id)
    assert len(preview) >= 6  # a fortnight of a 6-day week

    outcome = await h.confirm(user_id)

    assert outcome.status == calendar_jobs.WRITTEN
    written = ours(h.env.calendar)
    assert set(written) == {p.external_id for p in preview}
    for p in preview:
        event = written[p.external_id]
        assert p.external_id == f"cw-{p.session_id}"
        assert event["category"] == "WORKOUT"
        assert event["start_date_local"] == f"{p.day}T00:00:00"
        assert (event["type"], event["name"], event["description"]) == (p.sport, p.name, p.text)
        assert (event["icu_training_load"], event["moving_time"]) == (p.load, p.duration_s)
        assert "%" in p.text and not re.search(r"\d\s*w\b", p.text, re.IGNORECASE)  # relative targets, no watts
    assert h.env.calendar.of(ATHLETE, app="web") == [theirs]
    async with h.env.sessions() as session:
        entries = await calendar_sync.entries(session, user_id=user_id)
    assert set(entries) == set(written)
    # Intervals.icu's id of each event is kept: an activity it pairs with one names that id.
    assert {key: entry.event_id for key, entry in entries.items()} == {key: str(e["id"]) for key, e in written.items()}
    assert (await h.job(user_id)).state == jobs.DONE


async def test_a_second_confirmation_writes_no_duplicate(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    first = await h.confirm(user_id)
    h.env.calendar.writes.clear()

    again = await h.confirm(user_id)

    assert again.changes is not None and again.changes.written == 0
    assert first.changes is not None and set(again.changes.unchanged) == set(first.changes.created)
    assert h.env.calendar.writes == []
    assert len(h.env.calendar.of(ATHLETE)) == len(first.changes.created)


async def test_changing_the_plan_updates_exactly_the_changed_events(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    await h.confirm(user_id)
    before = ours(h.env.calendar)
    theirs = h.env.calendar.add_athlete_event(
        ATHLETE, category="WORKOUT", start_date_local=f"{MONDAY}T19:00:00", type="Ride", name="Mine"
    )
    ahead = await _sessions_ahead(h, user_id)
    eased_id, skipped_id = ahead[1], ahead[2]
    async with h.env.sessions.begin() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        eased = await plan_rows.get_session(session, user_id=user_id, session_id=eased_id)
        assert eased is not None
        workout = workout_of(eased)
        replacement = await plan_rows.replace_session(
            session,
            original=eased,
            values={
                "sport": eased.sport,
                "key": eased.key,
                "kind": eased.kind,
                "steps": eased.steps,
                "title": "Recovery spin",
                "planned_tss": 20.0,
                "planned_duration_sec": workout.duration_s,
            },
            adapted_for="easier",
        )
        await plan_rows.set_status(session, user_id=user_id, session_id=skipped_id, status="skipped")
    assert (await h.job(user_id)).state == jobs.QUEUED  # the change requested a write, in its own transaction
    h.env.calendar.writes.clear()

    outcomes = await h.jobs.run_due()

    assert [o.status for o in outcomes] == [calendar_jobs.WRITTEN]
    changes = outcomes[0].changes
    assert changes is not None
    assert changes.created == (f"cw-{replacement.id}",)
    assert set(changes.deleted) == {f"cw-{eased_id}", f"cw-{skipped_id}"}
    assert changes.updated == ()
    after = ours(h.env.calendar)
    assert set(after) == (set(before) - {f"cw-{eased_id}", f"cw-{skipped_id}"}) | {f"cw-{replacement.id}"}
    for key in changes.unchanged:
        assert after[key] == before[key]
    assert after[f"cw-{replacement.id}"]["name"] == "Recovery spin"
    assert theirs in h.env.calendar.of(ATHLETE, app="web")
    assert await h.jobs.run_due() == []  # nothing pending any more


async def test_a_rebuilt_plan_is_reconciled_without_duplicates(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    await h.confirm(user_id)
    async with h.env.sessions.begin() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        user.day_minutes = [90, 90, 0, 90, 0, 240, 180]
        await plans.build(session, user, now=h.now)

    outcomes = await h.jobs.run_due()

    assert [o.status for o in outcomes] == [calendar_jobs.WRITTEN]
    preview = await h.preview(user_id)
    assert set(ours(h.env.calendar)) == {p.external_id for p in preview}
    assert len(h.env.calendar.of(ATHLETE)) == len(preview)


async def test_an_ftp_change_requests_a_write_that_rewrites_nothing(harness: Harness) -> None:
    """Targets are written as % of FTP: the athlete's new FTP is applied by Intervals.icu, not by rewriting."""
    h = harness
    user_id = await h.athlete()
    await h.confirm(user_id)
    h.env.calendar.writes.clear()
    async with h.env.sessions.begin() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        user.ftp = 270
    assert (await h.job(user_id)).state == jobs.QUEUED
    outcomes = await h.jobs.run_due()
    assert outcomes[0].changes is not None and outcomes[0].changes.written == 0
    assert h.env.calendar.writes == []


async def test_a_threshold_change_that_changes_the_targets_rewrites_those_events(harness: Harness) -> None:
    """Without a power meter, rides are written with heart-rate targets: every ride's text changes, in place."""
    h = harness
    user_id = await h.athlete()
    first = await h.confirm(user_id)
    before = ours(h.env.calendar)
    async with h.env.sessions.begin() as session:
        user = await users.get(session, user_id=user_id)
        assert user is not None
        user.has_power_meter, user.lthr = False, 165

    outcomes = await h.jobs.run_due()

    changes = outcomes[0].changes
    assert changes is not None and first.changes is not None
    rides = {key for key, event in before.items() if event["type"] == "Ride"}
    assert rides and set(changes.updated) == rides
    assert changes.created == changes.deleted == ()
    after = ours(h.env.calendar)
    for key in rides:
        assert "LTHR" in str(after[key]["description"]) and after[key]["id"] == before[key]["id"]


async def test_a_change_during_a_run_runs_the_job_again(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    ahead = await _sessions_ahead(h, user_id)
    writer = h.jobs.writer

    def changing_writer(uid: str) -> calendar_jobs.CalendarWriter:
        real = writer(uid)
        reconcile = real.reconcile

        async def reconcile_then_change(**kwargs: object) -> calendar_jobs.CalendarChanges:
            changes = await reconcile(**kwargs)  # type: ignore[arg-type]
            if not h.changed:  # the athlete skips a session while the first run writes
                h.changed = True
                async with h.env.sessions.begin() as session:
                    await plan_rows.set_status(session, user_id=uid, session_id=ahead[0], status="skipped")
            return changes

        real.reconcile = reconcile_then_change  # type: ignore[method-assign]
        return real

    h.changed = False
    h.jobs.writer = changing_writer  # type: ignore[method-assign]
    async with h.env.sessions.begin() as session:
        await calendar_sync.turn_on(session, user_id=user_id, now=h.now)

    outcomes = await h.jobs.run_due()

    assert [(o.status, o.overtaken) for o in outcomes] == [
        (calendar_jobs.WRITTEN, True),
        (calendar_jobs.WRITTEN, False),
    ]
    assert f"cw-{ahead[0]}" not in ours(h.env.calendar)
    assert (await h.job(user_id)).state == jobs.DONE


async def test_429_and_5xx_are_retried_and_nothing_is_lost(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    preview = await h.preview(user_id)
    h.env.calendar.faults[:] = [
        Fault(429, retry_after_s=7),  # the listing is told to slow down
        Fault(503),  # the upsert fails before writing
        Fault(502, after_write=True),  # written, the answer lost: the retry must not duplicate
    ]
    outcome = await h.confirm(user_id)
    assert outcome.status == calendar_jobs.WRITTEN
    assert h.env.calendar.faults == []
    assert set(ours(h.env.calendar)) == {p.external_id for p in preview}
    assert len(h.env.calendar.of(ATHLETE)) == len(preview)
    assert 7 in h.env.time.slept  # Retry-After was waited (on the fake clock)


async def test_a_run_that_still_fails_is_retried_later_then_parked_and_reported_once(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    h.env.calendar.faults[:] = [Fault(503)] * 1000
    statuses = [(await h.confirm(user_id)).status]
    for _ in range(MAX_ATTEMPTS + 2):
        assert await h.jobs.run_due() == []  # the backoff has not passed: nothing is tried
        h.now += calendar_jobs.LAST_RETRY
        statuses += [o.status for o in await h.jobs.run_due()]
    assert statuses == [calendar_jobs.RETRYING] * (MAX_ATTEMPTS - 1) + [calendar_jobs.PARKED]
    assert h.told == [(CHAT, texts_calendar.parked())]
    row = await h.job(user_id)
    assert row.state == jobs.DEAD and row.attempts == MAX_ATTEMPTS and row.last_error
    assert ours(h.env.calendar) == {}

    # The next change of the plan un-parks it; with Intervals.icu back, the calendar catches up.
    h.env.calendar.faults.clear()
    ahead = await _sessions_ahead(h, user_id)
    async with h.env.sessions.begin() as session:
        await plan_rows.set_status(session, user_id=user_id, session_id=ahead[0], status="skipped")
    outcomes = await h.jobs.run_due()
    assert [o.status for o in outcomes] == [calendar_jobs.WRITTEN]
    assert set(ours(h.env.calendar)) == {p.external_id for p in await h.preview(user_id)}
    assert len(h.told) == 1


async def test_disconnecting_stops_all_writes(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    await h.confirm(user_id)
    await h.env.connector.disconnect(user_id=user_id, provider="intervals")
    h.env.calendar.writes.clear()
    ahead = await _sessions_ahead(h, user_id)
    async with h.env.sessions.begin() as session:
        await plan_rows.set_status(session, user_id=user_id, session_id=ahead[0], status="skipped")

    outcomes = await h.jobs.run_due()

    assert [o.status for o in outcomes] == [calendar_jobs.SETTLED]
    assert h.env.calendar.writes == []
    assert await h.jobs.run_due() == []


async def test_a_refused_grant_marks_the_connection_and_tells_once(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete(oauth_scope="ACTIVITY:READ,WELLNESS:READ,CALENDAR:READ")  # no CALENDAR:WRITE
    outcome = await h.confirm(user_id)
    assert outcome.status == calendar_jobs.AUTH_LOST
    assert h.env.auth_lost == [(user_id, "intervals")]
    assert ours(h.env.calendar) == {}
    ahead = await _sessions_ahead(h, user_id)
    async with h.env.sessions.begin() as session:
        await plan_rows.set_status(session, user_id=user_id, session_id=ahead[0], status="skipped")
    assert [o.status for o in await h.jobs.run_due()] == [calendar_jobs.SETTLED]
    assert h.env.auth_lost == [(user_id, "intervals")]  # one reconnect message


async def test_stopping_writes_nothing_more_and_removal_leaves_the_athletes_events(harness: Harness) -> None:
    h = harness
    user_id = await h.athlete()
    theirs = h.env.calendar.add_athlete_event(
        ATHLETE, category="WORKOUT", start_date_local=f"{MONDAY}T18:00:00", type="Run", name="Club run"
    )
    await h.confirm(user_id)
    async with h.env.sessions.begin() as session:
        assert await calendar_sync.turn_off(session, user_id=user_id, now=h.now)
    ahead = await _sessions_ahead(h, user_id)
    h.env.calendar.writes.clear()
    async with h.env.sessions.begin() as session:
        await plan_rows.set_status(session, user_id=user_id, session_id=ahead[0], status="skipped")
    assert await h.jobs.run_due() == []
    assert h.env.calendar.writes == []

    removed = await h.jobs.remove_written(user_id)

    assert removed > 0 and ours(h.env.calendar) == {}
    assert h.env.calendar.of(ATHLETE) == [theirs]
    async with h.env.sessions() as session:
        assert await calendar_sync.entries(session, user_id=user_id) == {}
        row = (await session.scalars(select(CalendarSync).where(CalendarSync.user_id == user_id))).one()
    assert row.enabled is False
