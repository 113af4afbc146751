"""WHOOP v2 payloads → records: only SCORED values, pending retried, naps never the night, local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from integrations.records import MappingError, MetricRecord, Pending, Skipped, WorkoutRecord
from integrations.whoop import mapping
from tests.integrations.conftest import load

WORKOUTS = load("whoop", "workout_page.json")["records"]
SLEEPS = load("whoop", "sleep_page.json")["records"]
RECOVERIES = load("whoop", "recovery_page.json")["records"]
CYCLES = load("whoop", "cycle_page.json")["records"]


def test_scored_workout_keeps_heart_rate_distance_and_never_expenditure_as_work() -> None:
    record = mapping.map_workout(WORKOUTS[0])
    assert isinstance(record, WorkoutRecord)
    assert record.external_id == "3f6c2a8e-9b41-4d7a-b2e5-7c1d0f9a6e21"
    assert record.start == datetime(2026, 3, 14, 6, 30, 2, tzinfo=UTC)
    assert record.local_date == date(2026, 3, 14)
    assert record.utc_offset_s == 3600
    assert record.duration_sec == 71 * 60 + 13
    assert (record.average_hr, record.max_hr) == (141, 172)
    assert record.distance_meters == pytest.approx(38412.5)
    assert record.elevation_gain == 412
    assert record.kilojoules is None  # score.kilojoule is energy expended, not mechanical work
    assert record.tss is None and record.average_watts is None  # strain is not TSS; WHOOP has no power
    assert record.type == "cycling" and record.title == "Cycling"
    assert record.raw_json is WORKOUTS[0]


def test_evening_run_west_of_utc_is_dated_on_the_local_day_not_the_utc_one() -> None:
    record = mapping.map_workout(WORKOUTS[1])
    assert isinstance(record, WorkoutRecord)
    assert record.start.date() == date(2026, 3, 13)
    assert record.local_date == date(2026, 3, 13)  # 18:10 at -05:00
    assert record.utc_offset_s == -5 * 3600


def test_pending_workout_is_marked_for_retry_and_unscorable_keeps_only_time_and_sport() -> None:
    pending = mapping.map_workout(WORKOUTS[2])
    assert pending == Pending("whoop", "workout", "0c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e", pending.reason)
    unscorable = mapping.map_workout(WORKOUTS[3])
    assert isinstance(unscorable, WorkoutRecord)
    assert unscorable.duration_sec == 45 * 60
    assert unscorable.average_hr is None and unscorable.distance_meters is None


def test_main_sleep_is_dated_by_its_local_end_and_counts_only_time_asleep() -> None:
    record = mapping.map_sleep(SLEEPS[0])
    assert isinstance(record, MetricRecord)
    assert record.local_date == date(2026, 3, 14)
    assert record.values["sleep_score"] == 84
    assert record.values["hours_slept"] == pytest.approx((12840000 + 6210000 + 6587000) / 3.6e6)
    assert set(record.values) == {"sleep_score", "hours_slept"}


def test_nap_is_skipped_and_never_carries_the_recovery() -> None:
    assert isinstance(mapping.map_sleep(SLEEPS[1]), Skipped)
    nap_recovery = dict(RECOVERIES[1], sleep_id=SLEEPS[1]["id"])
    with pytest.raises(MappingError, match="nap"):
        mapping.map_recovery(nap_recovery, SLEEPS[1])


def test_scored_recovery_takes_its_sleeps_date() -> None:
    record = mapping.map_recovery(RECOVERIES[1], SLEEPS[0])
    assert isinstance(record, MetricRecord)
    assert record.local_date == date(2026, 3, 14)
    assert record.values == {"hrv": 71.3, "resting_hr": 49, "recovery_score": 68, "sp_o2": 96.4}


def test_pending_sleep_and_recovery_are_retried_later() -> None:
    assert isinstance(mapping.map_sleep(SLEEPS[2]), Pending)
    pending = mapping.map_recovery(RECOVERIES[0], SLEEPS[2])
    assert pending == Pending("whoop", "recovery", SLEEPS[2]["id"], pending.reason)


def test_recovery_refuses_a_sleep_it_does_not_belong_to() -> None:
    with pytest.raises(MappingError):
        mapping.map_recovery(RECOVERIES[1], SLEEPS[2])


def test_cycle_strain_belongs_to_the_waking_day() -> None:
    ended = mapping.map_cycle(CYCLES[1], SLEEPS[0])
    assert isinstance(ended, MetricRecord)
    assert ended.local_date == date(2026, 3, 14)
    assert ended.values == {"strain_score": pytest.approx(14.72)}
    # Without its sleep: the cycle opened at 23:14 local, so it is the next day's strain as well.
    assert mapping.map_cycle(CYCLES[1]).local_date == date(2026, 3, 14)  # type: ignore[union-attr]
    running = mapping.map_cycle(CYCLES[0])
    assert isinstance(running, MetricRecord) and running.local_date == date(2026, 3, 15)


def test_cycle_refuses_a_sleep_of_another_cycle() -> None:
    with pytest.raises(MappingError):
        mapping.map_cycle(CYCLES[0], SLEEPS[0])


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"score_state": "SCORED", "score": None}, "SCORED without a score"),
        ({"score_state": "DONE"}, "unknown score_state"),
        ({"timezone_offset": "+5:45"}, "offset"),
        ({"start": "2026-03-14 06:30"}, "offset"),
        ({"id": 17.5}, "id"),
        ({"score": {"average_heart_rate": "141"}}, "number"),
    ],
)
def test_drifted_shapes_are_refused_with_a_typed_error(change: dict[str, object], match: str) -> None:
    with pytest.raises(MappingError, match=match):
        mapping.map_workout(dict(WORKOUTS[0], **change))
