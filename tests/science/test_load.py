import pytest

from coach.science.load import (
    DEFAULT_ESTIMATED_TSS_PER_HOUR,
    LoadMethod,
    TrainingLoad,
    estimated_tss_per_hour,
    training_load,
)


def test_power_tss_comes_first() -> None:
    load = training_load(duration_s=3600, sport="cycling", power_tss=85.0, hrss=70.0)
    assert load == TrainingLoad(value=85.0, method=LoadMethod.POWER)


def test_hrss_when_there_is_no_power() -> None:
    load = training_load(duration_s=3600, sport="running", hrss=70.0)
    assert load == TrainingLoad(value=70.0, method=LoadMethod.HEART_RATE)


@pytest.mark.parametrize(
    ("sport", "duration_s", "expected"),
    [
        ("cycling", 3600, 50.0),
        ("Ride", 5400, 75.0),
        ("VirtualRide", 1800, 25.0),
        ("running", 3600, 60.0),
        ("Trail Run", 3600, 60.0),
        ("walking", 7200, 40.0),
        ("WeightTraining", 2700, 30.0),
        ("swimming", 3600, 50.0),
        ("paragliding", 3600, DEFAULT_ESTIMATED_TSS_PER_HOUR),
        (None, 3600, DEFAULT_ESTIMATED_TSS_PER_HOUR),
    ],
)
def test_estimate_is_duration_times_the_sports_rate(sport: str | None, duration_s: int, expected: float) -> None:
    load = training_load(duration_s=duration_s, sport=sport)
    assert load.method is LoadMethod.ESTIMATE
    assert load.value == pytest.approx(expected)


def test_zero_power_tss_is_still_a_power_load() -> None:
    # A measured zero (a spin on the trainer at 0 W) is not "missing".
    assert training_load(duration_s=600, sport="cycling", power_tss=0.0).method is LoadMethod.POWER


def test_negative_duration_estimates_nothing() -> None:
    assert training_load(duration_s=-5, sport="cycling").value == 0.0


def test_load_method_values_are_the_stored_labels() -> None:
    assert [method.value for method in LoadMethod] == ["power", "heart_rate", "estimate"]
    assert estimated_tss_per_hour("CYCLING") == 50.0
