"""A session in the athlete's own units: watts from FTP, bpm without a power meter, pace for a runner."""

from __future__ import annotations

from coach.workouts.describe import duration_text, session_text, step_lines
from coach.workouts.library import build
from coach.workouts.model import Sport, WorkoutKind
from coach.workouts.targets import Thresholds


def sweet_spot():  # type: ignore[no-untyped-def]
    workout = build(WorkoutKind.SWEET_SPOT, Sport.RIDE, 75 * 60)
    assert workout is not None
    return workout


def test_watts_follow_from_ftp() -> None:
    # 88–94 % of 250 W is 220–235 W; the session is 75 min and 75.6 TSS (shown to the nearest 5).
    text = session_text(sweet_spot(), Thresholds(ftp_w=250))
    assert text == "2 × 20 min at 220–235 W, 5 min easy between; 1 h 15 min, ~75 TSS"
    assert session_text(sweet_spot(), Thresholds(ftp_w=300)).startswith("2 × 20 min at 264–282 W")


def test_heart_rate_without_a_power_meter() -> None:
    thresholds = Thresholds(ftp_w=250, lthr_bpm=165, has_power_meter=False)
    # Zone bounds map linearly: 0.88 FTP → 0.83 + 0.11 × 13/15 = 0.9253 LTHR → 153 bpm;
    # 0.94 FTP → 0.94 + 0.11 × 4/15 = 0.9693 LTHR → 160 bpm.
    assert session_text(sweet_spot(), thresholds).startswith("2 × 20 min at 153–160 bpm")


def test_pace_for_a_runner_in_km_or_miles() -> None:
    workout = build(WorkoutKind.THRESHOLD, Sport.RUN, 60 * 60)
    assert workout is not None and workout.key == "threshold-run-4x8"
    # Threshold 4:00/km: 97–101 % of threshold speed is 3:58–4:07 per km, 6:22–6:38 per mile.
    metric = session_text(workout, Thresholds(threshold_pace_s_per_km=240.0))
    assert metric == "4 × 8 min at 3:58–4:07 /km, 2 min easy between; 1 h, ~75 TSS"
    imperial = session_text(workout, Thresholds(threshold_pace_s_per_km=240.0, imperial=True))
    assert imperial.startswith("4 × 8 min at 6:22–6:38 /mi")


def test_without_thresholds_the_effort_is_a_share_of_threshold() -> None:
    assert session_text(sweet_spot(), Thresholds()).startswith("2 × 20 min at 88–94 % of threshold")


def test_steps_and_durations() -> None:
    lines = step_lines(sweet_spot(), Thresholds(ftp_w=250))
    assert lines[0] == "Warm up: 15 min at 125→188 W"
    assert lines[1] == "2 ×"
    assert lines[2].startswith("  ") and "220–235 W" in lines[2]
    assert lines[-1] == "Cool down: 5 min at 150→112 W"
    assert duration_text(4500) == "1 h 15 min"
    assert duration_text(90) == "1 min 30 s"
    assert duration_text(15) == "15 s"
