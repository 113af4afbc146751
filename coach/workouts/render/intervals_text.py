"""Intervals.icu workout text: the event description Intervals.icu parses into a structured workout.

Intervals.icu turns this text into the workout it sends on to Garmin, Wahoo, Zwift and others, converting the
percentages with the athlete's own thresholds there. The syntax (forum.intervals.icu t/1163, t/123701):

- one step per line, ``- [cue] duration [ramp] target [cadence]``; other lines are section headers;
- durations as ``1h2m30s`` (``m`` is *minutes*: distances would need ``mtr``/``km``, we only write time);
- targets: ``88-92%`` (of FTP) for rides with power, ``90-95% LTHR`` for heart rate, ``80-85% Pace`` (of
  threshold pace, as speed: higher is faster) for runs; a ramp is ``ramp 50-75%``, start then end;
- a repeat is a header ending in ``Nx`` with a blank line before and after its steps. **There is no nesting**: a
  repeat that holds a repeat is written out around its inner sets (`model.single_level`).

Percentages are whole numbers (a quarter of a percent is under a watt at 250 W), which every Intervals.icu
version parses. A cue keeps only plain words: anything that could read as a duration, a target or a keyword
(digits, ``%``, ``ramp``, ``rpm``…) would change the step, so such words are left out of the text.
"""

from __future__ import annotations

import re

from coach.workouts.model import Repeat, Sport, Step, StepIntensity, StructuredWorkout, single_level
from coach.workouts.targets import TargetKind, Thresholds, lthr_fraction, target_kind

REPEAT_HEADER = "Main set"

# The event ``type`` of a session on the Intervals.icu calendar (its activity types; "Active Recovery" and the
# like are not types, and are refused).
ACTIVITY_TYPES = {Sport.RIDE: "Ride", Sport.RUN: "Run", Sport.SWIM: "Swim", Sport.STRENGTH: "WeightTraining"}

_RESERVED = frozenset(
    {
        "ramp",
        "freeride",
        "maxeffort",
        "hidepower",
        "press",
        "lap",
        "rpm",
        "pace",
        "hr",
        "lthr",
        "mmp",
        "intensity",
        "km",
        "mi",
        "mtr",
    }
)
_PLAIN_WORD = re.compile(r"[^\W\d_][^\W\d]*[.,!?;:]?")


def duration_text(seconds: int) -> str:
    """``1h2m30s`` with only the parts that are not zero (``45s``, ``20m``, ``1h``)."""
    hours, rest = divmod(seconds, 3600)
    mins, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{mins}m" if mins else "", f"{secs}s" if secs else ""]
    return "".join(parts)


def cue_text(cue: str) -> str:
    """The cue's words that Intervals.icu cannot mistake for part of the step."""
    words = [
        word
        for word in cue.split()
        if _PLAIN_WORD.fullmatch(word) and word.strip(".,!?;:").lower() not in _RESERVED and len(word) > 1
    ]
    return " ".join(words)


def _percent_pair(low: float, high: float) -> tuple[int, int]:
    return round(low * 100), round(high * 100)


def target_text(step: Step, kind: TargetKind) -> str:
    """The step's target in Intervals.icu's syntax; empty for an open (effort-only) step."""
    if kind is TargetKind.OPEN:
        return ""
    low, high = step.low, step.high
    if kind is TargetKind.HEART_RATE:
        low, high = lthr_fraction(low), lthr_fraction(high)
    start, end = _percent_pair(low, high)
    suffix = {TargetKind.POWER: "%", TargetKind.HEART_RATE: "% LTHR", TargetKind.PACE: "% Pace"}[kind]
    if step.ramp:
        return f"ramp {start}-{end}{suffix}"
    if start == end:
        return f"{start}{suffix}"
    return f"{start}-{end}{suffix}"


def step_line(step: Step, kind: TargetKind) -> str:
    parts = ["-", cue_text(step.cue), duration_text(step.duration_s), target_text(step, kind)]
    if step.cadence_rpm is not None:
        parts.append(f"{step.cadence_rpm}rpm")
    return " ".join(part for part in parts if part)


def _section(step: Step) -> str:
    if step.intensity is StepIntensity.WARMUP:
        return "Warmup"
    if step.intensity is StepIntensity.COOLDOWN:
        return "Cooldown"
    return ""


def render_intervals_text(workout: StructuredWorkout, thresholds: Thresholds) -> str:
    """The description text of the session's calendar event, in this athlete's target unit."""
    kind = target_kind(workout.sport, thresholds)
    sections: list[list[str]] = []
    current: str | None = None  # the header of the open section of plain steps
    for block in single_level(workout.blocks):
        if isinstance(block, Repeat):
            lines = [f"{REPEAT_HEADER} {block.count}x"]
            lines.extend(step_line(step, kind) for step in block.blocks if isinstance(step, Step))
            sections.append(lines)
            current = None
            continue
        header = _section(block)
        if current != header:
            sections.append([header] if header else [])
            current = header
        sections[-1].append(step_line(block, kind))
    return "\n\n".join("\n".join(lines) for lines in sections) + "\n"
