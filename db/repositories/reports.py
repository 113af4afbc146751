"""Reports written by the coach, and the requests that say where each one goes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.errors import AlreadyOpen
from db.models import Report, ReportRequest


async def add(
    session: AsyncSession,
    *,
    user_id: str,
    type: str,
    status: str,
    start: datetime,
    end: datetime,
    markdown: str | None = None,
    suggestions: dict[str, Any] | None = None,
    model_version: str | None = None,
) -> Report:
    """A report row. An unfinished one (PENDING, PROCESSING) while the user has another raises `AlreadyOpen`:
    the partial unique index decides, so two processes inserting at the same instant cannot both succeed (the
    second waits for the first to commit, then fails). A savepoint keeps the caller's transaction usable."""
    report = Report(
        user_id=user_id,
        type=type,
        status=status,
        date_range_start=start,
        date_range_end=end,
        markdown=markdown,
        suggestions=suggestions,
        model_version=model_version,
    )
    try:
        async with session.begin_nested():
            session.add(report)
            await session.flush()
    except IntegrityError as err:
        if _violated(err) == OPEN_REPORT_INDEX:
            raise AlreadyOpen(user_id) from err
        raise
    return report


OPEN_REPORT_INDEX = "Report_userId_open_key"


def _violated(err: IntegrityError) -> str | None:
    """The name of the constraint or unique index an insert broke (asyncpg reports it on the cause)."""
    return getattr(getattr(err.orig, "__cause__", None), "constraint_name", None)


# --- Requests: where a report goes ---------------------------------------------------------------------------


async def add_request(
    session: AsyncSession,
    *,
    report_id: str,
    chat_id: int,
    params: dict[str, Any],
    progress_message_id: int | None = None,
) -> ReportRequest:
    """The delivery row of a report (its work is a job of the queue, `db.repositories.jobs`)."""
    request = ReportRequest(
        report_id=report_id, chat_id=chat_id, params=params, progress_message_id=progress_message_id
    )
    session.add(request)
    await session.flush()
    return request


async def db_now(session: AsyncSession) -> datetime:
    """The database's clock (when a report was delivered)."""
    now: datetime | None = await session.scalar(select(func.now()))
    assert now is not None
    return now


async def get_with_request(session: AsyncSession, *, report_id: str) -> tuple[Report, ReportRequest] | None:
    stmt = (
        select(Report, ReportRequest)
        .join(ReportRequest, ReportRequest.report_id == Report.id)
        .where(Report.id == report_id)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    report, request = row
    return report, request


async def open_for_user(session: AsyncSession, *, user_id: str, statuses: Sequence[str]) -> Report | None:
    """The user's newest report still in ``statuses`` (one at a time per user)."""
    stmt = (
        select(Report)
        .join(ReportRequest, ReportRequest.report_id == Report.id)
        .where(Report.user_id == user_id, Report.status.in_(statuses))
        .order_by(Report.created_at.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def set_progress_message(session: AsyncSession, *, report_id: str, message_id: int) -> None:
    await session.execute(
        update(ReportRequest).where(ReportRequest.report_id == report_id).values(progress_message_id=message_id)
    )
