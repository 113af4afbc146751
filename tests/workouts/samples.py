"""The four sessions the round-trip tests name (power ride, heart-rate ride, pace run, nested repeats) and a
hypothesis strategy for random structured workouts."""

from __future__ import annotations

import re

from hypothesis import strategies as st

from coach.workouts.model import Block, Repeat, Sport, Step, StepIntensity, StructuredWorkout, WorkoutKind
from coach.workouts.targets import Thresholds

W = StepIntensity

POWER = Thresholds(ftp_w=263, lthr_bpm=168)
HR_ONLY = Thresholds(ftp_w=None, lthr_bpm=171, has_power_meter=False)
RUNNER = Thresholds(threshold_pace_s_per_km=257.0, lthr_bpm=176)

SWEET_SPOT = StructuredWorkout(
    key="sweet-spot-2x20",
    sport=Sport.RIDE,
    kind=WorkoutKind.SWEET_SPOT,
    title="Sweet spot 2x20",
    description="Two long sweet-spot blocks & an easy spin <between>.",
    blocks=(
        Step(601, W.WARMUP, 0.50, 0.75, ramp=True, cadence_rpm=90, cue="Settle in"),
        Repeat(2, (Step(1200, W.ACTIVE, 0.88, 0.93, cue="Hold 90% steady"), Step(299, W.RECOVERY, 0.55, 0.55))),
        Step(487, W.COOLDOWN, 0.60, 0.40, ramp=True),
    ),
)

HR_ENDURANCE = StructuredWorkout(
    key="endurance-hr-90",
    sport=Sport.RIDE,
    kind=WorkoutKind.ENDURANCE,
    title="Endurance with tempo bursts",
    blocks=(
        Step(900, W.WARMUP, 0.50, 0.65, ramp=True),
        Step(3000, W.ACTIVE, 0.62, 0.72),
        Repeat(3, (Step(300, W.ACTIVE, 0.82, 0.86), Step(180, W.RECOVERY, 0.60, 0.60))),
        Step(600, W.COOLDOWN, 0.55, 0.55),
    ),
)

TEMPO_RUN = StructuredWorkout(
    key="run-tempo-3x8",
    sport=Sport.RUN,
    kind=WorkoutKind.TEMPO,
    title="Tempo 3x8",
    blocks=(
        Step(900, W.WARMUP, 0.70, 0.80),
        Repeat(3, (Step(480, W.ACTIVE, 0.88, 0.92), Step(120, W.RECOVERY, 0.70, 0.70))),
        Repeat(6, (Step(20, W.ACTIVE, 1.15, 1.15, cue="Stride"), Step(40, W.RECOVERY, 0.65, 0.65))),
        Step(600, W.COOLDOWN, 0.75, 0.65, ramp=True),
    ),
)

NESTED_VO2 = StructuredWorkout(
    key="vo2-2x-6x30-30",
    sport=Sport.RIDE,
    kind=WorkoutKind.VO2MAX,
    title="VO2 2 sets of 6x30/30",
    blocks=(
        Step(720, W.WARMUP, 0.45, 0.70, ramp=True),
        Repeat(
            2,
            (
                Repeat(6, (Step(30, W.ACTIVE, 1.20, 1.30, cadence_rpm=105), Step(30, W.RECOVERY, 0.50, 0.50))),
                Step(301, W.RECOVERY, 0.55, 0.55, cue="Easy spin"),
                Step(45, W.ACTIVE, 1.05, 1.05),
            ),
        ),
        Step(600, W.COOLDOWN, 0.55, 0.45, ramp=True),
    ),
)

NAMED = {
    "power ride": (SWEET_SPOT, POWER),
    "heart-rate ride": (HR_ENDURANCE, HR_ONLY),
    "pace run": (TEMPO_RUN, RUNNER),
    "nested repeats": (NESTED_VO2, POWER),
}

# ----------------------------------------------------------------------------------------- random sessions

_cues = st.sampled_from(
    ["", "Settle in", "Go!", "Sprint 30s at 150%", 'Spin <fast> & "smooth"', "Z2 ramp 5m", "Bell\x07 rings", "Ü" * 300]
)
_fractions = st.floats(min_value=0.30, max_value=2.0, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def steps(draw: st.DrawFn) -> Step:
    ramp = draw(st.booleans())
    a, b = draw(_fractions), draw(_fractions)
    low, high = (a, b) if ramp else sorted((a, b))
    return Step(
        duration_s=draw(st.integers(min_value=1, max_value=2400)),
        intensity=draw(st.sampled_from(list(StepIntensity))),
        low=low,
        high=high,
        ramp=ramp,
        cue=draw(_cues),
        cadence_rpm=draw(st.none() | st.integers(min_value=50, max_value=120)),
    )


def blocks(depth: int) -> st.SearchStrategy[Block]:
    if depth == 0:
        return steps()
    inner = st.lists(blocks(depth - 1), min_size=1, max_size=3).map(tuple)
    return st.one_of(steps(), st.builds(Repeat, count=st.integers(min_value=1, max_value=4), blocks=inner))


@st.composite
def workouts(draw: st.DrawFn, sport: Sport = Sport.RIDE) -> StructuredWorkout:
    return StructuredWorkout(
        key=draw(st.sampled_from(["sweet-spot-2x20", "Über Tempo 3×10", "vo2/30-30"])),
        sport=sport,
        kind=WorkoutKind.TEMPO,
        title=draw(st.sampled_from(["Tempo", "Über & <VO2>", "A" * 90, "Über " * 60, "Tab\tand\x00null"])),
        blocks=tuple(draw(st.lists(blocks(2), min_size=1, max_size=4))),
    )


def shown(text: str) -> str:
    """What a file can show of ``text``: control characters become spaces (the formats cannot carry them)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", " ", text)
