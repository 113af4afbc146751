"""One DailyMetric row per day, each field from the most reliable source that has it, in any arrival order."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.errors import InvalidValue
from db.models import DailyMetric, DailyMetricSource
from db.repositories import metric_sources
from integrations.intervals import mapping as intervals
from integrations.oura import mapping as oura
from integrations.records import Batch, MetricRecord
from integrations.sync import daily, writer
from integrations.whoop import mapping as whoop
from tests.integrations.conftest import Athlete, load, make_athlete

Sessions = async_sessionmaker[AsyncSession]
DAY = date(2026, 3, 14)


def _whoop() -> list[MetricRecord]:
    sleep = load("whoop", "sleep_page.json")["records"][0]
    recovery = load("whoop", "recovery_page.json")["records"][1]
    cycle = load("whoop", "cycle_page.json")["records"][1]
    records = [whoop.map_sleep(sleep), whoop.map_recovery(recovery, sleep), whoop.map_cycle(cycle, sleep)]
    return [r for r in records if isinstance(r, MetricRecord)]


def _oura() -> list[MetricRecord]:
    records = [
        oura.map_daily_readiness(load("oura", "daily_readiness.json")["data"][0]),
        oura.map_daily_sleep(load("oura", "daily_sleep.json")["data"][0]),
        oura.map_sleep(load("oura", "sleep.json")["data"][0]),
        oura.map_daily_spo2(load("oura", "daily_spo2.json")["data"][0]),
    ]
    return [r for r in records if isinstance(r, MetricRecord)]


def _intervals() -> list[MetricRecord]:
    return [intervals.map_wellness(w) for w in load("intervals", "wellness.json")]


async def _write(sessions: Sessions, athlete: Athlete, provider: str, records: list[MetricRecord]) -> None:
    batch = Batch(metrics=list(records))
    await writer.commit_page(
        sessions,
        integration_id=athlete.integrations[provider],
        user_id=athlete.user_id,
        stream="daily",
        batch=batch,
        cursor=None,
    )


async def _day(sessions: Sessions, user_id: str, day: date = DAY) -> DailyMetric:
    async with sessions() as session:
        row = await session.scalar(select(DailyMetric).where(DailyMetric.user_id == user_id, DailyMetric.date == day))
        assert row is not None
        return row


def _fields(row: DailyMetric) -> tuple[object, ...]:
    return (
        row.source,
        row.hrv,
        row.resting_hr,
        row.sleep_score,
        row.hours_slept,
        row.recovery_score,
        row.strain_score,
        row.sp_o2,
    )


async def test_whoop_wins_where_it_has_a_value_and_others_fill_the_gaps(sessions: Sessions, athlete: Athlete) -> None:
    await _write(sessions, athlete, "intervals", _intervals())
    await _write(sessions, athlete, "oura", _oura())
    await _write(sessions, athlete, "whoop", _whoop())
    row = await _day(sessions, athlete.user_id)
    assert row.source == "whoop"
    assert (row.hrv, row.resting_hr, row.recovery_score, row.sp_o2) == (71.3, 49, 68, 96.4)
    assert row.sleep_score == 84
    assert row.hours_slept == pytest.approx((12840000 + 6210000 + 6587000) / 3.6e6)
    assert row.strain_score == pytest.approx(14.72)
    # The day before only Intervals.icu has: its values, and nothing invented.
    before = await _day(sessions, athlete.user_id, date(2026, 3, 13))
    assert (before.source, before.hrv, before.resting_hr) == ("intervals", None, 49)
    async with sessions() as session:
        kept = (await session.scalars(select(DailyMetricSource).where(DailyMetricSource.date == DAY))).all()
    assert {k.source for k in kept} == {"whoop", "oura", "intervals"}
    whoop_row = next(k for k in kept if k.source == "whoop")
    assert set(whoop_row.raw_json) == {"sleep", "recovery", "cycle"}


async def test_merge_does_not_depend_on_arrival_order(sessions: Sessions) -> None:
    providers = {"whoop": _whoop(), "oura": _oura(), "intervals": _intervals()}
    results = set()
    for n, order in enumerate(itertools.permutations(providers)):
        athlete = await make_athlete(sessions, f"order{n}")
        for provider in order:
            # Documents of one provider also arrive in any order (webhooks).
            await _write(
                sessions, athlete, provider, list(reversed(providers[provider])) if n % 2 else providers[provider]
            )
        results.add(_fields(await _day(sessions, athlete.user_id)))
    assert len(results) == 1


async def test_athletes_own_order_per_metric_is_applied_on_recompute(sessions: Sessions, athlete: Athlete) -> None:
    await _write(sessions, athlete, "whoop", _whoop())
    await _write(sessions, athlete, "oura", _oura())
    async with sessions.begin() as session:
        await metric_sources.set_order(session, user_id=athlete.user_id, metric="hrv", sources=["oura"])
        await metric_sources.set_order(
            session, user_id=athlete.user_id, metric="sleep_score", sources=["oura", "whoop"]
        )
        await daily.recompute(session, user_id=athlete.user_id)
    row = await _day(sessions, athlete.user_id)
    assert (row.hrv, row.sleep_score) == (64.0, 82)  # Oura's, as chosen
    assert (row.resting_hr, row.recovery_score) == (49, 68)  # still WHOOP's
    async with sessions.begin() as session:
        assert await metric_sources.orders(session, user_id=athlete.user_id) == {
            "hrv": ["oura"],
            "sleep_score": ["oura", "whoop"],
        }
        await metric_sources.clear_order(session, user_id=athlete.user_id)
        await daily.recompute(session, user_id=athlete.user_id, dates=[DAY])
    assert (await _day(sessions, athlete.user_id)).hrv == 71.3


async def test_order_names_known_metrics_and_sources(sessions: Sessions, athlete: Athlete) -> None:
    async with sessions() as session:
        with pytest.raises(InvalidValue):
            await metric_sources.set_order(session, user_id=athlete.user_id, metric="mood", sources=["oura"])
        with pytest.raises(InvalidValue):
            await metric_sources.set_order(session, user_id=athlete.user_id, metric="hrv", sources=["fitbit"])
        with pytest.raises(InvalidValue):
            await metric_sources.set_order(session, user_id=athlete.user_id, metric="hrv", sources=["oura", "oura"])


async def test_values_outside_the_seed_ranges_are_rejected_one_by_one(sessions: Sessions, athlete: Athlete) -> None:
    bad = MetricRecord("oura", "daily_readiness", DAY, {"recovery_score": 140}, {"id": "x"})
    good = MetricRecord("oura", "daily_sleep", DAY, {"sleep_score": 80}, {"id": "y"})
    result = await writer.commit_page(
        sessions,
        integration_id=athlete.integrations["oura"],
        user_id=athlete.user_id,
        stream="daily",
        batch=Batch(metrics=[bad, good]),
        cursor=None,
    )
    assert (result.rejected, result.days) == (1, 1)
    row = await _day(sessions, athlete.user_id)
    assert (row.recovery_score, row.sleep_score) == (None, 80)


def test_merge_day_is_pure_and_never_averages() -> None:
    # One field each: the row is named after the most trusted of them (Garmin before Oura before Polar).
    values, source = daily.merge_day(
        {"oura": {"hrv": 60.0, "sleep_score": 80}, "garmin": {"hrv": 50.0}, "polar": {"resting_hr": 51}}, {}
    )
    assert (values["hrv"], values["sleep_score"], values["resting_hr"], source) == (50.0, 80, 51, "garmin")


async def test_two_main_sleeps_on_one_day_keep_the_longer_in_any_order(sessions: Sessions) -> None:
    night = load("oura", "sleep.json")["data"][0]
    split = dict(night, id="0b7e-second-long-sleep", total_sleep_duration=14400, average_hrv=51, lowest_heart_rate=50)
    records = [oura.map_sleep(night), oura.map_sleep(split)]
    seen = set()
    for n, order in enumerate([records, records[::-1]]):
        athlete = await make_athlete(sessions, f"split{n}")
        for record in order:  # separate pages, as two webhook deliveries
            assert isinstance(record, MetricRecord)
            await _write(sessions, athlete, "oura", [record])
        await _write(sessions, athlete, "oura", [r for r in order if isinstance(r, MetricRecord)])  # one page
        row = await _day(sessions, athlete.user_id)
        seen.add((row.hrv, row.resting_hr, round(row.hours_slept or 0, 6)))
    assert seen == {(64.0, 46, round(25860 / 3600, 6))}
    # A new version of the stored sleep replaces it even when it got shorter.
    shorter = oura.map_sleep(dict(night, total_sleep_duration=20000, average_hrv=66))
    assert isinstance(shorter, MetricRecord)
    await _write(sessions, athlete, "oura", [shorter])
    row = await _day(sessions, athlete.user_id)
    assert (row.hrv, row.hours_slept) == (66.0, pytest.approx(20000 / 3600))
