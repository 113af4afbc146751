"""The morning brief end to end: real PTB client, local Bot API over HTTP, real PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.asgi_server import BackgroundServer
from bot.console.botapi import ApiError, JsonDict, LocalBotApi
from db.models import BriefDelivery, Job, User
from db.repositories import briefs, jobs
from tests.bot.brief_support import TOKEN, Clock, add_nights, bot_process, make_user, utc

DAY = date(2026, 11, 20)  # Berlin is on CET (+01:00): 07:00 local is 06:00 UTC


@pytest.fixture
async def api() -> AsyncIterator[tuple[LocalBotApi, str]]:
    local = LocalBotApi(TOKEN)
    async with BackgroundServer(local.asgi()) as server:
        yield local, server.url


def _history(day: date, n: int = 14) -> list[date]:
    return [day - timedelta(days=i) for i in range(1, n + 1)]


async def _delivery(sessions: async_sessionmaker[AsyncSession], user_id: str) -> BriefDelivery:
    async with sessions() as session:
        row = (await session.scalars(select(BriefDelivery).where(BriefDelivery.user_id == user_id))).one()
        return row


async def test_fresh_data_sends_at_the_local_time_once(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 101)
    await add_nights(sessions, uid, [*_history(DAY), DAY])
    clock = Clock(utc(2026, 11, 20, 5, 59))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        assert local.replies(101) == []  # 06:59 local: not yet
        clock.advance(timedelta(minutes=1))
        await proc.tick_and_send()
        clock.advance(timedelta(minutes=1))
        await proc.tick_and_send()  # a later tick the same day sends nothing more
    sent = local.replies(101)
    assert len(sent) == 1
    assert "Morning brief — Fri 20 Nov" in sent[0].text
    assert "Not arrived yet" not in sent[0].text
    assert [b["text"][:1] for b in sent[0].buttons] == ["✅", "🔽", "😴", "📝"]
    row = await _delivery(sessions, uid)
    assert row.status == briefs.SENT and row.sent_at == utc(2026, 11, 20, 6, 0)


async def test_missing_night_waits_requests_a_sync_then_names_what_is_missing(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 102)
    await add_nights(sessions, uid, _history(DAY))  # the devices report every night, but not last night yet
    asked: list[str] = []

    async def request_sync(user_id: str) -> None:
        asked.append(user_id)

    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock, request_sync=request_sync) as proc:
        for _ in range(44):
            await proc.tick_and_send()
            clock.advance(timedelta(minutes=1))
        assert local.replies(102) == []
        assert asked == [uid]  # one sync request, from the tick that saw it first
        clock.advance(timedelta(minutes=1))  # 07:45 local: the wait is over
        await proc.tick_and_send()
    sent = local.replies(102)
    assert len(sent) == 1
    text = sent[0].text
    assert "Not arrived yet: last night's sleep, this morning's HRV and this morning's resting HR" in text
    assert "today 60 ms" not in text  # yesterday's HRV is never shown as today's
    assert (await _delivery(sessions, uid)).missing == [
        "last night's sleep",
        "this morning's HRV",
        "this morning's resting HR",
    ]


async def test_data_arriving_during_the_wait_sends_at_once(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 103)
    await add_nights(sessions, uid, _history(DAY))
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        clock.advance(timedelta(minutes=12))
        await add_nights(sessions, uid, [DAY], hrv=55.0)  # the sync delivers
        await proc.tick_and_send()
    sent = local.replies(103)
    assert len(sent) == 1 and "Not arrived yet" not in sent[0].text and "today 55 ms" in sent[0].text


async def test_user_without_devices_is_not_kept_waiting(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    await make_user(sessions, 104)
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
    assert len(local.replies(104)) == 1


@pytest.mark.parametrize("chunk", [briefs.CHUNK, 3])
async def test_two_processes_send_one_brief(
    api: tuple[LocalBotApi, str],
    sessions: async_sessionmaker[AsyncSession],
    chunk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Large fan-outs go to PostgreSQL in chunks (a statement takes at most 32,767 parameters): small ones here.
    monkeypatch.setattr(briefs, "CHUNK", chunk)
    local, url = api
    ids = [await make_user(sessions, 200 + i) for i in range(20)]
    for uid in ids:
        await add_nights(sessions, uid, [*_history(DAY, 3), DAY])
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as one, bot_process(url, sessions, clock) as two:
        for _ in range(3):
            await one.scheduler.tick()
            await two.scheduler.tick()
            await one.scheduler.idle()
            await two.scheduler.idle()
            clock.advance(timedelta(minutes=1))
    assert [len(local.replies(200 + i)) for i in range(20)] == [1] * 20


async def test_blocked_user_is_marked_inactive_and_not_retried(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 301)

    def blocked(params: JsonDict) -> ApiError | None:
        return ApiError(403, "Forbidden: bot was blocked by the user") if params["chat_id"] == 301 else None

    local.faults["sendMessage"] = blocked
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        clock.advance(timedelta(days=1))
        await proc.tick_and_send()  # next morning: not tried again
    attempts = [c for c in local.calls if c[0] == "sendMessage" and c[1]["chat_id"] == 301]
    assert len(attempts) == 1
    async with sessions() as session:
        user = await session.get(User, uid)
        assert user is not None and user.active is False
    assert (await _delivery(sessions, uid)).status == briefs.BLOCKED


async def test_retry_after_is_honoured_and_sends_once(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    await make_user(sessions, 302)
    refusals = iter([True, True])

    def flood(params: JsonDict) -> ApiError | None:
        if next(refusals, False):
            return ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        return None

    local.faults["sendMessage"] = flood
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()  # 429, the limiter waits 1 s and retries once: 429 again → back to pending
        assert local.replies(302) == []
        clock.advance(timedelta(minutes=1))
        await proc.tick_and_send()
    assert len(local.replies(302)) == 1


async def test_a_crash_before_sending_is_recovered_and_a_crash_while_sending_is_not_resent(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    composing = await make_user(sessions, 401)
    sending = await make_user(sessions, 402)
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as dead:
        await dead.scheduler.tick(send=False)  # it dies before its sender runs
        # The process dies right after taking both send jobs; it got one of them as far as "sending".
        async with sessions.begin() as session:
            taken = await jobs.take(
                session, owner="dead", now=clock(), lease=timedelta(minutes=2), limit=10, kinds=[briefs.JOB_KIND]
            )
            found = await briefs.deliveries(session, ids=[t.key for t in taken])
            assert {d.user_id for d in found.values()} == {composing, sending}
            sending_id = next(d.id for d in found.values() if d.user_id == sending)
            assert await briefs.start_sending_many(session, missing={sending_id: []}) == {sending_id}
    clock.advance(timedelta(minutes=11))
    async with bot_process(url, sessions, clock) as restarted:
        report = await restarted.scheduler.tick()  # gives both jobs back (their lease ran out)
        await restarted.scheduler.idle()
        assert report.recovered == 2
        await restarted.tick_and_send()
    assert len(local.replies(401)) == 1
    assert local.replies(402) == []  # at most once: it may have reached Telegram before the crash
    assert (await _delivery(sessions, sending)).status == briefs.UNKNOWN


async def test_a_restart_after_the_catch_up_deadline_skips_the_day(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 501)
    clock = Clock(utc(2026, 11, 20, 10, 1))  # 11:01 local, the service was down all morning
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
    assert local.replies(501) == []
    assert (await _delivery(sessions, uid)).status == briefs.SKIPPED


async def test_switched_off_users_get_nothing(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 502, at=time(7, 30))
    async with sessions.begin() as session:
        user = await session.get(User, uid)
        assert user is not None
        user.brief_enabled = False
    clock = Clock(utc(2026, 11, 20, 6, 30))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
    assert local.replies(502) == []


async def test_a_brief_sent_after_its_minute_counts_as_late(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """/metrics' coach_watts_briefs_late_total: a brief sent more than a minute after it was due (here, after
    downtime, within the catch-up) is counted; one sent on time is not."""
    from prometheus_client import REGISTRY

    def late_count() -> float:
        return REGISTRY.get_sample_value("coach_watts_briefs_late_total") or 0.0

    local, url = api
    on_time, late = await make_user(sessions, 131), await make_user(sessions, 132, at=time(6, 50))
    for uid in (on_time, late):
        await add_nights(sessions, uid, [*_history(DAY), DAY])
    before = late_count()
    async with bot_process(url, sessions, Clock(utc(2026, 11, 20, 6, 0))) as proc:
        await proc.tick_and_send()  # 07:00 local: 131 on time, 132 ten minutes after its 06:50
    assert len(local.replies(131)) == 1 and len(local.replies(132)) == 1
    assert late_count() == before + 1


async def _send_job(sessions: async_sessionmaker[AsyncSession], delivery_id: str) -> Job:
    async with sessions() as session:
        job = await jobs.get(session, kind=briefs.JOB_KIND, key=delivery_id)
        assert job is not None
        return job


async def test_a_network_error_is_retried_with_backoff_and_the_brief_fails_after_the_last_attempt(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 601)
    local.faults["sendMessage"] = lambda params: ApiError(502, "Bad Gateway")
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        row = await _delivery(sessions, uid)
        job = await _send_job(sessions, row.id)
        # Before Telegram had it: pending again, its job queued 30 s later with one attempt used.
        assert row.status == briefs.PENDING
        assert (job.state, job.attempts, job.run_at) == (jobs.QUEUED, 1, clock() + timedelta(seconds=30))
        for _ in range(4):
            clock.advance(timedelta(minutes=5))
            await proc.tick_and_send()
    row = await _delivery(sessions, uid)
    job = await _send_job(sessions, row.id)
    assert row.status == briefs.FAILED and "attempt 5 of 5" in (row.error or "")
    assert (job.state, job.attempts) == (jobs.DEAD, 5)  # a dead letter for an operator
    assert len([c for c in local.calls if c[0] == "sendMessage"]) == 5
    assert local.replies(601) == []


async def test_a_retry_after_uses_no_attempt(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    uid = await make_user(sessions, 602)
    local.faults["sendMessage"] = lambda params: ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        for _ in range(6):
            await proc.tick_and_send()
            clock.advance(timedelta(minutes=1))
        row = await _delivery(sessions, uid)
        job = await _send_job(sessions, row.id)
        assert row.status == briefs.PENDING and (job.state, job.attempts) == (jobs.QUEUED, 0)
        del local.faults["sendMessage"]
        await proc.tick_and_send()
    assert len(local.replies(602)) == 1
    assert (await _delivery(sessions, uid)).status == briefs.SENT
    assert (await _send_job(sessions, row.id)).state == jobs.DONE


async def test_a_job_whose_brief_is_final_only_completes_and_a_job_dead_before_its_brief_settles_it(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    local, url = api
    sent, died_sending, died_composing = [await make_user(sessions, chat) for chat in (701, 702, 703)]
    clock = Clock(utc(2026, 11, 20, 6, 0))
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
        assert [len(local.replies(chat)) for chat in (701, 702, 703)] == [1, 1, 1]
        ids = {uid: (await _delivery(sessions, uid)).id for uid in (sent, died_sending, died_composing)}
        async with sessions.begin() as session:
            # An operator sends a finished brief's job back; two others' processes died on their last attempt,
            # one of them while sending.
            await session.execute(
                update(Job)
                .where(Job.kind == briefs.JOB_KIND, Job.key == ids[sent])
                .values(state=jobs.QUEUED, attempts=0, finished_at=None)
            )
            for uid, status in ((died_sending, briefs.SENDING), (died_composing, briefs.PENDING)):
                await session.execute(update(BriefDelivery).where(BriefDelivery.id == ids[uid]).values(status=status))
                await session.execute(
                    update(Job)
                    .where(Job.kind == briefs.JOB_KIND, Job.key == ids[uid])
                    .values(state=jobs.RUNNING, attempts=5, owner="dead", lease_until=clock())
                )
        clock.advance(timedelta(minutes=1))
        report = await proc.scheduler.tick()
        await proc.scheduler.idle()
    assert (report.recovered, report.lost) == (0, 2)
    assert [len(local.replies(chat)) for chat in (701, 702, 703)] == [1, 1, 1]  # nothing sent again
    assert (await _delivery(sessions, sent)).status == briefs.SENT
    assert (await _send_job(sessions, ids[sent])).state == jobs.DONE
    assert (await _delivery(sessions, died_sending)).status == briefs.UNKNOWN
    assert (await _delivery(sessions, died_composing)).status == briefs.FAILED
    assert (await _send_job(sessions, ids[died_sending])).state == jobs.DEAD


async def test_two_briefs_of_one_athlete_go_out_one_at_a_time(
    api: tuple[LocalBotApi, str], sessions: async_sessionmaker[AsyncSession]
) -> None:
    """After downtime within the catch-up, yesterday's and today's briefs of one athlete are both due: their jobs
    share the athlete's lock, so a batch never composes two briefs of one athlete together."""
    local, url = api
    uid = await make_user(sessions, 801, tz="Pacific/Kiritimati", at=time(23, 59))  # 23:59 local is 09:59 UTC
    await make_user(sessions, 802)
    clock = Clock(utc(2026, 11, 20, 10, 0))  # 00:00 on the 21st in Kiritimati: the 20th's is one minute late
    async with sessions.begin() as session:
        await briefs.create(
            session,
            rows=[briefs.NewDelivery(uid, date(2026, 11, 19), briefs.PENDING, utc(2026, 11, 19, 9, 59))],
            now=clock(),
        )
    async with bot_process(url, sessions, clock) as proc:
        await proc.tick_and_send()
    headers = [r.text.split("\n")[0] for r in local.replies(801)]
    assert len(headers) == 2 and "Thu 19 Nov" in headers[0] and "Fri 20 Nov" in headers[1]  # the older one first
