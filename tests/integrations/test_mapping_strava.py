"""Strava activities → workouts: moving time, measured power only, mechanical work, local wall-clock day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from integrations.records import MappingError
from integrations.strava import mapping
from tests.integrations.conftest import load

ACTIVITIES = load("strava", "activities_page.json")


def test_power_meter_ride_keeps_power_np_and_work() -> None:
    record = mapping.map_activity(ACTIVITIES[0])
    assert record.external_id == "14982736451"
    assert record.start == datetime(2026, 3, 14, 6, 30, 5, tzinfo=UTC)
    assert record.local_date == date(2026, 3, 14)
    assert record.utc_offset_s == 3600
    assert record.duration_sec == 4205  # moving time; elapsed 4371 stays in rawJson
    assert (record.average_watts, record.max_watts, record.normalized_power) == (213, 612, 231)
    assert record.kilojoules == 894
    assert (record.average_hr, record.max_hr) == (141, 172)
    assert record.elevation_gain == 405
    assert record.type == "Ride" and record.title == "Sweet-spot 3x15"
    assert record.tss is None and record.intensity_factor is None  # no FTP given
    assert record.raw_json["elapsed_time"] == 4371


def test_ftp_gives_if_and_tss_from_np_and_moving_time() -> None:
    record = mapping.map_activity(ACTIVITIES[0], ftp_w=265)
    assert record.intensity_factor == pytest.approx(231 / 265, abs=1e-3)
    assert record.tss == pytest.approx(100 * 4205 / 3600 * (231 / 265) ** 2, abs=0.05)


def test_estimated_power_is_not_stored_as_measured() -> None:
    record = mapping.map_activity(ACTIVITIES[1], ftp_w=265)
    assert record.average_watts is None and record.kilojoules is None and record.normalized_power is None
    assert record.tss is None
    assert record.duration_sec == 3302


def test_run_without_power_keeps_heart_rate() -> None:
    record = mapping.map_activity(ACTIVITIES[2])
    assert record.type == "Run"
    assert (record.average_hr, record.max_hr, record.average_watts) == (150, 171, None)


def test_sport_type_preferred_over_deprecated_type() -> None:
    record = mapping.map_activity(dict(ACTIVITIES[0], sport_type="GravelRide"))
    assert record.type == "GravelRide"


def test_start_date_local_z_is_local_time_not_utc() -> None:
    late = dict(ACTIVITIES[0], start_date="2026-03-14T23:30:00Z", start_date_local="2026-03-15T00:30:00Z")
    record = mapping.map_activity(late)
    assert record.local_date == date(2026, 3, 15)
    assert record.utc_offset_s == 3600


def test_numbers_as_text_are_refused() -> None:
    with pytest.raises(MappingError, match="moving_time"):
        mapping.map_activity(dict(ACTIVITIES[0], moving_time="4205"))
