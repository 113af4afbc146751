"""Timing of the training plan against one rules-only ``/today`` assessment, measured in the same run.

Run ``python -m bench.plan``. Plans are built in the chat's own request, so they must feel instant: the
target is a full 24-week build within 100 ms on this machine. Printed, each as the best of several runs
(time.perf_counter) and as a multiple of the baseline:

- baseline: ``coach.daily.assess_rows`` for one athlete — a year of daily rides and 60 mornings of HRV,
  resting HR and sleep, already read (the rules part of ``/today``, no database);
- build: ``build_plan`` for an A race 24 weeks out, six training days, 10 h a week — cold (the library's
  session cache emptied first, as after a restart) and warm;
- rebalance: ``rebalance_week`` after the week's key session was missed.

No threshold is asserted; the target is printed beside the figure.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from coach.daily import assess_rows
from coach.planning import build as plan_build
from coach.planning.adapt import rebalance_week
from coach.planning.build import build_plan, is_quality
from coach.planning.model import Availability, PlanInputs, Priority, RaceGoal, SessionStatus
from coach.workouts import library
from coach.workouts.model import Sport
from db.models import User
from db.repositories.metrics import RecoveryRow
from db.repositories.workouts import LoadRow

TODAY = date(2026, 12, 7)
WEEKS = 24
TARGET_BUILD_S = 0.100


def best_of(repeats: int, work: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    """Shortest of ``repeats`` wall-clock runs, in seconds (``before`` runs untimed ahead of each)."""
    best = math.inf
    for _ in range(repeats):
        if before is not None:
            before()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def athlete() -> tuple[User, list[LoadRow], list[RecoveryRow], datetime]:
    user = User(id="bench", email="bench@example.invalid", timezone="Europe/Berlin", ftp=250, max_hr=185)
    now = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)
    rides = [
        LoadRow(now - timedelta(days=d, hours=14), "Ride", 3600 + 60 * (d % 5) * 10, 40.0 + (d * 7) % 60, 140, None)
        for d in range(1, 366)
    ]
    mornings = [
        RecoveryRow(TODAY - timedelta(days=d), 60.0 + (d * 3) % 9, 48 + d % 4, 7.0 + (d % 3) * 0.5) for d in range(60)
    ]
    return user, rides, mornings, now


def plan_inputs() -> PlanInputs:
    availability = Availability(
        weekly_hours=10.0, max_minutes_by_weekday={0: 60, 1: 90, 2: 60, 3: 90, 5: 240, 6: 180}, ctl_ramp_per_week=6.0
    )
    race = RaceGoal("Gran Fondo", TODAY + timedelta(weeks=WEEKS, days=6), Priority.A, distance_km=160.0)
    return PlanInputs(TODAY, Sport.RIDE, 55.0, 60.0, availability, (race,))


def clear_caches() -> None:
    library.build.cache_clear()
    plan_build._session.cache_clear()
    plan_build._min_s.cache_clear()


def format_time(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def main() -> None:
    user, rides, mornings, now = athlete()
    assessment = assess_rows(user, now=now, rows=rides, daily=mornings, check_in=None)
    assert assessment.suggestion is not None  # the baseline does the whole rules path

    inputs = plan_inputs()
    plan = build_plan(inputs)
    assert len(plan.weeks) == WEEKS + 1
    week = plan.weeks[2]
    key = next(s for s in week.sessions if is_quality(s.workout))
    morning = plan.projected(key.day)
    assert morning is not None
    done = {s.day: s.planned_tss for s in plan.sessions() if s.day < key.day}
    state = PlanInputs(
        key.day + timedelta(days=1), inputs.sport, morning.ctl, morning.atl, inputs.availability, inputs.races, done
    )
    rebalanced = rebalance_week(plan, state, missed={key.day: SessionStatus.MISSED})
    assert rebalanced.session_on(key.day) is not None

    baseline = best_of(50, lambda: assess_rows(user, now=now, rows=rides, daily=mornings, check_in=None))
    cold = best_of(5, lambda: build_plan(inputs), before=clear_caches)
    warm = best_of(10, lambda: build_plan(inputs))
    rebalance = best_of(20, lambda: rebalance_week(plan, state, missed={key.day: SessionStatus.MISSED}))

    print(f"Coach Watts plan bench: a {WEEKS}-week plan to an A race, 6 days and 10 h a week; best of N runs,")
    print("each against one rules-only /today assessment (a year of rides, 60 mornings) in the same run.\n")
    header = f"{'work':<44}{'time':>12}{'× /today':>10}{'target':>14}"
    print(header)
    print("-" * len(header))
    print(f"{'/today assessment (baseline)':<44}{format_time(baseline):>12}{1.0:>9.1f}x")
    for name, seconds, target in (
        (f"build_plan, {WEEKS} weeks, cold cache", cold, TARGET_BUILD_S),
        (f"build_plan, {WEEKS} weeks, warm cache", warm, TARGET_BUILD_S),
        ("rebalance_week after a missed key session", rebalance, None),
    ):
        target_text = f"<= {format_time(target)}" if target else ""
        print(f"{name:<44}{format_time(seconds):>12}{seconds / baseline:>9.1f}x{target_text:>14}")


if __name__ == "__main__":
    main()
