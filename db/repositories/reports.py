"""Reports written by the coach."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Report


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
    session.add(report)
    await session.flush()
    return report
