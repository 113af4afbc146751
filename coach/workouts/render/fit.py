"""FIT workout files for Garmin, Wahoo and Hammerhead head units and watches.

Written with Garmin's own encoder (`garmin-fit-sdk`, 21.200.0 and later encode): it follows the current FIT
profile and writes the header and CRC. Both it and fit-tool 0.9.16 were checked (December 2026) to write a
workout with power, heart-rate and repeat steps that fitdecode reads back with the CRC verified; the SDK was
chosen because it is Garmin's, has no dependencies and ships each new profile (`tests/workouts/test_fit.py`
keeps checking it). Its trap: the encoder
writes **main fields only** and silently drops sub-field keys (``duration_time``, ``custom_target_power_low``,
``repeat_steps``), so every step is given in main fields with raw values:

- ``duration_value`` in milliseconds (the ``duration_time`` sub-field has scale 1000);
- ``custom_target_value_low/high``: watts + 1000 (values under 1000 would be read as % FTP), bpm + 100 (values
  up to 100 would be % of max HR), or speed in mm/s; always absolute, so the device's own FTP or max HR (which
  may differ from ours) plays no part;
- a repeat is a step after its block with ``duration_type`` ``repeat_until_steps_cmplt``, ``duration_value`` the
  ``message_index`` of the block's first step and ``target_value`` the total number of times.

Nesting: a repeat step inside another repeat's block is valid FIT, but head units differ in how they count it,
so a repeat that holds a repeat is written out (`model.single_level`): the inner sets stay repeat steps.
FIT has no ramp target: a ramp is the range it covers, with its direction in the step's notes.
Cadence goes into the secondary target (profile 21.x), where the primary target is power, heart rate or speed.
"""

from __future__ import annotations

import zlib
from datetime import datetime
from typing import Any

from garmin_fit_sdk import Encoder, Profile

from coach.i18n import t
from coach.workouts.model import Repeat, Sport, Step, StepIntensity, StructuredWorkout, single_level
from coach.workouts.render.labels import plain_text, step_label
from coach.workouts.targets import ResolvedTarget, TargetKind, Thresholds, resolve, target_kind

POWER_OFFSET_W = 1000  # custom power targets: W + 1000 (below 1000 a device reads % FTP)
HR_OFFSET_BPM = 100  # custom heart-rate targets: bpm + 100 (up to 100 a device reads % of max HR)
SPEED_RAW_PER_M_S = 1000  # custom speed targets: mm/s
DURATION_RAW_PER_S = 1000  # time durations: ms
STRING_MAX_BYTES = 254  # a FIT field holds 255 bytes; a string ends with a zero byte
PRODUCT_NAME = "Coach Watts"

_MESG = Profile["mesg_num"]

_SPORT: dict[Sport, tuple[str, str]] = {
    Sport.RIDE: ("cycling", "generic"),
    Sport.RUN: ("running", "generic"),
    Sport.SWIM: ("swimming", "lap_swimming"),
    Sport.STRENGTH: ("training", "strength_training"),
}

_INTENSITY = {
    StepIntensity.WARMUP: "warmup",
    StepIntensity.ACTIVE: "active",
    StepIntensity.RECOVERY: "recovery",
    StepIntensity.COOLDOWN: "cooldown",
}

_TARGET_TYPE = {
    TargetKind.POWER: "power",
    TargetKind.HEART_RATE: "heart_rate",
    TargetKind.PACE: "speed",
}


def custom_target_raw(target: ResolvedTarget) -> tuple[int, int]:
    """The (low, high) raw custom target of a resolved target; a ramp's start and end become its range."""
    low, high = sorted((target.low, target.high))
    if target.kind is TargetKind.POWER:
        return round(low) + POWER_OFFSET_W, round(high) + POWER_OFFSET_W
    if target.kind is TargetKind.HEART_RATE:
        return round(low) + HR_OFFSET_BPM, round(high) + HR_OFFSET_BPM
    if target.kind is TargetKind.PACE:
        return round(low * SPEED_RAW_PER_M_S), round(high * SPEED_RAW_PER_M_S)
    raise ValueError("an open target has no custom range")


def _ramp_note(target: ResolvedTarget) -> str:
    if target.kind is TargetKind.POWER:
        return t("Ramp {start} → {end}", start=round(target.low), end=round(target.high)) + " W"
    if target.kind is TargetKind.HEART_RATE:
        return t("Ramp {start} → {end}", start=round(target.low), end=round(target.high)) + " bpm"
    if target.kind is TargetKind.PACE:
        return t("Ramp {start} → {end}", start=_pace(target.low), end=_pace(target.high)) + " /km"
    return t("Ramp")


def fit_string(text: str) -> str:
    """``text`` cut to what a FIT string field holds, at a character boundary (the encoder refuses longer)."""
    encoded = plain_text(text).encode()
    if len(encoded) <= STRING_MAX_BYTES:
        return plain_text(text)
    return encoded[:STRING_MAX_BYTES].decode(errors="ignore")


def _pace(speed_m_s: float) -> str:
    seconds = round(1000.0 / speed_m_s)
    return f"{seconds // 60}:{seconds % 60:02d}"


def _step_message(index: int, step: Step, kind: TargetKind, thresholds: Thresholds) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_index": index,
        "wkt_step_name": fit_string(step_label(step)),
        "intensity": _INTENSITY[step.intensity],
        "duration_type": "time",
        "duration_value": step.duration_s * DURATION_RAW_PER_S,
    }
    notes: list[str] = []
    if kind is TargetKind.OPEN:
        if step.cadence_rpm is not None:
            message.update(
                target_type="cadence",
                target_value=0,
                custom_target_value_low=step.cadence_rpm,
                custom_target_value_high=step.cadence_rpm,
            )
        else:
            message["target_type"] = "open"
    else:
        target = resolve(step, kind, thresholds)
        low, high = custom_target_raw(target)
        message.update(
            target_type=_TARGET_TYPE[kind], target_value=0, custom_target_value_low=low, custom_target_value_high=high
        )
        if step.ramp:
            notes.append(_ramp_note(target))
        if step.cadence_rpm is not None:
            message.update(
                secondary_target_type="cadence",
                secondary_target_value=0,
                secondary_custom_target_value_low=step.cadence_rpm,
                secondary_custom_target_value_high=step.cadence_rpm,
            )
    if step.cue.strip():
        notes.append(step.cue.strip())  # after the ramp: if the notes are cut, the cue is also the step's name
    if notes:
        message["notes"] = fit_string(". ".join(notes))
    return message


def _step_messages(workout: StructuredWorkout, kind: TargetKind, thresholds: Thresholds) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []

    def add_steps(steps: tuple[Step, ...]) -> None:
        for step in steps:
            messages.append(_step_message(len(messages), step, kind, thresholds))

    for block in single_level(workout.blocks):
        if isinstance(block, Step):
            add_steps((block,))
            continue
        assert isinstance(block, Repeat)
        first = len(messages)
        add_steps(tuple(b for b in block.blocks if isinstance(b, Step)))
        messages.append(
            {
                "message_index": len(messages),
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": first,
                "target_value": block.count,
            }
        )
    return messages


def serial_number(key: str) -> int:
    """A stable, non-zero 32-bit serial for the session key: the same session always makes the same file."""
    return zlib.crc32(key.encode()) or 1


def render_fit(workout: StructuredWorkout, thresholds: Thresholds, *, created: datetime) -> bytes:
    """The session as a FIT workout file (``created``: an aware time, the file's ``time_created``)."""
    if created.tzinfo is None:
        raise ValueError("the creation time of a FIT file must be timezone-aware")
    kind = target_kind(workout.sport, thresholds)
    steps = _step_messages(workout, kind, thresholds)
    sport, sub_sport = _SPORT[workout.sport]
    encoder = Encoder()
    encoder.on_mesg(
        _MESG["FILE_ID"],
        {
            "type": "workout",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial_number(workout.key),
            "time_created": created,
            "product_name": PRODUCT_NAME,
        },
    )
    workout_message: dict[str, Any] = {
        "wkt_name": fit_string(workout.title),
        "sport": sport,
        "sub_sport": sub_sport,
        "num_valid_steps": len(steps),
    }
    if workout.description:
        workout_message["wkt_description"] = fit_string(workout.description)
    encoder.on_mesg(_MESG["WORKOUT"], workout_message)
    for message in steps:
        encoder.on_mesg(_MESG["WORKOUT_STEP"], message)
    data: bytes = encoder.close()
    return data
