"""The structured workout: one step model that every view and every file format renders.

A workout is a sequence of blocks; a block is a `Step` (a duration at an intensity) or a `Repeat` of blocks
(nesting allowed). Intensities are fractions of the sport's threshold, never absolute units, so one session
renders in watts for a rider with a power meter, in bpm for one without, and as pace for a runner
(`coach.workouts.targets`). The scale is the same for every sport: 1.0 is FTP for a ride and threshold *speed*
(the inverse of threshold pace) for a run, so "0.88" is sweet spot on the bike and a brisk tempo on foot.

Durations are whole seconds: every renderer (FIT milliseconds, ZWO seconds, ERG/MRC minutes, Intervals.icu
text) must give back the planned duration to the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum


class Sport(StrEnum):
    """What the session is done as; matches `Workout.type`'s families in the database."""

    RIDE = "ride"
    RUN = "run"
    SWIM = "swim"
    STRENGTH = "strength"


class StepIntensity(StrEnum):
    """The role of a step, as FIT's `intensity` and Zwift's element names know it."""

    WARMUP = "warmup"
    ACTIVE = "active"
    RECOVERY = "recovery"
    COOLDOWN = "cooldown"


class WorkoutKind(StrEnum):
    """The library's session families; `hard` ones count against the two hard days a week."""

    RECOVERY = "recovery"
    ENDURANCE = "endurance"
    LONG = "long"
    TEMPO = "tempo"
    SWEET_SPOT = "sweet_spot"
    THRESHOLD = "threshold"
    VO2MAX = "vo2max"
    ANAEROBIC = "anaerobic"
    SPRINTS = "sprints"
    STRIDES = "strides"
    TECHNIQUE = "technique"
    STRENGTH = "strength"
    RACE = "race"


HARD_KINDS = frozenset(
    {WorkoutKind.THRESHOLD, WorkoutKind.VO2MAX, WorkoutKind.ANAEROBIC, WorkoutKind.SPRINTS, WorkoutKind.RACE}
)


@dataclass(frozen=True, slots=True)
class Step:
    """``duration_s`` at ``low``…``high`` of threshold; a ramp goes from ``low`` to ``high`` over the step.

    A descending ramp (a cool-down) has ``low > high``: the pair is start → end, as in Zwift's and
    Intervals.icu's ramps. ``cue`` is the short text a head unit shows ("Settle in", "Sprint!").
    """

    duration_s: int
    intensity: StepIntensity
    low: float
    high: float
    ramp: bool = False
    cue: str = ""
    cadence_rpm: int | None = None

    def __post_init__(self) -> None:
        if self.duration_s <= 0:
            raise ValueError("a step lasts at least one second")
        if min(self.low, self.high) <= 0 or max(self.low, self.high) > 3.0:
            raise ValueError("intensity is a fraction of threshold in (0, 3]")
        if not self.ramp and self.low > self.high:
            raise ValueError("a steady step's low bound is not above its high bound")

    @property
    def start(self) -> float:
        return self.low

    @property
    def end(self) -> float:
        return self.high

    @property
    def mid(self) -> float:
        """The intensity a steady rider would hold: the middle of the range."""
        return (self.low + self.high) / 2.0

    @property
    def stress_intensity_sq(self) -> float:
        """Mean of IF² over the step (exact for a linear ramp: (a² + ab + b²) / 3; the range midpoint else)."""
        if self.ramp:
            a, b = self.low, self.high
            return (a * a + a * b + b * b) / 3.0
        return self.mid * self.mid


@dataclass(frozen=True, slots=True)
class Repeat:
    """``count`` times the ``blocks`` in order (an interval set: on, off, on, off…)."""

    count: int
    blocks: tuple[Block, ...]

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("a repeat runs at least once")
        if not self.blocks:
            raise ValueError("a repeat holds at least one step")

    @property
    def duration_s(self) -> int:
        return self.count * sum(block.duration_s for block in self.blocks)


Block = Step | Repeat


def iter_steps(blocks: tuple[Block, ...]) -> Iterator[Step]:
    """Every step in the order the athlete does them, repeats unrolled."""
    for block in blocks:
        if isinstance(block, Step):
            yield block
        else:
            for _ in range(block.count):
                yield from iter_steps(block.blocks)


def single_level(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    """The same session with at most one level of repeats: a repeat that holds a repeat is written out.

    Intervals.icu's workout text cannot nest repeats, and devices differ on nested FIT repeat steps; the innermost
    repeats (the interval sets a head unit counts down) are kept, and each outer level is unrolled around them,
    so the athlete does exactly the same steps in the same order.
    """
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Step):
            out.append(block)
        elif any(isinstance(inner, Repeat) for inner in block.blocks):
            inner_blocks = single_level(block.blocks)
            for _ in range(block.count):
                out.extend(inner_blocks)
        else:
            out.append(block)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class StructuredWorkout:
    """One session: what the plan stores, `/today` shows and every file format renders.

    ``key`` names the library entry and its parameters (``"sweet-spot-2x20"``): stable, so a file name, a
    calendar event and a planned session can be traced back to the same definition.
    """

    key: str
    sport: Sport
    kind: WorkoutKind
    title: str
    blocks: tuple[Block, ...]
    description: str = ""

    @property
    def duration_s(self) -> int:
        return sum(block.duration_s for block in self.blocks)

    @property
    def hard(self) -> bool:
        return self.kind in HARD_KINDS

    def steps(self) -> Iterator[Step]:
        return iter_steps(self.blocks)

    @property
    def intensity_factor(self) -> float:
        """IF of the planned session: the root of the time-weighted mean of IF² (as NP is to power)."""
        total = self.duration_s
        if total == 0:
            return 0.0
        weighted = sum(step.duration_s * step.stress_intensity_sq for step in self.steps())
        return float((weighted / total) ** 0.5)

    @property
    def planned_tss(self) -> float:
        """TSS the session earns when ridden as written: hours × IF² × 100 (Coggan)."""
        weighted = sum(step.duration_s * step.stress_intensity_sq for step in self.steps())
        return weighted / 3600.0 * 100.0
