"""When a brief is due, in local time, on the days the clocks change (2026 transitions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from coach.brief import due_instant, latest_due

ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]


def _local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def test_seven_oclock_is_seven_oclock_on_every_transition_day() -> None:
    days = [
        date(2026, 3, 8),  # US spring forward
        date(2026, 3, 29),  # EU spring forward
        date(2026, 4, 5),  # Lord Howe falls back 30 min
        date(2026, 10, 4),  # Lord Howe springs forward 30 min
        date(2026, 10, 25),  # EU fall back
        date(2026, 11, 1),  # US fall back
    ]
    for zone in ZONES:
        for day in days:
            for d in (day - timedelta(days=1), day, day + timedelta(days=1)):
                local = _local(due_instant(d, time(7), ZoneInfo(zone)), zone)
                assert (local.date(), local.time()) == (d, time(7)), (zone, d)


def test_a_time_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    due = due_instant(date(2026, 3, 29), time(2, 30), berlin)
    assert due == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert _local(due, "Europe/Berlin").time() == time(3, 30)
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # 02:00 → 02:30 on 4 Oct 2026
    assert _local(due_instant(date(2026, 10, 4), time(2, 15), lord_howe), "Australia/Lord_Howe").time() == time(2, 45)


def test_a_time_in_the_autumn_overlap_is_its_first_occurrence() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    due = due_instant(date(2026, 10, 25), time(2, 30), berlin)
    assert due == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not 02:30 CET an hour later
    # An hour later the clock shows 02:30 again: still the same local date's brief, already due.
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    found = latest_due(second, berlin, time(2, 30))
    assert found is not None and found.local_date == date(2026, 10, 25) and found.due_at == due


@given(
    zone=st.sampled_from([*ZONES, "Pacific/Chatham", "America/St_Johns"]),
    instant=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
    at=st.times(),
)
def test_latest_due_is_the_last_local_brief_at_or_before_now(zone: str, instant: datetime, at: time) -> None:
    tz = ZoneInfo(zone)
    found = latest_due(instant, tz, at)
    assert found is not None
    assert found.due_at <= instant
    # It is the latest: the next local date's brief is still in the future.
    assert due_instant(found.local_date + timedelta(days=1), at, tz) > instant
    assert found.local_date in {instant.astimezone(tz).date(), instant.astimezone(tz).date() - timedelta(days=1)}
