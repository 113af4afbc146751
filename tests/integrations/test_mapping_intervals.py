"""Intervals.icu activities and wellness → records: Strava stubs skipped, IF from percent, joules to kJ."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from integrations.intervals import mapping
from integrations.records import MappingError, Skipped, WorkoutRecord
from tests.integrations.conftest import load

ACTIVITIES = load("intervals", "activities.json")
WELLNESS = load("intervals", "wellness.json")


def test_analyzed_ride_maps_icu_metrics() -> None:
    record = mapping.map_activity(ACTIVITIES[0])
    assert isinstance(record, WorkoutRecord)
    assert record.external_id == "i87654321"
    assert record.start == datetime(2026, 3, 14, 6, 30, 5, tzinfo=UTC)
    assert record.local_date == date(2026, 3, 14) and record.utc_offset_s == 3600
    assert record.duration_sec == 4205
    assert (record.average_watts, record.normalized_power, record.max_watts) == (213, 232, None)
    assert record.intensity_factor == pytest.approx(0.875)
    assert record.tss == 89
    assert record.kilojoules == 896  # 895,650 J of mechanical work
    assert (record.average_hr, record.max_hr) == (141, 172)


def test_strava_stub_is_skipped_not_stored_as_an_empty_workout() -> None:
    skipped = mapping.map_activity(ACTIVITIES[1])
    assert isinstance(skipped, Skipped) and skipped.external_id == "i87650012"
    assert isinstance(mapping.map_activity({"id": "i1", "source": "STRAVA", "start_date_local": "x"}), Skipped)


def test_without_start_date_the_zone_places_the_local_time() -> None:
    record = mapping.map_activity(ACTIVITIES[2])
    assert isinstance(record, WorkoutRecord)
    assert record.start == datetime(2026, 3, 10, 11, 15, tzinfo=UTC)
    assert record.local_date == date(2026, 3, 10)
    assert record.average_watts is None and record.intensity_factor is None and record.kilojoules is None
    assert record.tss == 52  # heart-rate based, on the TSS scale
    without_zone = {k: v for k, v in ACTIVITIES[2].items() if k != "timezone"}
    with pytest.raises(MappingError, match="timezone"):
        mapping.map_activity(without_zone)


def test_wellness_maps_rmssd_not_sdnn_and_keeps_empty_fields_empty() -> None:
    quiet = mapping.map_wellness(WELLNESS[0])
    assert quiet.local_date == date(2026, 3, 13)
    assert quiet.values["hrv"] is None  # hrvSDNN is another statistic
    assert quiet.values["resting_hr"] == 49
    assert quiet.values["hours_slept"] == pytest.approx(26100 / 3600)
    assert quiet.values["recovery_score"] is None and quiet.values["sleep_score"] is None
    full = mapping.map_wellness(WELLNESS[1])
    assert full.values == {
        "hrv": 72.0,
        "resting_hr": 48,
        "sleep_score": 84,
        "hours_slept": pytest.approx(27480 / 3600),
        "recovery_score": 71,
        "sp_o2": 96.0,
    }
    assert "strain_score" not in full.values


def test_start_date_without_its_z_is_still_utc() -> None:
    record = mapping.map_activity(dict(ACTIVITIES[0], start_date="2026-03-14T06:30:05"))
    assert isinstance(record, WorkoutRecord)
    assert record.start == datetime(2026, 3, 14, 6, 30, 5, tzinfo=UTC)
    assert record.utc_offset_s == 3600
