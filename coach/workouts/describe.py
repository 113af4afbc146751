"""A session in words, in the athlete's own units: "2 × 20 min at 220–235 W, 5 min easy between; 1 h 15 min, ~75 TSS".

Pure functions returning plain strings (no markup: the bot escapes what it sends). Every number comes from the
workout and the athlete's thresholds through `coach.workouts.targets`: watts for a rider with a power meter,
bpm without one, pace (min/km, or min/mi for imperial units) for a runner, and a share of threshold effort when
nothing is known. Each phrase is built by its own small function so the wording can be translated later.
"""

from __future__ import annotations

from coach.i18n import N_, t
from coach.workouts import library
from coach.workouts.model import Block, Repeat, Step, StepIntensity, StructuredWorkout
from coach.workouts.targets import ResolvedTarget, TargetKind, Thresholds, resolve, target_kind

METRES_PER_MILE = 1609.344
TSS_ROUNDING = 5  # "~75 TSS": a plan's load is an estimate, not a measurement


def duration_text(seconds: int) -> str:
    """``1 h 15 min``, ``45 min``, ``1 min 30 s``, ``15 s``."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if secs or not parts:
        parts.append(f"{secs} s")
    return " ".join(parts)


def _pace_text(speed_m_s: float, imperial: bool) -> str:
    seconds = round((METRES_PER_MILE if imperial else 1000.0) / speed_m_s)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _range(low: str, high: str, ramp: bool) -> str:
    if low == high:
        return low
    return f"{low}→{high}" if ramp else f"{low}–{high}"


def target_text(step: Step, kind: TargetKind, thresholds: Thresholds) -> str:
    """The step's target: ``220–235 W``, ``142–151 bpm``, ``4:10–4:18 /km``, ``88–94 % of threshold``."""
    target: ResolvedTarget = resolve(step, kind, thresholds)
    if kind is TargetKind.POWER:
        return f"{_range(f'{target.low:.0f}', f'{target.high:.0f}', step.ramp)} W"
    if kind is TargetKind.HEART_RATE:
        return f"{_range(f'{target.low:.0f}', f'{target.high:.0f}', step.ramp)} bpm"
    if kind is TargetKind.PACE:
        unit = "/mi" if thresholds.imperial else "/km"
        # A pace range reads fast to slow; a ramp keeps its direction.
        first, second = (
            (target.low, target.high) if step.ramp else (max(target.low, target.high), min(target.low, target.high))
        )
        paces = _pace_text(first, thresholds.imperial), _pace_text(second, thresholds.imperial)
        return f"{_range(*paces, step.ramp)} {unit}"
    return t(
        "{range} % of threshold",
        range=_range(f"{target.low * 100:.0f}", f"{target.high * 100:.0f}", step.ramp),
    )


def _at(step: Step, kind: TargetKind, thresholds: Thresholds) -> str:
    return t(
        "{duration} at {target}", duration=duration_text(step.duration_s), target=target_text(step, kind, thresholds)
    )


def _easy_between(seconds: int) -> str:
    return t("{duration} easy between", duration=duration_text(seconds))


def _between_sets(seconds: int) -> str:
    return t("{duration} easy between sets", duration=duration_text(seconds))


def _repeat_text(repeat: Repeat, kind: TargetKind, thresholds: Thresholds) -> str:
    """``5 × 4 min at 265–300 W, 4 min easy between``; nested sets in brackets."""
    blocks = repeat.blocks
    first = blocks[0]
    if isinstance(first, Repeat):
        inner = _repeat_text(first, kind, thresholds)
        rest = [b for b in blocks[1:] if isinstance(b, Step)]
        tail = f", {_between_sets(rest[0].duration_s)}" if rest else ""
        return f"{repeat.count} × ({inner}){tail}"
    work = [b for b in blocks if isinstance(b, Step) and b.intensity is StepIntensity.ACTIVE]
    easy = [b for b in blocks if isinstance(b, Step) and b.intensity is StepIntensity.RECOVERY]
    if len(work) == 2 and not easy:  # over-unders: two working steps alternate
        pair = f"{_at(work[0], kind, thresholds)} + {_at(work[1], kind, thresholds)}"
        return f"{repeat.count} × ({pair})"
    text = f"{repeat.count} × {_at(work[0] if work else first, kind, thresholds)}" if isinstance(first, Step) else ""
    if easy:
        text += f", {_easy_between(easy[0].duration_s)}"
    return text


def _main_block(workout: StructuredWorkout) -> Block | None:
    """The block that defines the session: its largest repeat, else its longest working step."""
    repeats = [b for b in workout.blocks if isinstance(b, Repeat)]
    if repeats:
        return max(repeats, key=lambda b: b.duration_s)
    steady = [b for b in workout.blocks if isinstance(b, Step) and b.intensity is StepIntensity.ACTIVE]
    return max(steady, key=lambda b: b.duration_s) if steady else None


def main_set_text(workout: StructuredWorkout, thresholds: Thresholds) -> str:
    """The heart of the session in one phrase, in the athlete's units."""
    kind = target_kind(workout.sport, thresholds)
    main = _main_block(workout)
    if isinstance(main, Repeat):
        return _repeat_text(main, kind, thresholds)
    if isinstance(main, Step):
        return _at(main, kind, thresholds)
    return library.title_text(workout)


def load_text(workout: StructuredWorkout) -> str:
    tss = round(workout.planned_tss / TSS_ROUNDING) * TSS_ROUNDING
    return f"~{tss:.0f} TSS"


def session_text(workout: StructuredWorkout, thresholds: Thresholds) -> str:
    """``2 × 20 min at 220–235 W, 5 min easy between; 1 h 15 min, ~75 TSS``."""
    return t(
        "{main}; {duration}, {load}",
        main=main_set_text(workout, thresholds),
        duration=duration_text(workout.duration_s),
        load=load_text(workout),
    )


_STEP_LABELS = {
    StepIntensity.WARMUP: N_("Warm up"),
    StepIntensity.COOLDOWN: N_("Cool down"),
    StepIntensity.RECOVERY: N_("Easy"),
}


def _step_label(step: Step) -> str:
    if step.intensity is StepIntensity.ACTIVE:
        return library.cue_text(step.cue) if step.cue else t("Steady")
    return t(_STEP_LABELS[step.intensity])


def _step_line(step: Step, kind: TargetKind, thresholds: Thresholds) -> str:
    return t("{label}: {step}", label=_step_label(step), step=_at(step, kind, thresholds))


def step_lines(workout: StructuredWorkout, thresholds: Thresholds) -> list[str]:
    """One line per block, repeats as ``N ×`` followed by their steps indented by two spaces per level."""
    kind = target_kind(workout.sport, thresholds)
    lines: list[str] = []

    def walk(blocks: tuple[Block, ...], depth: int) -> None:
        for block in blocks:
            if isinstance(block, Step):
                lines.append("  " * depth + _step_line(block, kind, thresholds))
            else:
                lines.append("  " * depth + f"{block.count} ×")
                walk(block.blocks, depth + 1)

    walk(workout.blocks, 0)
    return lines
