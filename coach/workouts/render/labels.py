"""Short step names shared by the formats that show one on the head unit (FIT step names, Zwift text events)."""

from __future__ import annotations

import unicodedata

from coach.i18n import N_, t
from coach.workouts.model import Step, StepIntensity

_DEFAULT = {
    StepIntensity.WARMUP: N_("Warm-up"),
    StepIntensity.ACTIVE: N_("Work"),
    StepIntensity.RECOVERY: N_("Recover"),
    StepIntensity.COOLDOWN: N_("Cool-down"),
}


def step_label(step: Step) -> str:
    """The step's cue, or its role when it has none."""
    return plain_text(step.cue).strip() or t(_DEFAULT[step.intensity])


def plain_text(text: str) -> str:
    """``text`` with control characters (tabs, line breaks, NUL…) as spaces: a NUL ends a FIT string early, XML
    cannot hold most of them, and a line break would end an ERG header line."""
    return "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
