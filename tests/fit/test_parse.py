"""How records become the 1 Hz timer grid, on files crafted for the purpose."""

import math

import numpy as np
import pytest

from integrations.fit import FitNotActivity, parse_fit
from tests.fit.fit_writer import START, STOP_ALL, fit_file

T0 = 1_600_000_000  # 2020-09-13T12:26:40Z


def test_pauses_leave_no_slots_and_start_a_new_stretch() -> None:
    data = fit_file(
        timer=[(T0, START), (T0 + 40, STOP_ALL), (T0 + 100, START), (T0 + 130, STOP_ALL)],
        records=[(T0 + s, 130, 250) for s in [*range(40), *range(100, 130)]],
    )
    activity = parse_fit(data)
    assert activity.timer_time_s == 70
    assert activity.time_s.tolist() == [*range(40), *range(100, 130)]
    assert activity.segment_id.tolist() == [0] * 40 + [1] * 30
    assert activity.start_time.timestamp() == T0


def test_sparse_records_are_held_until_the_next_one() -> None:
    data = fit_file(timer=[(T0, START), (T0 + 10, STOP_ALL)], records=[(T0 + 2, 100, 150), (T0 + 7, 160, 300)])
    activity = parse_fit(data)
    hr = activity.heart_rate_bpm
    assert np.all(np.isnan(hr[:2]))
    assert hr[2:].tolist() == [100.0] * 5 + [160.0] * 3
    assert activity.power_present.tolist() == [False] * 2 + [True] * 8


def test_missing_values_in_a_record_are_nan() -> None:
    no_heart_rate, no_power = 0xFF, 0xFFFF  # the FIT "invalid" value of each base type
    data = fit_file(
        timer=[(T0, START), (T0 + 2, STOP_ALL)], records=[(T0, no_heart_rate, 200), (T0 + 1, 150, no_power)]
    )
    activity = parse_fit(data)
    assert math.isnan(activity.heart_rate_bpm[0])
    assert math.isnan(activity.power_w[1])


def test_without_timer_events_the_records_span_the_activity() -> None:
    activity = parse_fit(fit_file(records=[(T0 + s, 120, 200) for s in (5, 6, 9)]))
    assert activity.start_time.timestamp() == T0 + 5
    assert activity.time_s.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert activity.power_w.tolist() == [200.0] * 5


def test_a_timer_never_stopped_runs_to_the_last_record() -> None:
    activity = parse_fit(fit_file(timer=[(T0, START)], records=[(T0 + s, 120, 200) for s in range(50)]))
    assert activity.timer_time_s == 50


@pytest.mark.parametrize(("file_type", "words"), [(5, "a planned workout"), (2, "device settings")])
def test_other_file_types_are_not_activities(file_type: int, words: str) -> None:
    with pytest.raises(FitNotActivity, match=words):
        parse_fit(fit_file(file_type=file_type, records=[(T0, 120, 200)]))
