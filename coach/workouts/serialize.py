"""A structured workout as plain JSON and back, for the planned sessions stored in PostgreSQL (JSONB).

The JSON keeps the model's own terms, so a stored session reads like the code that made it::

    {"key": "sweet-spot-2x20", "sport": "ride", "kind": "sweet_spot", "title": "...", "description": "",
     "blocks": [{"duration_s": 600, "intensity": "warmup", "low": 0.5, "high": 0.75, "ramp": true},
                {"repeat": 2, "blocks": [{"duration_s": 1200, "intensity": "active", "low": 0.88, "high": 0.93},
                                         {"duration_s": 300, "intensity": "recovery", "low": 0.5, "high": 0.55}]}]}

Optional step fields (``ramp``, ``cue``, ``cadence_rpm``) are written only when set. Reading goes through the
model's constructors, so stored data that breaks a rule (a zero duration, an intensity above 3) raises
`ValueError` instead of becoming a session.
"""

from __future__ import annotations

from typing import Any

from coach.workouts.model import Block, Repeat, Sport, Step, StepIntensity, StructuredWorkout, WorkoutKind

Json = dict[str, Any]


def block_to_json(block: Block) -> Json:
    if isinstance(block, Repeat):
        return {"repeat": block.count, "blocks": blocks_to_json(block.blocks)}
    data: Json = {
        "duration_s": block.duration_s,
        "intensity": block.intensity.value,
        "low": block.low,
        "high": block.high,
    }
    if block.ramp:
        data["ramp"] = True
    if block.cue:
        data["cue"] = block.cue
    if block.cadence_rpm is not None:
        data["cadence_rpm"] = block.cadence_rpm
    return data


def blocks_to_json(blocks: tuple[Block, ...]) -> list[Json]:
    return [block_to_json(block) for block in blocks]


def _number(data: Json, name: str) -> float:
    value = data[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} is not a number")
    return float(value)


def _int(data: Json, name: str) -> int:
    value = _number(data, name)
    if not value.is_integer():
        raise ValueError(f"{name} is not a whole number")
    return int(value)


def block_from_json(data: Json) -> Block:
    if not isinstance(data, dict):
        raise ValueError("a block is a JSON object")
    try:
        if "repeat" in data:
            return Repeat(count=_int(data, "repeat"), blocks=blocks_from_json(data["blocks"]))
        cadence = data.get("cadence_rpm")
        return Step(
            duration_s=_int(data, "duration_s"),
            intensity=StepIntensity(data["intensity"]),
            low=_number(data, "low"),
            high=_number(data, "high"),
            ramp=bool(data.get("ramp", False)),
            cue=str(data.get("cue", "")),
            cadence_rpm=None if cadence is None else _int(data, "cadence_rpm"),
        )
    except KeyError as err:
        raise ValueError(f"a block lacks {err.args[0]}") from err


def blocks_from_json(data: list[Json]) -> tuple[Block, ...]:
    if not isinstance(data, list):
        raise ValueError("blocks are a JSON list")
    return tuple(block_from_json(item) for item in data)


def workout_to_json(workout: StructuredWorkout) -> Json:
    return {
        "key": workout.key,
        "sport": workout.sport.value,
        "kind": workout.kind.value,
        "title": workout.title,
        "description": workout.description,
        "blocks": blocks_to_json(workout.blocks),
    }


def workout_from_json(data: Json) -> StructuredWorkout:
    try:
        return StructuredWorkout(
            key=str(data["key"]),
            sport=Sport(data["sport"]),
            kind=WorkoutKind(data["kind"]),
            title=str(data["title"]),
            blocks=blocks_from_json(data["blocks"]),
            description=str(data.get("description", "")),
        )
    except KeyError as err:
        raise ValueError(f"a workout lacks {err.args[0]}") from err
