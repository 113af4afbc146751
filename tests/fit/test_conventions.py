"""Maker conventions, several activities in one file, swims and runs: what the import reads and keeps."""

import dataclasses
import math

import numpy as np
import pytest

from integrations.fit import FitNoSamples, parse_activities
from integrations.fit.conventions import GARMIN, HAMMERHEAD, SIGMA, SUUNTO, WAHOO, ZWIFT, convention_for
from integrations.fit.summary import summarize_activity, summarize_fit, summarize_fit_activities
from tests.fit.fit_writer import CYCLING, RUNNING, START, STOP_ALL, fit_file, triathlon_file

T0 = 1_600_000_000

POOL_SWIM = "corpus/s01-garmin-fr945-pool-swim-hrm.fit"


@pytest.mark.parametrize(
    ("name", "convention"),
    [
        ("corpus/c07-garmin-edge530-35-stretches.fit", GARMIN),
        ("2019-02-17-062644-ELEMNT-297E-195-0.fit", WAHOO),
        ("corpus/c05-sigma-rox11.fit", SIGMA),
        ("corpus/c04-hammerhead-karoo2.fit", HAMMERHEAD),
        ("corpus/c20-zwift-indoor.fit", ZWIFT),
        ("corpus/r01-suunto9-trail-run.fit", SUUNTO),
    ],
)
def test_the_convention_comes_from_the_file(fit_bytes: dict[str, bytes], name: str, convention: object) -> None:
    assert parse_activities(fit_bytes[name])[0].convention is convention


def test_an_unknown_maker_gets_garmins_rules() -> None:
    assert convention_for("srm") is GARMIN
    assert convention_for(None) is GARMIN


def test_a_pool_swim_with_heart_rate_only_in_hr_messages_imports(fit_bytes: dict[str, bytes]) -> None:
    swim = summarize_fit(fit_bytes[POOL_SWIM])
    assert swim.sport == "swimming"
    assert swim.distance_meters == 2000.0
    assert (swim.pool_length_m, swim.pool_lengths) == (25.0, 80)
    assert swim.average_hr is not None and 125 < swim.average_hr < 135
    assert swim.max_hr == pytest.approx(157, abs=1.0)  # the strap samples averaged over each record
    assert swim.curves.heart_rate_bpm is not None


def test_wrist_heart_rate_in_records_is_kept_over_the_straps_messages(fit_bytes: dict[str, bytes]) -> None:
    dive = summarize_fit(fit_bytes["more/garmin-fr935-cr.fit"])
    assert dive.average_hr == pytest.approx(80, abs=1.0)  # the device's; the strap alone gives 88


def test_zwift_distance_is_expanded_from_its_compressed_field(fit_bytes: dict[str, bytes]) -> None:
    activity = parse_activities(fit_bytes["corpus/c20-zwift-indoor.fit"])[0]
    assert np.nanmax(activity.distance_m) == pytest.approx(24_023.76, abs=20)


def test_a_run_keeps_pace_and_a_curve_of_best_speeds(fit_bytes: dict[str, bytes]) -> None:
    run = summarize_fit(fit_bytes["corpus/r04-garmin-fenix5xplus-run.fit"])
    assert run.distance_meters is not None
    assert run.average_pace_s_per_km == pytest.approx(run.duration_sec / (run.distance_meters / 1000))
    speeds = run.curves.speed_m_s
    assert speeds is not None and run.curves.power_w is None
    assert 0 < speeds[-1] <= speeds[run.curves.durations_s.index(60)] <= speeds[0] < 10


def test_a_ride_keeps_no_speed_curve(fit_bytes: dict[str, bytes]) -> None:
    ride = summarize_fit(fit_bytes["Edge810-Vector-2013-08-16-15-35-10.fit"])
    assert ride.curves.speed_m_s is None
    assert ride.average_pace_s_per_km is None


def test_running_power_is_read_like_cycling_power() -> None:
    data = fit_file(
        timer=[(T0, START), (T0 + 120, STOP_ALL)],
        records=[(T0 + s, 150, 280) for s in range(120)],
        sessions=[(T0, 120, RUNNING)],
    )
    run = summarize_fit(data)
    assert run.sport == "running"
    assert (run.average_watts, run.normalized_power) == (280.0, pytest.approx(280.0))
    assert run.curves.power_by_duration()["60"] == 280.0


def test_a_multisport_file_is_one_activity_per_session() -> None:
    legs = summarize_fit_activities(triathlon_file())
    assert [leg.sport for leg in legs] == ["swimming", "transition", "cycling", "running"]
    assert [leg.duration_sec for leg in legs] == [600, 100, 1200, 600]
    assert [leg.session_index for leg in legs] == [0, 1, 2, 3]
    assert [leg.average_hr for leg in legs] == [140.0, 150.0, 150.0, 165.0]
    bike = legs[2]
    assert bike.average_watts == 250.0
    assert bike.normalized_power is not None and bike.normalized_power > 250.0
    assert all(leg.average_watts is None for leg in (legs[0], legs[1], legs[3]))
    assert len({leg.external_id for leg in legs}) == 4
    assert all(leg.external_id.endswith(f"#{i + 1}") for i, leg in enumerate(legs))


def test_a_one_session_file_keeps_the_files_id() -> None:
    data = fit_file(
        timer=[(T0, START), (T0 + 60, STOP_ALL)],
        records=[(T0 + s, 150, 200) for s in range(60)],
        sessions=[(T0, 60, CYCLING)],
    )
    (ride,) = summarize_fit_activities(data)
    assert "#" not in ride.external_id


def test_an_empty_session_is_left_out_and_a_file_of_empty_sessions_refused() -> None:
    data = fit_file(
        timer=[(T0, START), (T0 + 60, STOP_ALL)],
        records=[(T0 + s, 150, 200) for s in range(60)],
        sessions=[(T0, 60, CYCLING), (T0 + 3600, 60, RUNNING)],
    )
    assert [leg.sport for leg in summarize_fit_activities(data)] == ["cycling"]
    with pytest.raises(FitNoSamples):
        parse_activities(fit_file(timer=[(T0, START)], sessions=[(T0, 60, CYCLING)]))


def test_curves_stop_at_the_activitys_length() -> None:
    data = fit_file(timer=[(T0, START), (T0 + 100, STOP_ALL)], records=[(T0 + s, 150, 200) for s in range(100)])
    curves = summarize_fit(data).curves
    assert curves.durations_s[-1] == 90
    assert set(curves.power_by_duration()) == {str(d) for d in curves.durations_s}
    assert not math.isnan(curves.power_by_duration()["90"])


def test_a_karoo_ride_without_speed_averages_over_every_second(fit_bytes: dict[str, bytes]) -> None:
    activity = parse_activities(fit_bytes["corpus/c04-hammerhead-karoo2.fit"])[0]
    indoor = dataclasses.replace(activity, speed_m_s=np.zeros_like(activity.speed_m_s))
    summary = summarize_activity(indoor, external_id="indoor")
    assert summary.average_watts == pytest.approx(np.nanmean(activity.power_w))
