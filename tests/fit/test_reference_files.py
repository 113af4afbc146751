"""Our summary of six real device files against the values the devices themselves recorded.

Expected values are the devices' own (the session and lap messages; see tests/fixtures/fit/README.md), and
IF/TSS use the FTP stored in each file, as the device did. Tolerances: NP ±1 W, IF ±0.005, TSS ±1.5 %,
average HR ±1 bpm, lap NP ±1.5 W.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from coach.science.load import LoadMethod
from integrations.fit.parse import parse_fit
from integrations.fit.summary import WorkoutSummary, summarize_fit

EDGE_810 = "Edge810-Vector-2013-08-16-15-35-10.fit"
EDGE_1000 = "sweatpy-4078723797-edge1000.fit"
ELEMNT = "2019-02-17-062644-ELEMNT-297E-195-0.fit"
EDGE_800 = "sample-activity-indoor-trainer.fit"
BOLT = "elemnt-bolt-no-application-id-inside-developer-data-id.fit"
FR110 = "fr110-run-2013-02-06-12-11-14.fit"


@dataclass(frozen=True)
class DeviceValues:
    ftp_w: float
    np_w: float
    intensity_factor: float
    tss: float


# The README table: what each head unit wrote in its session message.
POWER_FILES = {
    EDGE_810: DeviceValues(ftp_w=315, np_w=301, intensity_factor=0.956, tss=118.7),
    EDGE_1000: DeviceValues(ftp_w=200, np_w=267, intensity_factor=1.337, tss=413.7),
    ELEMNT: DeviceValues(ftp_w=220, np_w=157, intensity_factor=0.713, tss=190.0),
    EDGE_800: DeviceValues(ftp_w=250, np_w=228, intensity_factor=0.914, tss=50.8),
    BOLT: DeviceValues(ftp_w=330, np_w=243, intensity_factor=0.735, tss=1.5),
}
AVERAGE_HR_BPM = {EDGE_810: 154, EDGE_1000: 165, ELEMNT: 124, EDGE_800: 148, FR110: 147}


@pytest.mark.parametrize("name", POWER_FILES)
def test_ftp_comes_from_the_file(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].ftp == POWER_FILES[name].ftp_w


@pytest.mark.parametrize("name", POWER_FILES)
def test_normalized_power_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].normalized_power == pytest.approx(POWER_FILES[name].np_w, abs=1.0)


@pytest.mark.parametrize("name", POWER_FILES)
def test_intensity_factor_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].intensity_factor == pytest.approx(POWER_FILES[name].intensity_factor, abs=0.005)


@pytest.mark.parametrize("name", POWER_FILES)
def test_tss_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    # FIT stores TSS in tenths: on top of 1.5 %, allow the half-tenth the device rounded away (this matters
    # only for the 132-s Bolt ride, whose "1.5" may have been anything from 1.45 to 1.55).
    device_tss = POWER_FILES[name].tss
    assert summaries[name].tss == pytest.approx(device_tss, abs=0.015 * device_tss + 0.05)


@pytest.mark.parametrize("name", AVERAGE_HR_BPM)
def test_average_heart_rate_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].average_hr == pytest.approx(AVERAGE_HR_BPM[name], abs=1.0)


@pytest.mark.parametrize("name", [EDGE_810, EDGE_1000, ELEMNT, EDGE_800, FR110])
def test_max_heart_rate_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].max_hr == summaries[name].device.max_hr_bpm


@pytest.mark.parametrize("name", [EDGE_810, EDGE_1000, ELEMNT])
def test_work_matches_the_devices_total_work(summaries: dict[str, WorkoutSummary], name: str) -> None:
    device_work_j = summaries[name].device.work_j
    assert device_work_j is not None
    assert summaries[name].kilojoules == pytest.approx(device_work_j / 1000, rel=0.002)


@pytest.mark.parametrize("name", [EDGE_810, EDGE_1000, ELEMNT, EDGE_800])
def test_average_power_matches_the_device(summaries: dict[str, WorkoutSummary], name: str) -> None:
    # Zero-filled on the Wahoo ELEMNT (work / timer time), skipping dropouts on the Garmin Edge 800.
    assert summaries[name].average_watts == pytest.approx(summaries[name].device.average_power_w, abs=1.0)


def test_edge_810_lap_np_matches_all_eight_laps(summaries: dict[str, WorkoutSummary]) -> None:
    laps = summaries[EDGE_810].laps
    assert len(laps) == 8
    for lap in laps:
        assert lap.normalized_power == pytest.approx(lap.device.normalized_power_w, abs=1.5)


def test_edge_800_lap_np_matches_with_dropouts(summaries: dict[str, WorkoutSummary]) -> None:
    laps = summaries[EDGE_800].laps
    assert len(laps) == 5
    for lap in laps:
        assert lap.normalized_power == pytest.approx(lap.device.normalized_power_w, abs=1.5)
        assert lap.average_watts == pytest.approx(lap.device.average_power_w, abs=1.0)


def test_fr110_smart_recording_lap_heart_rates_are_time_weighted(
    summaries: dict[str, WorkoutSummary],
) -> None:
    laps = summaries[FR110].laps
    assert len(laps) == 5
    for lap in laps:
        assert lap.average_hr == pytest.approx(lap.device.average_hr_bpm, abs=1.0)


def test_edge_1000_ride_warns_that_ftp_is_set_too_low(summaries: dict[str, WorkoutSummary]) -> None:
    warning = summaries[EDGE_1000].plausibility
    assert warning is not None
    assert warning.startswith("FTP probably set too low")


@pytest.mark.parametrize("name", [EDGE_810, ELEMNT, EDGE_800, BOLT, FR110])
def test_plausible_rides_carry_no_warning(summaries: dict[str, WorkoutSummary], name: str) -> None:
    assert summaries[name].plausibility is None


def test_elemnt_pauses_are_left_out_of_the_timer_grid(fit_bytes: dict[str, bytes]) -> None:
    activity = parse_fit(fit_bytes[ELEMNT])
    assert activity.timer_time_s == 13471  # the session's total_timer_time; 23595 s elapsed
    assert len(set(activity.segment_id.tolist())) == 56
    assert int(activity.power_present.sum()) == 13471 - 125


@pytest.mark.parametrize(
    ("name", "method"),
    [(EDGE_810, LoadMethod.POWER), (ELEMNT, LoadMethod.POWER), (FR110, LoadMethod.HEART_RATE)],
)
def test_load_method(summaries: dict[str, WorkoutSummary], name: str, method: LoadMethod) -> None:
    summary = summaries[name]
    assert summary.load_method is method
    assert summary.load == (summary.tss if method is LoadMethod.POWER else summary.hrss)


def test_run_without_power_has_no_power_values(summaries: dict[str, WorkoutSummary]) -> None:
    run = summaries[FR110]
    assert run.sport == "running"
    assert (run.normalized_power, run.intensity_factor, run.tss, run.average_watts, run.kilojoules) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert run.distance_meters == pytest.approx(4835.38)


def test_summary_has_every_workout_key(summaries: dict[str, WorkoutSummary]) -> None:
    values = summaries[EDGE_810].as_dict()
    assert {
        "external_id",
        "sport",
        "start_time",
        "duration_sec",
        "distance_meters",
        "normalized_power",
        "intensity_factor",
        "tss",
        "average_watts",
        "max_watts",
        "kilojoules",
        "average_hr",
        "max_hr",
        "ftp",
        "laps",
        "device",
        "load",
        "load_method",
        "hrss",
        "plausibility",
    } <= values.keys()
    assert isinstance(values["laps"], list)
    assert {"normalized_power", "average_watts", "average_hr", "max_hr"} <= values["laps"][0].keys()
    assert values["start_time"] == datetime(2013, 8, 16, 18, 5, 10, tzinfo=UTC)
    assert values["duration_sec"] == 4700


def test_external_id_is_the_sha256_of_the_bytes(
    fit_bytes: dict[str, bytes], summaries: dict[str, WorkoutSummary]
) -> None:
    assert summaries[BOLT].external_id == hashlib.sha256(fit_bytes[BOLT]).hexdigest()
    assert summaries[BOLT].external_id != summaries[EDGE_800].external_id


@pytest.mark.parametrize(
    ("ftp_w", "user_ftp_w", "expected_ftp_w"),
    [(300.0, 280.0, 300.0), (None, 280.0, 280.0), (None, None, 330.0)],
)
def test_ftp_resolution_order(
    fit_bytes: dict[str, bytes], ftp_w: float | None, user_ftp_w: float | None, expected_ftp_w: float
) -> None:
    summary = summarize_fit(fit_bytes[BOLT], ftp_w=ftp_w, user_ftp_w=user_ftp_w)
    assert summary.ftp == expected_ftp_w
    assert summary.normalized_power is not None
    assert summary.intensity_factor == pytest.approx(summary.normalized_power / expected_ftp_w)
