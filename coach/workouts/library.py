"""The workout library: parameterised sessions that fill a requested duration to the second.

Every builder takes a sport, a duration in whole seconds and (for interval sessions) an optional repeat count,
and returns a `StructuredWorkout` whose ``duration_s`` is exactly the duration asked, or ``None`` when the
session cannot fit (below its minimum). The tolerance is therefore zero above the minimum; the planner asks in
5-minute units, so every session it shows is a round number of minutes.

How a session fills its time: a warm-up (10 min, growing to 15 min), the main set, then endurance riding
(or easy running) as filler, then a cool-down (5 min, taking up to 5 min of odd remainder). The main set is the
largest of the family's classic sets that fits: ``sweet-spot-3x20`` in two hours, ``sweet-spot-2x15`` in 45
minutes. So a longer day gives the same quality work plus aerobic volume, as coaches prescribe it, rather
than ever more intervals.

Intensities are fractions of threshold (FTP for a ride, threshold *speed* for a run, CSS for a swim):

- ride, Coggan's zones (science.md §1.4): recovery 45–55 %, endurance 60–72 %, tempo 78–87 %, sweet spot
  88–94 % (the band IntervalCoach and others use), threshold 95–100 % and over-unders 92–95 %/103–108 %,
  VO2max 106–120 % (Coggan Z5), anaerobic 125–140 % (Z6), sprints 150–250 % (Z7, "all out");
- run, Friel's pace zones read as speed (Z2 = 114–129 % of threshold pace ≈ 78–88 % of threshold speed):
  recovery 65–75 %, easy 75–83 %, tempo 88–93 %, threshold 97–101 %, VO2 104–110 %, strides 115–130 %;
- swim, % of CSS speed: easy 70–80 %, drills 65–75 %, threshold 95–102 %; strength is one moderate block.

`easier` derives the readiness variants (fewer repeats, same-time endurance, active recovery, rest).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import lru_cache

from coach.i18n import N_, t
from coach.workouts.model import Block, Repeat, Sport, Step, StepIntensity, StructuredWorkout, WorkoutKind

MINUTE_S = 60
WARMUP_S = 10 * MINUTE_S
WARMUP_EXTRA_S = 5 * MINUTE_S  # a long day's warm-up grows to 15 min before any filler is added
COOLDOWN_S = 5 * MINUTE_S
MIN_FILLER_S = 5 * MINUTE_S  # less than this is added to the cool-down rather than a step of its own
MIN_STEADY_S = 15 * MINUTE_S  # an endurance session's steady part
ACTIVE_RECOVERY_MAX_S = 45 * MINUTE_S  # Z1 spins and jogs of 20–45 min (Friel: "active recovery")
RECOVERY_MIN_S = 20 * MINUTE_S
SESSION_STEP_S = 5 * MINUTE_S  # the planner's unit: every planned session is a whole number of these
MODIFY_SHARE = 2 / 3  # readiness *modify*: about a third less work
OPENERS_KEY = "openers-3x1"
OPENERS_TITLE = N_("Openers 3 × 1 min")


@dataclass(frozen=True, slots=True)
class Band:
    low: float
    high: float


@dataclass(frozen=True, slots=True)
class SportZones:
    """The intensities every session of one sport is written with (fractions of threshold)."""

    warmup: tuple[float, float]  # ramp start → end
    cooldown: tuple[float, float]
    recovery: Band
    easy: Band
    long: Band
    rest_between: Band  # the easy part of an interval set


ZONES: dict[Sport, SportZones] = {
    Sport.RIDE: SportZones(
        warmup=(0.50, 0.75),
        cooldown=(0.60, 0.45),
        recovery=Band(0.45, 0.55),
        easy=Band(0.60, 0.72),
        long=Band(0.60, 0.70),
        rest_between=Band(0.50, 0.55),
    ),
    Sport.RUN: SportZones(
        warmup=(0.65, 0.80),
        cooldown=(0.78, 0.65),
        recovery=Band(0.65, 0.75),
        easy=Band(0.75, 0.83),
        long=Band(0.74, 0.82),
        rest_between=Band(0.65, 0.72),
    ),
    Sport.SWIM: SportZones(
        warmup=(0.65, 0.78),
        cooldown=(0.75, 0.65),
        recovery=Band(0.60, 0.70),
        easy=Band(0.70, 0.80),
        long=Band(0.70, 0.78),
        rest_between=Band(0.60, 0.65),
    ),
    Sport.STRENGTH: SportZones(
        warmup=(0.40, 0.50),
        cooldown=(0.50, 0.40),
        recovery=Band(0.40, 0.45),
        easy=Band(0.50, 0.60),
        long=Band(0.50, 0.60),
        rest_between=Band(0.40, 0.45),
    ),
}

# The intensity from which a step counts as quality work (tempo and above): Coggan Z3 starts at 76 % FTP; a
# run's Z3 (Friel) at about 88 % of threshold speed. Used for the intensity distribution of a week.
QUALITY_FLOOR = {Sport.RIDE: 0.76, Sport.RUN: 0.87, Sport.SWIM: 0.87, Sport.STRENGTH: 3.0}


@dataclass(frozen=True, slots=True)
class IntervalSet:
    """``reps`` × (``on_s`` at the family's band, ``off_s`` easy); ``inner`` nests a set inside each rep."""

    reps: int
    on_s: int
    off_s: int
    inner: IntervalSet | None = None
    between_s: int = 0  # after each outer rep when ``inner`` is set

    @property
    def duration_s(self) -> int:
        if self.inner is not None:
            return self.reps * (self.inner.duration_s + self.between_s)
        return self.reps * (self.on_s + self.off_s)


@dataclass(frozen=True, slots=True)
class Family:
    """One library entry: a kind of session with its classic sets, largest first."""

    slug: str
    sport: Sport
    kind: WorkoutKind
    name: str
    on: Band
    sets: tuple[IntervalSet, ...]
    purpose: str
    cue: str = ""  # what a head unit shows during the work (the family's name when empty)
    off: Band | None = None  # nested sets: the "under" of over-unders
    off_cue: str = N_("Easy")

    @property
    def on_cue(self) -> str:
        return self.cue or self.name


def _minutes(seconds: int) -> str:
    return f"{seconds // MINUTE_S}" if seconds % MINUTE_S == 0 else f"{seconds}s"


def _set_label(interval_set: IntervalSet) -> str:
    """The key's parameter part: ``2x20``, ``8x1``, ``3x4x15s``, ``3x3x2+1``."""
    if interval_set.inner is not None:
        inner = interval_set.inner
        if inner.off_s and inner.on_s != inner.off_s and inner.on_s >= MINUTE_S:
            return f"{interval_set.reps}x{inner.reps}x{_minutes(inner.on_s)}+{_minutes(inner.off_s)}"
        return f"{interval_set.reps}x{inner.reps}x{_minutes(inner.on_s)}"
    return f"{interval_set.reps}x{_minutes(interval_set.on_s)}"


def _m(minutes: float) -> int:
    return round(minutes * MINUTE_S)


def _sets(*triples: tuple[int, float, float]) -> tuple[IntervalSet, ...]:
    return tuple(IntervalSet(reps, _m(on), _m(off)) for reps, on, off in triples)


_ALL_FAMILIES = (
    Family(
        "tempo",
        Sport.RIDE,
        WorkoutKind.TEMPO,
        N_("Tempo"),
        Band(0.78, 0.87),
        _sets((3, 20, 5), (3, 15, 5), (2, 20, 5), (2, 15, 5), (3, 10, 5), (2, 10, 5)),
        N_("Steady tempo builds aerobic power and fatigue resistance (Coggan Z3)."),
    ),
    Family(
        "sweet-spot",
        Sport.RIDE,
        WorkoutKind.SWEET_SPOT,
        N_("Sweet spot"),
        Band(0.88, 0.94),
        _sets((3, 20, 5), (2, 20, 5), (3, 15, 5), (3, 12, 4), (2, 15, 5), (2, 12, 4), (2, 10, 4)),
        N_("Sweet spot: much of threshold's stimulus for less fatigue (88–94 % FTP)."),
    ),
    Family(
        "threshold",
        Sport.RIDE,
        WorkoutKind.THRESHOLD,
        N_("Threshold"),
        Band(0.95, 1.00),
        _sets((2, 20, 5), (3, 12, 5), (4, 8, 4), (3, 8, 4), (2, 10, 5), (2, 8, 4)),
        N_("Threshold intervals raise the power you can hold for an hour (95–100 % FTP)."),
    ),
    Family(
        "vo2max",
        Sport.RIDE,
        WorkoutKind.VO2MAX,
        N_("VO2max"),
        Band(1.06, 1.20),
        _sets((5, 4, 4), (4, 4, 4), (5, 3, 3), (4, 3, 3), (3, 3, 3)),
        N_("VO2max intervals raise the ceiling: hard 3–4 min efforts with equal recovery (106–120 % FTP)."),
    ),
    Family(
        "anaerobic",
        Sport.RIDE,
        WorkoutKind.ANAEROBIC,
        N_("Anaerobic"),
        Band(1.25, 1.40),
        _sets((8, 1, 2), (6, 1, 2), (5, 1, 2), (4, 1, 2)),
        N_("One-minute efforts for anaerobic capacity, for the attacks and short climbs of a race."),
    ),
    Family(
        "sprints",
        Sport.RIDE,
        WorkoutKind.SPRINTS,
        N_("Sprints"),
        Band(1.50, 2.50),
        tuple(
            IntervalSet(outer, 0, 0, inner=IntervalSet(inner, 15, 165), between_s=5 * MINUTE_S)
            for outer, inner in ((3, 4), (2, 4), (2, 3), (1, 4))
        ),
        N_("Sets of all-out 15-second sprints with full recovery: neuromuscular power."),
        cue=N_("Sprint!"),
    ),
    Family(
        "tempo-run",
        Sport.RUN,
        WorkoutKind.TEMPO,
        N_("Tempo run"),
        Band(0.88, 0.93),
        _sets((3, 12, 3), (2, 15, 3), (2, 12, 3), (2, 10, 2), (2, 8, 2)),
        N_("Comfortably hard tempo running: aerobic strength at a pace you could hold for about 90 minutes."),
    ),
    Family(
        "threshold-run",
        Sport.RUN,
        WorkoutKind.THRESHOLD,
        N_("Threshold intervals"),
        Band(0.97, 1.01),
        _sets((4, 8, 2), (5, 6, 2), (3, 8, 2), (4, 5, 2), (3, 5, 2)),
        N_("Cruise intervals at threshold pace with short jogs (Daniels' T pace)."),
    ),
    Family(
        "vo2-run",
        Sport.RUN,
        WorkoutKind.VO2MAX,
        N_("VO2 intervals"),
        Band(1.04, 1.10),
        _sets((6, 3, 3), (5, 3, 3), (4, 3, 3), (4, 2, 2)),
        N_("Three-minute repeats around 3–5 km race pace with equal jogs (Daniels' I pace)."),
    ),
    Family(
        "strides",
        Sport.RUN,
        WorkoutKind.STRIDES,
        N_("Easy run with strides"),
        Band(1.15, 1.30),
        _sets((8, 20 / 60, 100 / 60), (6, 20 / 60, 100 / 60), (4, 20 / 60, 100 / 60)),
        N_("Relaxed fast strides keep the legs quick without fatigue."),
        cue=N_("Stride"),
    ),
    Family(
        "css",
        Sport.SWIM,
        WorkoutKind.THRESHOLD,
        N_("CSS intervals"),
        Band(0.95, 1.02),
        _sets((10, 2, 0.5), (8, 2, 0.5), (6, 2, 0.5), (4, 2, 0.5)),
        N_("Repeats at critical swim speed with short rests."),
    ),
    Family(
        "over-unders",
        Sport.RIDE,
        WorkoutKind.THRESHOLD,
        N_("Over-unders"),
        Band(0.92, 0.95),  # the "under", first in each pair; the "over" is ``off``
        tuple(
            IntervalSet(outer, 0, 0, inner=IntervalSet(inner, 2 * MINUTE_S, MINUTE_S), between_s=5 * MINUTE_S)
            for outer, inner in ((3, 4), (3, 3), (2, 4), (2, 3))
        ),
        N_("Over-unders: 2 min just under threshold, 1 min over, so the legs learn to clear a surge."),
        cue=N_("Under"),
        off=Band(1.03, 1.08),
        off_cue=N_("Over"),
    ),
)

FAMILIES_BY_SLUG = {family.slug: family for family in _ALL_FAMILIES}
# Variants (over-unders share a ride's threshold day with plain threshold sets) are asked for by slug.
_VARIANTS = frozenset({"over-unders"})
FAMILIES: dict[tuple[Sport, WorkoutKind], Family] = {
    (family.sport, family.kind): family for family in _ALL_FAMILIES if family.slug not in _VARIANTS
}

_STEADY_NAMES = {
    (Sport.RIDE, WorkoutKind.RECOVERY): ("recovery-ride", N_("Recovery ride")),
    (Sport.RIDE, WorkoutKind.ENDURANCE): ("endurance", N_("Endurance ride")),
    (Sport.RIDE, WorkoutKind.LONG): ("long-endurance", N_("Long endurance ride")),
    (Sport.RUN, WorkoutKind.RECOVERY): ("recovery-run", N_("Recovery jog")),
    (Sport.RUN, WorkoutKind.ENDURANCE): ("easy-run", N_("Easy run")),
    (Sport.RUN, WorkoutKind.LONG): ("long-run", N_("Long run")),
    (Sport.SWIM, WorkoutKind.RECOVERY): ("easy-swim", N_("Easy swim")),
    (Sport.SWIM, WorkoutKind.ENDURANCE): ("endurance-swim", N_("Endurance swim")),
    (Sport.SWIM, WorkoutKind.LONG): ("long-swim", N_("Long swim")),
    (Sport.STRENGTH, WorkoutKind.RECOVERY): ("mobility", N_("Mobility")),
    (Sport.STRENGTH, WorkoutKind.ENDURANCE): ("strength", N_("Strength")),
    (Sport.STRENGTH, WorkoutKind.LONG): ("strength", N_("Strength")),
    (Sport.STRENGTH, WorkoutKind.STRENGTH): ("strength", N_("Strength")),
}
_STEADY_PURPOSE = {
    WorkoutKind.RECOVERY: N_("Very easy: blood flow without load, so tomorrow's training counts."),
    WorkoutKind.ENDURANCE: N_("Aerobic base: conversational effort, the bulk of an endurance athlete's training."),
    WorkoutKind.LONG: N_("The week's long session: endurance, fat use and durability at an easy, steady effort."),
    WorkoutKind.STRENGTH: N_("Strength and stability work: the usual gym routine, moderate effort."),
    WorkoutKind.TECHNIQUE: N_("Technique: drills between easy swimming."),
}


def _warmup(sport: Sport, duration_s: int) -> Step:
    start, end = ZONES[sport].warmup
    return Step(duration_s, StepIntensity.WARMUP, start, end, ramp=True, cue=N_("Warm up"))


def _cooldown(sport: Sport, duration_s: int) -> Step:
    start, end = ZONES[sport].cooldown
    return Step(duration_s, StepIntensity.COOLDOWN, start, end, ramp=True, cue=N_("Cool down"))


def _steady(duration_s: int, band: Band, cue: str = "") -> Step:
    return Step(duration_s, StepIntensity.ACTIVE, band.low, band.high, cue=cue)


def _frame(sport: Sport, main: tuple[Block, ...], main_s: int, duration_s: int) -> tuple[Block, ...] | None:
    """Warm-up, ``main``, filler at endurance and cool-down: exactly ``duration_s``, or ``None`` if it cannot fit."""
    extra = duration_s - WARMUP_S - main_s - COOLDOWN_S
    if extra < 0:
        return None
    warmup_s = WARMUP_S + min(extra, WARMUP_EXTRA_S)
    extra -= warmup_s - WARMUP_S
    filler_s, cooldown_s = (extra, COOLDOWN_S) if extra >= MIN_FILLER_S else (0, COOLDOWN_S + extra)
    blocks: list[Block] = [_warmup(sport, warmup_s), *main]
    if filler_s:
        blocks.append(_steady(filler_s, ZONES[sport].easy, cue=N_("Easy, steady")))
    blocks.append(_cooldown(sport, cooldown_s))
    return tuple(blocks)


def _main_set(family: Family, interval_set: IntervalSet) -> Repeat:
    zones = ZONES[family.sport]
    rest = zones.rest_between
    if interval_set.inner is not None:
        inner = interval_set.inner
        under = family.off or rest
        inner_blocks = (
            Step(inner.on_s, StepIntensity.ACTIVE, family.on.low, family.on.high, cue=family.on_cue),
            Step(
                inner.off_s,
                StepIntensity.ACTIVE if family.off else StepIntensity.RECOVERY,
                under.low,
                under.high,
                cue=family.off_cue,
            ),
        )
        outer: list[Block] = [Repeat(inner.reps, inner_blocks)]
        if interval_set.between_s:
            outer.append(Step(interval_set.between_s, StepIntensity.RECOVERY, rest.low, rest.high, cue=N_("Easy")))
        return Repeat(interval_set.reps, tuple(outer))
    on = Step(interval_set.on_s, StepIntensity.ACTIVE, family.on.low, family.on.high, cue=family.on_cue)
    off = Step(interval_set.off_s, StepIntensity.RECOVERY, rest.low, rest.high, cue=N_("Easy"))
    return Repeat(interval_set.reps, (on, off))


def _set_title(interval_set: IntervalSet) -> str:
    """``2 × 20 min``, ``3 × 4 × 15 s``, ``3 × 4 × (2 + 1 min)`` (pairs of working steps)."""
    if interval_set.inner is not None:
        inner = interval_set.inner
        if inner.on_s % MINUTE_S == 0 and inner.off_s % MINUTE_S == 0 and inner.off_s < inner.on_s:
            pair = f"({inner.on_s // MINUTE_S} + {inner.off_s // MINUTE_S} min)"
            return f"{interval_set.reps} × {inner.reps} × {pair}"
        return f"{interval_set.reps} × {inner.reps} × {_duration_words(inner.on_s)}"
    return f"{interval_set.reps} × {_duration_words(interval_set.on_s)}"


def _duration_words(seconds: int) -> str:
    if seconds % MINUTE_S == 0:
        return f"{seconds // MINUTE_S} min"
    return f"{seconds} s"


def interval_session(
    family: Family, duration_s: int, *, reps: int | None = None, interval_set: IntervalSet | None = None
) -> StructuredWorkout | None:
    """The family's largest set that fits ``duration_s`` (at most ``reps`` repeats), framed to the second."""
    candidates = (interval_set,) if interval_set is not None else family.sets
    for candidate in candidates:
        if candidate is None or (reps is not None and candidate.reps > reps):
            continue
        main = _main_set(family, candidate)
        blocks = _frame(family.sport, (main,), main.duration_s, duration_s)
        if blocks is None:
            continue
        return StructuredWorkout(
            key=f"{family.slug}-{_set_label(candidate)}",
            sport=family.sport,
            kind=family.kind,
            title=f"{family.name} {_set_title(candidate)}",
            blocks=blocks,
            description=family.purpose,
        )
    return None


def steady_session(sport: Sport, kind: WorkoutKind, duration_s: int) -> StructuredWorkout | None:
    """Recovery, endurance or long: one steady block between warm-up and cool-down (recovery: one block)."""
    slug, name = _STEADY_NAMES[(sport, kind)]
    zones = ZONES[sport]
    minutes = duration_s // MINUTE_S
    key = f"{slug}-{minutes}m" if duration_s % MINUTE_S == 0 else f"{slug}-{duration_s}s"
    purpose = _STEADY_PURPOSE.get(kind, "")
    if kind is WorkoutKind.RECOVERY:
        if duration_s < RECOVERY_MIN_S:
            return None
        blocks: tuple[Block, ...] = (_steady(duration_s, zones.recovery, cue=N_("Very easy")),)
        return StructuredWorkout(key, sport, kind, name, blocks, purpose)
    band = zones.long if kind is WorkoutKind.LONG else zones.easy
    steady_s = duration_s - WARMUP_S - COOLDOWN_S
    if steady_s < MIN_STEADY_S:
        return None
    blocks = (_warmup(sport, WARMUP_S), _steady(steady_s, band, cue=N_("Easy, steady")), _cooldown(sport, COOLDOWN_S))
    out_kind = WorkoutKind.STRENGTH if sport is Sport.STRENGTH else kind
    return StructuredWorkout(key, sport, out_kind, name, blocks, purpose)


def openers(sport: Sport, duration_s: int) -> StructuredWorkout | None:
    """The day before a race: easy with 3 × 1 min at race pace (Friel's "openers"), not a hard day."""
    zones = ZONES[sport]
    effort = Band(1.00, 1.05) if sport is Sport.RIDE else Band(0.98, 1.03)
    main = Repeat(
        3,
        (
            Step(MINUTE_S, StepIntensity.ACTIVE, effort.low, effort.high, cue=N_("Race pace")),
            Step(2 * MINUTE_S, StepIntensity.RECOVERY, zones.rest_between.low, zones.rest_between.high),
        ),
    )
    blocks = _frame(sport, (main,), main.duration_s, duration_s)
    if blocks is None:
        return None
    return StructuredWorkout(
        OPENERS_KEY,
        sport,
        WorkoutKind.ENDURANCE,
        OPENERS_TITLE,
        blocks,
        N_("The day before a race: easy, with three short race-pace efforts to wake the legs up."),
    )


def race_session(sport: Sport, name: str, duration_s: int, intensity: float) -> StructuredWorkout:
    """The race itself as one block at the intensity its duration allows (its load counts in the plan)."""
    step = Step(duration_s, StepIntensity.ACTIVE, intensity, intensity, cue=N_("Race"))
    return StructuredWorkout(
        "race",
        sport,
        WorkoutKind.RACE,
        name,
        (step,),
        N_("Race day: the session is the race."),
    )


_STEADY_KINDS = frozenset({WorkoutKind.RECOVERY, WorkoutKind.ENDURANCE, WorkoutKind.LONG, WorkoutKind.STRENGTH})


def family_for(sport: Sport, kind: WorkoutKind, variant: str | None = None) -> Family | None:
    if variant is not None:
        return FAMILIES_BY_SLUG.get(variant)
    return FAMILIES.get((sport, kind))


@lru_cache(maxsize=8192)
def build(
    kind: WorkoutKind, sport: Sport, duration_s: int, *, variant: str | None = None, reps: int | None = None
) -> StructuredWorkout | None:
    """The library's ``kind`` session for ``sport`` lasting exactly ``duration_s``; ``None`` if it cannot fit.

    Sports without the kind fall back to what they have: a swim's hard day is CSS intervals, strength is always
    one block. Results are cached: workouts are immutable and the planner asks for the same few durations.
    """
    if sport is Sport.STRENGTH or kind is WorkoutKind.STRENGTH:
        steady_kind = WorkoutKind.RECOVERY if kind is WorkoutKind.RECOVERY else WorkoutKind.STRENGTH
        return steady_session(Sport.STRENGTH, steady_kind, duration_s)
    if kind in _STEADY_KINDS:
        return steady_session(sport, kind, duration_s)
    family = family_for(sport, kind, variant)
    if family is None and sport is Sport.SWIM and kind is not WorkoutKind.RACE:
        family = FAMILIES_BY_SLUG["css"]  # a swim's quality day, whatever the kind asked for
    if family is None:
        return None
    return interval_session(family, duration_s, reps=reps)


def minimum_duration_s(kind: WorkoutKind, sport: Sport, *, variant: str | None = None) -> int:
    """The shortest session ``build`` can make, for the planner to know which days can hold what."""
    if sport is Sport.STRENGTH or kind in _STEADY_KINDS:
        if kind is WorkoutKind.RECOVERY:
            return RECOVERY_MIN_S
        return WARMUP_S + MIN_STEADY_S + COOLDOWN_S
    family = family_for(sport, kind, variant) or (FAMILIES_BY_SLUG["css"] if sport is Sport.SWIM else None)
    if family is None:
        raise ValueError(f"the library has no {kind} session for {sport}")
    return min(s.duration_s for s in family.sets) + WARMUP_S + COOLDOWN_S


class Easing(StrEnum):
    """How a session is made easier (the readiness actions that keep a session)."""

    FEWER_REPEATS = "fewer_repeats"
    ENDURANCE = "endurance"
    ACTIVE_RECOVERY = "active_recovery"
    REST = "rest"


def _main_repeat_index(blocks: tuple[Block, ...]) -> int | None:
    repeats = [(block.duration_s, i) for i, block in enumerate(blocks) if isinstance(block, Repeat)]
    return max(repeats)[1] if repeats else None


def fewer_repeats(workout: StructuredWorkout) -> StructuredWorkout:
    """About a third fewer repeats of the main set (at least one fewer, at least one left); shorter by that much.

    A session without repeats (or with a single one left) is shortened by a third instead, to no less than the
    library's minimum; a session that short stays as it is.
    """
    index = _main_repeat_index(workout.blocks)
    if index is not None:
        main = workout.blocks[index]
        assert isinstance(main, Repeat)
        if main.count > 1:
            count = main.count - max(1, main.count // 3)
            blocks = (*workout.blocks[:index], Repeat(count, main.blocks), *workout.blocks[index + 1 :])
            key = re.sub(rf"-{main.count}x", f"-{count}x", workout.key, count=1)
            title = workout.title.replace(f"{main.count} × ", f"{count} × ", 1)
            return StructuredWorkout(key, workout.sport, workout.kind, title, blocks, workout.description)
    shorter_s = int(workout.duration_s * MODIFY_SHARE) // SESSION_STEP_S * SESSION_STEP_S
    kind = workout.kind if workout.kind in _STEADY_KINDS else WorkoutKind.ENDURANCE
    return build(kind, workout.sport, shorter_s) or workout


def same_time_endurance(workout: StructuredWorkout) -> StructuredWorkout:
    """An endurance session of the same duration (readiness *reduce intensity*); recovery if too short."""
    return build(WorkoutKind.ENDURANCE, workout.sport, workout.duration_s) or active_recovery(workout)


def active_recovery(workout: StructuredWorkout) -> StructuredWorkout:
    """A Z1 session of at most 45 min and no longer than the session it replaces (at least 20 min)."""
    duration_s = max(RECOVERY_MIN_S, min(workout.duration_s, ACTIVE_RECOVERY_MAX_S))
    session = build(WorkoutKind.RECOVERY, workout.sport, duration_s)
    assert session is not None
    return session


EASINGS: dict[Easing, Callable[[StructuredWorkout], StructuredWorkout]] = {
    Easing.FEWER_REPEATS: fewer_repeats,
    Easing.ENDURANCE: same_time_endurance,
    Easing.ACTIVE_RECOVERY: active_recovery,
}


def easier(workout: StructuredWorkout, easing: Easing) -> StructuredWorkout | None:
    """The easier variant of ``workout``; ``None`` for rest (no session)."""
    if easing is Easing.REST:
        return None
    return EASINGS[easing](workout)


def quality_seconds(workout: StructuredWorkout) -> int:
    """Time at tempo or above, warm-ups and cool-downs aside: the "hard" side of the intensity distribution."""
    floor = QUALITY_FLOOR[workout.sport]
    return sum(
        step.duration_s
        for step in workout.steps()
        if step.intensity is StepIntensity.ACTIVE and max(step.low, step.high) >= floor
    )


# --------------------------------------------------------------------------- in the athlete's language

# A session is stored and compared in English (its title, description and cues are the library's own words);
# the athlete reads it in their language. Every name a title can start with, longest first, so "Tempo run
# 2 × 15 min" is read as "Tempo run" and not as "Tempo".
_TITLE_NAMES = tuple(
    sorted(
        {family.name for family in _ALL_FAMILIES} | {name for _, name in _STEADY_NAMES.values()} | {OPENERS_TITLE},
        key=len,
        reverse=True,
    )
)


def _translated(text: str) -> str:
    """A library text in the current language; any other text (a race's name, an old wording) as it is."""
    return t(text) if text.strip() else text


def title_text(workout: StructuredWorkout) -> str:
    """``Sweet spot 2 × 20 min`` in the athlete's language: the library name translated, the set kept."""
    return stored_title_text(workout.title, workout.kind)


def stored_title_text(title: str, kind: str) -> str:
    """A stored session title (a planned row's ``title`` and ``kind``) in the athlete's language."""
    if kind == WorkoutKind.RACE:
        return title  # the race's own name
    for name in _TITLE_NAMES:
        if title == name:
            return t(name)
        if title.startswith(name + " "):
            return t(name) + title[len(name) :]
    return title


def description_text(workout: StructuredWorkout) -> str:
    return _translated(workout.description)


def cue_text(cue: str) -> str:
    """A step's cue (``Warm up``, ``Sprint!``) in the athlete's language."""
    return _translated(cue)


def _localized_blocks(blocks: tuple[Block, ...]) -> tuple[Block, ...]:
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Repeat):
            out.append(Repeat(block.count, _localized_blocks(block.blocks)))
        elif block.cue:
            out.append(replace(block, cue=cue_text(block.cue)))
        else:
            out.append(block)
    return tuple(out)


def localized(workout: StructuredWorkout) -> StructuredWorkout:
    """The same session with its title, description and step cues in the athlete's language: what a workout
    file or a calendar event shows. Its key, steps and targets are those of ``workout``."""
    return StructuredWorkout(
        workout.key,
        workout.sport,
        workout.kind,
        title_text(workout),
        _localized_blocks(workout.blocks),
        description_text(workout),
    )
