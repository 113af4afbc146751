"""Matching arriving workouts to the planned session of their local day: done, partial, or unplanned.

Every write of a user's workouts ends in `integrations.sync.history.relink` (a sync page, a webhook's
fetch, a FIT import, a provider's delete), and relink ends here, in the same transaction and under the same
per-user lock. So there is one place where a session learns what became of it, whichever path the workout
took, and a workout sent by two providers counts once: only the record that speaks for the session
(``canonicalId`` NULL) is matched.

The match is recomputed from the stored rows of the days touched, never accumulated, so a redelivered
webhook, a re-import or a relink that changed which copy is canonical gives the same answer:

- a session is **done** when the day's workouts of its sport family carry at least `DONE_LOAD_FRACTION` of
  its planned load (the usual "compliance" line of TrainingPeaks and TrainerRoad), **partial** below that;
- a workout whose day has no session of its family is **unplanned** (nothing is stored for it: `/week`
  counts it from the workouts);
- a session whose workout was deleted goes back to planned (the daily job may then call it missed).
A session the athlete skipped ("rest") or that was replaced stays as it is: a ride on a rest day is unplanned.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from coach.science.heart_rate import profile_from_settings
from coach.science.load import session_load
from db.models import PlannedWorkout, Workout
from db.repositories import calendar_sync, plans, users, workouts
from integrations.sync.sessions import sport_family

logger = logging.getLogger(__name__)

DONE_LOAD_FRACTION = 0.8

# The plan's sports (`coach.workouts.model.Sport` values) as the providers' sport families.
_PLANNED_FAMILY = {"ride": "cycling", "run": "running", "swim": "swimming"}
_STRENGTH_TYPES = frozenset({"weighttraining", "strengthtraining", "workout", "training", "crossfit"})


@dataclass(frozen=True, slots=True)
class DoneWorkout:
    """A counted workout of one local day, as the match reads it."""

    workout_id: str
    started: datetime
    family: str | None
    load_tss: float


@dataclass(frozen=True, slots=True)
class PlannedRow:
    session_id: str
    sport: str
    planned_tss: float
    status: str


@dataclass(frozen=True, slots=True)
class Match:
    session_id: str
    status: str
    workout_id: str | None


def workout_family(workout_type: str | None) -> str | None:
    """The family of a provider's sport name; strength sessions by their usual names."""
    family = sport_family(workout_type)
    if family is None and workout_type:
        letters = "".join(c for c in workout_type.lower() if c.isalpha())
        if letters in _STRENGTH_TYPES:
            return "strength"
    return family


def planned_family(sport: str) -> str:
    return _PLANNED_FAMILY.get(sport, sport)


def match_day(sessions: Sequence[PlannedRow], done: Sequence[DoneWorkout]) -> list[Match]:
    """The status and matched workout of each of one day's sessions (pure: the rule of this module).

    One session of a family takes every workout of that family that day (a ride split in two is one
    session done); several sessions of one family take that family's workouts in start order, one each.
    """
    by_family: dict[str, list[DoneWorkout]] = defaultdict(list)
    for workout in sorted(done, key=lambda w: w.started):
        if workout.family is not None:
            by_family[workout.family].append(workout)
    sessions_by_family: dict[str, list[PlannedRow]] = defaultdict(list)
    for row in sessions:
        sessions_by_family[planned_family(row.sport)].append(row)

    out: list[Match] = []
    for family, rows in sessions_by_family.items():
        found = by_family.get(family, [])
        groups = [found] if len(rows) == 1 else [[w] for w in found]
        for index, row in enumerate(rows):
            group = groups[index] if index < len(groups) else []
            if not group:
                out.append(Match(row.session_id, "planned", None))
                continue
            load = sum(w.load_tss for w in group)
            main = max(group, key=lambda w: (w.load_tss, w.started))
            done_enough = load >= DONE_LOAD_FRACTION * row.planned_tss
            out.append(Match(row.session_id, "done" if done_enough else "partial", main.workout_id))
    return out


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(workout: Workout, zone: ZoneInfo) -> date:
    """The provider's own local date when it sent one, else the start in the athlete's zone."""
    if workout.local_date is not None:
        return workout.local_date
    return workout.date.astimezone(zone).date()


async def rematch(session: AsyncSession, *, user_id: str, start: datetime, end: datetime) -> int:
    """Recompute the matches of the user's sessions on the local days of [start, end]; returns rows changed.

    Local days run up to 14 hours either side of UTC, so the days looked at are widened by one each way.
    Athletes without a plan cost one indexed query.
    """
    first_day, last_day = (start - timedelta(days=1)).date(), (end + timedelta(days=1)).date()
    rows = await plans.matchable_sessions(session, user_id=user_id, start=first_day, end=last_day)
    if not rows:
        return 0
    user = await users.get(session, user_id=user_id)
    if user is None:
        return 0
    zone = _zone(user.timezone)
    profile = profile_from_settings(
        rest_hr_bpm=user.resting_hr, max_hr_bpm=user.max_hr, lthr_bpm=user.lthr, female=user.sex == "female"
    )
    days = {row.date for row in rows}
    lo = datetime.combine(min(days) - timedelta(days=1), time(), tzinfo=UTC)
    hi = datetime.combine(max(days) + timedelta(days=2), time(), tzinfo=UTC)
    done_by_day: dict[date, list[DoneWorkout]] = defaultdict(list)
    pairing: dict[str, str] = {}  # workout id → Intervals.icu event id it was paired with
    for workout in await workouts.between(session, user_id=user_id, start=lo, end=hi, canonical_only=True):
        day = local_day(workout, zone)
        if day in days:
            load = session_load(
                duration_s=workout.duration_sec,
                sport=workout.type,
                tss=workout.tss,
                average_hr=workout.average_hr,
                raw_json=workout.raw_json,
                profile=profile,
            )
            done_by_day[day].append(DoneWorkout(workout.id, workout.date, workout_family(workout.type), load.value))
            if (event_id := paired_event_id(workout)) is not None:
                pairing[workout.id] = event_id
    by_id = {row.id: row for row in rows}
    current = {row.id: (row.status, row.workout_id) for row in rows}
    changes = []
    exact = await _paired_matches(session, user_id=user_id, pairing=pairing, by_id=by_id, done_by_day=done_by_day)
    for match in exact:
        if (match.status, match.workout_id) != current[match.session_id]:
            changes.append((match.session_id, match.status, match.workout_id))
    taken = {m.session_id for m in exact}
    sessions_by_day: dict[date, list[PlannedRow]] = defaultdict(list)
    for row in rows:
        if row.id not in taken:
            sessions_by_day[row.date].append(PlannedRow(row.id, row.sport, row.planned_tss, row.status))
    for day, day_rows in sessions_by_day.items():
        for match in match_day(day_rows, done_by_day.get(day, [])):
            status = match.status
            if status == "planned" and current[match.session_id][0] == "missed":
                status = "missed"  # still nothing done: what the daily job decided stands
            if (status, match.workout_id) != current[match.session_id]:
                changes.append((match.session_id, status, match.workout_id))
    await plans.set_matches(session, user_id=user_id, changes=changes)
    if changes:
        logger.debug("plan match: %d sessions changed", len(changes))
    return len(changes)


def paired_event_id(workout: Workout) -> str | None:
    """The Intervals.icu calendar event an activity was paired with (``paired_event_id``), if it says so."""
    if workout.source != "intervals" or not isinstance(workout.raw_json, dict):
        return None
    value = workout.raw_json.get("paired_event_id")
    return str(value) if isinstance(value, int | str) and str(value).strip() else None


async def _paired_matches(
    session: AsyncSession,
    *,
    user_id: str,
    pairing: dict[str, str],
    by_id: dict[str, PlannedWorkout],
    done_by_day: dict[date, list[DoneWorkout]],
) -> list[Match]:
    """Sessions whose calendar event (one we wrote) an activity was paired with: matched to it exactly, on any
    day, and those workouts leave the day's pool. The rest are matched by day and sport, as always."""
    if not pairing:
        return []
    sessions_of = await calendar_sync.sessions_of_events(
        session, user_id=user_id, event_ids=list(set(pairing.values()))
    )
    paired: dict[str, list[DoneWorkout]] = defaultdict(list)
    for done in done_by_day.values():
        for workout in list(done):
            session_id = sessions_of.get(pairing.get(workout.workout_id, ""))
            if session_id is not None and session_id in by_id:
                paired[session_id].append(workout)
                done.remove(workout)
    out = []
    for session_id, group in paired.items():
        row = by_id[session_id]
        load = sum(w.load_tss for w in group)
        main = max(group, key=lambda w: (w.load_tss, w.started))
        status = "done" if load >= DONE_LOAD_FRACTION * row.planned_tss else "partial"
        out.append(Match(session_id, status, main.workout_id))
    return out
