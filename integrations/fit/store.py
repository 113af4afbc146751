"""A FIT summary as a `Workout` row (source ``"fit"``) and as plain JSON.

The workout's ``externalId`` is the sha256 of the file, so sending the same file twice — from the CLI, in
chat, or both — finds the row that is already there and stores nothing new. The whole summary, device
values included, goes into ``rawJson``: the coach reads its ``load``/``load_method`` (HRSS for rides
without power), and a later recomputation can compare against what the device said.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import sync_state, workouts
from integrations.fit.summary import WorkoutSummary
from integrations.sync import history

SOURCE = "fit"

# FIT sport names → the activity types providers use, so imported and synced sessions read alike.
_WORKOUT_TYPES = {
    "cycling": "Ride",
    "running": "Run",
    "swimming": "Swim",
    "walking": "Walk",
    "hiking": "Hike",
    "rowing": "Rowing",
    "cross_country_skiing": "NordicSki",
    "training": "Workout",
}


def workout_type(sport: str) -> str:
    return _WORKOUT_TYPES.get(sport, sport.replace("_", " ").title())


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def summary_json(summary: WorkoutSummary) -> dict[str, Any]:
    """The summary with ISO-8601 times and plain strings: what ``--json`` prints and ``rawJson`` keeps."""
    values = _plain(dataclasses.asdict(summary))
    assert isinstance(values, dict)
    values.pop("plausibility_wording")  # the English sentence is kept as "plausibility"
    return values


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def workout_row(summary: WorkoutSummary, *, user_id: str) -> dict[str, Any]:
    """The attribute-keyed `Workout` row; integer columns are rounded as the devices display them."""
    kind = workout_type(summary.sport)
    return {
        "user_id": user_id,
        "source": SOURCE,
        "external_id": summary.external_id,
        "date": summary.start_time,
        "title": f"{kind} (FIT file)",
        "type": kind,
        "duration_sec": summary.duration_sec,
        "distance_meters": summary.distance_meters,
        "average_watts": _whole(summary.average_watts),
        "max_watts": _whole(summary.max_watts),
        "normalized_power": _whole(summary.normalized_power),
        "average_hr": _whole(summary.average_hr),
        "max_hr": _whole(summary.max_hr),
        "tss": summary.tss,
        "intensity_factor": summary.intensity_factor,
        "kilojoules": _whole(summary.kilojoules),
        "raw_json": summary_json(summary),
    }


async def store(session: AsyncSession, *, user_id: str, summary: WorkoutSummary) -> bool:
    """Store the workout unless this file was imported before; True when a row was added.

    The file is one more copy of a session a provider may also have sent: it is linked with them
    (`integrations.sync.history`), so the coach counts the session once.
    """
    await sync_state.lock_user(session, user_id=user_id, scope=history.LOCK_SCOPE)
    added = await workouts.insert_new(session, [workout_row(summary, user_id=user_id)]) == 1
    if added:
        await history.relink(session, user_id=user_id, start=summary.start_time, end=summary.start_time)
    return added


async def exists(session: AsyncSession, *, user_id: str, summary: WorkoutSummary) -> bool:
    found = await workouts.get_by_key(session, user_id=user_id, source=SOURCE, external_id=summary.external_id)
    return found is not None
