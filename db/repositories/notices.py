"""One-off notices: say something to a user once (or once per period), even across restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CoachNotice


async def claim(
    session: AsyncSession, *, user_id: str, kind: str, now: datetime, every: timedelta | None = None
) -> bool:
    """True if the notice should be shown now (never shown, or last shown ``every`` ago); records it.

    One statement, so two concurrent messages cannot both show it.
    """
    stmt = insert(CoachNotice).values(user_id=user_id, kind=kind, shown_at=now)
    if every is None:
        stmt = stmt.on_conflict_do_nothing()
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=[CoachNotice.user_id, CoachNotice.kind],
            set_={"shownAt": now},
            where=CoachNotice.shown_at <= now - every,
        )
    result = await session.execute(stmt.returning(CoachNotice.kind))
    return result.first() is not None
