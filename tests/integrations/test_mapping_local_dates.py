"""Day attribution from each provider's own offset or zone, across DST changes and odd offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integrations.intervals import mapping as intervals
from integrations.oura import mapping as oura
from integrations.records import MetricRecord, WorkoutRecord
from integrations.strava import mapping as strava
from integrations.whoop import mapping as whoop
from tests.integrations.conftest import load

ZONES = [
    "America/New_York",
    "Europe/Berlin",
    "Asia/Kathmandu",  # +05:45
    "Australia/Lord_Howe",  # 30-minute DST
    "Pacific/Chatham",  # +12:45 / +13:45
    "America/St_Johns",  # -03:30 / -02:30
    "Pacific/Kiritimati",  # +14
    "Pacific/Pago_Pago",  # -11
]
instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 10, 31)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


def _offset_text(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _iso(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%S.000Z")


@settings(max_examples=300, deadline=None)
@given(instant=instants, zone_name=st.sampled_from(ZONES))
def test_whoop_workout_and_sleep_dates_come_from_the_offset(instant: datetime, zone_name: str) -> None:
    local = instant.astimezone(ZoneInfo(zone_name))
    offset = round(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    workout = dict(
        load("whoop", "workout_page.json")["records"][0],
        start=_iso(instant),
        end=_iso(instant + timedelta(hours=1)),
        timezone_offset=_offset_text(offset),
    )
    record = whoop.map_workout(workout)
    assert isinstance(record, WorkoutRecord)
    assert record.local_date == local.date()
    assert record.utc_offset_s == offset
    sleep = dict(
        load("whoop", "sleep_page.json")["records"][0],
        start=_iso(instant - timedelta(hours=8)),
        end=_iso(instant),
        timezone_offset=_offset_text(offset),
    )
    night = whoop.map_sleep(sleep)
    assert isinstance(night, MetricRecord) and night.local_date == local.date()


@settings(max_examples=300, deadline=None)
@given(instant=instants, zone_name=st.sampled_from(ZONES))
def test_strava_and_intervals_dates_come_from_local_wall_clock(instant: datetime, zone_name: str) -> None:
    local = instant.astimezone(ZoneInfo(zone_name))
    wall = local.replace(tzinfo=None).isoformat()
    ride = strava.map_activity(
        dict(load("strava", "activities_page.json")[0], start_date=_iso(instant), start_date_local=wall + "Z")
    )
    assert ride.local_date == local.date()
    assert ride.utc_offset_s == round(local.utcoffset().total_seconds())  # type: ignore[union-attr]
    icu = intervals.map_activity(
        dict(
            load("intervals", "activities.json")[2],
            start_date_local=wall,
            timezone=zone_name,
        )
    )
    assert isinstance(icu, WorkoutRecord)
    assert icu.local_date == local.date()
    if not _ambiguous(local):
        assert icu.start == instant


def _ambiguous(local: datetime) -> bool:
    """True for a wall-clock time that occurs twice (the repeated hour when clocks go back)."""
    other = local.replace(fold=1 - local.fold)
    return other.utcoffset() != local.utcoffset()


@settings(max_examples=200, deadline=None)
@given(instant=instants, zone_name=st.sampled_from(ZONES))
def test_oura_workout_keeps_its_localized_offset(instant: datetime, zone_name: str) -> None:
    local = instant.astimezone(ZoneInfo(zone_name))
    payload = dict(
        load("oura", "workout.json")["data"][0],
        start_datetime=local.isoformat(),
        end_datetime=(local + timedelta(minutes=50)).isoformat(),
    )
    payload.pop("day")
    record = oura.map_workout(payload)
    assert record.start == instant
    assert record.local_date == local.date()
    assert record.utc_offset_s == round(local.utcoffset().total_seconds())  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("zone_name", "end_utc", "offset", "expected"),
    [
        # Berlin, spring forward on 2026-03-29 at 02:00: the night ends at 06:30 CEST (04:30 UTC).
        ("Europe/Berlin", datetime(2026, 3, 29, 4, 30, tzinfo=UTC), "+02:00", date(2026, 3, 29)),
        # New York, fall back on 2025-11-02: a night ending 01:30 EST (the second 01:30) is already the 2nd locally.
        ("America/New_York", datetime(2025, 11, 2, 6, 30, tzinfo=UTC), "-05:00", date(2025, 11, 2)),
        # Kathmandu: 23:50 UTC is 05:35 the next day at +05:45.
        ("Asia/Kathmandu", datetime(2026, 3, 13, 23, 50, tzinfo=UTC), "+05:45", date(2026, 3, 14)),
        # Chatham in summer: 17:00 UTC is 06:45 the next day at +13:45.
        ("Pacific/Chatham", datetime(2026, 1, 10, 17, 0, tzinfo=UTC), "+13:45", date(2026, 1, 11)),
    ],
)
def test_whoop_night_across_dst_and_odd_offsets(zone_name: str, end_utc: datetime, offset: str, expected: date) -> None:
    assert _offset_text(round(end_utc.astimezone(ZoneInfo(zone_name)).utcoffset().total_seconds())) == offset  # type: ignore[union-attr]
    sleep = dict(
        load("whoop", "sleep_page.json")["records"][0],
        start=_iso(end_utc - timedelta(hours=7)),
        end=_iso(end_utc),
        timezone_offset=offset,
    )
    assert whoop.sleep_date(sleep) == expected


def test_consecutive_whoop_cycles_never_share_a_date() -> None:
    """Regression (open-wearables#1554): at UTC−4, two cycles opening on consecutive nights fall on two days."""
    cycle = load("whoop", "cycle_page.json")["records"][1]
    first = dict(cycle, start="2026-06-10T02:30:00.000Z", end="2026-06-11T03:05:00.000Z", timezone_offset="-04:00")
    second = dict(cycle, id=1120458, start="2026-06-11T03:05:00.000Z", end=None, timezone_offset="-04:00")
    assert whoop.cycle_date(first) == date(2026, 6, 10)  # opened 22:30 on the 9th: the 10th's strain
    assert whoop.cycle_date(second) == date(2026, 6, 11)  # opened 23:05 on the 10th: the 11th's strain
