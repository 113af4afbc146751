"""Importing one FIT file for one athlete: the use case behind ``coach-watts import-fit`` and a ``.fit`` in chat.

Decoding and the science run in a worker thread before any transaction opens (a 6-hour ride takes
seconds to decode; the bot keeps answering others meanwhile, and no database connection waits on it).
The row and the fitness/form impact are then written and read in one short transaction, so a refused
file, a crash or a dry run stores nothing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from coach import daily, loads
from coach.daily import LoadImpact
from db.models import User, Workout
from integrations.fit import parse_fit
from integrations.fit import store as fit_store
from integrations.fit.summary import WorkoutSummary, fit_external_id, summarize_activity

# The user's FTP is a cycling threshold; a running or rowing file with power is scored with its own.
_SPORTS_USING_THE_USERS_FTP = frozenset({"cycling"})


@dataclass(frozen=True, slots=True)
class FitImport:
    summary: WorkoutSummary
    stored: bool  # False for a dry run and for a file imported before
    duplicate: bool  # this file is already in the athlete's history
    impact: LoadImpact | None  # None without a user to measure it against


def summarize(data: bytes, *, user: User | None, ftp_w: float | None) -> WorkoutSummary:
    """Decode and summarise (CPU-bound; raises `FitImportError` for anything unusable)."""
    activity = parse_fit(data)
    user_ftp = user.ftp if user is not None and activity.sport in _SPORTS_USING_THE_USERS_FTP else None
    return summarize_activity(
        activity,
        external_id=fit_external_id(data),
        ftp_w=ftp_w,
        user_ftp_w=user_ftp,
        hr_profile=loads.heart_rate_profile(user) if user is not None else None,
    )


async def import_fit(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    *,
    user: User | None,
    ftp_w: float | None = None,
    dry_run: bool = False,
) -> FitImport:
    summary = await asyncio.to_thread(summarize, data, user=user, ftp_w=ftp_w)
    if user is None:
        return FitImport(summary=summary, stored=False, duplicate=False, impact=None)
    candidate = Workout(**fit_store.workout_row(summary, user_id=user.id))
    if dry_run:
        async with sessions() as session:
            impact = await daily.load_impact(session, user, candidate=candidate)
            duplicate = await fit_store.exists(session, user_id=user.id, summary=summary)
        return FitImport(summary=summary, stored=False, duplicate=duplicate, impact=impact)
    async with sessions.begin() as session:
        stored = await fit_store.store(session, user_id=user.id, summary=summary)
        impact = await daily.load_impact(session, user, candidate=candidate)
    return FitImport(summary=summary, stored=stored, duplicate=not stored, impact=impact)
