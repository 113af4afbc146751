"""Charts render to phone-sized PNGs from the demo athlete's numbers, also with sparse data and in threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from coach import charts, demo, history, i18n
from db.models import DailyMetric, User, Workout
from tests.reports.pngs import assert_readable_png

UTC = ZoneInfo("UTC")
TODAY = date(2026, 11, 25)
ATHLETE = User(id="user-1", email="user-1@telegram.invalid", timezone="UTC", ftp=demo.FTP_W, max_hr=demo.MAX_HR_BPM)


@pytest.fixture(scope="module")
def demo_rows() -> tuple[list[Workout], list[DailyMetric]]:
    generated = demo.generate("user-1", end=TODAY, tz=UTC)
    return [Workout(**r) for r in generated.workouts], [DailyMetric(**r) for r in generated.metrics]


def test_fitness_chart_of_the_demo_athlete(demo_rows: tuple[list[Workout], list[DailyMetric]]) -> None:
    loads = history.load_history_of(demo_rows[0], user=ATHLETE, end=TODAY - timedelta(days=1))
    series = history.fitness_series(loads)
    assert series is not None and len(series.days) == history.FITNESS_DAYS
    assert series.days[-1] == TODAY - timedelta(days=1)
    assert_readable_png(charts.fitness_png(series))
    for language in ("de", "es", "fr"):  # labels and the date axis in the athlete's language
        with i18n.use(language):
            assert_readable_png(charts.fitness_png(series))


def test_chart_dates_are_in_the_athlete_language() -> None:
    day = date(2026, 12, 7)
    x = float(charts._x([day])[0])
    assert charts._day_label(x) == "07 Dec"
    with i18n.use("de"):
        assert charts._day_label(x) == "07. Dez."


def test_fitness_chart_with_a_projection_and_an_event() -> None:
    days = [TODAY + timedelta(days=i) for i in range(30)]
    series = charts.FitnessSeries(
        days=days,
        ctl=[60 - i * 0.2 for i in range(30)],
        atl=[80 - i * 2 for i in range(30)],
        tsb=[-20 + i * 1.6 for i in range(30)],
        projected_from=days[3],
        event_day=days[-1],
        event_label="Gran Fondo",
    )
    assert_readable_png(charts.fitness_png(series))


def test_hrv_chart_of_the_demo_athlete(demo_rows: tuple[list[Workout], list[DailyMetric]]) -> None:
    recovery = history.recovery_history_of(demo_rows[1], today=TODAY)
    assert recovery.mornings_with_hrv == history.HRV_DAYS
    assert all(v is not None for v in recovery.series.band_low_ms)
    assert_readable_png(charts.hrv_png(recovery.series))


def test_hrv_chart_with_gaps_and_no_band_yet() -> None:
    days = [TODAY - timedelta(days=9 - i) for i in range(10)]
    series = charts.HrvSeries(
        days=days,
        rmssd_ms=[60.0, None, 58.0, 61.0, None, None, 55.0, 57.0, 59.0, 62.0],
        baseline_ms=[None, None, 59.0, 59.5, 59.5, 59.5, 58.0, 57.8, 58.0, 58.5],
        band_low_ms=[None] * 10,
        band_high_ms=[None] * 10,
        resting_hr_bpm=[48.0, 49.0, None, 47.0, 48.0, 50.0, 49.0, None, 48.0, 47.0],
        resting_hr_mean_bpm=[None] * 10,
    )
    assert_readable_png(charts.hrv_png(series))


def test_power_curve_from_ride_summaries_is_a_floor(demo_rows: tuple[list[Workout], list[DailyMetric]]) -> None:
    curve = history.summary_power_curve(demo_rows[0])
    rides = [w for w in demo_rows[0] if w.average_watts]
    assert curve.peak_w == max(w.max_watts or 0 for w in rides)
    assert curve.durations_s[0] == min(w.duration_sec for w in rides)
    assert curve.durations_s[-1] == max(w.duration_sec for w in rides)
    # Non-increasing with duration, and every point is a ride that really lasted that long at that average.
    assert list(curve.power_w) == sorted(curve.power_w, reverse=True)
    for duration, watts in zip(curve.durations_s, curve.power_w, strict=True):
        assert any(w.duration_sec >= duration and w.average_watts == watts for w in rides)
    assert not curve.from_streams
    assert_readable_png(charts.power_curve_png(curve))


def test_power_curve_without_rides_still_renders_the_peak() -> None:
    curve = charts.PowerCurve(durations_s=[], power_w=[], peak_w=640.0, from_streams=False)
    assert_readable_png(charts.power_curve_png(curve))


def test_rendering_in_parallel_threads_gives_identical_images(
    demo_rows: tuple[list[Workout], list[DailyMetric]],
) -> None:
    """No pyplot state is shared: the same input renders the same bytes whatever runs beside it."""
    loads = history.load_history_of(demo_rows[0], user=ATHLETE, end=TODAY - timedelta(days=1))
    series = history.fitness_series(loads)
    recovery = history.recovery_history_of(demo_rows[1], today=TODAY).series
    assert series is not None
    alone = charts.fitness_png(series), charts.hrv_png(recovery)
    with ThreadPoolExecutor(max_workers=4) as pool:
        jobs = [
            pool.submit(charts.fitness_png, series) if i % 2 == 0 else pool.submit(charts.hrv_png, recovery)
            for i in range(8)
        ]
        results = [job.result() for job in jobs]
    assert all(r == alone[i % 2] for i, r in enumerate(results))
