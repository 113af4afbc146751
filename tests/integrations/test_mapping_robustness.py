"""Drifted payloads (nulls, missing fields, text for numbers, odd ids) are normalized or refused, never crash."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.intervals import mapping as intervals
from integrations.oura import mapping as oura
from integrations.records import Batch, MappingError
from integrations.strava import mapping as strava
from integrations.whoop import mapping as whoop
from tests.integrations.conftest import load

_whoop_sleep = load("whoop", "sleep_page.json")["records"][0]

CASES: list[tuple[Callable[[Any], object], dict[str, Any]]] = [
    (whoop.map_workout, load("whoop", "workout_page.json")["records"][0]),
    (whoop.map_sleep, _whoop_sleep),
    (lambda p: whoop.map_recovery(p, _whoop_sleep), load("whoop", "recovery_page.json")["records"][1]),
    (whoop.map_cycle, load("whoop", "cycle_page.json")["records"][1]),
    (strava.map_activity, load("strava", "activities_page.json")[0]),
    (intervals.map_activity, load("intervals", "activities.json")[0]),
    (intervals.map_wellness, load("intervals", "wellness.json")[1]),
    (oura.map_sleep, load("oura", "sleep.json")["data"][0]),
    (oura.map_workout, load("oura", "workout.json")["data"][0]),
    (oura.map_daily_readiness, load("oura", "daily_readiness.json")["data"][0]),
]

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2026-03-14T06:30:02.000Z", "+05:45", "SCORED", "long_sleep", "12", "i123"]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(range(len(CASES))), data=st.data())
def test_mutated_payloads_map_or_raise_mapping_error(case: int, data: st.DataObject) -> None:
    mapper, original = CASES[case]
    payload = dict(original)
    for key in data.draw(st.lists(st.sampled_from(sorted(payload)), min_size=1, max_size=4, unique=True)):
        if data.draw(st.booleans()):
            del payload[key]
        else:
            payload[key] = data.draw(junk)
    with contextlib.suppress(MappingError):
        mapper(payload)


def test_non_objects_are_refused() -> None:
    for mapper, _ in CASES:
        for value in (None, [], "x", 3):
            try:
                mapper(value)
            except MappingError:
                continue
            raise AssertionError(f"{mapper} accepted {value!r}")


def test_a_batch_keeps_drifted_objects_aside_and_maps_the_rest() -> None:
    batch = Batch()
    good = load("strava", "activities_page.json")[0]
    for payload in (good, dict(good, moving_time="4205"), None):
        batch.map(strava.map_activity, payload, ftp_w=265)
    assert len(batch.workouts) == 1 and batch.workouts[0].tss is not None
    assert [err.provider for err in batch.rejected] == ["strava", "strava"]
