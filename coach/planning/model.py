"""What goes into a plan and what comes out: plain frozen data, no I/O.

The planner (`coach.planning.build`) turns `PlanInputs` into a `Plan`; adaptation (`coach.planning.adapt`)
turns a plan and what happened into a new plan. Every number in a plan (weekly load, session TSS, targets)
is made here by the rules; the language model may only explain or choose between these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from coach.workouts.model import Sport, StructuredWorkout


class Priority(StrEnum):
    """A: the goal the plan peaks for; B: a mini-taper; C: trained through."""

    A = "A"
    B = "B"
    C = "C"


class Phase(StrEnum):
    BASE = "base"
    BUILD = "build"
    PEAK = "peak"
    TAPER = "taper"


@dataclass(frozen=True, slots=True)
class RaceGoal:
    name: str
    day: date
    priority: Priority
    sport: Sport = Sport.RIDE
    distance_km: float | None = None


@dataclass(frozen=True, slots=True)
class Availability:
    """How much the athlete can train: the plan never asks for more.

    ``max_minutes_by_weekday`` maps a weekday (0 = Monday) to the longest session that day; a weekday that is
    not a key is not a training day. ``weekly_hours`` caps the week's total.
    """

    weekly_hours: float
    max_minutes_by_weekday: Mapping[int, int]
    recovery_every: int = 4  # a recovery week every 4th (3:1) or every 3rd (2:1)
    ctl_ramp_per_week: float = 5.0  # the athlete's setting within 5…8

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(day for day, minutes in self.max_minutes_by_weekday.items() if minutes > 0)


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """Everything the planner reads. ``ctl``/``atl`` are this morning's (yesterday's end-of-day) values."""

    today: date
    sport: Sport
    ctl: float
    atl: float
    availability: Availability
    races: tuple[RaceGoal, ...] = ()
    # Sessions already done (their day and load) are kept as they were when a plan is rebuilt mid-way.
    done_tss_by_day: Mapping[date, float] = field(default_factory=dict)


class SessionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    PARTIAL = "partial"
    MISSED = "missed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class PlannedSession:
    day: date
    workout: StructuredWorkout
    status: SessionStatus = SessionStatus.PLANNED

    @property
    def planned_tss(self) -> float:
        return self.workout.planned_tss

    @property
    def duration_s(self) -> int:
        return self.workout.duration_s


@dataclass(frozen=True, slots=True)
class PlanWeek:
    start: date  # a Monday
    phase: Phase
    recovery: bool
    target_tss: float
    sessions: tuple[PlannedSession, ...]
    # Load the rules asked for that the athlete's days and hours could not carry (0: none missing).
    shortfall_tss: float = 0.0

    @property
    def planned_tss(self) -> float:
        return sum(session.planned_tss for session in self.sessions)

    @property
    def duration_s(self) -> int:
        return sum(session.duration_s for session in self.sessions)


@dataclass(frozen=True, slots=True)
class ProjectedDay:
    """The plan's projected PMC at the end of ``day`` (same-day TSB = ctl - atl)."""

    day: date
    ctl: float
    atl: float

    @property
    def tsb(self) -> float:
        return self.ctl - self.atl


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    start: date
    end: date
    race: RaceGoal | None
    weeks: tuple[PlanWeek, ...]
    projection: tuple[ProjectedDay, ...]

    def sessions(self) -> tuple[PlannedSession, ...]:
        return tuple(session for week in self.weeks for session in week.sessions)

    def session_on(self, day: date) -> PlannedSession | None:
        return next((s for s in self.sessions() if s.day == day), None)

    def week_of(self, day: date) -> PlanWeek | None:
        return next((w for w in self.weeks if w.start <= day < w.start + timedelta(days=7)), None)

    def projected(self, day: date) -> ProjectedDay | None:
        """The projected PMC at the end of ``day`` (``None`` outside the projection)."""
        return next((p for p in self.projection if p.day == day), None)

    def morning_form(self, day: date) -> float | None:
        """Readiness form on the morning of ``day``: the day before's CTL − ATL (science.md §4.3)."""
        before = self.projected(day - timedelta(days=1))
        return before.tsb if before is not None else None
