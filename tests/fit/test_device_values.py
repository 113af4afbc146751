"""Every activity file of the fixtures against the numbers its own device wrote in the session message.

Reference files and `more/`: the session message as decoded; `corpus/`: `corpus/manifest.json` (the same
session values, read independently with fitdecode) and its FTP. A device value counts where the device wrote
one above zero (the COROS file writes 0 for power it never measured). Tolerances: NP ±1 W, IF ±0.005,
TSS ±1.5 % (+0.05 for the tenth the device rounds to), average power ±1 W, average heart rate ±1 bpm.

What the devices compute from data the file does not carry is listed in `UNREPRODUCIBLE` with the
measurement; those cases are strict xfails, so a change that starts reproducing one must move it out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from integrations.fit import DeviceSummary, FitActivity, FitImportError, parse_activities
from integrations.fit.summary import WorkoutSummary, summarize_activity
from tests.fit.conftest import FIXTURES

MANIFEST = json.loads((FIXTURES / "corpus" / "manifest.json").read_text())
_MANIFEST_BY_NAME = {entry["file"]: entry for entry in MANIFEST["files"]}


@dataclass(frozen=True)
class Check:
    """How one summary value compares with the device's."""

    ours: Callable[[WorkoutSummary], float | None]
    device_field: str  # manifest `device` key
    session_field: str  # `DeviceSummary` attribute
    tolerance: Callable[[float], float]


CHECKS = {
    "normalized_power": Check(lambda s: s.normalized_power, "normalized_power", "normalized_power_w", lambda _: 1.0),
    "intensity_factor": Check(lambda s: s.intensity_factor, "intensity_factor", "intensity_factor", lambda _: 0.005),
    "tss": Check(lambda s: s.tss, "training_stress_score", "tss", lambda device: 0.015 * device + 0.05),
    "average_watts": Check(lambda s: s.average_watts, "avg_power", "average_power_w", lambda _: 1.0),
    "average_hr": Check(lambda s: s.average_hr, "avg_heart_rate", "average_hr_bpm", lambda _: 1.0),
}

# (file, check): why the device's value cannot be reproduced from the file, as measured.
UNREPRODUCIBLE = {
    ("corpus/c18-srm-pc8-broken-start-latlng.fit", "normalized_power"): (
        "SRM PC8 summarises its internal sampling, not its 1 Hz records: max power 749 W is in no record (the "
        "highest is 729 W) and total_work is 0.86 % above the records' sum; NP 149.2 W vs 151"
    ),
    ("corpus/c18-srm-pc8-broken-start-latlng.fit", "intensity_factor"): (
        "SRM PC8 internal sampling (see its NP): IF 0.654 vs 0.662"
    ),
    ("corpus/c18-srm-pc8-broken-start-latlng.fit", "average_watts"): (
        "SRM PC8: average power is total_work / timer time = 844 272 J / 6 864 s = 123.0 W, but the records sum "
        "to 837 069 J (121.7 W)"
    ),
    ("elemnt-bolt-no-application-id-inside-developer-data-id.fit", "average_watts"): (
        "ELEMNT Bolt's 182 W fits no counting of its 132 records: zero-filled 186.1 W, skipping dropouts "
        "213.6 W, non-zero 208.2 W; its total_work is 9 % above the records' sum"
    ),
    ("corpus/s01-garmin-fr945-pool-swim-hrm.fit", "average_hr"): (
        "pool swim, strap HR from `hr` messages only: 128.3 bpm over the timer, 129.7 over active lengths, the "
        "device's own lap values weighted by time 130.3; device 131 (its laps with lengths do match the strap)"
    ),
}


def _decode_activity_files() -> dict[str, tuple[FitActivity, ...]]:
    """Every fixture file that is an activity, decoded once (at collection: the cases depend on it)."""
    decoded = {}
    for path in sorted(FIXTURES.rglob("*.fit")):
        try:
            decoded[path.relative_to(FIXTURES).as_posix()] = parse_activities(path.read_bytes())
        except FitImportError:
            continue
    return decoded


DECODED = _decode_activity_files()
ACTIVITY_FILES = list(DECODED)


def _device_value(name: str, device: DeviceSummary, check: Check) -> float | None:
    entry = _MANIFEST_BY_NAME.get(Path(name).name)
    value = entry["device"].get(check.device_field) if entry else getattr(device, check.session_field)
    return float(value) if value is not None and value > 0 else None


def _ftp_w(name: str) -> float | None:
    entry = _MANIFEST_BY_NAME.get(Path(name).name)
    return None if entry is None else entry.get("ftp_w")


@pytest.fixture(scope="module")
def file_summaries() -> dict[str, tuple[WorkoutSummary, ...]]:
    return {
        name: tuple(summarize_activity(activity, external_id=name, ftp_w=_ftp_w(name)) for activity in activities)
        for name, activities in DECODED.items()
    }


def _cases() -> Iterator[object]:
    """(file, check) wherever the device wrote that value, for some session of the file."""
    for name, activities in DECODED.items():
        for metric, check in CHECKS.items():
            if all(_device_value(name, activity.device, check) is None for activity in activities):
                continue
            reason = UNREPRODUCIBLE.get((name, metric))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(name, metric, marks=marks, id=f"{name}-{metric}")


CASES = list(_cases())


@pytest.mark.parametrize(("name", "metric"), CASES)
def test_matches_the_device(file_summaries: dict[str, tuple[WorkoutSummary, ...]], name: str, metric: str) -> None:
    check = CHECKS[metric]
    for summary in file_summaries[name]:
        device = _device_value(name, summary.device, check)
        if device is None:
            continue
        ours = check.ours(summary)
        assert ours is not None, f"the device wrote {metric} = {device}, we computed none"
        assert ours == pytest.approx(device, abs=check.tolerance(device))


def test_every_corpus_activity_and_refusal_is_covered() -> None:
    names = {Path(name).name for name in ACTIVITY_FILES if name.startswith("corpus/")}
    activities = {entry["file"] for entry in MANIFEST["files"] if entry["expect"] == "activity"}
    assert names == activities
    for entry in MANIFEST["files"]:
        if entry["expect"] == "refusal":
            with pytest.raises(FitImportError):
                parse_activities((FIXTURES / "corpus" / entry["file"]).read_bytes())


def test_every_unreproducible_case_names_a_real_file_and_check() -> None:
    for name, metric in UNREPRODUCIBLE:
        assert name in ACTIVITY_FILES
        assert metric in CHECKS


def test_unreproducible_values_are_a_few_of_all_device_values() -> None:
    assert len(CASES) >= 80
    assert len(UNREPRODUCIBLE) <= 5


def brute_force_best_mean(values: list[float], duration_s: int) -> float:
    """The best mean over ``duration_s`` consecutive samples, longhand: every window summed from scratch."""
    return max(sum(values[i : i + duration_s]) / duration_s for i in range(len(values) - duration_s + 1))


REFERENCE_RIDES = [
    "Edge810-Vector-2013-08-16-15-35-10.fit",
    "sweatpy-4078723797-edge1000.fit",
    "2019-02-17-062644-ELEMNT-297E-195-0.fit",
    "sample-activity-indoor-trainer.fit",
    "elemnt-bolt-no-application-id-inside-developer-data-id.fit",
]
# Windows summed from scratch cost n·d; these durations keep the longhand under a few seconds per ride.
BRUTE_FORCE_DURATIONS_S = (1, 5, 30, 60, 300, 1200)


@pytest.mark.parametrize("name", REFERENCE_RIDES)
def test_power_curve_equals_a_brute_force_search(
    file_summaries: dict[str, tuple[WorkoutSummary, ...]], name: str
) -> None:
    (activity,) = DECODED[name]
    (summary,) = file_summaries[name]
    watts = np.nan_to_num(activity.power_w, nan=0.0)  # the curve's convention: no reading counts as 0 W
    curve = summary.curves.power_by_duration()
    assert summary.curves.durations_s[-1] <= activity.timer_time_s
    checked = 0
    for duration_s in BRUTE_FORCE_DURATIONS_S:
        if duration_s > watts.size:
            assert str(duration_s) not in curve
            continue
        # Longhand on a window sum updated one sample at a time (exact for whole watts), each window's
        # mean compared; the short durations also run fully from scratch.
        if duration_s <= 30:
            expected = brute_force_best_mean(watts.tolist(), duration_s)
        else:
            running = float(watts[:duration_s].sum())
            best = running
            for i in range(duration_s, watts.size):
                running += watts[i] - watts[i - duration_s]
                best = max(best, running)
            expected = best / duration_s
        assert curve[str(duration_s)] == pytest.approx(expected, abs=0.5)
        checked += 1
    assert checked >= 3
