"""The demo athlete is deterministic, realistic, and ends with a real sign of fatigue."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from coach import demo
from coach.daily import recovery_series
from coach.science.recovery import Band, hrv_status

END = date(2026, 11, 25)
TZ = ZoneInfo("Europe/Berlin")


def test_same_end_date_gives_the_same_history() -> None:
    assert demo.generate("u", end=END, tz=TZ) == demo.generate("u", end=END, tz=TZ)


def test_shape_of_the_history() -> None:
    history = demo.generate("u", end=END, tz=TZ)
    assert len(history.metrics) == demo.DAYS
    assert {m["date"] for m in history.metrics} == {END - timedelta(days=i) for i in range(demo.DAYS)}
    days = [w["date"].astimezone(TZ).date() for w in history.workouts]
    assert max(days) < END, "no workout dated today or later"
    assert len(set(w["external_id"] for w in history.workouts)) == len(history.workouts)
    assert {w["type"] for w in history.workouts} == {"Ride", "Run"}
    assert all(w["tss"] > 0 for w in history.workouts)
    rides = [w for w in history.workouts if w["type"] == "Ride"]
    assert all(w["normalized_power"] >= w["average_watts"] for w in rides)
    hours = [m["hours_slept"] for m in history.metrics]
    assert sum(h < 5.5 for h in hours) == 2, "a couple of bad nights"


def test_recovery_responds_and_ends_in_fatigue() -> None:
    history = demo.generate("u", end=END, tz=TZ)

    class Row:
        def __init__(self, d: dict[str, object]) -> None:
            self.__dict__.update(d)

    hrv, rhr, _ = recovery_series([Row(m) for m in history.metrics])  # type: ignore[misc]
    status = hrv_status(hrv, END)
    assert status is not None and status.band is Band.BELOW
    last_60 = [v for d, v in rhr.items() if d > END - timedelta(days=60)]
    mean_60 = sum(last_60) / len(last_60)
    assert rhr[END] - mean_60 >= 5 and rhr[END - timedelta(days=1)] - mean_60 >= 5


def test_the_last_tired_mornings_agree_across_recovery_and_sleep() -> None:
    history = demo.generate("u", end=END, tz=TZ)
    for row in [m for m in history.metrics if m["date"] > END - timedelta(days=2)]:
        assert 10 <= row["recovery_score"] < 34, row  # in the red, not clipped to the floor
        assert row["sleep_score"] <= 85, row  # a tired morning does not sit beside a near-perfect night
