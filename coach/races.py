"""The athlete's races as stored goals: add one from ``/race``, list, reprioritise, delete.

A race is validated by `coach.reports.requests.parse_race` (name, date, priority, distance) before it gets
here; storing it refuses a second race with the same name on the same day. Callers rebuild an active plan
after every change to the races (`coach.plans.rebuild_if_active`), so the plan leads to the races there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from coach.availability import plan_sport
from coach.planning.model import Priority, RaceGoal
from coach.reports.requests import RaceRequest
from coach.workouts.model import Sport
from db.models import Race, User
from db.repositories import races


class RaceExists(Exception):
    """The athlete already has a race of this name on this day; nothing was stored."""

    def __init__(self, name: str, day: date) -> None:
        super().__init__(f"You already have {name} on {day:%d %b %Y}.")
        self.name = name
        self.day = day


async def add(session: AsyncSession, user: User, request: RaceRequest) -> Race:
    """Store the race (sport: the athlete's own); `RaceExists` if it is already there."""
    stored = await races.add(
        session,
        user_id=user.id,
        name=request.name,
        day=request.day,
        priority=request.priority,
        sport=plan_sport(user).value,
        distance_km=request.distance_km,
    )
    if stored is None:
        raise RaceExists(request.name, request.day)
    return stored


def goal(race: Race) -> RaceGoal:
    return RaceGoal(
        name=race.name,
        day=race.date,
        priority=Priority(race.priority),
        sport=Sport(race.sport),
        distance_km=race.distance,
    )


def goals(stored: Sequence[Race]) -> tuple[RaceGoal, ...]:
    return tuple(goal(race) for race in stored)
