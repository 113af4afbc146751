"""Writing workouts: bulk upsert of each provider's records, then relinking the sessions they touch.

Every write of a user's workouts holds that user's ``workouts`` advisory lock until the transaction ends, so
concurrent syncs and webhook deliveries of the same athlete queue instead of each relinking a window the
other is changing. Rows are written in key order (no deadlock between writers of overlapping batches) by
``INSERT … ON CONFLICT DO UPDATE`` on the seed's (userId, source, externalId) key, which never touches
``canonicalId``: links are recomputed afterwards from the stored rows alone (`integrations.sync.sessions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.repositories import sync_state, workouts
from integrations.records import WorkoutRecord
from integrations.sync import plan_match
from integrations.sync.sessions import START_TOLERANCE, candidate, links

LOCK_SCOPE = "workouts"


async def write_workouts(session: AsyncSession, *, user_id: str, records: Sequence[WorkoutRecord]) -> int:
    """Upsert ``records`` (the last of duplicates wins) and relink the sessions around them; returns rows written."""
    if not records:
        return 0
    await sync_state.lock_user(session, user_id=user_id, scope=LOCK_SCOPE)
    unique = {(r.source, r.external_id): r for r in records}
    rows = [unique[key].row(user_id) for key in sorted(unique)]
    written = await workouts.upsert_many(session, rows)
    await relink(session, user_id=user_id, start=min(r.start for r in records), end=max(r.start for r in records))
    return written


async def relink(session: AsyncSession, *, user_id: str, start: datetime, end: datetime) -> int:
    """Recompute the links of every session that could involve a workout started in [start, end].

    Sessions never span a gap of more than the start tolerance between consecutive starts, so the window is
    widened until both of its edges have such a gap; every session inside is then seen whole. Call it after
    any write or delete of workouts outside `write_workouts` (a FIT import, a provider's delete event), in
    the same transaction and after `sync_state.lock_user` with scope ``"workouts"``. Returns links changed.

    The planned sessions of those days are then matched again (`plan_match`): every path that writes a
    workout passes here, so every arriving workout is matched, and only the record that speaks for a session.
    """
    changed = await _relink_window(session, user_id=user_id, start=start, end=end)
    await plan_match.rematch(session, user_id=user_id, start=start, end=end)
    return changed


async def _relink_window(session: AsyncSession, *, user_id: str, start: datetime, end: datetime) -> int:
    lo, hi = start - START_TOLERANCE, end + START_TOLERANCE
    while True:
        rows = await workouts.link_window(session, user_id=user_id, start=lo, end=hi)
        if not rows:
            return 0
        first, last = rows[0]["date"], rows[-1]["date"]
        widened = (min(lo, first - START_TOLERANCE), max(hi, last + START_TOLERANCE))
        if widened == (lo, hi):
            break
        lo, hi = widened
    wanted = links(candidate(dict(row)) for row in rows)
    changes = [(row["id"], wanted[row["id"]]) for row in rows if row["canonical_id"] != wanted[row["id"]]]
    await workouts.set_links(session, changes)
    return len(changes)


async def delete_workout(session: AsyncSession, *, user_id: str, source: str, external_id: str) -> bool:
    """Delete one provider's record (a Strava ``delete`` event, WHOOP ``workout.deleted``) and relink its session.

    When the deleted record spoke for the session, the richest remaining copy takes over. Returns whether a
    record was deleted.
    """
    await sync_state.lock_user(session, user_id=user_id, scope=LOCK_SCOPE)
    started = await workouts.delete_by_key(session, user_id=user_id, source=source, external_id=external_id)
    if started is None:
        return False
    await relink(session, user_id=user_id, start=started, end=started)
    return True
