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
from integrations.fit import parse_activities
from integrations.fit import store as fit_store
from integrations.fit.summary import WorkoutSummary, activity_external_id, fit_external_id, summarize_activity

# The user's FTP is a cycling threshold; a running or rowing file with power is scored with its own.
_SPORTS_USING_THE_USERS_FTP = frozenset({"cycling"})


@dataclass(frozen=True, slots=True)
class FitImport:
    """One activity of the file (a triathlon file gives one per leg)."""

    summary: WorkoutSummary
    stored: bool  # False for a dry run and for a file imported before
    duplicate: bool  # this file is already in the athlete's history
    impact: LoadImpact | None  # None without a user to measure it against


def summarize(data: bytes, *, user: User | None, ftp_w: float | None) -> tuple[WorkoutSummary, ...]:
    """Decode and summarise every activity (CPU-bound; raises `FitImportError` for anything unusable).

    An explicit ``ftp_w`` is the file's FTP; in a file with several sports it is taken as the cycling one.
    """
    activities = parse_activities(data)
    file_id = fit_external_id(data)
    several = len(activities) > 1
    summaries = []
    for activity in activities:
        cycling = activity.sport in _SPORTS_USING_THE_USERS_FTP
        summaries.append(
            summarize_activity(
                activity,
                external_id=activity_external_id(file_id, activity.session_index, len(activities)),
                ftp_w=ftp_w if cycling or not several else None,
                user_ftp_w=user.ftp if user is not None and cycling else None,
                hr_profile=loads.heart_rate_profile(user) if user is not None else None,
            )
        )
    return tuple(summaries)


async def import_fit(
    sessions: async_sessionmaker[AsyncSession],
    data: bytes,
    *,
    user: User | None,
    ftp_w: float | None = None,
    dry_run: bool = False,
) -> tuple[FitImport, ...]:
    """Import every activity of the file in one transaction: all of them are stored, or none."""
    summaries = await asyncio.to_thread(summarize, data, user=user, ftp_w=ftp_w)
    if user is None:
        return tuple(FitImport(summary=summary, stored=False, duplicate=False, impact=None) for summary in summaries)
    candidates = [Workout(**fit_store.workout_row(summary, user_id=user.id)) for summary in summaries]
    results = []
    if dry_run:
        async with sessions() as session:
            for summary, candidate in zip(summaries, candidates, strict=True):
                impact = await daily.load_impact(session, user, candidate=candidate)
                duplicate = await fit_store.exists(session, user_id=user.id, summary=summary)
                results.append(FitImport(summary=summary, stored=False, duplicate=duplicate, impact=impact))
        return tuple(results)
    async with sessions.begin() as session:
        stored = [await fit_store.store(session, user_id=user.id, summary=summary) for summary in summaries]
        for summary, candidate, added in zip(summaries, candidates, stored, strict=True):
            impact = await daily.load_impact(session, user, candidate=candidate)
            results.append(FitImport(summary=summary, stored=added, duplicate=not added, impact=impact))
    return tuple(results)
