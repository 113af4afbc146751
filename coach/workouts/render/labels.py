"""Short step names shared by the formats that show one on the head unit (FIT step names, Zwift text events)."""

from __future__ import annotations

from coach.workouts.model import Step, StepIntensity

_DEFAULT = {
    StepIntensity.WARMUP: "Warm-up",
    StepIntensity.ACTIVE: "Work",
    StepIntensity.RECOVERY: "Recover",
    StepIntensity.COOLDOWN: "Cool-down",
}


def step_label(step: Step) -> str:
    """The step's cue, or its role when it has none."""
    return step.cue.strip() or _DEFAULT[step.intensity]
